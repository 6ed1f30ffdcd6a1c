import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, isTrue, renderResource } from '../utils';

/** Default-encryption algorithms that use AWS KMS (and therefore benefit from an S3 Bucket Key). */
const KMS_ALGORITHMS: unknown[] = ['aws:kms', 'aws:kms:dsse'];

/**
 * S3 buckets encrypt by default with SSE-KMS (or DSSE-KMS) and have S3 Bucket Keys enabled.
 *
 * Compliant only when `BucketEncryption.ServerSideEncryptionConfiguration` has at least one entry
 * and every entry uses `aws:kms` / `aws:kms:dsse` with `BucketKeyEnabled: true`. Values that do not
 * resolve at synth time (parameters, conditions) are non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::S3::Bucket') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const encryption = renderResource(node).properties.BucketEncryption;
    const rules = isPlainObject(encryption) ? encryption.ServerSideEncryptionConfiguration : undefined;
    if (!Array.isArray(rules) || rules.length === 0) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    for (const rule of rules) {
      if (!isPlainObject(rule) || !isPlainObject(rule.ServerSideEncryptionByDefault)) {
        return NagRuleCompliance.NON_COMPLIANT;
      }
      if (!KMS_ALGORITHMS.includes(rule.ServerSideEncryptionByDefault.SSEAlgorithm) || !isTrue(rule.BucketKeyEnabled)) {
        return NagRuleCompliance.NON_COMPLIANT;
      }
    }
    return NagRuleCompliance.COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
