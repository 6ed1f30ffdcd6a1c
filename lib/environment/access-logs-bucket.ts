import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeControls, FINDINGS } from '../private/acknowledge';
import { applyBucketHygiene } from '../private/bucket-hygiene';
import { acknowledgeAutoDeleteProvider } from '../private/cdk-providers';
import { validationError } from '../private/errors';

/**
 * Properties of an `AccessLogsBucket`.
 */
export interface AccessLogsBucketProps {
  /**
   * What happens to the bucket (and the access logs in it) when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN - access logs are audit evidence
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Delete every object version when CloudFormation deletes the bucket (sandboxes). Needs
   * `removalPolicy: RemovalPolicy.DESTROY`.
   *
   * @default false
   */
  readonly emptyOnDelete?: boolean;
}

/**
 * The destination of S3 server access logs for the environment's buckets.
 *
 * S3 server access logging only delivers to buckets encrypted with SSE-S3, so this bucket
 * cannot use the environment key; everything else matches `SecureBucket` (block public access,
 * BucketOwnerEnforced, versioning, TLS 1.2+ only, retained, the lifecycle rule and event
 * notifications to EventBridge). Log delivery is granted through the
 * bucket policy to the S3 logging service, per source bucket and prefix, for this account only.
 */
export class AccessLogsBucket extends Construct {
  /** The bucket that receives the access logs. */
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    if (props.emptyOnDelete && props.removalPolicy !== RemovalPolicy.DESTROY) {
      throw validationError(this, 'EmptyOnDeleteWithoutDestroy',
        `\`emptyOnDelete\` empties the bucket when CloudFormation deletes it, but \`removalPolicy\` is ${props.removalPolicy ?? RemovalPolicy.RETAIN}, so it is never deleted. Set \`removalPolicy: RemovalPolicy.DESTROY\` too (sandboxes only), or drop \`emptyOnDelete\`.`);
    }

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: props.emptyOnDelete ?? false,
    });
    if (props.emptyOnDelete) {
      acknowledgeAutoDeleteProvider(this);
    }
    applyBucketHygiene(this, this.bucket);
    acknowledgeControls(this.bucket.node.defaultChild as s3.CfnBucket,
      'The access-logs bucket is the destination of the other buckets\' server access logs: S3 delivers them only to buckets encrypted with SSE-S3 (not SSE-KMS), and a bucket logging into itself would log its own log deliveries without end.',
      'CT.S3.PR.2', 'CT.S3.PR.10');

    acknowledge(
      this.bucket,
      'S3 server access logging delivers only to buckets encrypted with SSE-S3 (SSE-KMS destinations are not supported), so the access-logs bucket uses SSE-S3; all data buckets use the customer KMS key.',
      ...FINDINGS.bucketKmsEncryption,
      'SageMakerSecurity-S3BucketKeyEnabled',
    );
    acknowledge(
      this.bucket,
      'Access logs are retained and versioned in-Region; cross-Region replication needs a destination bucket in another Region that only the platform team can own. Replicate with an S3 replication rule at the organization level if required.',
      ...FINDINGS.bucketReplication,
    );
  }

  /**
   * Lets the S3 logging service write the access logs of `sourceBucket` under `prefix`.
   *
   * The statement is scoped to the prefix, to this account and to the source bucket's ARN,
   * so no other bucket (or account) can deliver logs here.
   */
  public allowLogDelivery(sourceBucket: s3.IBucket, prefix: string): void {
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.ALLOW,
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${prefix}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': sourceBucket.bucketArn },
        },
      }),
    );
  }
}
