import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EndpointImage, ISageMakerEnvironment, ModelData, SageMakerEndpointService, SageMakerEnvironment, SageMakerNetwork, SecureEndpoint } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { evaluate, substituteRefs } from '../helpers/iam-eval';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';

function endpoint(stack: Stack, env: ISageMakerEnvironment = SageMakerEnvironment.of(stack), id = 'Ep'): SecureEndpoint {
  return new SecureEndpoint(stack, id, {
    environment: env,
    endpointName: 'churn',
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
  });
}

function managedPoliciesOf(stack: Stack, attachment: Record<string, unknown>): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: attachment }));
}

const ARN = 'arn:aws:sagemaker:us-east-1:111122223333:endpoint/churn';

describe('grantInvoke to principals the library did not create', () => {
  test('a plain Lambda function: a managed policy on its role, no inline policy, and no finding on the endpoint or the grant', () => {
    const stack = newTestStack();
    const ep = endpoint(stack);
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(event, context):\n    return {}\n'),
    });
    ep.grantInvoke(fn);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    const [policy] = managedPoliciesOf(stack, { Roles: [{ Ref: Match.stringLikeRegexp('^FnServiceRole') }] });
    const document = substituteRefs(policy.Properties.PolicyDocument, {});
    expect(evaluate([document], { action: 'sagemaker:InvokeEndpoint', resource: ARN })).toBe('Allow');
    expect(evaluate([document], { action: 'sagemaker:InvokeEndpoint', resource: `${ARN}-v2` })).toBe('ImplicitDeny');
    expect(evaluate([document], { action: 'sagemaker:InvokeEndpointAsync', resource: ARN })).toBe('ImplicitDeny');
    // Findings about the user's own function (Lambda in a VPC, DLQ, concurrency...) are theirs;
    // nothing may be found on the endpoint, the environment or the grant.
    const ours = unacknowledgedFindings(stack).filter((f) => !/^\/?TestStack\/Fn\//.test(f.path) || f.path.includes('SecureSageMakerGrants'));
    expect(formatFindings(ours)).toBe('');
  });

  test('an imported role (Role.fromRoleArn): a managed policy attached by role name', () => {
    const stack = newTestStack();
    const ep = endpoint(stack);
    ep.grantInvoke(iam.Role.fromRoleArn(stack, 'AppRole', 'arn:aws:iam::111122223333:role/app/churn-client'));
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    const [policy] = managedPoliciesOf(stack, { Roles: ['churn-client'] });
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: stack.resolve(ep.endpointArn) }]);
  });

  test('an IAM user and a group: managed policies attached to them', () => {
    const stack = newTestStack();
    const ep = endpoint(stack);
    ep.grantInvokeWithOptions(new iam.User(stack, 'Analyst'), { responseStreaming: true });
    ep.grantInvoke(new iam.Group(stack, 'Analysts'));
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    const [user] = managedPoliciesOf(stack, { Users: [{ Ref: Match.stringLikeRegexp('^Analyst') }] });
    expect(user.Properties.PolicyDocument.Statement[0].Action).toEqual(['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream']);
    expect(managedPoliciesOf(stack, { Groups: [{ Ref: Match.stringLikeRegexp('^Analysts') }] })).toHaveLength(1);
  });

  test('two grants to the same principal share one managed policy', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    const a = endpoint(stack, env, 'A');
    const b = new SecureEndpoint(stack, 'B', {
      endpointName: 'fraud',
      model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/fraud/model.tar.gz') },
    });
    const role = new iam.Role(stack, 'Client', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    a.grantInvoke(role);
    b.grantInvoke(role);
    const policies = managedPoliciesOf(stack, { Roles: [{ Ref: Match.stringLikeRegexp('^Client') }] });
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toHaveLength(2);
  });
});

/** Every egress rule of a security group (inline and separate), without CDK's "no traffic" placeholder. */
function egressOf(template: Template, groupLogicalId: string): any[] {
  const group = template.findResources('AWS::EC2::SecurityGroup')[groupLogicalId];
  const inline = (group.Properties.SecurityGroupEgress ?? []).filter((r: any) => r.CidrIp !== '255.255.255.255/32');
  const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
    .map((r: any) => r.Properties)
    .filter((p: any) => JSON.stringify(p.GroupId).includes(groupLogicalId));
  return [...inline, ...separate];
}

describe('allowInvokeFrom', () => {
  test('opens exactly one egress rule: HTTPS from the consumer to the runtime endpoint\'s security group (no S3, no 0.0.0.0/0)', () => {
    const stack = newTestStack();
    const ep = endpoint(stack);
    const consumer = new ec2.SecurityGroup(stack, 'Consumer', { vpc: SageMakerEnvironment.of(stack).network.vpc, allowAllOutbound: false });
    ep.allowInvokeFrom(consumer);
    const t = Template.fromStack(stack);
    const consumerId = stack.getLogicalId(consumer.node.defaultChild as ec2.CfnSecurityGroup);
    const runtimeGroups = ep.runtimeVpcEndpoint.connections.securityGroups.map((g) => stack.resolve(g.securityGroupId));
    expect(egressOf(t, consumerId)).toEqual([expect.objectContaining({
      IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationSecurityGroupId: runtimeGroups[0],
    })]);
    // ...and the runtime endpoint's group admits the consumer on 443.
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: runtimeGroups[0],
      SourceSecurityGroupId: { 'Fn::GetAtt': [consumerId, 'GroupId'] },
      FromPort: 443,
      ToPort: 443,
    });
  });

  test('a consumer that is a Lambda function in the VPC, in another stack: both rules are in the consumer\'s stack', () => {
    const app: App = newTestApp();
    const platform = new Stack(app, 'Platform');
    const env = SageMakerEnvironment.of(platform);
    const ep = endpoint(platform, env);
    const consumerStack = new Stack(app, 'Consumer');
    const fn = new lambda.Function(consumerStack, 'Fn', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(event, context):\n    return {}\n'),
      vpc: env.network.vpc,
      vpcSubnets: env.network.vpcSubnets,
      allowAllOutbound: false,
    });
    ep.allowInvokeFrom(fn);
    ep.grantInvoke(fn);
    // No dependency from the platform to the consumer (which would be a cycle).
    expect(platform.dependencies).not.toContain(consumerStack);
    const platformTemplate = Template.fromStack(platform);
    expect(Object.keys(platformTemplate.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { SourceSecurityGroupId: Match.objectLike({ 'Fn::ImportValue': Match.anyValue() }) } }))).toEqual([]);
    const consumerTemplate = Template.fromStack(consumerStack);
    consumerTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    consumerTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: { 'Fn::ImportValue': Match.anyValue() }, FromPort: 443 });
    const fnGroup = Object.keys(consumerTemplate.findResources('AWS::EC2::SecurityGroup'))[0];
    expect(egressOf(consumerTemplate, fnGroup)).toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443, DestinationSecurityGroupId: { 'Fn::ImportValue': expect.any(String) } })]);
    consumerTemplate.resourceCountIs('AWS::IAM::Policy', 0);
  });
});

describe('an endpoint on an environment imported from another app', () => {
  const stack = newTestStack('Team', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
  });
  const network = SageMakerNetwork.fromNetworkAttributes(stack, 'Network', {
    vpc,
    s3GatewayEndpointId: 'vpce-0000000000000a5a3',
    interfaceEndpoints: [SageMakerEndpointService.SAGEMAKER_RUNTIME, SageMakerEndpointService.LOGS].map((service, i) => ({
      service, vpcEndpointId: `vpce-000000000000${i}b0b1`, securityGroupId: 'sg-0000000000000e0e1',
    })),
  });
  const env = SageMakerEnvironment.fromEnvironmentAttributes(stack, 'Env', {
    environmentName: 'ml',
    network,
    key: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555'),
    dataBucketName: 'ml-data-bucket',
    artifactsBucketName: 'ml-artifacts-bucket',
  });
  const ep = endpoint(stack, env);
  const consumer = new ec2.SecurityGroup(stack, 'Consumer', { vpc, allowAllOutbound: false });
  ep.allowInvokeFrom(consumer);
  const annotations = Annotations.fromStack(stack);

  test('uses the imported runtime endpoint, and warns that its policy and the key policy are not managed here', () => {
    expect(ep.runtimeVpcEndpoint.vpcEndpointId).toBe('vpce-0000000000000b0b1');
    annotations.hasWarning('/Team/Ep', Match.stringLikeRegexp('sagemaker.runtime interface endpoint is imported.*endpoint/churn'));
    annotations.hasWarning('/Team/Ep', Match.stringLikeRegexp('key of the alarm topic is imported.*cloudwatch.amazonaws.com'));
  });

  test('allowInvokeFrom admits the consumer on the imported endpoint\'s group, in this stack', () => {
    const t = Template.fromStack(stack);
    expect(egressOf(t, stack.getLogicalId(consumer.node.defaultChild as ec2.CfnSecurityGroup)))
      .toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443, DestinationSecurityGroupId: 'sg-0000000000000e0e1' })]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0000000000000e0e1', FromPort: 443, SourceSecurityGroupId: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) });
  });
});
