import { NagMessageLevel } from 'cdk-nag';
import { isPlainObject, isRetainedBy, isTrue, render } from './cfn-values';
import { Control, ControlSubject, fail, judge, Observation, pass } from './control';
import { STORAGE_SECTION } from './sections';

/** Default-encryption algorithms that use AWS KMS (and therefore benefit from an S3 Bucket Key). */
const KMS_ALGORITHMS: unknown[] = ['aws:kms', 'aws:kms:dsse'];

const RETAIN_CAUSE = 'does not have `DeletionPolicy: Retain` (or `RetainExceptOnCreate`) and `UpdateReplacePolicy: Retain`.';
const RETAIN_INFO = 'is not retained: DeletionPolicy is not Retain (or RetainExceptOnCreate), or UpdateReplacePolicy is not Retain.';
const DELETION_POLICY_DOCS = 'AWS CloudFormation User Guide, [DeletionPolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html) '
  + 'and [UpdateReplacePolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html)';

/** Compliant only with `DeletionPolicy` Retain (or RetainExceptOnCreate) and `UpdateReplacePolicy` Retain. */
export function observeRetention(subject: ControlSubject): Observation[] {
  const policies = `DeletionPolicy ${render(subject.deletionPolicy) || 'not set (Delete)'}, UpdateReplacePolicy ${render(subject.updateReplacePolicy) || 'not set (Delete)'}`;
  return [judge(isRetainedBy(subject.deletionPolicy, subject.updateReplacePolicy), policies, `${policies}: deleted with the stack or on replacement`)];
}

/**
 * S3 buckets encrypt by default with SSE-KMS (or DSSE-KMS) and have S3 Bucket Keys enabled.
 *
 * Compliant only when `BucketEncryption.ServerSideEncryptionConfiguration` has at least one entry
 * and every entry uses `aws:kms` / `aws:kms:dsse` with `BucketKeyEnabled: true`. Values that do not
 * resolve at synth time (parameters, conditions) are non-compliant.
 */
export const S3_BUCKET_KEY_ENABLED: Control = {
  id: 'S3BucketKeyEnabled',
  resourceTypes: ['AWS::S3::Bucket'],
  level: NagMessageLevel.ERROR,
  section: STORAGE_SECTION,
  info: 'The S3 bucket does not use SSE-KMS (or DSSE-KMS) default encryption with an S3 Bucket Key on every encryption rule.',
  explanation:
    'Buckets holding training data and model artifacts should be encrypted with SSE-KMS under a customer managed key, so that access to the data also '
    + 'requires access to the key. S3 Bucket Keys let S3 use a short-lived bucket-level key instead of calling AWS KMS for every object, which cuts '
    + 'KMS request volume and cost by up to 99% and removes most of the per-object KMS events from CloudTrail.',
  doc: {
    cause: 'An `AWS::S3::Bucket` has no default encryption, or one of its `ServerSideEncryptionConfiguration` rules does not use `aws:kms` / `aws:kms:dsse` with `BucketKeyEnabled: true`.',
    fix: 'Use `SecureBucket` (or `SageMakerEnvironment`\'s buckets), or set `encryption: BucketEncryption.KMS`, `encryptionKey` and `bucketKeyEnabled: true` on an `s3.Bucket`.',
    sources: 'AWS S3 User Guide, [Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys](https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html); '
      + 'Security Hub [S3.17] S3 general purpose buckets should be encrypted at rest with AWS KMS keys (AWS Config `s3-default-encryption-kms`).',
  },
  check: (subject) => {
    const encryption = subject.properties.BucketEncryption;
    const rules = isPlainObject(encryption) ? encryption.ServerSideEncryptionConfiguration : undefined;
    if (!Array.isArray(rules) || rules.length === 0) {
      return [fail('no default encryption rule (or one that does not resolve)')];
    }
    for (const rule of rules) {
      if (!isPlainObject(rule) || !isPlainObject(rule.ServerSideEncryptionByDefault)) {
        return [fail('an encryption rule without ServerSideEncryptionByDefault (or one that does not resolve)')];
      }
      const algorithm = rule.ServerSideEncryptionByDefault.SSEAlgorithm;
      if (!KMS_ALGORITHMS.includes(algorithm) || !isTrue(rule.BucketKeyEnabled)) {
        return [fail(`SSEAlgorithm ${render(algorithm) || 'not set'}, BucketKeyEnabled ${render(rule.BucketKeyEnabled) || 'not set'}`)];
      }
    }
    return [pass('SSE-KMS with an S3 Bucket Key')];
  },
};

/** S3 buckets are retained on stack deletion and on replacement. */
export const S3_BUCKET_RETAINED: Control = {
  id: 'S3BucketRetained',
  resourceTypes: ['AWS::S3::Bucket'],
  level: NagMessageLevel.ERROR,
  section: STORAGE_SECTION,
  info: `The S3 bucket ${RETAIN_INFO}`,
  explanation:
    'Training data and model artifacts are generally not reproducible. A bucket that CloudFormation may delete on stack deletion or replacement '
    + 'can take that data with it; retain the bucket and delete it deliberately when it is no longer needed.',
  doc: {
    cause: `An \`AWS::S3::Bucket\` ${RETAIN_CAUSE}`,
    fix: 'Keep the `RemovalPolicy.RETAIN` default of `s3.Bucket` and `SecureBucket`; acknowledge the finding on scratch buckets that are rebuilt from other data.',
    sources: `${DELETION_POLICY_DOCS}.`,
  },
  check: observeRetention,
};

/**
 * KMS keys are retained on stack deletion and on replacement. `PendingWindowInDays` is
 * deliberately ignored: a waiting period delays the loss, it does not prevent it.
 */
export const KMS_KEY_RETAINED: Control = {
  id: 'KMSKeyRetained',
  resourceTypes: ['AWS::KMS::Key'],
  level: NagMessageLevel.ERROR,
  section: STORAGE_SECTION,
  info: `The KMS key ${RETAIN_INFO}`,
  explanation:
    'Once a KMS key is deleted, every S3 object, EBS/EFS volume, log group and model artifact encrypted with it is permanently unreadable. '
    + 'The pending-deletion window only delays that loss, so the key itself must be retained when the stack is deleted or the key replaced.',
  doc: {
    cause: `An \`AWS::KMS::Key\` ${RETAIN_CAUSE} \`PendingWindowInDays\` is not taken into account.`,
    fix: 'Keep the `RemovalPolicy.RETAIN` default of `kms.Key` (the key of `SageMakerEnvironment` is retained); never set `RemovalPolicy.DESTROY` on a key that encrypted data you keep.',
    sources: 'AWS KMS Developer Guide, [Deleting AWS KMS keys](https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html); Security Hub [KMS.3] AWS KMS keys should not be deleted unintentionally.',
  },
  check: observeRetention,
};

/** CloudWatch Logs log groups are retained on stack deletion and on replacement. */
export const LOG_GROUP_RETAINED: Control = {
  id: 'LogGroupRetained',
  resourceTypes: ['AWS::Logs::LogGroup'],
  level: NagMessageLevel.ERROR,
  section: STORAGE_SECTION,
  info: `The CloudWatch Logs log group ${RETAIN_INFO}`,
  explanation:
    'Logs of notebooks, training jobs, endpoints and VPC flow logs are audit evidence. Deleting the log group with the stack destroys that evidence '
    + 'exactly when an investigation may need it; retain the log group and let its retention period expire the events.',
  doc: {
    cause: `An \`AWS::Logs::LogGroup\` ${RETAIN_CAUSE}`,
    fix: 'Set `removalPolicy: RemovalPolicy.RETAIN` on `logs.LogGroup` (its default is RETAIN) and a `retention` period that expires the events.',
    sources: 'Security Hub [CloudWatch.16] CloudWatch log groups should be retained for a specified time period (AWS Config `cw-loggroup-retention-period-check`); '
      + 'AWS CloudFormation [DeletionPolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).',
  },
  check: observeRetention,
};
