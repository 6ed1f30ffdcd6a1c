import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { flattenToString, renderResource } from '../utils';

/**
 * SageMaker notebook instances have a lifecycle configuration attached.
 *
 * Compliant when `LifecycleConfigName` is a non-empty string, or is built from references to
 * resources (for example `Fn::GetAtt` of an `AWS::SageMaker::NotebookInstanceLifecycleConfig`'s
 * `NotebookInstanceLifecycleConfigName`, or an `Fn::ImportValue`). Absent, empty, `AWS::NoValue`,
 * or a value that could be anything at deploy time (a CfnParameter, `Fn::If`, `Fn::Select`, ...)
 * is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    // flattenToString keeps literals, turns resource references into `{Id.Attr}` placeholders and
    // anything unprovable (parameters, conditions) into '*', which is never a valid config name.
    const name = flattenToString(node, renderResource(node).properties.LifecycleConfigName).trim();
    return name !== '' && !name.includes('*') ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
