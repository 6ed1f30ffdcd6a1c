import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { renderResource } from '../utils';

/** The only notebook instance platform that is not deprecated or scheduled for end of support. */
const CURRENT_PLATFORM = 'notebook-al2023-v1';

/**
 * SageMaker notebook instances run on the current platform, Amazon Linux 2023 (`notebook-al2023-v1`).
 *
 * Compliant only when `PlatformIdentifier` resolves to `notebook-al2023-v1`. The default applied
 * when the property is omitted has changed over time, so an absent value is non-compliant, and so
 * is a value that does not resolve at synth time.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return renderResource(node).properties.PlatformIdentifier === CURRENT_PLATFORM
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
