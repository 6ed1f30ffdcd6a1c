import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import * as perms from './perms';
import { acknowledgeScopedWildcards } from './wildcards';
import type { SageMakerEndpointService } from '../environment/endpoint-service';
import type { ISageMakerNetwork } from '../environment/interfaces';

/** Where a workload's network interfaces go: a VPC and its workload subnets (an `ISageMakerNetwork`). */
export interface WorkloadSubnets {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
}

/** Statement IDs of the network-interface grants, named for the workload that gets them. */
export interface NetworkInterfaceSids {
  /** Creating interfaces in the environment subnets with the workload's security group. */
  readonly create: string;
  /** Managing interfaces inside the environment VPC. */
  readonly inVpc: string;
  /** The read-only Describe* calls. */
  readonly describe: string;
}

/**
 * What an execution role of a VPC workload (job, model) needs so that SageMaker can attach it to
 * the VPC: create network interfaces only in the environment's subnets and only with
 * `securityGroup`, manage interfaces only inside the environment VPC, and the read-only
 * Describe* calls (which support no resource-level permissions; the caller acknowledges `*`
 * together with its other unscoped actions).
 *
 * `securityGroup` is the group, or its ID as the policy should name it (a policy variable such as
 * `${aws:PrincipalTag/...}` when one policy serves several workloads); `scope` is then the
 * construct whose stack the ARNs are formatted in.
 */
export function grantVpcNetworkInterfaces(
  role: iam.IGrantable,
  network: WorkloadSubnets,
  securityGroup: ec2.ISecurityGroup | { readonly scope: IConstruct; readonly securityGroupId: string },
  sids: NetworkInterfaceSids,
  wildcardReason: string,
): void {
  const stack = Stack.of('scope' in securityGroup ? securityGroup.scope : securityGroup);
  const subnetArns = network.vpc.selectSubnets(network.vpcSubnets).subnets.map((s) =>
    stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: s.subnetId }));
  const vpcArn = stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: network.vpc.vpcId });
  const sgArn = stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: securityGroup.securityGroupId });
  const eniArn = stack.formatArn({ service: 'ec2', resource: 'network-interface', resourceName: '*' });
  const principal = role.grantPrincipal;
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: sids.create,
    actions: ['ec2:CreateNetworkInterface'],
    resources: [...subnetArns, sgArn],
  }));
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: sids.inVpc,
    actions: perms.EC2_NETWORK_INTERFACE_MANAGE,
    resources: [eniArn],
    conditions: { ArnEquals: { 'ec2:Vpc': vpcArn } },
  }));
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: sids.describe,
    actions: perms.EC2_NETWORK_DESCRIBE,
    resources: ['*'],
  }));
  acknowledgeScopedWildcards(role, [eniArn], wildcardReason);
}

/**
 * Makes the network create (or find) interface endpoints for `services` without admitting any
 * security group: for a resource whose policy names the endpoints, or whose callers are admitted
 * later by their own `requireEndpoints`.
 */
export function requireEndpointsWithoutConsumer(network: ISageMakerNetwork, services: SageMakerEndpointService[]): void {
  network.requireEndpoints({ connections: new ec2.Connections() }, services);
}
