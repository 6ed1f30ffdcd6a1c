import { App, CfnDeletionPolicy, CfnParameter, CfnResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SageMakerSecurityChecks } from '../../../lib/nag';

const KEY_ENABLED = 'SageMakerSecurity-S3BucketKeyEnabled';
const RETAINED = 'SageMakerSecurity-S3BucketRetained';

/** Rule ID -> violating construct paths, for every violation the pack reports in the stack. */
function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

/** A bucket compliant with both S3 rules, to be weakened by each test. */
function goodBucket(stack: Stack, props: Partial<s3.CfnBucketProps> = {}): s3.CfnBucket {
  const bucket = new s3.CfnBucket(stack, 'Bucket', {
    bucketEncryption: {
      serverSideEncryptionConfiguration: [{
        serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abc' },
        bucketKeyEnabled: true,
      }],
    },
    ...props,
  });
  bucket.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return bucket;
}

describe('S3BucketKeyEnabled', () => {
  test('SSE-KMS with a bucket key is compliant', () => {
    const stack = newStack();
    goodBucket(stack);
    expect(findings(stack)).toEqual({});
  });

  test('DSSE-KMS with a bucket key is compliant', () => {
    const stack = newStack();
    goodBucket(stack, {
      bucketEncryption: {
        serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms:dsse' }, bucketKeyEnabled: true }],
      },
    });
    expect(findings(stack)).toEqual({});
  });

  test('no default encryption is non-compliant', () => {
    const stack = newStack();
    goodBucket(stack, { bucketEncryption: undefined });
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Bucket'] });
  });

  test('an empty encryption configuration is non-compliant', () => {
    const stack = newStack();
    goodBucket(stack, { bucketEncryption: { serverSideEncryptionConfiguration: [] } });
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Bucket'] });
  });

  test('SSE-KMS without a bucket key is non-compliant', () => {
    const stack = newStack();
    goodBucket(stack, {
      bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] },
    });
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Bucket'] });
  });

  test('SSE-S3 is non-compliant even with bucketKeyEnabled', () => {
    const stack = newStack();
    goodBucket(stack, {
      bucketEncryption: {
        serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
      },
    });
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Bucket'] });
  });

  test('every encryption rule must qualify', () => {
    const stack = newStack();
    goodBucket(stack, {
      bucketEncryption: {
        serverSideEncryptionConfiguration: [
          { serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: true },
          { serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: false },
        ],
      },
    });
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Bucket'] });
  });

  test('an unresolvable BucketKeyEnabled (CfnParameter) is non-compliant', () => {
    const stack = newStack();
    const useBucketKey = new CfnParameter(stack, 'UseBucketKey', { type: 'String', allowedValues: ['true', 'false'] });
    const bucket = goodBucket(stack);
    bucket.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BucketKeyEnabled', useBucketKey.valueAsString);
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Bucket'] });
  });

  test('an unresolvable SSE algorithm (CfnParameter) is non-compliant', () => {
    const stack = newStack();
    const algorithm = new CfnParameter(stack, 'Algorithm', { type: 'String' });
    goodBucket(stack, {
      bucketEncryption: {
        serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: algorithm.valueAsString }, bucketKeyEnabled: true }],
      },
    });
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Bucket'] });
  });

  test('property overrides are evaluated (what CloudFormation receives counts)', () => {
    const stack = newStack();
    const bucket = goodBucket(stack, {
      bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] },
    });
    bucket.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BucketKeyEnabled', true);
    expect(findings(stack)).toEqual({});
  });

  test('L2 bucket with a customer key and bucketKeyEnabled is compliant', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true });
    expect(findings(stack)).toEqual({});
  });

  test('a raw CfnResource of type AWS::S3::Bucket is checked too', () => {
    const stack = newStack();
    const raw = new CfnResource(stack, 'Raw', {
      type: 'AWS::S3::Bucket',
      properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } },
    });
    raw.applyRemovalPolicy(RemovalPolicy.RETAIN);
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Raw'] });
  });
});

describe('S3BucketRetained', () => {
  test('Retain / Retain is compliant', () => {
    const stack = newStack();
    goodBucket(stack);
    expect(findings(stack)).toEqual({});
  });

  test('RetainExceptOnCreate (RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE) is compliant', () => {
    const stack = newStack();
    const bucket = goodBucket(stack);
    bucket.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    expect(bucket.cfnOptions.deletionPolicy).toBe(CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE);
    expect(findings(stack)).toEqual({});
  });

  test('no policies (the L1 default) is non-compliant', () => {
    const stack = newStack();
    const bucket = goodBucket(stack);
    bucket.cfnOptions.deletionPolicy = undefined;
    bucket.cfnOptions.updateReplacePolicy = undefined;
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Bucket'] });
  });

  test('RemovalPolicy.DESTROY is non-compliant', () => {
    const stack = newStack();
    goodBucket(stack).applyRemovalPolicy(RemovalPolicy.DESTROY);
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Bucket'] });
  });

  test('retained on deletion but deleted on replacement is non-compliant', () => {
    const stack = newStack();
    goodBucket(stack).cfnOptions.updateReplacePolicy = CfnDeletionPolicy.DELETE;
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Bucket'] });
  });

  test('a DeletionPolicy that does not resolve (CfnParameter) is non-compliant', () => {
    const stack = newStack();
    const policy = new CfnParameter(stack, 'Policy', { type: 'String' });
    goodBucket(stack).addOverride('DeletionPolicy', policy.valueAsString);
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Bucket'] });
  });

  test('the L2 bucket path is reported (L2 with autoDeleteObjects / DESTROY)', () => {
    const stack = newStack();
    new s3.Bucket(stack, 'Scratch', {
      encryptionKey: new kms.Key(stack, 'Key'),
      bucketKeyEnabled: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Scratch/Resource'] });
  });

  test('acknowledging the rule on the resource removes the violation', () => {
    const stack = newStack();
    const bucket = goodBucket(stack);
    bucket.applyRemovalPolicy(RemovalPolicy.DESTROY);
    Validations.of(bucket).acknowledge({ id: RETAINED, reason: 'Scratch bucket, rebuilt from the raw data bucket by the pipeline.' });
    expect(findings(stack)).toEqual({});
  });

  test('acknowledging on an L2 parent covers its CfnBucket, and only that rule', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Scratch', { removalPolicy: RemovalPolicy.DESTROY });
    Validations.of(bucket).acknowledge({ id: RETAINED, reason: 'Scratch bucket, rebuilt from the raw data bucket by the pipeline.' });
    expect(findings(stack)).toEqual({ [KEY_ENABLED]: ['Stack/Scratch/Resource'] });
  });
});

describe('S3 rules: not applicable', () => {
  test('do not fire on other resource types', () => {
    const stack = newStack();
    new sns.CfnTopic(stack, 'Topic');
    new CfnResource(stack, 'AccessPoint', { type: 'AWS::S3::AccessPoint', properties: { Bucket: 'b' } });
    expect(findings(stack)).toEqual({});
  });
});
