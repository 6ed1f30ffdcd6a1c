import { App, Aws, CfnParameter, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SageMakerSecurityChecks } from '../../../lib/nag';

const NO_INTERNET = 'SageMakerSecurity-VPCNoInternetPath';
const S3_POLICY = 'SageMakerSecurity-VPCS3GatewayEndpointPolicy';
const PRIVATE_DNS = 'SageMakerSecurity-VPCInterfaceEndpointPrivateDNS';
const INTERFACE_POLICY = 'SageMakerSecurity-VPCInterfaceEndpointPolicy';

function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

/** An isolated VPC (no internet gateway, no NAT) for the endpoint tests. */
function isolatedVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
}

function s3Endpoint(stack: Stack, policyDocument?: unknown, props: Partial<ec2.CfnVPCEndpointProps> = {}): ec2.CfnVPCEndpoint {
  return new ec2.CfnVPCEndpoint(stack, 'S3Endpoint', {
    vpcId: 'vpc-12345678',
    serviceName: 'com.amazonaws.us-east-1.s3',
    routeTableIds: ['rtb-12345678'],
    policyDocument,
    ...props,
  });
}

function allow(resource: unknown, extra: Record<string, unknown> = {}) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:PutObject'], Resource: resource, ...extra }],
  };
}

describe('VPCNoInternetPath', () => {
  test('an isolated VPC is compliant', () => {
    const stack = newStack();
    isolatedVpc(stack);
    expect(findings(stack)).toEqual({});
  });

  test('the default L2 VPC (public subnets, IGW, NAT) is flagged on every internet-path resource, as a warning', () => {
    const stack = newStack();
    new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    const report = new SageMakerSecurityChecks().validateScope(stack);
    const violation = report.violations.find((v) => v.ruleName === NO_INTERNET);
    expect(violation?.severity).toBe('warning');
    expect(violation?.violatingResources.map((r) => r.constructPath).sort()).toEqual([
      'Stack/Vpc/IGW',
      'Stack/Vpc/PrivateSubnet1/DefaultRoute',
      'Stack/Vpc/PublicSubnet1/DefaultRoute',
      'Stack/Vpc/PublicSubnet1/NATGateway',
      'Stack/Vpc/VPCGW',
    ]);
  });

  test('internet, egress-only and carrier gateways are non-compliant', () => {
    const stack = newStack();
    new ec2.CfnInternetGateway(stack, 'Igw');
    new ec2.CfnEgressOnlyInternetGateway(stack, 'Eigw', { vpcId: 'vpc-12345678' });
    new ec2.CfnCarrierGateway(stack, 'Cagw', { vpcId: 'vpc-12345678' });
    expect(findings(stack)).toEqual({ [NO_INTERNET]: ['Stack/Igw', 'Stack/Eigw', 'Stack/Cagw'] });
  });

  test('a public NAT gateway is non-compliant, a private one is compliant', () => {
    const stack = newStack();
    new ec2.CfnNatGateway(stack, 'PublicNat', { subnetId: 'subnet-1', allocationId: 'eipalloc-1' });
    new ec2.CfnNatGateway(stack, 'PrivateNat', { subnetId: 'subnet-1', connectivityType: 'private' });
    expect(findings(stack)).toEqual({ [NO_INTERNET]: ['Stack/PublicNat'] });
  });

  test('attaching an internet gateway is non-compliant, a VPN gateway is compliant', () => {
    const stack = newStack();
    new ec2.CfnVPCGatewayAttachment(stack, 'IgwAttachment', { vpcId: 'vpc-12345678', internetGatewayId: 'igw-12345678' });
    new ec2.CfnVPCGatewayAttachment(stack, 'VgwAttachment', { vpcId: 'vpc-12345678', vpnGatewayId: 'vgw-12345678' });
    expect(findings(stack)).toEqual({ [NO_INTERNET]: ['Stack/IgwAttachment'] });
  });

  test('routes to an internet gateway (Ref, GetAtt or igw- literal) are non-compliant', () => {
    const stack = newStack();
    const igw = new ec2.CfnInternetGateway(stack, 'Igw');
    new ec2.CfnRoute(stack, 'RefRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.ref });
    new ec2.CfnRoute(stack, 'GetAttRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.attrInternetGatewayId });
    new ec2.CfnRoute(stack, 'LiteralRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-12345678' });
    expect(findings(stack)).toEqual({ [NO_INTERNET]: ['Stack/Igw', 'Stack/RefRoute', 'Stack/GetAttRoute', 'Stack/LiteralRoute'] });
  });

  test('routes to VPN gateways, VPC endpoints, transit gateways and peering connections are compliant', () => {
    const stack = newStack();
    const vgw = new ec2.CfnVPNGateway(stack, 'Vgw', { type: 'ipsec.1' });
    new ec2.CfnRoute(stack, 'VgwRefRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '10.1.0.0/16', gatewayId: vgw.ref });
    new ec2.CfnRoute(stack, 'VgwRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '10.2.0.0/16', gatewayId: 'vgw-12345678' });
    new ec2.CfnRoute(stack, 'VpceRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '10.3.0.0/16', gatewayId: 'vpce-12345678' });
    new ec2.CfnRoute(stack, 'TgwRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', transitGatewayId: 'tgw-12345678' });
    new ec2.CfnRoute(stack, 'PcxRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '10.4.0.0/16', vpcPeeringConnectionId: 'pcx-1' });
    expect(findings(stack)).toEqual({});
  });

  test('routes to a NAT gateway are non-compliant unless it is a private NAT gateway of the stack', () => {
    const stack = newStack();
    const publicNat = new ec2.CfnNatGateway(stack, 'PublicNat', { subnetId: 'subnet-1', allocationId: 'eipalloc-1' });
    const privateNat = new ec2.CfnNatGateway(stack, 'PrivateNat', { subnetId: 'subnet-1', connectivityType: 'private' });
    new ec2.CfnRoute(stack, 'PublicNatRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', natGatewayId: publicNat.ref });
    new ec2.CfnRoute(stack, 'PrivateNatRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '10.9.0.0/16', natGatewayId: privateNat.ref });
    new ec2.CfnRoute(stack, 'LiteralNatRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-12345678' });
    expect(findings(stack)).toEqual({ [NO_INTERNET]: ['Stack/PublicNat', 'Stack/PublicNatRoute', 'Stack/LiteralNatRoute'] });
  });

  test('routes to an egress-only internet gateway are non-compliant', () => {
    const stack = newStack();
    new ec2.CfnRoute(stack, 'Ipv6Route', { routeTableId: 'rtb-1', destinationIpv6CidrBlock: '::/0', egressOnlyInternetGatewayId: 'eigw-1' });
    expect(findings(stack)).toEqual({ [NO_INTERNET]: ['Stack/Ipv6Route'] });
  });

  test('a GatewayId that does not resolve (CfnParameter) or an unknown literal is non-compliant', () => {
    const stack = newStack();
    const gateway = new CfnParameter(stack, 'GatewayId', { type: 'String' });
    new ec2.CfnRoute(stack, 'ParamRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: gateway.valueAsString });
    new ec2.CfnRoute(stack, 'ImportRoute', {
      routeTableId: 'rtb-1',
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: Fn.importValue('NetworkStack-GatewayId'),
    });
    expect(findings(stack)).toEqual({ [NO_INTERNET]: ['Stack/ParamRoute', 'Stack/ImportRoute'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const igw = new ec2.CfnInternetGateway(stack, 'Igw');
    Validations.of(igw).acknowledge({ id: NO_INTERNET, reason: 'Inspection VPC egress, not used by SageMaker workloads.' });
    expect(findings(stack)).toEqual({});
  });

  test('does not fire on VPCs, subnets and route tables', () => {
    const stack = newStack();
    new ec2.CfnVPC(stack, 'Vpc', { cidrBlock: '10.0.0.0/16' });
    new ec2.CfnSubnet(stack, 'Subnet', { vpcId: 'vpc-1', cidrBlock: '10.0.0.0/24' });
    new ec2.CfnRouteTable(stack, 'RouteTable', { vpcId: 'vpc-1' });
    expect(findings(stack)).toEqual({});
  });
});

describe('VPCS3GatewayEndpointPolicy', () => {
  test('an L2 S3 gateway endpoint without a policy is non-compliant', () => {
    const stack = newStack();
    isolatedVpc(stack).addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/Vpc/S3/Resource'] });
  });

  test('an L2 S3 gateway endpoint scoped to the workload buckets is compliant', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.KMS, bucketKeyEnabled: true });
    const endpoint = isolatedVpc(stack).addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    endpoint.addToPolicy(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    }));
    expect(findings(stack)).toEqual({});
  });

  test('an L1 S3 gateway endpoint without a policy is non-compliant', () => {
    const stack = newStack();
    s3Endpoint(stack);
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('specific bucket ARNs (including object paths) are compliant', () => {
    const stack = newStack();
    s3Endpoint(stack, allow(['arn:aws:s3:::my-training-data', 'arn:aws:s3:::my-training-data/*', 'arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*']));
    expect(findings(stack)).toEqual({});
  });

  test('bucket ARNs built from references (Fn::Join, Fn::Sub) are compliant', () => {
    const stack = newStack();
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    s3Endpoint(stack, allow([
      Fn.join('', ['arn:', Aws.PARTITION, ':s3:::', bucket.ref, '/*']),
      Fn.sub('arn:${AWS::Partition}:s3:::${Name}', { Name: bucket.ref }),
      Fn.sub('arn:${AWS::Partition}:s3:::${Bucket}/models/*'),
    ]));
    const report = findings(stack);
    expect(report[S3_POLICY]).toBeUndefined();
  });

  test.each([
    ['*', '*'],
    ['arn:aws:s3:::*', 'arn:aws:s3:::*'],
    ['arn:aws:s3:::*/*', 'arn:aws:s3:::*/*'],
    ['a wildcard inside an array', ['arn:aws:s3:::my-training-data/*', 'arn:aws:s3:::*']],
    ['a wildcard in the bucket name', 'arn:aws:s3:::my-*'],
    ['an access point in any account', 'arn:aws:s3:us-east-1:*:accesspoint/*'],
    ['arn:${Partition}:s3:::* (Fn::Join)', Fn.join('', ['arn:', Aws.PARTITION, ':s3:::*'])],
    ['arn:${Partition}:s3:::* (Fn::Sub)', Fn.sub('arn:${AWS::Partition}:s3:::*')],
  ])('Allow on %s is non-compliant', (_name, resource) => {
    const stack = newStack();
    s3Endpoint(stack, allow(resource));
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('Action s3:* with Resource * (the AWS default policy written out) is non-compliant', () => {
    const stack = newStack();
    s3Endpoint(stack, { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] });
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('NotResource in an Allow statement is non-compliant', () => {
    const stack = newStack();
    s3Endpoint(stack, { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }] });
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('a wildcard in a Deny statement is fine', () => {
    const stack = newStack();
    s3Endpoint(stack, {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-training-data/*' },
        { Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: '*' },
      ],
    });
    expect(findings(stack)).toEqual({});
  });

  test('Resource * pinned to the own account with aws:ResourceAccount is compliant', () => {
    const stack = newStack();
    s3Endpoint(stack, allow('*', { Condition: { StringEquals: { 'aws:ResourceAccount': Aws.ACCOUNT_ID } } }));
    expect(findings(stack)).toEqual({});
  });

  test('Resource * pinned to an organization with aws:ResourceOrgID is compliant', () => {
    const stack = newStack();
    s3Endpoint(stack, allow('*', { Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } } }));
    expect(findings(stack)).toEqual({});
  });

  test.each([
    ['a wildcard account', { StringLike: { 'aws:ResourceAccount': '*' } }],
    ['an IfExists operator', { StringEqualsIfExists: { 'aws:ResourceAccount': '111122223333' } }],
    ['ForAllValues', { 'ForAllValues:StringEquals': { 'aws:ResourceAccount': '111122223333' } }],
    ['an unrelated key', { StringEquals: { 'aws:PrincipalAccount': '111122223333' } }],
  ])('Resource * with %s in the condition is non-compliant', (_name, condition) => {
    const stack = newStack();
    s3Endpoint(stack, allow('*', { Condition: condition }));
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('a bucket name from a CfnParameter does not resolve and is non-compliant', () => {
    const stack = newStack();
    const bucketName = new CfnParameter(stack, 'BucketName', { type: 'String' });
    s3Endpoint(stack, allow(`arn:aws:s3:::${bucketName.valueAsString}/*`));
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('a policy document that does not resolve to an object is non-compliant', () => {
    const stack = newStack();
    const policy = new CfnParameter(stack, 'Policy', { type: 'String' });
    s3Endpoint(stack, policy.valueAsString);
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('a JSON string policy document is parsed', () => {
    const stack = newStack();
    // The L1 only accepts an object; an override can still write a JSON string into the template.
    s3Endpoint(stack).addPropertyOverride('PolicyDocument', JSON.stringify(allow('arn:aws:s3:::my-training-data/*')));
    const wide = newStack();
    s3Endpoint(wide).addPropertyOverride('PolicyDocument', JSON.stringify(allow('arn:aws:s3:::*')));
    expect(findings(stack)).toEqual({});
    expect(findings(wide)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('an unresolvable service name on a gateway endpoint is checked, not skipped', () => {
    const stack = newStack();
    const service = new CfnParameter(stack, 'Service', { type: 'String' });
    s3Endpoint(stack, undefined, { serviceName: service.valueAsString });
    expect(findings(stack)).toEqual({ [S3_POLICY]: ['Stack/S3Endpoint'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const endpoint = s3Endpoint(stack);
    Validations.of(endpoint).acknowledge({ id: S3_POLICY, reason: 'Policy is attached by the central networking team via SCP-managed automation.' });
    expect(findings(stack)).toEqual({});
  });

  test('does not fire on DynamoDB gateway endpoints or interface endpoints', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    new ec2.CfnVPCEndpoint(stack, 'S3Interface', {
      vpcId: 'vpc-12345678',
      serviceName: 'com.amazonaws.us-east-1.s3',
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
    });
    expect(findings(stack)[S3_POLICY]).toBeUndefined();
  });
});

describe('VPCInterfaceEndpointPrivateDNS', () => {
  test('the L2 interface endpoint default (private DNS on) is compliant', () => {
    const stack = newStack();
    isolatedVpc(stack).addInterfaceEndpoint('SageMakerApi', { service: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API });
    expect(findings(stack)[PRIVATE_DNS]).toBeUndefined();
  });

  test('private DNS disabled on an L2 interface endpoint is non-compliant', () => {
    const stack = newStack();
    isolatedVpc(stack).addInterfaceEndpoint('SageMakerApi', {
      service: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
      privateDnsEnabled: false,
    });
    expect(findings(stack)[PRIVATE_DNS]).toEqual(['Stack/Vpc/SageMakerApi/Resource']);
  });

  test('an L1 interface endpoint without PrivateDnsEnabled is non-compliant', () => {
    const stack = newStack();
    new ec2.CfnVPCEndpoint(stack, 'Sts', { vpcId: 'vpc-12345678', serviceName: 'com.amazonaws.us-east-1.sts', vpcEndpointType: 'Interface' });
    expect(findings(stack)[PRIVATE_DNS]).toEqual(['Stack/Sts']);
  });

  test('an L1 interface endpoint with PrivateDnsEnabled true is compliant', () => {
    const stack = newStack();
    new ec2.CfnVPCEndpoint(stack, 'Sts', {
      vpcId: 'vpc-12345678',
      serviceName: 'com.amazonaws.us-east-1.sts',
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
    });
    expect(findings(stack)[PRIVATE_DNS]).toBeUndefined();
  });

  test('PrivateDnsEnabled that does not resolve (CfnParameter) is non-compliant', () => {
    const stack = newStack();
    const privateDns = new CfnParameter(stack, 'PrivateDns', { type: 'String', allowedValues: ['true', 'false'] });
    const endpoint = new ec2.CfnVPCEndpoint(stack, 'Sts', {
      vpcId: 'vpc-12345678',
      serviceName: 'com.amazonaws.us-east-1.sts',
      vpcEndpointType: 'Interface',
    });
    endpoint.addPropertyOverride('PrivateDnsEnabled', privateDns.valueAsString);
    expect(findings(stack)[PRIVATE_DNS]).toEqual(['Stack/Sts']);
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const endpoint = new ec2.CfnVPCEndpoint(stack, 'Sts', {
      vpcId: 'vpc-12345678',
      serviceName: 'com.amazonaws.us-east-1.sts',
      vpcEndpointType: 'Interface',
    });
    Validations.of(endpoint).acknowledge({ id: PRIVATE_DNS, reason: 'Resolved through a central Route 53 private hosted zone.' });
    expect(findings(stack)[PRIVATE_DNS]).toBeUndefined();
  });

  test('does not fire on gateway or Gateway Load Balancer endpoints', () => {
    const stack = newStack();
    s3Endpoint(stack, allow('arn:aws:s3:::my-training-data/*'));
    new ec2.CfnVPCEndpoint(stack, 'Gwlb', {
      vpcId: 'vpc-12345678',
      serviceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-12345678',
      vpcEndpointType: 'GatewayLoadBalancer',
    });
    expect(findings(stack)[PRIVATE_DNS]).toBeUndefined();
  });
});

describe('VPCInterfaceEndpointPolicy', () => {
  const sts = (stack: Stack, policyDocument?: unknown, type = 'Interface') => new ec2.CfnVPCEndpoint(stack, 'Sts', {
    vpcId: 'vpc-12345678', serviceName: 'com.amazonaws.us-east-1.sts', vpcEndpointType: type, privateDnsEnabled: true, policyDocument,
  });
  const policy = (statement: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', ...statement }] });

  test('an L2 interface endpoint with AWS\'s default policy (none) is non-compliant', () => {
    const stack = newStack();
    isolatedVpc(stack).addInterfaceEndpoint('Sts', { service: ec2.InterfaceVpcEndpointAwsService.STS });
    expect(findings(stack)).toEqual({ [INTERFACE_POLICY]: ['Stack/Vpc/Sts/Resource'] });
  });

  test('an L2 interface endpoint whose statements pin the principal account is compliant', () => {
    const stack = newStack();
    const endpoint = isolatedVpc(stack).addInterfaceEndpoint('Sts', { service: ec2.InterfaceVpcEndpointAwsService.STS });
    endpoint.addToPolicy(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
    }));
    expect(findings(stack)).toEqual({});
  });

  test.each([
    ['aws:PrincipalOrgID', { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }],
    ['aws:PrincipalArn', { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/r' } }],
    ['aws:PrincipalOrgPaths under a fixed organization', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/*' } }],
  ])('a principal pinned by %s is compliant', (_, condition) => {
    const stack = newStack();
    sts(stack, policy({ Resource: '*', Condition: condition }));
    expect(findings(stack)).toEqual({});
  });

  test('named resources of a fixed account (AWS\'s example policy for the notebook endpoint) are compliant', () => {
    const stack = newStack();
    sts(stack, policy({ Action: 'sagemaker:CreatePresignedNotebookInstanceUrl', Resource: Fn.join('', ['arn:aws:sagemaker:us-east-1:', Aws.ACCOUNT_ID, ':notebook-instance/*']) }));
    expect(findings(stack)).toEqual({});
  });

  test.each([
    ['Principal * on Resource *', policy({ Resource: '*' })],
    ['{AWS: *} on Resource *', policy({ Principal: { AWS: '*' }, Resource: '*' })],
    ['a resource of any account', policy({ Resource: 'arn:aws:logs:us-east-1:*:log-group:*' })],
    ['NotResource', policy({ NotResource: 'arn:aws:s3:::secret/*' })],
    ['a principal condition under IfExists (absent key passes)', policy({ Resource: '*', Condition: { StringEqualsIfExists: { 'aws:PrincipalAccount': '111122223333' } } })],
    ['a principal condition with a wildcard', policy({ Resource: '*', Condition: { StringLike: { 'aws:PrincipalAccount': '*' } } })],
    ['only a resource-account condition', policy({ Resource: '*', Condition: { StringEquals: { 'aws:ResourceAccount': '111122223333' } } })],
    ['a policy that is not JSON', '{not json'],
  ])('%s is non-compliant', (_, document) => {
    const stack = newStack();
    sts(stack, document);
    expect(findings(stack)[INTERFACE_POLICY]).toEqual(['Stack/Sts']);
  });

  test('a principal account from a parameter (any value at deploy time) is non-compliant', () => {
    const stack = newStack();
    const account = new CfnParameter(stack, 'Account');
    sts(stack, policy({ Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': account.valueAsString } } }));
    expect(findings(stack)).toEqual({ [INTERFACE_POLICY]: ['Stack/Sts'] });
  });

  test('a named principal and Deny statements are fine; gateway endpoints are not this rule\'s', () => {
    const stack = newStack();
    sts(stack, {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/r' }, Action: '*', Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' },
      ],
    });
    expect(findings(stack)).toEqual({});
    const other = newStack();
    s3Endpoint(other, allow('arn:aws:s3:::my-training-data/*'));
    expect(findings(other)).toEqual({});
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const endpoint = sts(stack);
    Validations.of(endpoint).acknowledge({ id: INTERFACE_POLICY, reason: 'A test of acknowledgements: the VPC has no workloads.' });
    expect(findings(stack)).toEqual({});
  });
});
