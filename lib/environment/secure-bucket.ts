import { Annotations, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { ISageMakerNetwork, ISecureBucket } from './interfaces';
import type { SageMakerEnvironment } from './sagemaker-environment';
import { acknowledge, FINDINGS } from '../private/acknowledge';
import { acknowledgeAutoDeleteProvider } from '../private/auto-delete';
import { validationError } from '../private/errors';
import { grantOnPrincipal } from '../private/grants';
import * as perms from '../private/perms';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/**
 * Properties of a `SecureBucket`.
 */
export interface SecureBucketProps {
  /**
   * The environment whose key and access-logs bucket this bucket uses when they are not given.
   *
   * @default - the stack's default environment (`SageMakerEnvironment.of(this)`), created on first use
   */
  readonly environment?: SageMakerEnvironment;

  /**
   * The customer-managed KMS key that encrypts every object (SSE-KMS with an S3 Bucket Key).
   *
   * @default - the environment's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Where S3 server access logs of this bucket go.
   *
   * @default - the environment's access-logs bucket
   */
  readonly serverAccessLogsBucket?: AccessLogsBucket;

  /**
   * Key prefix of this bucket's access logs in the access-logs bucket.
   *
   * @default - `<unique id of this bucket>/`
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * Deny object reads, writes and deletes that do not arrive through the network's S3 gateway
   * endpoint (`aws:SourceVpce`). Bucket configuration stays manageable from outside the VPC.
   * Requires `network`.
   *
   * @default false
   */
  readonly restrictToVpcEndpoint?: boolean;

  /**
   * The network whose S3 gateway endpoint is the only allowed path when `restrictToVpcEndpoint` is set.
   * The bucket is also added to that endpoint's policy.
   *
   * @default - no network: the bucket is not restricted to a VPC endpoint
   */
  readonly network?: ISageMakerNetwork;

  /**
   * A physical name for the bucket.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly bucketName?: string;

  /**
   * What happens to the bucket when it leaves the stack. Anything but `RETAIN` is warned about.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Delete every object version when CloudFormation deletes the bucket, so that a sandbox stack
   * can be torn down. Needs `removalPolicy: RemovalPolicy.DESTROY`. Adds aws-cdk-lib's
   * auto-delete custom resource.
   *
   * @default false
   */
  readonly emptyOnDelete?: boolean;
}

/**
 * What `SecureBucket.fromBucketAttributes` needs to use a bucket created elsewhere.
 */
export interface SecureBucketAttributes {
  /** Name of the bucket. */
  readonly bucketName: string;

  /** The customer-managed key that encrypts the bucket's objects. */
  readonly encryptionKey: kms.IKey;
}

/**
 * An S3 bucket for SageMaker data and artifacts that is locked down by default.
 *
 * - SSE-KMS with the customer key and an S3 Bucket Key; uploads naming another key are denied
 * - all public access blocked, ACLs disabled (BucketOwnerEnforced), versioning on
 * - TLS-only (TLS 1.2 or later) for the bucket and its objects
 * - server access logs to the environment's access-logs bucket
 * - optionally reachable only through the VPC's S3 gateway endpoint
 * - retained when removed from the stack
 *
 * Grants are prefix-scoped: `grantRead(role, 'team-a/')` gives `s3:GetObject` on
 * `team-a/*` only, `s3:ListBucket` only for that prefix, and `kms:Decrypt` only through S3 for
 * this bucket.
 */
export class SecureBucket extends Construct implements ISecureBucket {
  /**
   * A bucket created elsewhere (another stack or app), with the same prefix-scoped grants. Its
   * policies (TLS only, key enforcement, VPC endpoint restriction) are its owner's: nothing is
   * added to them here.
   *
   * @param scope the construct to define the import in
   * @param id construct ID
   * @param attrs the bucket's name and key
   */
  public static fromBucketAttributes(scope: Construct, id: string, attrs: SecureBucketAttributes): ISecureBucket {
    return new ImportedSecureBucket(scope, id, attrs);
  }

  /** The underlying bucket, for constructs that take an `IBucket`. */
  public readonly bucket: s3.IBucket;

  /** The key that encrypts the objects. */
  public readonly encryptionKey: kms.IKey;

  /** Name of the bucket. */
  public readonly bucketName: string;

  /** ARN of the bucket. */
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);

    if (props.restrictToVpcEndpoint && !props.network) {
      throw validationError(
        this,
        'RestrictionWithoutNetwork',
        '`restrictToVpcEndpoint` is set but `network` is not: a bucket can only be restricted to the S3 gateway endpoint of a known network. Pass `network` (for example `environment.network`) or drop `restrictToVpcEndpoint`.',
      );
    }

    if (props.bucketName !== undefined && !Token.isUnresolved(props.bucketName)) {
      try {
        s3.Bucket.validateBucketName(props.bucketName);
      } catch (e) {
        throw validationError(this, 'InvalidBucketName', `\`bucketName\`: ${(e as Error).message}`);
      }
    }
    if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
      throw validationError(this, 'SnapshotRemovalPolicy',
        '`removalPolicy` is SNAPSHOT, which CloudFormation rejects for S3 buckets. Use RETAIN (the default), RETAIN_ON_UPDATE_OR_DELETE or DESTROY.');
    }
    const logsPrefix = props.serverAccessLogsPrefix;
    if (logsPrefix !== undefined && !Token.isUnresolved(logsPrefix) && /[*?]|\$\{/.test(logsPrefix)) {
      throw validationError(this, 'InvalidAccessLogsPrefix',
        `\`serverAccessLogsPrefix\` '${logsPrefix}' contains a wildcard or a policy variable ('*', '?', '\${'), which would widen the log delivery grant on the access-logs bucket. Use a plain prefix such as 'data-bucket/'.`);
    }

    if (props.emptyOnDelete && props.removalPolicy !== RemovalPolicy.DESTROY) {
      throw validationError(this, 'EmptyOnDeleteWithoutDestroy',
        `\`emptyOnDelete\` empties the bucket when CloudFormation deletes it, but \`removalPolicy\` is ${props.removalPolicy ?? RemovalPolicy.RETAIN}, so it is never deleted. Set \`removalPolicy: RemovalPolicy.DESTROY\` too (sandboxes only), or drop \`emptyOnDelete\`.`);
    }

    const env = (): SageMakerEnvironment => {
      if (props.environment) {
        return props.environment;
      }
      // Loaded lazily: the environment module imports this one.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SageMakerEnvironment: Env } = require('./sagemaker-environment') as typeof import('./sagemaker-environment');
      return Env.of(this);
    };

    this.encryptionKey = props.encryptionKey ?? env().key;
    const logsBucket = props.serverAccessLogsBucket ?? env().accessLogsBucket;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      autoDeleteObjects: props.emptyOnDelete ?? false,
    });
    if (props.emptyOnDelete) {
      acknowledgeAutoDeleteProvider(this);
    }
    this.bucketName = this.bucket.bucketName;
    this.bucketArn = this.bucket.bucketArn;

    // Access logging is set on the L1 with an explicit bucket-policy grant on the destination, so the
    // result does not depend on the `serverAccessLogsUseBucketPolicy` feature flag of the app.
    const logPrefix = props.serverAccessLogsPrefix ?? `${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}/`;
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.loggingConfiguration = {
      destinationBucketName: logsBucket.bucket.bucketName,
      logFilePrefix: logPrefix,
    };
    logsBucket.allowLogDelivery(this.bucket, logPrefix);

    // Uploads that ask for another key (or for SSE-S3) are refused; uploads without the header get the default.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUploadsWithOtherKmsKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEqualsIfExists: {
            's3:x-amz-server-side-encryption-aws-kms-key-id': this.encryptionKey.keyArn,
          },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUploadsWithoutKms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': ['aws:kms', 'aws:kms:dsse'] },
        },
      }),
    );

    if (props.network) {
      props.network.allowBucketThroughGateway(this.bucket);
    }
    if (props.restrictToVpcEndpoint && props.network) {
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyDataAccessOutsideVpcEndpoint',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: perms.S3_DATA_ACTIONS,
          resources: [this.bucket.arnForObjects('*')],
          conditions: {
            StringNotEquals: { 'aws:SourceVpce': props.network.s3Endpoint.vpcEndpointId },
          },
        }),
      );
    }

    if (removalPolicy !== RemovalPolicy.RETAIN) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:BucketNotRetained',
        `removalPolicy is ${removalPolicy}: the bucket and every object version in it can be deleted with the stack. Keep the default (RETAIN) for training data and models.`,
      );
    }

    acknowledge(
      this.bucket,
      'Versioning, RETAIN and KMS protect the data in-Region; cross-Region replication needs a destination bucket and key in another Region chosen by the platform team, which this construct cannot create for you.',
      ...FINDINGS.bucketReplication,
    );
  }

  /**
   * Lets `grantee` read objects under `prefix`: `s3:GetObject`/`GetObjectVersion` on `prefix*`,
   * `s3:ListBucket` only for keys starting with `prefix`, and `kms:Decrypt` only through S3
   * for this bucket. A grantee the library did not create (an imported role, a user, a Lambda
   * function's role) gets a customer-managed policy, never an inline one.
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix, for example `datasets/team-a/`; no wildcards
   */
  public grantRead(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return prefixGrants(this).read(grantee, prefix);
  }

  /**
   * Lets `grantee` write (but not read or delete) objects under `prefix`, encrypting them with
   * this bucket's key through S3.
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix, for example `models/run-1/`; no wildcards
   */
  public grantWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return prefixGrants(this).write(grantee, prefix);
  }

  /**
   * Lets `grantee` read, write and delete objects under `prefix` (and list that prefix).
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix, for example `scratch/alice/`; no wildcards
   */
  public grantReadWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return prefixGrants(this).readWrite(grantee, prefix);
  }

  /**
   * The S3 URI of a prefix in this bucket, for job and model definitions.
   *
   * @param prefix key prefix
   */
  public s3UrlForPrefix(prefix: string): string {
    return prefixGrants(this).s3Url(prefix);
  }
}

/** A bucket of an environment deployed elsewhere. */
class ImportedSecureBucket extends Construct implements ISecureBucket {
  public readonly bucket: s3.IBucket;
  public readonly encryptionKey: kms.IKey;
  public readonly bucketName: string;
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, attrs: SecureBucketAttributes) {
    super(scope, id);
    this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', { bucketName: attrs.bucketName, encryptionKey: attrs.encryptionKey });
    this.encryptionKey = attrs.encryptionKey;
    this.bucketName = this.bucket.bucketName;
    this.bucketArn = this.bucket.bucketArn;
  }

  public grantRead(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return prefixGrants(this).read(grantee, prefix);
  }

  public grantWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return prefixGrants(this).write(grantee, prefix);
  }

  public grantReadWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return prefixGrants(this).readWrite(grantee, prefix);
  }

  public s3UrlForPrefix(prefix: string): string {
    return prefixGrants(this).s3Url(prefix);
  }
}

function prefixGrants(bucket: ISecureBucket): PrefixGrants {
  return new PrefixGrants(bucket);
}

/**
 * The prefix-scoped grants of a secure bucket, created here or imported: objects under the
 * prefix only, listing of the prefix only, the key only through S3 for this bucket. Grants to
 * principals the library did not create land in customer-managed policies (`grantOnPrincipal`).
 */
class PrefixGrants {
  constructor(private readonly b: ISecureBucket) {}

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
