import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EndpointImage, ModelData, SageMakerEnvironment, SageMakerWorkloadRole } from '../../lib';
import { AsyncInferenceResponseIn, SecureEndpoint, SecureEndpointProps } from '../../lib/endpoint';
import { unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, deployedValue } from '../helpers/deployed';
import { evaluate } from '../helpers/iam-eval';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestMembers } from '../helpers/sagemaker-api';
import { managedPoliciesOfRole, render, statementsOf } from '../helpers/template';

function only(stack: Stack, type: string): any {
  const found = Object.values(Template.fromStack(stack).findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

/** An asynchronous SecureEndpoint with an ECR image and a model in the artifacts bucket, plus overrides. */
function asyncEndpoint(stack: Stack, props: Partial<SecureEndpointProps> = {}, id = 'Ep'): SecureEndpoint {
  const env = SageMakerEnvironment.of(stack);
  const repo = (stack.node.tryFindChild('Repo') as ecr.IRepository | undefined) ?? ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn');
  return new SecureEndpoint(stack, id, {
    endpointName: 'churn',
    model: { image: EndpointImage.fromEcrRepository(repo, '1.4.2'), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
    asyncInference: {},
    ...props,
  });
}

const ENV_KEY = { 'Fn::GetAtt': [expect.stringMatching(/^SecureSageMakerEnvironmentKey/), 'Arn'] };
const s3Url = (prefix: string) => ({ 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^SecureSageMakerEnvironmentArtifactsBucket/) }, `/${prefix}`]] });
const objects = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^SecureSageMakerEnvironmentArtifactsBucket/), 'Arn'] }, `/${prefix}*`]] });
const viaS3 = {
  StringEquals: {
    'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
    'kms:EncryptionContext:aws:s3:arn': { 'Fn::GetAtt': [expect.stringMatching(/^SecureSageMakerEnvironmentArtifactsBucket/), 'Arn'] },
  },
};

describe('SecureEndpoint asynchronous inference', () => {
  describe('secure defaults', () => {
    test('with asyncInference at its defaults it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      asyncEndpoint(stack);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('with every asynchronous option set there are still zero unacknowledged findings, and no acknowledgement is unneeded', () => {
      const stack = newTestStack();
      asyncEndpoint(stack, {
        asyncInference: {
          maxConcurrentInvocationsPerInstance: 4,
          includeInferenceResponseIn: [AsyncInferenceResponseIn.SUCCESS_NOTIFICATION_TOPIC, AsyncInferenceResponseIn.ERROR_NOTIFICATION_TOPIC],
          targetBacklogPerInstance: 2,
          oldestRequestAge: Duration.minutes(10),
        },
        instanceType: 'ml.g5.xlarge',
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      expect(unneededAcknowledgements(stack)).toEqual([]);
      // On an NVMe instance type the storage key is omitted (CreateEndpointConfig rejects it), the results' key is not: it is S3's.
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties;
      expect(config.KmsKeyId).toBeUndefined();
      expect(config.AsyncInferenceConfig.OutputConfig.KmsKeyId).toEqual(ENV_KEY);
    });

    test('the endpoint config writes results and failures under async/<name>/ of the artifacts bucket, encrypted with the environment key, and notifies two topics', () => {
      const stack = newTestStack();
      const ep = asyncEndpoint(stack);
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties;
      expect(config.AsyncInferenceConfig).toEqual({
        OutputConfig: {
          S3OutputPath: s3Url('async/churn/output/'),
          S3FailurePath: s3Url('async/churn/failure/'),
          KmsKeyId: ENV_KEY,
          NotificationConfig: {
            SuccessTopic: { Ref: expect.stringMatching(/^EpAsyncSuccessTopic/) },
            ErrorTopic: { Ref: expect.stringMatching(/^EpAsyncErrorTopic/) },
          },
        },
      });
      // The output key is the artifacts bucket's own key, which its policy requires of every upload.
      const bucketKey = stack.resolve(SageMakerEnvironment.of(stack).artifactsBucket.encryptionKey.keyArn);
      expect(bucketKey).toEqual(config.AsyncInferenceConfig.OutputConfig.KmsKeyId);
      // The instance storage stays encrypted, and the instances stay two.
      expect(config.KmsKeyId).toEqual(ENV_KEY);
      expect(config.ProductionVariants).toEqual([expect.objectContaining({ InstanceType: 'ml.m5.large', InitialInstanceCount: 2 })]);
      expect([ep.asyncInputPrefix, ep.asyncOutputPrefix, ep.asyncFailurePrefix]).toEqual(['async/churn/input/', 'async/churn/output/', 'async/churn/failure/']);
      expect(ep.asyncSuccessTopic).toBeDefined();
      expect(ep.asyncErrorTopic).toBeDefined();
    });

    test('every field written is a member of the SageMaker API shapes (CreateEndpointConfig AsyncInferenceConfig)', () => {
      const stack = newTestStack();
      asyncEndpoint(stack, {
        asyncInference: { maxConcurrentInvocationsPerInstance: 4, includeInferenceResponseIn: [AsyncInferenceResponseIn.ERROR_NOTIFICATION_TOPIC] },
      });
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties.AsyncInferenceConfig;
      expect(requestMembers('CreateEndpointConfig', ['AsyncInferenceConfig'])).toEqual(expect.arrayContaining(Object.keys(config)));
      expect(requestMembers('CreateEndpointConfig', ['AsyncInferenceConfig', 'OutputConfig'])).toEqual(expect.arrayContaining(Object.keys(config.OutputConfig)));
      expect(requestMembers('CreateEndpointConfig', ['AsyncInferenceConfig', 'OutputConfig', 'NotificationConfig']))
        .toEqual(expect.arrayContaining(Object.keys(config.OutputConfig.NotificationConfig)));
      expect(requestMembers('CreateEndpointConfig', ['AsyncInferenceConfig', 'ClientConfig'])).toEqual(Object.keys(config.ClientConfig));
      expect(config.ClientConfig).toEqual({ MaxConcurrentInvocationsPerInstance: 4 });
      expect(config.OutputConfig.NotificationConfig.IncludeInferenceResponseIn).toEqual(['ERROR_NOTIFICATION_TOPIC']);
    });

    test('both topics are encrypted with the environment key and refuse publishing without TLS', () => {
      const stack = newTestStack();
      asyncEndpoint(stack);
      const t = Template.fromStack(stack).toJSON();
      for (const prefix of ['EpAsyncSuccessTopic', 'EpAsyncErrorTopic']) {
        const [topicId, topic] = Object.entries(t.Resources as Record<string, any>).find(([id, r]) => id.startsWith(prefix) && r.Type === 'AWS::SNS::Topic')!;
        expect(topic.Properties.KmsMasterKeyId).toEqual(ENV_KEY);
        const policies = Object.values(t.Resources as Record<string, any>)
          .filter((r) => r.Type === 'AWS::SNS::TopicPolicy' && r.Properties.Topics.some((x: any) => x.Ref === topicId));
        expect(policies).toHaveLength(1);
        expect(policies[0].Properties.PolicyDocument.Statement).toEqual([{
          Sid: 'AllowPublishThroughSSLOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: { Ref: topicId },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }]);
      }
    });

    test('the model role reads only the input prefix, writes only the output and failure prefixes, and publishes only to its two topics', () => {
      const stack = newTestStack();
      asyncEndpoint(stack);
      const statements = statementsOf(stack, 'EpRolePermissions');
      const reads = statements.filter((s) => [s.Action].flat().includes('s3:GetObject'));
      expect(reads.map((s) => [s.Action, s.Resource])).toEqual([
        ['s3:GetObject', { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/ArtifactsBucket/), 'Arn'] }, '/models/churn/v3/model.tar.gz']] }],
        [['s3:GetObject', 's3:GetObjectVersion'], objects('async/churn/input/')],
      ]);
      const writes = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
      expect(writes).toEqual(['datacapture/churn/', 'async/churn/output/', 'async/churn/failure/'].map((p) => ({
        Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: objects(p),
      })));
      expect(statements.filter((s) => [s.Action].flat().includes('s3:ListBucket'))).toEqual([{
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/ArtifactsBucket/), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': 'async/churn/input/*' } },
      }]);
      expect(statements.filter((s) => JSON.stringify(s.Action).includes('sns:'))).toEqual([{
        Sid: 'PublishToOwnAsyncTopicsOnly',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: [{ Ref: expect.stringMatching(/^EpAsyncSuccessTopic/) }, { Ref: expect.stringMatching(/^EpAsyncErrorTopic/) }],
      }]);
      const kms = statements.filter((s) => JSON.stringify(s.Action).includes('kms:'));
      expect(kms).toEqual(expect.arrayContaining([
        {
          Sid: 'EncryptAsyncNotificationsThroughSnsOnly',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: ENV_KEY,
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
        },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: ENV_KEY, Condition: viaS3 },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: ENV_KEY, Condition: viaS3 },
      ]));
      // Every use of the key is through S3 for the artifacts bucket, or through SNS.
      for (const s of kms) {
        expect(Object.keys(s.Condition.StringEquals)).toContain('kms:ViaService');
      }
    });

    test('policies in the template pass the least-privilege check, an asynchronous grant included', () => {
      const stack = newTestStack();
      const ep = asyncEndpoint(stack);
      ep.grantInvoke(new SageMakerWorkloadRole(stack, 'Caller'));
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });

    test('autoscaling tracks the backlog per instance, from the initial count to twice as many', () => {
      const stack = newTestStack();
      asyncEndpoint(stack);
      expect(only(stack, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties).toEqual(expect.objectContaining({
        ResourceId: 'endpoint/churn/variant/AllTraffic', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', MinCapacity: 2, MaxCapacity: 4,
      }));
      expect(only(stack, 'AWS::ApplicationAutoScaling::ScalingPolicy').Properties.TargetTrackingScalingPolicyConfiguration).toEqual({
        TargetValue: 5,
        CustomizedMetricSpecification: {
          MetricName: 'ApproximateBacklogSizePerInstance',
          Namespace: 'AWS/SageMaker',
          Dimensions: [{ Name: 'EndpointName', Value: 'churn' }],
          Statistic: 'Average',
        },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      });
    });

    test('alarms: 5XX errors, model latency, memory, disk (published for asynchronous endpoints too) and the age of the oldest queued request', () => {
      const stack = newTestStack();
      const ep = asyncEndpoint(stack);
      const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')) as any[];
      expect(alarms.map((a) => [a.Properties.AlarmName, a.Properties.MetricName, a.Properties.Threshold])).toEqual([
        ['sagemaker-endpoint-churn-server-errors', 'Invocation5XXErrors', 1],
        ['sagemaker-endpoint-churn-model-latency', 'ModelLatency', 1000000],
        ['sagemaker-endpoint-churn-memory-utilization', 'MemoryUtilization', 90],
        ['sagemaker-endpoint-churn-disk-utilization', 'DiskUtilization', 90],
        ['sagemaker-endpoint-churn-oldest-request-age', 'ApproximateAgeOfOldestRequest', 1800],
      ]);
      const age = alarms[4].Properties;
      expect(age).toEqual(expect.objectContaining({
        Namespace: 'AWS/SageMaker',
        Dimensions: [{ Name: 'EndpointName', Value: 'churn' }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 5,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: expect.stringMatching(/^EpAlarmTopic/) }],
      }));
      expect(ep.alarms).toHaveLength(5);
    });

    test('data capture stays on, encrypted, to datacapture/<name>/', () => {
      const stack = newTestStack();
      const ep = asyncEndpoint(stack);
      const capture = only(stack, 'AWS::SageMaker::EndpointConfig').Properties.DataCaptureConfig;
      expect(capture).toEqual(expect.objectContaining({ EnableCapture: true, KmsKeyId: ENV_KEY, DestinationS3Uri: s3Url('datacapture/churn/') }));
      expect(ep.dataCapturePrefix).toBe('datacapture/churn/');
    });

    test('options are honoured: concurrency, responses in the topics, backlog target, oldest-request age', () => {
      const stack = newTestStack();
      asyncEndpoint(stack, {
        asyncInference: {
          maxConcurrentInvocationsPerInstance: 1000,
          includeInferenceResponseIn: [AsyncInferenceResponseIn.SUCCESS_NOTIFICATION_TOPIC],
          targetBacklogPerInstance: 0.5,
          oldestRequestAge: Duration.minutes(5),
        },
      });
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties.AsyncInferenceConfig;
      expect(config.ClientConfig).toEqual({ MaxConcurrentInvocationsPerInstance: 1000 });
      expect(config.OutputConfig.NotificationConfig.IncludeInferenceResponseIn).toEqual(['SUCCESS_NOTIFICATION_TOPIC']);
      expect(only(stack, 'AWS::ApplicationAutoScaling::ScalingPolicy').Properties.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(0.5);
      Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestRequest', Threshold: 300 });
    });
  });

  describe('grantInvoke', () => {
    function grantedDocument(stack: Stack): any {
      const template = Template.fromStack(stack).toJSON() as any;
      const roleId = Object.keys(template.Resources).find((id) => id.startsWith('Client') && template.Resources[id].Type === 'AWS::IAM::Role')!;
      const policies = managedPoliciesOfRole(template, roleId);
      expect(policies.length).toBeGreaterThan(0);
      return { template, documents: policies.map((id) => asDeployed(template, template.Resources[id].Properties.PolicyDocument)) };
    }

    test('InvokeEndpointAsync on this endpoint only, upload to the input prefix, read of the output and failure prefixes only', () => {
      const stack = newTestStack();
      const ep = asyncEndpoint(stack);
      const other = asyncEndpoint(stack, { endpointName: 'fraud' }, 'Other');
      const client = new iam.Role(stack, 'Client', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      ep.grantInvoke(client);
      const { template, documents } = grantedDocument(stack);
      const arn = asDeployed(template, stack.resolve(ep.endpointArn));
      const otherArn = asDeployed(template, stack.resolve(other.endpointArn));
      const bucketId = Object.keys(template.Resources).find((id) => id.startsWith('SecureSageMakerEnvironmentArtifactsBucket') && template.Resources[id].Type === 'AWS::S3::Bucket')!;
      const bucketArn = deployedValue(template, `${bucketId}.Arn`);
      const keyId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::KMS::Key')!;
      const keyArn = deployedValue(template, `${keyId}.Arn`);
      expect(evaluate(documents, { action: 'sagemaker:InvokeEndpointAsync', resource: arn })).toBe('Allow');
      expect(evaluate(documents, { action: 'sagemaker:InvokeEndpointAsync', resource: otherArn })).toBe('ImplicitDeny');
      // An asynchronous endpoint takes asynchronous invocations only: nothing else is granted.
      expect(evaluate(documents, { action: 'sagemaker:InvokeEndpoint', resource: arn })).toBe('ImplicitDeny');
      expect(evaluate(documents, { action: 's3:PutObject', resource: `${bucketArn}/async/churn/input/req-1.json` })).toBe('Allow');
      expect(evaluate(documents, { action: 's3:PutObject', resource: `${bucketArn}/async/churn/output/req-1.json.out` })).toBe('ImplicitDeny');
      expect(evaluate(documents, { action: 's3:PutObject', resource: `${bucketArn}/async/fraud/input/req-1.json` })).toBe('ImplicitDeny');
      expect(evaluate(documents, { action: 's3:GetObject', resource: `${bucketArn}/async/churn/output/req-1.json.out` })).toBe('Allow');
      expect(evaluate(documents, { action: 's3:GetObject', resource: `${bucketArn}/async/churn/failure/req-1.json.out` })).toBe('Allow');
      expect(evaluate(documents, { action: 's3:GetObject', resource: `${bucketArn}/async/fraud/output/req-1.json.out` })).toBe('ImplicitDeny');
      expect(evaluate(documents, { action: 's3:GetObject', resource: `${bucketArn}/models/churn/v3/model.tar.gz` })).toBe('ImplicitDeny');
      expect(evaluate(documents, { action: 's3:DeleteObject', resource: `${bucketArn}/async/churn/output/req-1.json.out` })).toBe('ImplicitDeny');
      // The key only through S3, for the artifacts bucket.
      const viaS3Context = { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': bucketArn };
      expect(evaluate(documents, { action: 'kms:GenerateDataKey', resource: keyArn, context: viaS3Context })).toBe('Allow');
      expect(evaluate(documents, { action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } })).toBe('ImplicitDeny');
      // The grant is in customer-managed policies only.
      expect(Template.fromStack(stack).findResources('AWS::IAM::Policy')).toEqual({});
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('with vpcEndpoints, only the invocation carries the aws:SourceVpce condition', () => {
      const stack = newTestStack();
      const ep = asyncEndpoint(stack);
      const client = new iam.Role(stack, 'Client', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      ep.grantInvokeWithOptions(client, { vpcEndpoints: [ep.runtimeVpcEndpoint] });
      const { template, documents } = grantedDocument(stack);
      const arn = asDeployed(template, stack.resolve(ep.endpointArn));
      const vpce = asDeployed(template, stack.resolve(ep.runtimeVpcEndpoint.vpcEndpointId));
      expect(evaluate(documents, { action: 'sagemaker:InvokeEndpointAsync', resource: arn, context: { 'aws:SourceVpce': vpce } })).toBe('Allow');
      expect(evaluate(documents, { action: 'sagemaker:InvokeEndpointAsync', resource: arn, context: { 'aws:SourceVpce': 'vpce-0other' } })).toBe('ImplicitDeny');
    });

    test('fails on responseStreaming for an asynchronous endpoint', () => {
      const stack = newTestStack();
      const ep = asyncEndpoint(stack);
      expect(() => ep.grantInvokeWithOptions(new iam.User(stack, 'U'), { responseStreaming: true })).toThrow(/`responseStreaming`.*asynchronous endpoint.*InvokeEndpointAsync only/);
    });

    test('a real-time endpoint still grants InvokeEndpoint only, with no bucket access', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const ep = new SecureEndpoint(stack, 'Rt', {
        endpointName: 'rt',
        model: { image: EndpointImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn'), '1.4.2'), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') },
      });
      const client = new iam.Role(stack, 'Client', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      ep.grantInvoke(client);
      const { documents } = grantedDocument(stack);
      expect(documents.flatMap((d: any) => d.Statement.map((s: any) => s.Action))).toEqual(['sagemaker:InvokeEndpoint']);
      expect(ep.asyncInputPrefix).toBeUndefined();
    });
  });

  describe('composition', () => {
    test('the environment in a platform stack, the asynchronous endpoint and its caller in a team stack: no cycle, the platform depends on nothing, zero findings', () => {
      const app = newTestApp();
      const platform = new Stack(app, 'Platform', { env: { account: '111122223333', region: 'us-east-1' } });
      const team = new Stack(app, 'Team', { env: { account: '111122223333', region: 'us-east-1' } });
      const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'shared' });
      const ep = new SecureEndpoint(team, 'Ep', {
        environment: env,
        endpointName: 'churn',
        model: { image: EndpointImage.fromDlc('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker'), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/model.tar.gz') },
        asyncInference: {},
      });
      ep.grantInvoke(new iam.Role(team, 'Client', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
      expect(() => app.synth()).not.toThrow();
      expect(platform.dependencies).toEqual([]);
      expect(team.dependencies).toEqual([platform]);
      // The topics live with the endpoint, encrypted with the platform's key.
      const topics = Object.values(Template.fromStack(team).findResources('AWS::SNS::Topic')) as any[];
      expect(topics).toHaveLength(3);
      for (const t of topics) {
        expect(JSON.stringify(t.Properties.KmsMasterKeyId)).toMatch(/Fn::ImportValue/);
      }
      expect(formatFindings(unacknowledgedFindings(app))).toBe('');
    });
  });

  describe('validation', () => {
    test.each([0, 1001, 2.5])('fails on maxConcurrentInvocationsPerInstance %p', (n) => {
      const stack = newTestStack();
      expect(() => asyncEndpoint(stack, { asyncInference: { maxConcurrentInvocationsPerInstance: n } }))
        .toThrow(/`asyncInference.maxConcurrentInvocationsPerInstance` is .*: use a whole number from 1 to 1000/);
    });

    test('accepts 1 and 1000, and a token', () => {
      for (const n of [1, 1000, Token.asNumber(Lazy.number({ produce: () => 8 }))]) {
        const stack = newTestStack();
        expect(() => asyncEndpoint(stack, { asyncInference: { maxConcurrentInvocationsPerInstance: n } })).not.toThrow();
      }
    });

    test.each([0, -1, Number.NaN])('fails on targetBacklogPerInstance %p', (n) => {
      const stack = newTestStack();
      expect(() => asyncEndpoint(stack, { asyncInference: { targetBacklogPerInstance: n } }))
        .toThrow(/`asyncInference.targetBacklogPerInstance` is .*: use a positive number/);
    });

    test('fails on a topic named twice in includeInferenceResponseIn', () => {
      const stack = newTestStack();
      expect(() => asyncEndpoint(stack, {
        asyncInference: {
          includeInferenceResponseIn: [AsyncInferenceResponseIn.ERROR_NOTIFICATION_TOPIC, AsyncInferenceResponseIn.ERROR_NOTIFICATION_TOPIC],
        },
      })).toThrow(/`asyncInference.includeInferenceResponseIn` names a topic twice/);
    });

    test('fails on a token or sub-second oldestRequestAge', () => {
      const tokenAge = Duration.seconds(Token.asNumber(Lazy.number({ produce: () => 60 })));
      expect(() => asyncEndpoint(newTestStack(), { asyncInference: { oldestRequestAge: tokenAge } }))
        .toThrow(/`asyncInference.oldestRequestAge` is a token/);
      expect(() => asyncEndpoint(newTestStack(), { asyncInference: { oldestRequestAge: Duration.millis(500) } }))
        .toThrow(/`asyncInference.oldestRequestAge` must be at least one second/);
    });

    test('fails on asyncInference together with serverless', () => {
      const stack = newTestStack();
      expect(() => asyncEndpoint(stack, { serverless: { acceptServerlessRisks: true } }))
        .toThrow(/`serverless` cannot be combined with `asyncInference`/);
    });

    test('no warning is added by asyncInference itself', () => {
      const stack = newTestStack();
      asyncEndpoint(stack);
      const warnings = Annotations.fromStack(stack).findWarning('/TestStack/Ep', Match.anyValue());
      expect(warnings).toEqual([]);
    });

    test('a token endpoint name keeps the prefixes and the alarm dimension as the token resolves', () => {
      const stack = newTestStack();
      const name = Token.asString(Lazy.string({ produce: () => 'churn-async' }));
      const ep = asyncEndpoint(stack, { endpointName: name });
      expect(stack.resolve(ep.asyncInputPrefix)).toBe('async/churn-async/input/');
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties.AsyncInferenceConfig;
      expect(render(config.OutputConfig.S3OutputPath)).toMatch(/\/async\/churn-async\/output\/$/);
    });
  });
});
