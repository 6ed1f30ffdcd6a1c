import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { renderResource } from '../utils';

/**
 * SageMaker Studio domains send all app traffic through the VPC.
 *
 * Compliant only when `AppNetworkAccessType` resolves to `VpcOnly`. An absent value is
 * non-compliant: the API default is `PublicInternetOnly` (internet access through a VPC that
 * SageMaker manages).
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Domain') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return renderResource(node).properties.AppNetworkAccessType === 'VpcOnly' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
