import { NagMessageLevel } from 'cdk-nag';
import { isPlainObject, isProvable, isTrue, render } from './cfn-values';
import { Control, judge } from './control';
import { ECR_SECTION } from './sections';

/**
 * Amazon ECR repositories that hold training, processing and inference images. cdk-nag's
 * AwsSolutions-ECR1 covers repository policies with open access; these controls cover the rest.
 * Internal.
 */

const REPOSITORY = 'AWS::ECR::Repository';

/** ECR repositories scan images on push. */
export const ECR_REPOSITORY_SCAN_ON_PUSH: Control = {
  id: 'ECRRepositoryScanOnPush',
  resourceTypes: [REPOSITORY],
  level: NagMessageLevel.ERROR,
  section: ECR_SECTION,
  info: 'The ECR repository does not scan images on push (ImageScanningConfiguration.ScanOnPush is not true).',
  explanation: 'Images run with the job and endpoint roles and see the training and inference data; scanning on push finds known vulnerabilities before an image is used.',
  doc: {
    cause: 'An `AWS::ECR::Repository` whose `ImageScanningConfiguration.ScanOnPush` is not `true`. Registry-level (enhanced) scanning is an account setting the template '
      + 'cannot show: when it is on, acknowledge the finding with that reason.',
    fix: 'Set `imageScanOnPush: true` on `ecr.Repository` (`imageScanningConfiguration: { scanOnPush: true }` on `CfnRepository`).',
    sources: 'Security Hub [ECR.1] ECR private repositories should have image scanning configured (AWS Config `ecr-private-image-scanning-enabled`).',
  },
  check: ({ properties: p }) => {
    const scanning = p.ImageScanningConfiguration;
    return [judge(isPlainObject(scanning) && isTrue(scanning.ScanOnPush), 'scan on push', 'images are not scanned on push')];
  },
};

/** ECR repositories have immutable tags. */
export const ECR_REPOSITORY_TAG_IMMUTABLE: Control = {
  id: 'ECRRepositoryTagImmutable',
  resourceTypes: [REPOSITORY],
  level: NagMessageLevel.ERROR,
  section: ECR_SECTION,
  info: 'The ECR repository does not have immutable tags (ImageTagMutability is not IMMUTABLE or IMMUTABLE_WITH_EXCLUSION).',
  explanation: 'With mutable tags, anyone who can push can replace the image a job or endpoint runs by tag, without any change to the template.',
  doc: {
    cause: 'An `AWS::ECR::Repository` whose `ImageTagMutability` is not `IMMUTABLE` or `IMMUTABLE_WITH_EXCLUSION` (absent means `MUTABLE`).',
    fix: 'Set `imageTagMutability: ecr.TagMutability.IMMUTABLE` on `ecr.Repository`, and reference images by digest where you can.',
    sources: 'Security Hub [ECR.2] ECR private repositories should have tag immutability configured (AWS Config `ecr-private-tag-immutability-enabled`).',
  },
  check: ({ properties: p }) => [judge(p.ImageTagMutability === 'IMMUTABLE' || p.ImageTagMutability === 'IMMUTABLE_WITH_EXCLUSION', `ImageTagMutability ${p.ImageTagMutability}`,
    `ImageTagMutability ${render(p.ImageTagMutability) || 'not set (MUTABLE)'}: tags can be moved to another image`)],
};

/** ECR repositories encrypt images with a customer managed KMS key. */
export const ECR_REPOSITORY_KMS_KEY: Control = {
  id: 'ECRRepositoryKMSKey',
  resourceTypes: [REPOSITORY],
  level: NagMessageLevel.ERROR,
  section: ECR_SECTION,
  info: 'The ECR repository does not encrypt images with a customer managed KMS key (EncryptionConfiguration KMS with a KmsKey that can be proven at synth time).',
  explanation: 'Images often contain model code and sometimes weights; with a customer managed key, pulling them also requires the key, and its use is audited.',
  doc: {
    cause: 'An `AWS::ECR::Repository` without `EncryptionConfiguration.EncryptionType` `KMS` (or `KMS_DSSE`) and a `KmsKey` that resolves at synth time (absent means AES-256 '
      + 'with an AWS owned key; `KMS` without `KmsKey` uses the AWS managed key).',
    fix: 'Set `encryption: ecr.RepositoryEncryption.KMS` and `encryptionKey` on `ecr.Repository`.',
    sources: 'Security Hub [ECR.5] ECR repositories should be encrypted with customer managed AWS KMS keys (AWS Config `ecr-repository-cmk-encryption-enabled`).',
  },
  check: ({ properties: p, template }) => {
    const enc = p.EncryptionConfiguration;
    const kms = isPlainObject(enc) && (enc.EncryptionType === 'KMS' || enc.EncryptionType === 'KMS_DSSE');
    return [judge(kms && isProvable(enc.KmsKey, template), `${enc?.EncryptionType} with ${render(enc?.KmsKey)}`,
      kms ? 'KMS encryption without a customer managed KmsKey' : 'images are not encrypted with a customer managed key')];
  },
};

/** ECR repositories have a lifecycle policy. */
export const ECR_REPOSITORY_LIFECYCLE_POLICY: Control = {
  id: 'ECRRepositoryLifecyclePolicy',
  resourceTypes: [REPOSITORY],
  level: NagMessageLevel.WARN,
  section: ECR_SECTION,
  info: 'The ECR repository has no lifecycle policy (LifecyclePolicy.LifecyclePolicyText).',
  explanation: 'Without a lifecycle policy old, unpatched images stay available for jobs and endpoints to run, and storage grows without bound.',
  doc: {
    cause: 'An `AWS::ECR::Repository` without a non-empty `LifecyclePolicy.LifecyclePolicyText` that resolves at synth time.',
    fix: 'Add lifecycle rules (`repository.addLifecycleRule({ maxImageCount })` or `tagStatus: UNTAGGED` with `maxImageAge`).',
    sources: 'Security Hub [ECR.3] ECR repositories should have at least one lifecycle policy configured (AWS Config `ecr-private-lifecycle-policy-configured`).',
  },
  check: ({ properties: p, template }) => {
    const policy = p.LifecyclePolicy;
    return [judge(isPlainObject(policy) && isProvable(policy.LifecyclePolicyText, template), 'lifecycle policy set', 'no lifecycle policy')];
  },
};
