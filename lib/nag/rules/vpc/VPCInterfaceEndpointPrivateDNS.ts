import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isTrue, renderResource } from '../utils';

/**
 * Interface VPC endpoints have private DNS enabled.
 *
 * Applies to `AWS::EC2::VPCEndpoint` with `VpcEndpointType: Interface` (or a type that does not
 * resolve at synth time); compliant only when `PrivateDnsEnabled` resolves to true.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::EC2::VPCEndpoint') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const props = renderResource(node).properties;
    const endpointType = props.VpcEndpointType;
    // Absent means Gateway; GatewayLoadBalancer, Resource and ServiceNetwork endpoints have no private DNS option.
    if (endpointType === undefined || (typeof endpointType === 'string' && endpointType !== 'Interface')) {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return isTrue(props.PrivateDnsEnabled) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
