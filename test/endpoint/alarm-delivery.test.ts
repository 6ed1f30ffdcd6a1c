import { CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureEndpoint, SecureEndpointProps } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { evaluate, PolicyJson, substituteRefs } from '../helpers/iam-eval';

// Deploy-time facts (DESIGN.md): a topic policy replaces SNS's default one, so CloudWatch may
// publish only if the policy allows it (for the alarms' ARNs), and an encrypted topic only if its
// key lets CloudWatch use it through SNS. Otherwise the alarms deploy and never notify.

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const ACCOUNT = '111122223333';
const alarmArn = (name: string) => `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${name}`;

function endpoint(stack: Stack, props: Partial<SecureEndpointProps> = {}, id = 'Ep'): SecureEndpoint {
  const env = props.environment ?? SageMakerEnvironment.of(stack);
  return new SecureEndpoint(stack, id, {
    endpointName: 'churn',
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
    ...props,
  });
}

/** The topic policy of `topicLogicalId`, with references replaced by concrete values. */
function topicPolicy(stack: Stack, topicLogicalId: string): PolicyJson {
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy'))
    .filter((p: any) => JSON.stringify(p.Properties.Topics).includes(topicLogicalId));
  expect(policies).toHaveLength(1);
  return substituteRefs((policies[0] as any).Properties.PolicyDocument, (k) => (k === topicLogicalId ? `arn:aws:sns:us-east-1:${ACCOUNT}:alarms`
    // The served-artifact rule's ARN (its statement is test/endpoint/artifact-integrity.test.ts's).
    : k.endsWith('.Arn') ? `arn:aws:events:us-east-1:${ACCOUNT}:rule/${k.split('.')[0]}` : undefined));
}

function publishBy(alarm: string, account = ACCOUNT) {
  return {
    action: 'sns:Publish',
    resource: `arn:aws:sns:us-east-1:${ACCOUNT}:alarms`,
    context: { 'aws:SourceArn': alarmArn(alarm), 'aws:SourceAccount': account, 'aws:SecureTransport': true },
  };
}

function keyStatements(stack: Stack, keyLogicalIdPrefix: string): any[] {
  const keys = Object.entries(Template.fromStack(stack).findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith(keyLogicalIdPrefix));
  expect(keys).toHaveLength(1);
  return (keys[0][1] as any).Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
}

const NAMES = ['server-errors', 'model-latency', 'memory-utilization', 'disk-utilization'].map((w) => `sagemaker-endpoint-churn-${w}`);

describe('alarm delivery', () => {
  describe('the endpoint\'s own topic', () => {
    const stack = newTestStack();
    const ep = endpoint(stack);
    endpoint(stack, { endpointName: 'fraud' }, 'Other');
    const topicId = stack.getLogicalId(ep.alarmTopic.node.defaultChild as sns.CfnTopic);

    test('the alarms have fixed names, so their ARNs are known without a reference', () => {
      const names = ep.alarms.map((a) => stack.resolve((a.node.defaultChild as any).alarmName));
      expect(names).toEqual(NAMES);
    });

    test('the topic policy keeps the TLS deny and lets CloudWatch publish for exactly this endpoint\'s alarms, of this account', () => {
      const policy = topicPolicy(stack, topicId);
      for (const name of NAMES) {
        expect(evaluate([policy], publishBy(name))).toBe('Allow');
      }
      expect(evaluate([policy], publishBy('sagemaker-endpoint-fraud-server-errors'))).toBe('ImplicitDeny');
      expect(evaluate([policy], publishBy('someone-elses-alarm'))).toBe('ImplicitDeny');
      expect(evaluate([policy], publishBy(NAMES[0], '444455556666'))).toBe('ImplicitDeny');
      expect(evaluate([policy], { ...publishBy(NAMES[0]), context: { ...publishBy(NAMES[0]).context, 'aws:SecureTransport': false } })).toBe('ExplicitDeny');
      expect(evaluate([policy], { ...publishBy(NAMES[0]), action: 'sns:Subscribe' })).toBe('ImplicitDeny');
    });

    test('the environment key lets CloudWatch use it, for this account: one statement for both endpoints', () => {
      const statements = keyStatements(stack, 'SecureSageMakerEnvironmentKey');
      expect(statements).toHaveLength(1);
      const key = substituteRefs({ Statement: statements }, {});
      const request = { action: 'kms:GenerateDataKey', resource: '*', context: { 'aws:SourceAccount': ACCOUNT } };
      expect(evaluate([key], request)).toBe('Allow');
      expect(evaluate([key], { ...request, action: 'kms:Decrypt' })).toBe('Allow');
      expect(evaluate([key], { ...request, context: { 'aws:SourceAccount': '444455556666' } })).toBe('ImplicitDeny');
      expect(evaluate([key], { ...request, action: 'kms:CreateGrant' })).toBe('ImplicitDeny');
    });

    test('no warning about delivery', () => {
      const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('alarm'));
      expect(warnings).toEqual([]);
    });
  });

  test('a given topic on the user\'s key: the same topic statement and key statement', () => {
    const stack = newTestStack();
    const key = new kms.Key(stack, 'OpsKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    const topic = new sns.Topic(stack, 'Ops', { masterKey: key, enforceSSL: true });
    endpoint(stack, { alarmTopic: topic });
    const policy = topicPolicy(stack, stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic));
    expect(evaluate([policy], publishBy(NAMES[1]))).toBe('Allow');
    expect(evaluate([policy], publishBy('other'))).toBe('ImplicitDeny');
    expect(keyStatements(stack, 'OpsKey')).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } })]);
    Annotations.fromStack(stack).hasNoWarning('/TestStack/Ep', Match.anyValue());
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('a given topic without a topic policy gets one, and a warning that it replaces SNS\'s default policy', () => {
    const stack = newTestStack();
    const topic = new sns.Topic(stack, 'Ops', { masterKey: SageMakerEnvironment.of(stack).key });
    endpoint(stack, { alarmTopic: topic });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::TopicPolicy', 1);
    Annotations.fromStack(stack).hasWarning('/TestStack/Ep', Match.stringLikeRegexp("had no topic policy.*replaces SNS's default policy"));
  });

  test('an imported topic: a warning with the exact topic statement, and one about its unknown key', () => {
    const stack = newTestStack();
    endpoint(stack, { alarmTopic: sns.Topic.fromTopicArn(stack, 'Ops', `arn:aws:sns:us-east-1:${ACCOUNT}:ops`) });
    const annotations = Annotations.fromStack(stack);
    const [topicWarning] = annotations.findWarning('/TestStack/Ep', Match.stringLikeRegexp('`alarmTopic` is imported, so its topic policy'));
    const statement = JSON.parse(/contains: (\{.*\})/.exec(topicWarning.entry.data as string)![1]);
    expect(statement).toEqual(expect.objectContaining({
      Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: `arn:aws:sns:us-east-1:${ACCOUNT}:ops`,
    }));
    const policy = substituteRefs({ Statement: [statement] }, {});
    expect(evaluate([policy], { ...publishBy(NAMES[0]), resource: `arn:aws:sns:us-east-1:${ACCOUNT}:ops` })).toBe('Allow');
    annotations.hasWarning('/TestStack/Ep', Match.stringLikeRegexp('imported without its key.*kms:GenerateDataKey'));
  });

  test('an imported topic with an imported key: a warning with the exact key statement', () => {
    const stack = newTestStack();
    const topic = sns.Topic.fromTopicAttributes(stack, 'Ops', {
      topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:ops`,
      keyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    });
    endpoint(stack, { alarmTopic: topic });
    const [warning] = Annotations.fromStack(stack).findWarning('/TestStack/Ep', Match.stringLikeRegexp('key of the alarm topic is imported'));
    const statement = JSON.parse(/contains (\{.*\})/.exec(warning.entry.data as string)![1]);
    expect(statement).toEqual(expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }));
  });

  test('an environment in another stack: its key gets the statement without a dependency on the endpoint\'s stack', () => {
    const app = newTestApp();
    const platform = new Stack(app, 'Platform');
    const env = new SageMakerEnvironment(platform, 'Env');
    const workload = new Stack(app, 'Workload');
    endpoint(workload, { environment: env });
    expect(platform.dependencies).not.toContain(workload);
    expect(keyStatements(platform, 'EnvKey')).toHaveLength(1);
    expect(JSON.stringify(Template.fromStack(platform).toJSON())).not.toContain('Fn::ImportValue');
  });

  test('a token endpoint name with a topic in another stack: the pattern of endpoint alarms, not a cross-stack reference', () => {
    const app = newTestApp();
    const ops = new Stack(app, 'Ops');
    const topic = new sns.Topic(ops, 'Topic', { masterKey: new kms.Key(ops, 'Key', { enableKeyRotation: true }), enforceSSL: true });
    const workload = new Stack(app, 'Workload');
    endpoint(workload, { alarmTopic: topic, endpointName: new CfnParameter(workload, 'Name').valueAsString });
    expect(ops.dependencies).not.toContain(workload);
    const policy = topicPolicy(ops, ops.getLogicalId(topic.node.defaultChild as sns.CfnTopic));
    expect(evaluate([policy], publishBy('sagemaker-endpoint-anything-server-errors'))).toBe('Allow');
    expect(evaluate([policy], publishBy('other'))).toBe('ImplicitDeny');
  });
});
