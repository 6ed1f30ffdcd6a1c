import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EndpointImage, ModelData, SageMakerEndpointService, SageMakerEnvironment, SageMakerNetwork, SecureEndpoint, SecureEndpointProps } from '../../lib';
import { ModelQualityProblemType, SecureModelMonitor, SecureModelMonitorProps } from '../../lib/model-monitor';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, deployedValue } from '../helpers/deployed';
import { eventMatches } from '../helpers/event-pattern';
import { evaluate, PolicyJson } from '../helpers/iam-eval';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SAGEMAKER_API = require('aws-sdk/apis/sagemaker-2017-07-24.min.json') as { operations: Record<string, any>; shapes: Record<string, any> };

/** The member names of a shape of the SageMaker API model (following `shape` references and list members). */
function membersOf(shape: any): string[] {
  let s = shape;
  while (s.shape || s.member) s = s.shape ? SAGEMAKER_API.shapes[s.shape] : s.member;
  return Object.keys(s.members ?? {});
}

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const scheduleArn = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:monitoring-schedule/${name}`;

function newEndpoint(stack: Stack, props: Partial<SecureEndpointProps> = {}): SecureEndpoint {
  const env = props.environment ?? SageMakerEnvironment.of(stack);
  return new SecureEndpoint(stack, 'Ep', {
    endpointName: 'churn',
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
    ...props,
  });
}

function newMonitor(stack: Stack, props: Partial<SecureModelMonitorProps> = {}): SecureModelMonitor {
  return new SecureModelMonitor(stack, 'Monitor', { endpoint: props.endpoint ?? newEndpoint(stack), baseline: { prefix: 'baselines/churn/' }, ...props });
}

/**
 * The event SageMaker sends when a processing job changes state: its detail has the fields of
 * DescribeProcessingJob (the fact test below checks them against the API model), and a monitoring
 * execution's job names its schedule in `MonitoringScheduleArn`.
 */
function processingJobEvent(detail: Record<string, unknown>): Record<string, unknown> {
  return {
    'version': '0',
    'source': 'aws.sagemaker',
    'detail-type': 'SageMaker Processing Job State Change',
    'account': ACCOUNT,
    'region': REGION,
    'resources': [`arn:aws:sagemaker:${REGION}:${ACCOUNT}:processing-job/model-monitoring-202612021400-0a1b2c3d`],
    'detail': {
      ProcessingJobName: 'model-monitoring-202612021400-0a1b2c3d',
      ProcessingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:processing-job/model-monitoring-202612021400-0a1b2c3d`,
      ...detail,
    },
  };
}

const VIOLATIONS = 'CompletedWithViolations: Job completed successfully with 5 violations.';

/** EventBridge's `$or` (which the shared matcher does not read): the pattern matches when one of its branches does. */
function matches(pattern: any, event: Record<string, unknown>): boolean {
  const { $or, ...rest } = pattern.detail;
  const branches: any[] = $or ?? [{}];
  return branches.some((branch) => eventMatches({ ...pattern, detail: { ...rest, ...branch } }, event));
}

describe('facts the alert rule relies on', () => {
  // "Amazon SageMaker AI events" (EventBridge User Guide) lists "SageMaker Processing Job State
  // Change"; monitoring executions are processing jobs ("Support for Your Own Containers With
  // Amazon SageMaker Model Monitor": "when you create a MonitoringSchedule, Model Monitor
  // ultimately kicks off processing jobs").
  test('DescribeProcessingJob (the event detail) names the schedule of a monitoring execution, its status and its exit message', () => {
    expect(membersOf(SAGEMAKER_API.operations.DescribeProcessingJob.output))
      .toEqual(expect.arrayContaining(['ProcessingJobName', 'ProcessingJobArn', 'ProcessingJobStatus', 'ExitMessage', 'FailureReason', 'MonitoringScheduleArn']));
  });

  test('a monitoring execution is a processing job with an execution status of its own (CompletedWithViolations, read from the exit message)', () => {
    const summary = SAGEMAKER_API.operations.ListMonitoringExecutions.output.members.MonitoringExecutionSummaries;
    expect(membersOf(summary)).toEqual(expect.arrayContaining(['MonitoringScheduleName', 'ProcessingJobArn', 'MonitoringExecutionStatus']));
  });
});

describe('alerts on violations', () => {
  const stack = newTestStack();
  const endpoint = newEndpoint(stack);
  const monitor = newMonitor(stack, { endpoint });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const ruleId = stack.getLogicalId(monitor.violationsRule.node.defaultChild as any);
  const scheduleId = stack.getLogicalId(monitor.dataQualitySchedule);
  const topicId = stack.getLogicalId(endpoint.alarmTopic.node.defaultChild as any);
  const rule = template.Resources[ruleId].Properties;
  const pattern = asDeployed(template, rule.EventPattern);
  // The pattern names the schedule by GetAtt: deployed, that is the schedule's ARN.
  const mine = deployedValue(template, `${scheduleId}.MonitoringScheduleArn`);

  test('the rule has a fixed name and matches processing job events of this schedule only', () => {
    expect(rule.Name).toBe('churn-monitor-alerts');
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventPattern.detail.MonitoringScheduleArn).toEqual([{ 'Fn::GetAtt': [scheduleId, 'MonitoringScheduleArn'] }]);
    expect(pattern.source).toEqual(['aws.sagemaker']);
    expect(pattern['detail-type']).toEqual(['SageMaker Processing Job State Change']);
  });

  test('an execution that completed with violations notifies; one without violations does not', () => {
    expect(matches(pattern, processingJobEvent({ MonitoringScheduleArn: mine, ProcessingJobStatus: 'Completed', ExitMessage: VIOLATIONS }))).toBe(true);
    expect(matches(pattern, processingJobEvent({ MonitoringScheduleArn: mine, ProcessingJobStatus: 'Completed', ExitMessage: 'Completed: Job completed successfully with no violations.' }))).toBe(false);
  });

  test('a failed or stopped execution notifies; one in progress does not', () => {
    expect(matches(pattern, processingJobEvent({ MonitoringScheduleArn: mine, ProcessingJobStatus: 'Failed', FailureReason: 'AlgorithmError: no captured data' }))).toBe(true);
    expect(matches(pattern, processingJobEvent({ MonitoringScheduleArn: mine, ProcessingJobStatus: 'Stopped' }))).toBe(true);
    expect(matches(pattern, processingJobEvent({ MonitoringScheduleArn: mine, ProcessingJobStatus: 'InProgress' }))).toBe(false);
  });

  test('executions of another schedule, and other processing jobs, do not notify', () => {
    expect(matches(pattern, processingJobEvent({ MonitoringScheduleArn: scheduleArn('other-data-quality'), ProcessingJobStatus: 'Failed' }))).toBe(false);
    expect(matches(pattern, processingJobEvent({ ProcessingJobStatus: 'Failed' }))).toBe(false);
    expect(matches(pattern, { ...processingJobEvent({ MonitoringScheduleArn: mine, ProcessingJobStatus: 'Failed' }), 'detail-type': 'SageMaker Training Job State Change' })).toBe(false);
  });

  test('the rule targets the endpoint\'s alarm topic with a message naming the execution, the outcome and the reports', () => {
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual({ Ref: topicId });
    const text = JSON.stringify(rule.Targets[0].InputTransformer);
    for (const field of ['ProcessingJobName', 'MonitoringScheduleArn', 'ProcessingJobStatus', 'ExitMessage', 'FailureReason']) {
      expect(rule.Targets[0].InputTransformer.InputPathsMap[`detail-${field}`]).toBe(`$.detail.${field}`);
    }
    expect(text).toContain('/model-monitor/churn/');
  });

  test('the topic policy admits EventBridge for this rule of this account only', () => {
    const policy = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics).includes(topicId)) as any;
    const doc = asDeployed(template, policy.Properties.PolicyDocument) as PolicyJson;
    const publish = (sourceArn: string, account = ACCOUNT) => ({
      action: 'sns:Publish',
      resource: deployedValue(template, topicId),
      context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account, 'aws:SecureTransport': 'true' },
    });
    const ruleArn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-monitor-alerts`;
    expect(evaluate([doc], publish(ruleArn))).toBe('Allow');
    expect(evaluate([doc], publish(`arn:aws:events:${REGION}:${ACCOUNT}:rule/another-rule`))).toBe('ImplicitDeny');
    expect(evaluate([doc], publish(ruleArn.replace(ACCOUNT, '444455556666'), '444455556666'))).toBe('ImplicitDeny');
    expect(evaluate([doc], { ...publish(ruleArn), context: { ...publish(ruleArn).context, 'aws:SecureTransport': 'false' } })).toBe('ExplicitDeny');
  });

  test('the topic\'s key lets EventBridge use it: one statement, shared with the endpoint\'s own rule', () => {
    const key = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::KMS::Key') as any;
    const statements = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'events.amazonaws.com');
    expect(statements).toEqual([expect.objectContaining({ Sid: 'AllowEventBridgeToUseKey', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]);
  });

  test('with model quality, the rule covers both schedules', () => {
    const s = newTestStack();
    const m = newMonitor(s, { modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: 'gt/churn/', inferenceAttribute: '0' } });
    const t = Template.fromStack(s).toJSON();
    const arns = t.Resources[s.getLogicalId(m.violationsRule.node.defaultChild as any)].Properties.EventPattern.detail.MonitoringScheduleArn;
    expect(arns).toEqual([
      { 'Fn::GetAtt': [s.getLogicalId(m.dataQualitySchedule), 'MonitoringScheduleArn'] },
      { 'Fn::GetAtt': [s.getLogicalId(m.modelQualitySchedule!), 'MonitoringScheduleArn'] },
    ]);
  });

  test('a token schedule name prefix: the rule is named by CloudFormation and admitted by reference', () => {
    const s = newTestStack();
    const ep = newEndpoint(s);
    const m = newMonitor(s, { endpoint: ep, scheduleNamePrefix: new CfnParameter(s, 'Prefix').valueAsString });
    const t = Template.fromStack(s).toJSON();
    const id = s.getLogicalId(m.violationsRule.node.defaultChild as any);
    expect(t.Resources[id].Properties.Name).toBeUndefined();
    const policy = Object.values(t.Resources).find((r: any) => r.Type === 'AWS::SNS::TopicPolicy') as any;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
  });

  test('an imported alarm topic: a warning with the exact statement to add', () => {
    const s = newTestStack();
    const ep = newEndpoint(s, { alarmTopic: sns.Topic.fromTopicArn(s, 'Ops', `arn:aws:sns:${REGION}:${ACCOUNT}:ops`) });
    newMonitor(s, { endpoint: ep });
    const [warning] = Annotations.fromStack(s).findWarning('/TestStack/Monitor', Match.stringLikeRegexp('`alarmTopic` is imported'));
    const statement = JSON.parse(/contains: (\{.*\})/.exec(warning.entry.data as string)![1]);
    expect(statement).toEqual(expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: `arn:aws:sns:${REGION}:${ACCOUNT}:ops` }));
  });
});

describe('multi-stack: environment, endpoint and monitor in three stacks', () => {
  function threeStacks() {
    const app = newTestApp();
    const platform = new Stack(app, 'Platform');
    const environment = new SageMakerEnvironment(platform, 'Env', { environmentName: 'shared' });
    const serving = new Stack(app, 'Serving');
    const endpoint = newEndpoint(serving, { environment });
    const monitoring = new Stack(app, 'Monitoring');
    const monitor = newMonitor(monitoring, { endpoint });
    return { app, platform, serving, monitoring, endpoint, monitor };
  }
  const { app, platform, serving, monitoring, endpoint } = threeStacks();
  let synthError: unknown;
  try {
    app.synth();
  } catch (e) {
    synthError = e;
  }

  test('synthesizes without a cycle; only the monitoring stack depends on the others', () => {
    expect(synthError).toBeUndefined();
    expect(platform.dependencies).toEqual([]);
    expect(serving.dependencies).toEqual([platform]);
    expect(monitoring.dependencies).toEqual(expect.arrayContaining([platform, serving]));
    expect(monitoring.dependencies).toHaveLength(2);
    expect(JSON.stringify(Template.fromStack(serving).toJSON())).not.toContain('Monitoring:');
  });

  test('the serving stack\'s topic policy admits the monitor\'s rule by its fixed ARN, without a reference', () => {
    const t = Template.fromStack(serving).toJSON() as { Resources: Record<string, any> };
    const topicId = serving.getLogicalId(endpoint.alarmTopic.node.defaultChild as any);
    const policy = Object.values(t.Resources).find((r: any) => r.Type === 'AWS::SNS::TopicPolicy') as any;
    const doc = asDeployed(t, policy.Properties.PolicyDocument) as PolicyJson;
    const request = {
      action: 'sns:Publish',
      resource: deployedValue(t, topicId),
      context: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-monitor-alerts`, 'aws:SourceAccount': ACCOUNT, 'aws:SecureTransport': 'true' },
    };
    expect(evaluate([doc], request)).toBe('Allow');
    expect(evaluate([doc], { ...request, context: { ...request.context, 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/other` } })).toBe('ImplicitDeny');
  });

  test('the schedule is created after the endpoint, through the stack dependency', () => {
    const schedule = Object.values(Template.fromStack(monitoring).findResources('AWS::SageMaker::MonitoringSchedule'))[0] as any;
    expect(schedule.DependsOn ?? []).not.toContain(serving.getLogicalId(endpoint.endpoint));
    expect(monitoring.dependencies).toContain(serving);
    expect(schedule.Properties.EndpointName).toBe('churn');
  });

  test('every stack has zero unacknowledged findings', () => {
    expect(formatFindings(unacknowledgedFindings(threeStacks().app))).toBe('');
  });
});

describe('an endpoint and its monitor on an environment imported from another app', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
  function imported() {
    const stack = newTestStack('Team', { env: { account: ACCOUNT, region: 'eu-west-1' } });
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
    const environment = SageMakerEnvironment.fromEnvironmentAttributes(stack, 'Env', {
      environmentName: 'ml',
      network,
      key: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN),
      dataBucketName: 'ml-data-bucket',
      artifactsBucketName: 'ml-artifacts-bucket',
    });
    const monitor = newMonitor(stack, { endpoint: newEndpoint(stack, { environment }) });
    return { stack, monitor };
  }
  const { stack } = imported();

  test('the job definition names the imported subnets, key and bucket literally, and the Region\'s image', () => {
    const definition = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::DataQualityJobDefinition'))[0].Properties;
    expect(definition.DataQualityAppSpecification.ImageUri).toBe('468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer');
    expect(definition.NetworkConfig.VpcConfig.Subnets).toEqual(['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2']);
    expect(definition.JobResources.ClusterConfig.VolumeKmsKeyId).toBe(KEY_ARN);
    expect(definition.DataQualityJobOutputConfig.KmsKeyId).toBe(KEY_ARN);
    expect(definition.DataQualityBaselineConfig.ConstraintsResource.S3Uri).toBe('s3://ml-artifacts-bucket/baselines/churn/constraints.json');
  });

  test('the imported key cannot be changed: a warning with the EventBridge key statement', () => {
    Annotations.fromStack(stack).hasWarning('/Team/Monitor', Match.stringLikeRegexp('key of the endpoint\'s alarm topic is imported.*events.amazonaws.com'));
  });

  test('zero unacknowledged findings', () => {
    expect(formatFindings(unacknowledgedFindings(imported().stack))).toBe('');
  });
});
