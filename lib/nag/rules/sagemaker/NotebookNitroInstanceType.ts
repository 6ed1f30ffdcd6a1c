import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isNitroInstanceType } from '../../../private/instance-types';
import { renderResource } from '../utils';

/**
 * SageMaker notebook instances use an instance type built on the AWS Nitro System.
 *
 * Compliant only when `InstanceType` resolves to an ML instance type of a Nitro family (so not
 * `ml.t2`, `ml.m4`, `ml.c4`, `ml.p2` or `ml.p3`; `ml.p3dn` is Nitro). A value that does not
 * resolve at synth time is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const instanceType = renderResource(node).properties.InstanceType;
    return typeof instanceType === 'string' && isNitroInstanceType(instanceType)
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
