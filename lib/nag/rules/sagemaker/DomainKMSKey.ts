import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { flattenToString, renderResource } from '../utils';

/**
 * SageMaker Studio domains encrypt their home EFS file system with a customer managed key.
 *
 * Compliant when `KmsKeyId` is a non-empty literal or a reference to a resource (a key in the
 * stack, an import). Absent, empty, `AWS::NoValue` or a value that could be anything (a
 * parameter, `Fn::If`) is non-compliant: SageMaker then uses an AWS managed key.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Domain') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const key = flattenToString(node, renderResource(node).properties.KmsKeyId).trim();
    return key.length > 0 && !key.includes('*') ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
