export { default as VPCInterfaceEndpointPolicy } from './VPCInterfaceEndpointPolicy';
export { default as VPCInterfaceEndpointPrivateDNS } from './VPCInterfaceEndpointPrivateDNS';
export { default as VPCNoInternetPath } from './VPCNoInternetPath';
export { default as VPCS3GatewayEndpointPolicy } from './VPCS3GatewayEndpointPolicy';
