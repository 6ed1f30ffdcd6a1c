import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { instanceVariants, renderResource } from '../utils';

/**
 * Instance-based SageMaker endpoint variants run on more than one instance, so that SageMaker
 * can spread them over Availability Zones.
 *
 * Compliant when every instance-based production variant has an `InitialInstanceCount` of 2 or
 * more. Serverless variants are skipped; a count that does not resolve is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::EndpointConfig') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const properties = renderResource(node).properties;
    if (!Array.isArray(properties.ProductionVariants)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    const variants = instanceVariants({ ProductionVariants: properties.ProductionVariants });
    if (!variants) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    if (variants.length === 0) {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return variants.every((v) => typeof v.InitialInstanceCount === 'number' && v.InitialInstanceCount >= 2)
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
