import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, referencedLogicalId, refTarget, renderResource } from '../utils';

/** Resource types that exist only to carry traffic between a VPC and the internet (or a carrier network). */
const INTERNET_GATEWAY_TYPES = [
  'AWS::EC2::InternetGateway',
  'AWS::EC2::EgressOnlyInternetGateway',
  'AWS::EC2::CarrierGateway',
];

/** Literal `GatewayId` values that never lead to the internet. */
const NON_INTERNET_GATEWAY_PREFIXES = ['vgw-', 'vpce-'];

/**
 * The VPC has no path to the internet: no internet, egress-only or carrier gateway, no public NAT
 * gateway, no gateway attachment of an internet gateway, and no route to any of them.
 *
 * Routes to virtual private gateways, VPC endpoints, transit gateways, peering connections and
 * private NAT gateways (`ConnectivityType: private`) are fine. A route target that cannot be
 * identified at synth time (a parameter, an import, an unknown literal) is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    const type = node.cfnResourceType;
    if (INTERNET_GATEWAY_TYPES.includes(type)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    if (type === 'AWS::EC2::NatGateway') {
      return isPrivateNatGateway(node) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
    }
    if (type === 'AWS::EC2::VPCGatewayAttachment') {
      return isSet(renderResource(node).properties.InternetGatewayId)
        ? NagRuleCompliance.NON_COMPLIANT
        : NagRuleCompliance.COMPLIANT;
    }
    if (type === 'AWS::EC2::Route') {
      return routeLeadsToInternet(node) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
    }
    return NagRuleCompliance.NOT_APPLICABLE;
  },
  'name',
  { value: parse(__filename).name },
);

function routeLeadsToInternet(node: CfnResource): boolean {
  const props = renderResource(node).properties;
  if (isSet(props.EgressOnlyInternetGatewayId) || isSet(props.CarrierGatewayId)) {
    return true;
  }
  if (isSet(props.NatGatewayId) && !referencesPrivateNatGateway(node, props.NatGatewayId)) {
    return true;
  }
  if (isSet(props.GatewayId) && !isNonInternetGateway(node, props.GatewayId)) {
    return true;
  }
  // TransitGatewayId, VpcPeeringConnectionId, VpcEndpointId, LocalGatewayId, CoreNetworkArn, ...
  return false;
}

/** True only when `GatewayId` is provably not an internet-facing gateway. */
function isNonInternetGateway(node: CfnResource, gatewayId: unknown): boolean {
  if (typeof gatewayId === 'string') {
    return gatewayId === 'local' || NON_INTERNET_GATEWAY_PREFIXES.some((prefix) => gatewayId.startsWith(prefix));
  }
  const logicalId = referencedLogicalId(gatewayId);
  if (logicalId === undefined) {
    return false;
  }
  const target = refTarget(node, logicalId);
  return target.kind === 'resource'
    && !INTERNET_GATEWAY_TYPES.includes(target.resource.cfnResourceType)
    && !(target.resource.cfnResourceType === 'AWS::EC2::NatGateway' && !isPrivateNatGateway(target.resource));
}

/** True only when `NatGatewayId` references a private NAT gateway defined in the same stack. */
function referencesPrivateNatGateway(node: CfnResource, natGatewayId: unknown): boolean {
  const logicalId = referencedLogicalId(natGatewayId);
  if (logicalId === undefined) {
    return false;
  }
  const target = refTarget(node, logicalId);
  return target.kind === 'resource'
    && target.resource.cfnResourceType === 'AWS::EC2::NatGateway'
    && isPrivateNatGateway(target.resource);
}

function isPrivateNatGateway(natGateway: CfnResource): boolean {
  return renderResource(natGateway).properties.ConnectivityType === 'private';
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '') {
    return false;
  }
  return !(isPlainObject(value) && value.Ref === 'AWS::NoValue');
}
