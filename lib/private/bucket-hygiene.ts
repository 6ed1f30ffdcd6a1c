import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { acknowledgeControls } from './acknowledge';
import { validationError } from './errors';

/** Days after which an incomplete multipart upload is aborted (its parts are never an object). */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

/**
 * What every bucket of an environment has besides encryption and access control:
 * - a lifecycle rule: incomplete multipart uploads aborted after 7 days, expired delete markers
 *   removed, and noncurrent versions deleted after `noncurrentVersionExpiration` when it is set
 *   (kept otherwise: versions are how overwritten or deleted data is recovered). AWS Control
 *   Tower's proactive controls CT.S3.PR.3 and CT.S3.PR.6 require a lifecycle rule on versioned
 *   buckets.
 * - S3 event notifications to Amazon EventBridge (CT.S3.PR.4), so that writes and deletes can be
 *   alerted on. Set on the CloudFormation resource itself: aws-cdk-lib's `eventBridgeEnabled` would
 *   add its notifications custom resource (a Lambda function) to every stack.
 */
export function applyBucketHygiene(scope: IConstruct, bucket: s3.Bucket, noncurrentVersionExpiration?: Duration): void {
  if (noncurrentVersionExpiration !== undefined && !noncurrentVersionExpiration.isUnresolved()) {
    const days = noncurrentVersionExpiration.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1) {
      throw validationError(scope, 'InvalidNoncurrentVersionExpiration',
        `\`noncurrentVersionExpiration\` is ${noncurrentVersionExpiration.toString()}: S3 lifecycle rules count whole days, at least 1. Use \`Duration.days(n)\`, or leave it out to keep old versions.`);
    }
  }
  bucket.addLifecycleRule({
    id: 'AbortIncompleteUploadsAndTidyVersions',
    abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
    expiredObjectDeleteMarker: true,
    noncurrentVersionExpiration,
  });
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  cfnBucket.notificationConfiguration = {
    eventBridgeConfiguration: { eventBridgeEnabled: true },
  };
  acknowledgeControls(cfnBucket,
    'S3 Object Lock is elective: it makes every object version undeletable until its retention ends (erasure requests and clean-ups included), and can be turned on only when a bucket is created, never off. Versioning, the retained bucket and the alerts on served artifacts protect against overwrites and deletes instead.',
    'CT.S3.PR.9');
}
