import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { hasLocalNvmeStorage } from '../../../private/instance-types';
import { instanceVariants, renderResource } from '../utils';

/**
 * SageMaker endpoint configs encrypt the ML storage volumes with a KMS key, except where the API
 * forbids one.
 *
 * Compliant when `KmsKeyId` is set, or when it is absent and every instance-based variant
 * resolves to an instance type with local NVMe storage (CreateEndpointConfig rejects a key for
 * those; their instance storage is hardware-encrypted). An absent key with a serverless-only,
 * empty or unresolvable variant list is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::EndpointConfig') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const properties = renderResource(node).properties;
    const key = properties.KmsKeyId;
    if (key !== undefined && key !== '') {
      return NagRuleCompliance.COMPLIANT;
    }
    const variants = instanceVariants(properties);
    if (!variants || variants.length === 0) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    return variants.every((v) => typeof v.InstanceType === 'string' && hasLocalNvmeStorage(v.InstanceType))
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
