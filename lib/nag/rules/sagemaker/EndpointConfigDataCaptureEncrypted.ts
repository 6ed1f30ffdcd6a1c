import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, renderResource } from '../utils';

/**
 * SageMaker endpoint configs that capture inference data encrypt it with a KMS key.
 *
 * Not applicable without `DataCaptureConfig`, or when `EnableCapture` resolves to `false`.
 * Otherwise compliant only when `DataCaptureConfig.KmsKeyId` is set (without it SageMaker uses the
 * account's AWS managed S3 key). A configuration that does not resolve is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::EndpointConfig') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const capture = renderResource(node).properties.DataCaptureConfig;
    if (capture === undefined) {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    if (!isPlainObject(capture)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    if (capture.EnableCapture === false || capture.EnableCapture === 'false') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return capture.KmsKeyId !== undefined && capture.KmsKeyId !== ''
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
