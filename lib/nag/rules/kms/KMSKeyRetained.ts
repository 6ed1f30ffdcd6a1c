import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isRetained } from '../utils';

/**
 * KMS keys are retained on stack deletion and on replacement.
 *
 * Compliant only with `DeletionPolicy` Retain (or RetainExceptOnCreate) and `UpdateReplacePolicy` Retain.
 * `PendingWindowInDays` is deliberately ignored: a waiting period delays the loss, it does not prevent it.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::KMS::Key') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return isRetained(node) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
