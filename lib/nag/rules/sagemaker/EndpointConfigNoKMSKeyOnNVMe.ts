import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { hasLocalNvmeStorage } from '../../../private/instance-types';
import { instanceVariants, renderResource } from '../utils';

/**
 * SageMaker endpoint configs do not set a KMS key together with an instance type that has local
 * NVMe storage: CreateEndpointConfig rejects that combination, so the deployment would fail.
 *
 * Not applicable when `KmsKeyId` is absent. With a key, non-compliant when any instance-based
 * variant's instance type has local NVMe storage or does not resolve (it could be one).
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::EndpointConfig') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const properties = renderResource(node).properties;
    if (properties.KmsKeyId === undefined || properties.KmsKeyId === '') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const variants = instanceVariants(properties);
    if (!variants) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    return variants.some((v) => typeof v.InstanceType !== 'string' || hasLocalNvmeStorage(v.InstanceType))
      ? NagRuleCompliance.NON_COMPLIANT
      : NagRuleCompliance.COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
