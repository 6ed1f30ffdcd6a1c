import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, renderResource } from '../utils';

/**
 * SageMaker models run in a VPC.
 *
 * Compliant only when `VpcConfig` has a non-empty `Subnets` list and a non-empty
 * `SecurityGroupIds` list. Lists that do not resolve to arrays (a parameter, `Fn::If`, ...) are
 * non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Model') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const vpc = renderResource(node).properties.VpcConfig;
    if (!isPlainObject(vpc)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
    return nonEmpty(vpc.Subnets) && nonEmpty(vpc.SecurityGroupIds)
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
