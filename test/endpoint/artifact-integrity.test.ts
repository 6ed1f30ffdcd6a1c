import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureEndpoint } from '../../lib';
import { newTestStack } from '../helpers/compliance';
import { asDeployed, deployedValue } from '../helpers/deployed';
import { eventMatches, s3ObjectEvent as s3Event } from '../helpers/event-pattern';
import { evaluate, PolicyJson } from '../helpers/iam-eval';

// Model poisoning: the served artifact is an S3 object, and every new endpoint instance
// (autoscaling, a replaced host) loads the object that is there then. S3 sends the environment
// buckets' events to EventBridge; a rule of the endpoint notifies its alarm topic when that object
// is written or deleted. The S3 events below have the shape EventBridge delivers ("Amazon S3 Event
// Notifications with EventBridge").

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const KEY = 'models/churn/v3/model.tar.gz';

const stack: Stack = newTestStack('Integrity', { env: { account: '111122223333', region: 'us-east-1' } });
const env = SageMakerEnvironment.of(stack);
const endpoint = new SecureEndpoint(stack, 'Ep', {
  endpointName: 'churn',
  model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, KEY) },
});
const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
const ruleId = stack.getLogicalId(endpoint.servedArtifactRule.node.defaultChild as any);
const bucketId = stack.getLogicalId(env.artifactsBucket.bucket.node.defaultChild as any);
const bucketName = deployedValue(template, bucketId);
const pattern = asDeployed(template, template.Resources[ruleId].Properties.EventPattern);


describe('served-artifact integrity alert', () => {
  test.each([
    ['the served artifact overwritten (a poisoned model) is alerted', 'Object Created', KEY, true],
    ['the served artifact deleted is alerted', 'Object Deleted', KEY, true],
    ['another model of the bucket written is not', 'Object Created', 'models/churn/v4/model.tar.gz', false],
    ['an object named like the served key plus a suffix is not', 'Object Created', `${KEY}.bak`, false],
    ['another event type on the served artifact is not', 'Object Access Tier Changed', KEY, false],
  ])('%s', (_, detailType, key, alerted) => {
    expect(eventMatches(pattern, s3Event(detailType as string, bucketName, key as string))).toBe(alerted);
  });

  test('the same key in another bucket is not the served artifact', () => {
    expect(eventMatches(pattern, s3Event('Object Created', 'someone-elses-bucket', KEY))).toBe(false);
  });

  test('the bucket sends its events to EventBridge, and the rule targets the alarm topic', () => {
    expect(template.Resources[bucketId].Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(template.Resources[ruleId].Properties.Targets).toEqual([expect.objectContaining({
      Arn: { Ref: stack.getLogicalId(endpoint.alarmTopic.node.defaultChild as any) },
    })]);
  });

  test('the topic admits EventBridge for this rule of this account only, and the topic\'s key lets EventBridge use it', () => {
    const topicId = stack.getLogicalId(endpoint.alarmTopic.node.defaultChild as any);
    const policy = Object.values(template.Resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!;
    const doc = asDeployed(template, policy.Properties.PolicyDocument) as PolicyJson;
    const ruleArn = deployedValue(template, `${ruleId}.Arn`);
    const publish = (sourceArn: string, account = '111122223333') => ({
      action: 'sns:Publish',
      // The topic's Ref (its ARN once deployed), as the policy names it.
      resource: deployedValue(template, topicId),
      context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account, 'aws:SecureTransport': 'true' },
    });
    expect(evaluate([doc], publish(ruleArn))).toBe('Allow');
    expect(evaluate([doc], publish('arn:aws:events:us-east-1:111122223333:rule/another-rule'))).toBe('ImplicitDeny');
    expect(evaluate([doc], publish(ruleArn.replace('111122223333', '444455556666'), '444455556666'))).toBe('ImplicitDeny');
    const key = Object.values(template.Resources).find((r) => r.Type === 'AWS::KMS::Key')!;
    const events = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'events.amazonaws.com');
    expect(events).toEqual([expect.objectContaining({ Sid: 'AllowEventBridgeToUseKey', Action: expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']) })]);
  });
});
