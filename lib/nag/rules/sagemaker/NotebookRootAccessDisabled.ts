import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { renderResource } from '../utils';

/**
 * SageMaker notebook instances do not give users root access.
 *
 * Compliant only when `RootAccess` resolves to `Disabled`. CloudFormation's default when the
 * property is omitted is `Enabled`, so an absent value is non-compliant, and so is a value that
 * does not resolve at synth time.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return renderResource(node).properties.RootAccess === 'Disabled'
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
