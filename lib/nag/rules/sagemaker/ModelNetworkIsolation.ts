import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isTrue, renderResource } from '../utils';

/**
 * SageMaker models isolate their containers from the network.
 *
 * Compliant only when `EnableNetworkIsolation` resolves to `true`. CreateModel defaults to
 * `false`, so an absent value is non-compliant, and so is a value that does not resolve.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Model') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return isTrue(renderResource(node).properties.EnableNetworkIsolation)
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
