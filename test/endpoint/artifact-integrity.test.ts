import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureBucket, SecureEndpoint } from '../../lib';
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

describe('the served artifact is write-once', () => {
  const [policyId] = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::S3::BucketPolicy'
    && JSON.stringify(template.Resources[id].Properties.Bucket).includes(bucketId));
  // The write-once statements alone (the others require the key, TLS and the VPC endpoint).
  const whole = asDeployed(template, template.Resources[policyId].Properties.PolicyDocument) as { Statement: any[] };
  const policy: PolicyJson = { Statement: whole.Statement.filter((st) => /^ServedModel(WriteOnce|Kept)/.test(st.Sid ?? '')) };
  const served = `arn:aws:s3:::${bucketName}/${KEY}`;
  const request = (action: string, resource: string, context: Record<string, string> = {}) => ({
    action, resource, context: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/publisher', ...context },
  });
  const denied = (r: any) => evaluate([policy], r) === 'ExplicitDeny';

  test.each([
    ['an overwrite (no If-None-Match)', 's3:PutObject', {}],
    ['a completed multipart overwrite without the header', 's3:PutObject', { 's3:ObjectCreationOperation': 'CompleteMultipartUpload' }],
    ['a copy onto it', 's3:PutObject', { 's3:ObjectCreationOperation': 'CopyObject' }],
    ['its deletion', 's3:DeleteObject', {}],
    ['the deletion of an old version', 's3:DeleteObjectVersion', {}],
  ])('%s is denied to every principal', (_, action, context) => {
    expect(denied(request(action, served, context as Record<string, string>))).toBe(true);
  });

  test('two statements, on the served key only', () => {
    expect(policy.Statement).toHaveLength(2);
  });

  test('a create-only write (If-None-Match, which S3 refuses once the object exists) and the parts of a multipart upload pass them', () => {
    expect(denied(request('s3:PutObject', served, { 's3:if-none-match': '*' }))).toBe(false);
    expect(denied(request('s3:PutObject', served, { 's3:ObjectCreationOperation': 'UploadPart' }))).toBe(false);
  });

  test('the other keys of the bucket are not affected (a new model is a new key)', () => {
    expect(denied(request('s3:PutObject', `arn:aws:s3:::${bucketName}/models/churn/v4/model.tar.gz`))).toBe(false);
    expect(denied(request('s3:DeleteObject', `arn:aws:s3:::${bucketName}/${KEY}.bak`))).toBe(false);
  });

  test('a sandbox still tears down: the bucket\'s auto-delete handler may delete it', () => {
    const s = newTestStack('Sandbox', { env: { account: '111122223333', region: 'us-east-1' } });
    const sandbox = new SageMakerEnvironment(s, 'Env', { removalPolicy: RemovalPolicy.DESTROY, emptyBucketsOnDelete: true });
    new SecureEndpoint(s, 'Ep', {
      environment: sandbox,
      endpointName: 'churn',
      model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(sandbox.artifactsBucket, KEY) },
    });
    const t = Template.fromStack(s).toJSON() as { Resources: Record<string, any> };
    const id = s.getLogicalId(sandbox.artifactsBucket.bucket.node.defaultChild as any);
    const [pid] = Object.keys(t.Resources).filter((k) => t.Resources[k].Type === 'AWS::S3::BucketPolicy' && JSON.stringify(t.Resources[k].Properties.Bucket).includes(id));
    const [roleId] = Object.keys(t.Resources).filter((k) => k.startsWith('CustomS3AutoDeleteObjectsCustomResourceProviderRole'));
    const p = asDeployed(t, t.Resources[pid].Properties.PolicyDocument) as PolicyJson;
    const remove = (who: string) => evaluate([p], { action: 's3:DeleteObjectVersion', resource: `arn:aws:s3:::${deployedValue(t, id)}/${KEY}`, context: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': who, 'aws:SourceVpce': asDeployed(t, { Ref: Object.keys(t.Resources).find((k) => t.Resources[k].Type === 'AWS::EC2::VPCEndpoint' && /S3/.test(k)) }) } });
    expect(remove(asDeployed(t, { 'Fn::GetAtt': [roleId, 'Arn'] }))).not.toBe('ExplicitDeny');
    expect(remove('arn:aws:iam::111122223333:role/publisher')).toBe('ExplicitDeny');
  });

  test('a bucket imported by name: a warning gives the statements to add', () => {
    const s = newTestStack('Imported');
    const e = SageMakerEnvironment.of(s);
    const bucket = SecureBucket.fromBucketAttributes(s, 'Models', { bucketName: 'team-models', encryptionKey: e.key });
    new SecureEndpoint(s, 'Ep', { endpointName: 'churn', model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(bucket, KEY) } });
    Annotations.fromStack(s).hasWarning('/Imported/Ep', Match.stringLikeRegexp('imported, so its policy cannot be changed.*s3:if-none-match.*ServedModelWriteOnce.*ServedModelKept'));
  });
});

test('writeOnceModelArtifact: false is warned and leaves the object writable', () => {
  const s = newTestStack('Writable');
  const e = SageMakerEnvironment.of(s);
  new SecureEndpoint(s, 'Ep', { endpointName: 'churn', writeOnceModelArtifact: false, model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(e.artifactsBucket, KEY) } });
  Annotations.fromStack(s).hasWarning('/Writable/Ep', Match.stringLikeRegexp('`writeOnceModelArtifact` is false'));
  expect(JSON.stringify(Template.fromStack(s).toJSON())).not.toContain('ServedModelWriteOnce');
});
