import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { validationError } from './errors';
import { grantOnPrincipal } from './grants';
import * as perms from './perms';
import { acknowledgeScopedWildcards } from './wildcards';

/** A bucket whose objects are encrypted with a customer key (an `ISecureBucket`). */
export interface KeyEncryptedBucket extends IConstruct {
  readonly bucket: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  readonly bucketName: string;
  readonly bucketArn: string;
}

/**
 * The prefix-scoped grants of a secure bucket, created in this app or imported: objects under the
 * prefix only, listing of the prefix only, the key only through S3 for this bucket. Grants to
 * principals the library did not create land in customer-managed policies (`grantOnPrincipal`).
 */
export class PrefixGrants {
  constructor(private readonly b: KeyEncryptedBucket) {}

  public read(grantee: iam.IGrantable, prefix: string): iam.Grant {
    const p = this.validatePrefix(prefix);
    return this.objectGrant(grantee, p, perms.S3_OBJECT_READ)
      .combine(this.listGrant(grantee, p))
      .combine(this.keyGrant(grantee, perms.KMS_DECRYPT));
  }

  public write(grantee: iam.IGrantable, prefix: string): iam.Grant {
    const p = this.validatePrefix(prefix);
    return this.objectGrant(grantee, p, perms.S3_OBJECT_WRITE)
      .combine(this.keyGrant(grantee, perms.KMS_ENCRYPT_FOR_S3));
  }

  public readWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    const p = this.validatePrefix(prefix);
    return this.objectGrant(grantee, p, [...perms.S3_OBJECT_READ, ...perms.S3_OBJECT_WRITE, ...perms.S3_OBJECT_DELETE])
      .combine(this.listGrant(grantee, p))
      .combine(this.keyGrant(grantee, perms.KMS_ENCRYPT_FOR_S3));
  }

  public s3Url(prefix: string): string {
    const p = this.validatePrefix(prefix);
    return `s3://${this.b.bucketName}/${p}`;
  }

  private objectGrant(grantee: iam.IGrantable, prefix: string, actions: string[]): iam.Grant {
    const objects = this.b.bucket.arnForObjects(`${prefix}*`);
    acknowledgeScopedWildcards(
      grantee,
      [objects],
      `Object ARNs under the key prefix '${prefix}' of a SecureBucket; the trailing wildcard is the only way to name the objects of a prefix, and no other prefix or bucket is granted.`,
    );
    return grantOnPrincipal({ grantee, actions, resourceArns: [objects] });
  }

  private listGrant(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return grantOnPrincipal({
      grantee,
      actions: perms.S3_BUCKET_LIST,
      resourceArns: [this.b.bucketArn],
      conditions: { StringLike: { 's3:prefix': `${prefix}*` } },
    }).combine(grantOnPrincipal({
      grantee,
      actions: perms.S3_BUCKET_LOCATION,
      resourceArns: [this.b.bucketArn],
    }));
  }

  private keyGrant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return grantOnPrincipal({
      grantee,
      actions,
      resourceArns: [this.b.encryptionKey.keyArn],
      conditions: {
        StringEquals: {
          'kms:ViaService': `s3.${Stack.of(this.b).region}.amazonaws.com`,
          // With an S3 Bucket Key the encryption context is the bucket ARN.
          'kms:EncryptionContext:aws:s3:arn': this.b.bucketArn,
        },
      },
    });
  }

  private validatePrefix(prefix: string): string {
    if (Token.isUnresolved(prefix)) {
      return prefix;
    }
    if (prefix.length === 0 || prefix.includes('*') || prefix.includes('?') || prefix.startsWith('/')) {
      throw validationError(
        this.b,
        'InvalidPrefix',
        `\`prefix\` '${prefix}' is not a key prefix: grants are scoped to a non-empty prefix without wildcards or a leading '/', such as 'datasets/team-a/'. Pass the folder the grantee needs, not the whole bucket.`,
      );
    }
    return prefix;
  }
}
