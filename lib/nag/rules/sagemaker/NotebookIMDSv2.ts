import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, renderResource } from '../utils';

/**
 * SageMaker notebook instances require IMDSv2.
 *
 * Compliant only when `InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion`
 * resolves to `'2'` (the number 2 is accepted too). CreateNotebookInstance defaults to `1` (IMDSv1
 * and IMDSv2 both allowed), so an absent configuration is non-compliant, and so is a value that
 * does not resolve at synth time.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const imds = renderResource(node).properties.InstanceMetadataServiceConfiguration;
    if (!isPlainObject(imds)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    const version = imds.MinimumInstanceMetadataServiceVersion;
    return version === '2' || version === 2 ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
