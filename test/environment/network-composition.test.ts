import * as fs from 'fs';
import * as path from 'path';
import { App, ContextProvider, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import { SageMakerEndpointService, SageMakerEnvironment, SageMakerNetwork } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// How the network fits an architecture it does not own: workloads in other stacks, imported
// VPCs and their endpoints, several environments on one VPC, and a network imported by ID.

const ENV = { account: '111122223333', region: 'eu-west-1' };
const VPC_ID = 'vpc-0a1b2c3d4e5f60718';

/** An imported VPC with isolated subnets in two zones; route tables and CIDR only when asked. */
function importedVpc(stack: Stack, opts: { routeTables?: boolean; id?: string } = {}): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, opts.id ?? 'Vpc', {
    vpcId: VPC_ID,
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    // no vpcCidrBlock: the network must never read it
    ...(opts.routeTables ? { isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'] } : {}),
  });
}

function network(stack: Stack, props: Partial<ConstructorParameters<typeof SageMakerNetwork>[2]> = {}, id = 'Net'): SageMakerNetwork {
  const key = (stack.node.tryFindChild('Key') as kms.IKey | undefined) ?? new kms.Key(stack, 'Key', { enableKeyRotation: true });
  return new SageMakerNetwork(stack, id, { encryptionKey: key, ...props });
}

function resourcesOf(template: any, type: string): any[] {
  return Object.values<any>(template.Resources ?? {}).filter((r) => r.Type === type);
}

function readTemplate(app: App, stack: Stack): any {
  return JSON.parse(fs.readFileSync(path.join(app.outdir, stack.templateFile), 'utf-8'));
}

const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };

describe('a workload in another stack than the environment', () => {
  const app = newTestApp();
  const platform = new Stack(app, 'PlatformStack');
  const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'platform' });
  const team = new Stack(app, 'TeamStack');
  const workload = new ec2.SecurityGroup(team, 'WorkloadSg', { vpc: env.network.vpc, allowAllOutbound: false, description: 'Team workload' });
  env.network.requireEndpoints(workload, [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.STS]);
  // Synthesizes the whole app (a dependency cycle throws here) with every pack.
  const findings = unacknowledgedFindings(app);
  const platformTemplate = readTemplate(app, platform);
  const teamTemplate = readTemplate(app, team);

  test('synthesizes with zero unacknowledged findings', () => {
    expect(formatFindings(findings)).toBe('');
  });

  test('the team stack holds the rule that admits its workload on the endpoint security group', () => {
    const endpointGroupExport = (r: any) => JSON.stringify(r.Properties.GroupId).includes('Fn::ImportValue');
    const ingress = resourcesOf(teamTemplate, 'AWS::EC2::SecurityGroupIngress');
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties).toMatchObject({
      ...https,
      SourceSecurityGroupId: { 'Fn::GetAtt': [team.getLogicalId(workload.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] },
    });
    expect(endpointGroupExport(ingress[0])).toBe(true);
    expect(resourcesOf(platformTemplate, 'AWS::EC2::SecurityGroupIngress')).toHaveLength(0);
  });

  test('the endpoints are in the platform stack, which depends on nothing of the team stack', () => {
    expect(resourcesOf(platformTemplate, 'AWS::EC2::VPCEndpoint').filter((r) => r.Properties.VpcEndpointType === 'Interface')).toHaveLength(2);
    expect(resourcesOf(teamTemplate, 'AWS::EC2::VPCEndpoint')).toHaveLength(0);
    expect(JSON.stringify(platformTemplate)).not.toContain('Fn::ImportValue');
    expect(platform.dependencies).not.toContain(team);
    expect(team.dependencies).toContain(platform);
  });

  test('the workload\'s egress to the endpoints and to S3 stays on its own group', () => {
    const group = resourcesOf(teamTemplate, 'AWS::EC2::SecurityGroup')[0];
    expect(group.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ ...https, CidrIp: '0.0.0.0/0' })]);
    expect(resourcesOf(teamTemplate, 'AWS::EC2::SecurityGroupEgress')).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ ...https, DestinationSecurityGroupId: expect.anything() }) }),
    ]);
  });
});

describe('an imported VPC', () => {
  test('without route tables or an S3 gateway endpoint: fails naming `s3GatewayEndpoint` and the route tables', () => {
    const stack = newTestStack('Imported', { env: ENV });
    expect(() => network(stack, { vpc: importedVpc(stack) }))
      .toThrow(/route tables .* not known.*`s3GatewayEndpoint`.*isolatedSubnetRouteTableIds/);
  });

  describe('with its S3 gateway endpoint passed in and no CIDR', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'Imported', { env: ENV });
    const s3GatewayEndpoint = ec2.GatewayVpcEndpoint.fromGatewayVpcEndpointId(stack, 'ExistingS3', 'vpce-0000000000000a5a3');
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'imported', vpc: importedVpc(stack), s3GatewayEndpoint });
    const workload = new ec2.SecurityGroup(stack, 'WorkloadSg', { vpc: env.network.vpc, allowAllOutbound: false });
    env.network.requireEndpoints(workload, [SageMakerEndpointService.SAGEMAKER_API]);
    const findings = unacknowledgedFindings(app);
    const template = Template.fromStack(stack);
    const annotations = Annotations.fromStack(stack);

    test('creates no gateway endpoint, uses the given one, and synthesizes clean', () => {
      expect(formatFindings(findings)).toBe('');
      const gateways = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } });
      expect(Object.keys(gateways)).toHaveLength(0);
      expect(env.network.s3Endpoint).toBe(s3GatewayEndpoint);
      expect((env.network as SageMakerNetwork).createdS3GatewayEndpoint).toBe(false);
    });

    test('warns that the given endpoint\'s policy is its owner\'s, and that it must admit the buckets', () => {
      annotations.hasWarning('/Imported/Env/Network', Match.stringLikeRegexp('`s3GatewayEndpoint` is an existing endpoint: its policy belongs to its owner'));
      annotations.hasWarning('/Imported/Env/Network', Match.stringLikeRegexp('its owner must admit the environment\'s buckets'));
    });

    test('new interface endpoints have no private DNS by default, warned and acknowledged', () => {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: false });
      annotations.hasWarning('/Imported/Env/Network/Endpoint-sagemaker.api', Match.stringLikeRegexp('no private DNS.*resolve the public service name'));
      const endpoint = Object.values<any>(template.findResources('AWS::EC2::VPCEndpoint'))[0];
      expect(endpoint.Metadata.cdk_nag.rules_to_suppress).toEqual([
        expect.objectContaining({ id: 'SageMakerSecurity-VPCInterfaceEndpointPrivateDNS', reason: expect.stringMatching(/imported or shared VPC/) }),
      ]);
    });
  });

  test('with route tables: the gateway endpoint is created under the network, warned, on those route tables', () => {
    const stack = newTestStack('Imported', { env: ENV });
    const net = network(stack, { vpc: importedVpc(stack, { routeTables: true }) });
    expect(net.createdS3GatewayEndpoint).toBe(true);
    expect(net.s3Endpoint.node.path).toBe('Imported/Net/S3Gateway');
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      RouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'],
      PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Sid: 'AwsOwnedBuckets' })]) }),
    });
    Annotations.fromStack(stack).hasWarning('/Imported/Net', Match.stringLikeRegexp('fails if the VPC already has one'));
  });

  test('privateDnsForNewEndpoints: true is honoured in an imported VPC, without the warning', () => {
    const stack = newTestStack('Imported', { env: ENV });
    const net = network(stack, { vpc: importedVpc(stack, { routeTables: true }), privateDnsForNewEndpoints: true });
    net.requireEndpoints(new ec2.SecurityGroup(stack, 'Sg', { vpc: net.vpc, allowAllOutbound: false }), [SageMakerEndpointService.STS]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('no private DNS'));
  });

  test.each([['s3GatewayEndpoint'], ['interfaceEndpoints']])('existing endpoints without `vpc` fail: %s', (prop) => {
    const stack = newTestStack('Imported', { env: ENV });
    const endpoints = prop === 's3GatewayEndpoint'
      ? { s3GatewayEndpoint: ec2.GatewayVpcEndpoint.fromGatewayVpcEndpointId(stack, 'S3', 'vpce-0000000000000a5a3') }
      : { interfaceEndpoints: [{ service: SageMakerEndpointService.STS, endpoint: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'E', { vpcEndpointId: 'vpce-0000000000000c0c1', port: 443 }) }] };
    expect(() => network(stack, endpoints)).toThrow(new RegExp(`\`${prop}\` names endpoints of an existing VPC but \`vpc\` is not set`));
  });

  test('a VPC of the app that already has an S3 gateway endpoint: fails naming `s3GatewayEndpoint`', () => {
    const stack = newTestStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    expect(() => network(stack, { vpc })).toThrow(/already has an S3 gateway endpoint in this app \(TestStack\/Vpc\/S3\).*Pass it as `s3GatewayEndpoint`/);
  });
});

describe('interface endpoints the VPC already has', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'LandingZone', { env: ENV });
  const vpc = importedVpc(stack, { routeTables: true });
  const apiEndpoint = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'ExistingApi', {
    vpcEndpointId: 'vpce-0000000000000a0a1',
    port: 443,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'ExistingApiSg', 'sg-0000000000000a0a1', { allowAllOutbound: false })],
  });
  const net = network(stack, { vpc, interfaceEndpoints: [{ service: SageMakerEndpointService.SAGEMAKER_API, endpoint: apiEndpoint }] });
  const workload = new ec2.SecurityGroup(stack, 'WorkloadSg', { vpc, allowAllOutbound: false });
  net.requireEndpoints(workload, [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.STS]);
  const findings = unacknowledgedFindings(app);
  const template = Template.fromStack(stack);

  test('are used instead of duplicates: only the missing service gets an endpoint', () => {
    expect(formatFindings(findings)).toBe('');
    const interfaces = Object.values<any>(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
    expect(interfaces).toHaveLength(1);
    expect(JSON.stringify(interfaces[0].Properties.ServiceName)).toContain('.sts');
    expect(net.endpointFor(SageMakerEndpointService.SAGEMAKER_API)).toBe(apiEndpoint);
  });

  test('the workload is admitted on the existing endpoint\'s security group', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      ...https,
      GroupId: 'sg-0000000000000a0a1',
      SourceSecurityGroupId: { 'Fn::GetAtt': [stack.getLogicalId(workload.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] },
    });
  });

  test('created and reused endpoints are reported apart', () => {
    expect(net.createdEndpointServiceNames).toEqual(['sts']);
    expect(net.reusedEndpointServiceNames).toEqual(['sagemaker.api']);
    expect(net.endpointServiceNames).toEqual(['sagemaker.api', 'sts']);
  });

  test('endpoints that share one security group (imported once each) get one rule per workload', () => {
    const other = newTestStack('Other', { env: ENV });
    const shared = (id: string) => ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(other, id, {
      vpcEndpointId: 'vpce-0000000000000d0d1',
      port: 443,
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(other, `${id}Sg`, 'sg-0000000000000d0d1', { allowAllOutbound: false })],
    });
    const lz = network(other, {
      vpc: importedVpc(other, { routeTables: true }),
      interfaceEndpoints: [
        { service: SageMakerEndpointService.SAGEMAKER_API, endpoint: shared('Api') },
        { service: SageMakerEndpointService.STS, endpoint: shared('Sts') },
      ],
    });
    lz.requireEndpoints(new ec2.SecurityGroup(other, 'Sg', { vpc: lz.vpc, allowAllOutbound: false }), [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.STS]);
    const t = Template.fromStack(other);
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    t.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  });

  test('a service listed twice fails, naming `interfaceEndpoints`', () => {
    const other = newTestStack('Other', { env: ENV });
    const e = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(other, 'E', { vpcEndpointId: 'vpce-0000000000000c0c1', port: 443 });
    expect(() => network(other, {
      vpc: importedVpc(other, { routeTables: true }),
      interfaceEndpoints: [{ service: SageMakerEndpointService.STS, endpoint: e }, { service: SageMakerEndpointService.STS, endpoint: e }],
    })).toThrow(/`interfaceEndpoints` lists the service 'sts' twice/);
  });
});

describe('two environments on one imported VPC, in one stack', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'Shared', { env: ENV });
  const vpc = importedVpc(stack, { routeTables: true });
  const a = new SageMakerEnvironment(stack, 'TeamA', { environmentName: 'team-a', vpc });
  const b = new SageMakerEnvironment(stack, 'TeamB', { environmentName: 'team-b', vpc });
  for (const [env, id] of [[a, 'A'], [b, 'B']] as const) {
    const sg = new ec2.SecurityGroup(stack, `Workload${id}`, { vpc, allowAllOutbound: false });
    env.network.requireEndpoints(sg, [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.LOGS]);
  }
  const findings = unacknowledgedFindings(app);
  const template = readTemplate(app, stack);
  const endpoints = resourcesOf(template, 'AWS::EC2::VPCEndpoint');

  test('synthesize with zero unacknowledged findings', () => {
    expect(formatFindings(findings)).toBe('');
  });

  test('share one S3 gateway endpoint whose policy admits the buckets of both', () => {
    const gateways = endpoints.filter((r) => r.Properties.VpcEndpointType === 'Gateway');
    expect(gateways).toHaveLength(1);
    const policy = JSON.stringify(gateways[0].Properties.PolicyDocument);
    for (const env of [a, b]) {
      for (const bucket of [env.dataBucket, env.artifactsBucket]) {
        expect(policy).toContain(stack.getLogicalId(bucket.bucket.node.defaultChild as s3.CfnBucket));
      }
    }
    expect(b.network.s3Endpoint).toBe(a.network.s3Endpoint);
    const created = [a, b].map((e) => (e.network as SageMakerNetwork).createdS3GatewayEndpoint);
    expect(created).toEqual([true, false]);
  });

  test('share the interface endpoints: one per service, created by the first network', () => {
    expect(endpoints.filter((r) => r.Properties.VpcEndpointType === 'Interface')).toHaveLength(2);
    expect(a.network.createdEndpointServiceNames).toEqual(['sagemaker.api', 'logs']);
    expect(b.network.createdEndpointServiceNames).toEqual([]);
    expect(b.network.reusedEndpointServiceNames).toEqual(['sagemaker.api', 'logs']);
    expect(b.network.endpointFor(SageMakerEndpointService.LOGS)).toBe(a.network.endpointFor(SageMakerEndpointService.LOGS));
  });

  test('each team\'s workload is admitted on the shared endpoint security group', () => {
    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress');
    const group = { 'Fn::GetAtt': [stack.getLogicalId((a.network as SageMakerNetwork).endpointSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] };
    expect(ingress.filter((r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(group))).toHaveLength(2);
  });
});

describe('two networks on different subnets of one imported VPC', () => {
  function fourSubnetVpc(stack: Stack): ec2.IVpc {
    return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: VPC_ID,
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2', 'subnet-0aaaaaaaaaaaaaaa3', 'subnet-0aaaaaaaaaaaaaaa4'],
      isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2', 'rtb-0aaaaaaaaaaaaaaa3', 'rtb-0aaaaaaaaaaaaaaa4'],
    });
  }

  test('on other route tables: each gets its own S3 gateway endpoint, the interface endpoints are shared', () => {
    const stack = newTestStack('Shared', { env: ENV });
    const vpc = fourSubnetVpc(stack);
    const a = network(stack, { vpc, vpcSubnets: { subnets: vpc.isolatedSubnets.slice(0, 2) } }, 'A');
    const b = network(stack, { vpc, vpcSubnets: { subnets: vpc.isolatedSubnets.slice(2, 4) } }, 'B');
    b.requireEndpoints(new ec2.SecurityGroup(stack, 'Sg', { vpc, allowAllOutbound: false }), [SageMakerEndpointService.STS]);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'] });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0aaaaaaaaaaaaaaa3', 'rtb-0aaaaaaaaaaaaaaa4'] });
    expect([a.createdS3GatewayEndpoint, b.createdS3GatewayEndpoint]).toEqual([true, true]);
    expect(b.reusedEndpointServiceNames).toEqual(['sts']);
    expect(a.createdEndpointServiceNames).toEqual(['sts']);
  });

  test('on overlapping route tables: fails naming `s3GatewayEndpoint`', () => {
    const stack = newTestStack('Shared', { env: ENV });
    const vpc = fourSubnetVpc(stack);
    network(stack, { vpc, vpcSubnets: { subnets: vpc.isolatedSubnets.slice(0, 2) } }, 'A');
    expect(() => network(stack, { vpc, vpcSubnets: { subnets: vpc.isolatedSubnets.slice(1, 3) } }, 'B'))
      .toThrow(/already has an S3 gateway endpoint in this app \(Shared\/A\/S3Gateway\).*`s3GatewayEndpoint`/);
  });
});

describe('a VPC from Vpc.fromLookup', () => {
  test('gets an S3 gateway endpoint on its looked-up route tables and endpoints without private DNS', () => {
    // An app that has the answer to the lookup (without the VPC's CIDR), under the key Vpc.fromLookup asks for.
    const app = newTestApp();
    const { key } = ContextProvider.getKey(new Stack(newTestApp(), 'Probe', { env: ENV }), {
      provider: cxschema.ContextProvider.VPC_PROVIDER,
      props: { filter: { 'vpc-id': VPC_ID }, returnAsymmetricSubnets: true },
    });
    app.node.setContext(key, {
      vpcId: VPC_ID,
      availabilityZones: [],
      subnetGroups: [{
        name: 'Isolated',
        type: 'Isolated',
        subnets: [
          { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', cidr: '10.0.0.0/24', availabilityZone: 'eu-west-1a', routeTableId: 'rtb-0aaaaaaaaaaaaaaa1' },
          { subnetId: 'subnet-0aaaaaaaaaaaaaaa2', cidr: '10.0.1.0/24', availabilityZone: 'eu-west-1b', routeTableId: 'rtb-0aaaaaaaaaaaaaaa2' },
        ],
      }],
    });
    const stack = new Stack(app, 'Lookup', { env: ENV });
    const vpc = ec2.Vpc.fromLookup(stack, 'Vpc', { vpcId: VPC_ID });
    const net = network(stack, { vpc });
    net.requireEndpoints(new ec2.SecurityGroup(stack, 'Sg', { vpc, allowAllOutbound: false }), [SageMakerEndpointService.SAGEMAKER_API]);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'] });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: false });
    expect(net.availabilityZoneCount).toBe(2);
  });
});

describe('a second environment on the VPC of the first', () => {
  test('reuses its gateway endpoint (no duplicate construct) and its interface endpoints', () => {
    const stack = newTestStack();
    const a = new SageMakerEnvironment(stack, 'A', { environmentName: 'a' });
    const b = new SageMakerEnvironment(stack, 'B', { environmentName: 'b', vpc: a.network.vpc });
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc: a.network.vpc, allowAllOutbound: false });
    b.network.requireEndpoints(sg, [SageMakerEndpointService.STS]);
    const t = Template.fromStack(stack);
    expect(Object.keys(t.findResources('AWS::EC2::VPCEndpoint'))).toHaveLength(2);
    expect(a.network.createdEndpointServiceNames).toEqual(['sts']);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  });
});

describe('two environments on one imported VPC, in two stacks', () => {
  const app = newTestApp();
  const first = new Stack(app, 'First', { env: ENV });
  const second = new Stack(app, 'Second', { env: ENV });
  const a = new SageMakerEnvironment(first, 'Env', { environmentName: 'first', vpc: importedVpc(first, { routeTables: true }) });
  const b = new SageMakerEnvironment(second, 'Env', { environmentName: 'second', vpc: importedVpc(second, { routeTables: true }) });
  const sg = new ec2.SecurityGroup(second, 'Workload', { vpc: b.network.vpc, allowAllOutbound: false });
  b.network.requireEndpoints(sg, [SageMakerEndpointService.SAGEMAKER_API]);
  app.synth();

  test('the second reuses the first\'s endpoints without a dependency back to it', () => {
    expect(resourcesOf(readTemplate(app, second), 'AWS::EC2::VPCEndpoint')).toHaveLength(0);
    expect(resourcesOf(readTemplate(app, first), 'AWS::EC2::VPCEndpoint')).toHaveLength(2);
    expect(resourcesOf(readTemplate(app, second), 'AWS::EC2::SecurityGroupIngress')).toHaveLength(1);
    expect(first.dependencies).not.toContain(second);
    expect(a.network.createdEndpointServiceNames).toEqual(['sagemaker.api']);
  });

  test('warns that its buckets must be admitted in the first stack\'s gateway policy', () => {
    Annotations.fromStack(second).hasWarning('/Second/Env/Network', Match.stringLikeRegexp('shared with First/Env/Network in stack First.*dependency cycle'));
  });
});

describe('SageMakerNetwork.fromNetworkAttributes', () => {
  const stack = newTestStack('Consumer', { env: ENV });
  const net = SageMakerNetwork.fromNetworkAttributes(stack, 'Network', {
    vpc: importedVpc(stack),
    s3GatewayEndpointId: 'vpce-0000000000000a5a3',
    interfaceEndpoints: [
      { service: SageMakerEndpointService.SAGEMAKER_API, vpcEndpointId: 'vpce-0000000000000a0a1', securityGroupId: 'sg-0000000000000e0e1' },
      { service: SageMakerEndpointService.LOGS, vpcEndpointId: 'vpce-0000000000000b0b1', securityGroupId: 'sg-0000000000000e0e1' },
    ],
  });
  const workload = new ec2.SecurityGroup(stack, 'WorkloadSg', { vpc: net.vpc, allowAllOutbound: false });
  net.requireEndpoints(workload, [SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.LOGS]);
  net.allowBucketThroughGateway(s3.Bucket.fromBucketName(stack, 'Data', 'team-data'));
  const template = Template.fromStack(stack);

  test('creates no endpoint and admits the workload on the endpoints\' group, once, in its own stack', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    const ingress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties).toMatchObject({ ...https, GroupId: 'sg-0000000000000e0e1' });
    expect(stack.resolve(net.s3Endpoint.vpcEndpointId)).toBe('vpce-0000000000000a5a3');
    expect(stack.resolve(net.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!.vpcEndpointId)).toBe('vpce-0000000000000a0a1');
    expect(net.availabilityZoneCount).toBe(2);
  });

  test('a service the imported network does not list fails, naming it and `interfaceEndpoints`', () => {
    expect(() => net.requireEndpoints(workload, [SageMakerEndpointService.STS]))
      .toThrow(/no interface endpoint for 'sts'.*`interfaceEndpoints`/);
  });

  test('warns that the owner\'s gateway-endpoint policy must admit the bucket', () => {
    Annotations.fromStack(stack).hasWarning('/Consumer/Network', Match.stringLikeRegexp('owner\'s gateway-endpoint policy must admit.*team-data'));
  });
});
