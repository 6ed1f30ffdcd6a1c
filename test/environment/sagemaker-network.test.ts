import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SageMakerEndpointService, SageMakerNetwork } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

function network(stack: Stack, props: Partial<ConstructorParameters<typeof SageMakerNetwork>[2]> = {}): SageMakerNetwork {
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  return new SageMakerNetwork(stack, 'Net', { encryptionKey: key, ...props });
}

function consumer(stack: Stack, net: SageMakerNetwork, id: string): ec2.SecurityGroup {
  return new ec2.SecurityGroup(stack, id, { vpc: net.vpc, allowAllOutbound: false });
}

describe('SageMakerNetwork', () => {
  test('creates an isolated VPC: 2 AZs, isolated subnets only, no IGW or NAT, DNS on', () => {
    const stack = newTestStack();
    network(stack);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EC2::VPC', { EnableDnsHostnames: true, EnableDnsSupport: true });
    t.resourceCountIs('AWS::EC2::Subnet', 2);
    t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::EgressOnlyInternetGateway', 0);
    for (const s of Object.values(t.findResources('AWS::EC2::Subnet'))) {
      expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    // only the S3 gateway route-table association, no 0.0.0.0/0 route anywhere
    t.resourceCountIs('AWS::EC2::Route', 0);
  });

  test('closes the default security group', () => {
    const stack = newTestStack();
    network(stack);
    Template.fromStack(stack).resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('flow logs of all traffic go to a KMS-encrypted, retained log group with retention', () => {
    const stack = newTestStack();
    network(stack);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    t.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: Match.anyValue(), RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
  });

  test('the S3 gateway endpoint always exists, with a policy naming registered buckets and AWS-owned buckets only', () => {
    const stack = newTestStack();
    network(stack);
    const t = Template.fromStack(stack);
    const endpoints = Object.values(t.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(1);
    const policy = JSON.stringify(endpoints[0].Properties.PolicyDocument);
    expect(policy).toContain('-starport-layer-bucket/*');
    expect(policy).not.toMatch(/"Resource":"\*"/);
    expect(policy).not.toContain('"s3:*"');
  });

  test('requireEndpoints adds each interface endpoint once, with private DNS and the endpoint security group', () => {
    const stack = newTestStack();
    const net = network(stack);
    const a = consumer(stack, net, 'A');
    const b = consumer(stack, net, 'B');
    net.requireEndpoints(a, [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.STS]);
    net.requireEndpoints(b, [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.LOGS]);
    net.requireEndpoints(b, [SageMakerEndpointService.LOGS]);
    const t = Template.fromStack(stack);
    const interfaces = t.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    expect(Object.keys(interfaces)).toHaveLength(3);
    for (const e of Object.values(interfaces)) {
      expect(e.Properties.PrivateDnsEnabled).toBe(true);
      expect(e.Properties.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/EndpointSecurityGroup/), 'GroupId'] }]);
    }
    expect(net.endpointServiceNames).toEqual(['sagemaker.api', 'sts', 'logs']);
  });

  test('the endpoint security group admits HTTPS only from registered workloads, once each', () => {
    const stack = newTestStack();
    const net = network(stack);
    const a = consumer(stack, net, 'A');
    consumer(stack, net, 'Stranger');
    net.requireEndpoints(a, [SageMakerEndpointService.SAGEMAKER_API]);
    net.requireEndpoints(a, [SageMakerEndpointService.STS]);
    const t = Template.fromStack(stack);
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^A/), 'GroupId'] },
    });
    const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.includes('EndpointSecurityGroup'))![1];
    expect(JSON.stringify(sg.Properties.SecurityGroupIngress ?? [])).not.toContain('0.0.0.0/0');
  });

  test('workloads get HTTPS egress to the endpoints and to S3 only', () => {
    const stack = newTestStack();
    const net = network(stack, {});
    const a = consumer(stack, net, 'A');
    net.requireEndpoints(a, [SageMakerEndpointService.SAGEMAKER_API]);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 443, ToPort: 443, DestinationSecurityGroupId: Match.anyValue(),
    });
    const sgA = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('A'))![1];
    expect(sgA.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
  });

  test('with the S3 prefix list, S3 egress is narrowed to it', () => {
    const stack = newTestStack();
    const net = network(stack, { s3PrefixListId: 'pl-6ca54005' });
    const a = consumer(stack, net, 'A');
    net.allowS3Through(a);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      DestinationPrefixListId: 'pl-6ca54005',
      FromPort: 443,
      ToPort: 443,
      IpProtocol: 'tcp',
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^A'), 'GroupId'] },
    });
  });

  test('wraps an existing VPC and uses its isolated subnets', () => {
    const stack = newTestStack();
    const vpc = new ec2.Vpc(stack, 'Existing', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const net = network(stack, { vpc });
    expect(net.vpc).toBe(vpc);
    expect(net.flowLogGroup).toBeUndefined();
    // AZs of an environment-agnostic stack are tokens: the count is unknown (0), and no warning is given
    expect(net.availabilityZoneCount).toBe(0);
  });

  test('counts the Availability Zones of the subnets when the stack has an environment', () => {
    const stack = newTestStack('Pinned', { env: { account: '111122223333', region: 'eu-west-1' } });
    const net = network(stack);
    expect(net.availabilityZoneCount).toBe(2);
  });

  test('fails when the selection resolves to public subnets, naming the prop and the fix', () => {
    const stack = newTestStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 0 });
    expect(() => network(stack, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }))
      .toThrow(/`vpcSubnets` selects public subnets.*PRIVATE_ISOLATED/);
  });

  test('fails when explicitly listed subnets are public', () => {
    const stack = newTestStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 0 });
    expect(() => network(stack, { vpc, vpcSubnets: { subnets: vpc.publicSubnets } })).toThrow(/public subnets/);
  });

  test('fails when an existing VPC has no isolated subnets and no selection is given', () => {
    const stack = newTestStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 1 });
    expect(() => network(stack, { vpc })).toThrow(/no private isolated subnets.*`vpcSubnets`/);
  });

  test('warns when the selected subnets route through a NAT gateway', () => {
    const stack = newTestStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 1 });
    network(stack, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
    Annotations.fromStack(stack).hasWarning('/TestStack/Net', Match.stringLikeRegexp('NAT gateway'));
  });

  test('warns when the subnets span a single Availability Zone', () => {
    const stack = newTestStack('Pinned', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      isolatedSubnetIds: ['subnet-0123456789abcdef0'],
      isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef0'],
    });
    network(stack, { vpc });
    Annotations.fromStack(stack).hasWarning('/Pinned/Net', Match.stringLikeRegexp('single Availability Zone'));
  });

  test.each([[1], [0], [1.5]])('fails on maxAzs %p', (maxAzs) => {
    const stack = newTestStack();
    expect(() => network(stack, { maxAzs })).toThrow(/`maxAzs`.*at least 2/);
  });

  test('fails on vpcSubnets without vpc', () => {
    const stack = newTestStack();
    expect(() => network(stack, { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } })).toThrow(/`vpc` is not set/);
  });

  test('with endpoints it has zero unacknowledged findings', () => {
    const stack = newTestStack();
    const net = network(stack);
    const a = consumer(stack, net, 'A');
    net.requireEndpoints(a, [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.ECR_DKR]);
    expect(formatFindings(unacknowledgedFindings(stack).filter((f) => !f.path.startsWith('TestStack/Key')))).toBe('');
  });
});
