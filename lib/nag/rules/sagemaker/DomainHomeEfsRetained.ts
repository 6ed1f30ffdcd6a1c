import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isRetained } from '../utils';

/**
 * SageMaker Studio domains (and so their home EFS file system) survive stack deletion and replacement.
 *
 * Compliant only with `DeletionPolicy` Retain (or RetainExceptOnCreate) and `UpdateReplacePolicy`
 * Retain. CloudFormation has no property for the `RetentionPolicy` of DeleteDomain: once
 * CloudFormation deletes the domain, the home EFS with every user's files is no longer managed
 * by anything in the stack.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Domain') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return isRetained(node) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
