import { CfnParameter, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  EndpointImage,
  ModelData,
  SageMakerEndpointService,
  SageMakerEnvironment,
  SageMakerWorkloadRole,
  SecureEndpoint,
  SecureEndpointProps,
} from '../../lib';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { render, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const NVME_KMS_IDS = [
  'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured',
  'NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured',
  'PCI.DSS.321-SageMakerEndpointConfigurationKMSKeyConfigured',
];

function only(stack: Stack, type: string): any {
  const found = Object.values(Template.fromStack(stack).findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

/** A SecureEndpoint with an ECR image and a model in the artifacts bucket, plus overrides. */
function endpoint(stack: Stack, props: Partial<SecureEndpointProps> = {}, id = 'Ep'): SecureEndpoint {
  const env = SageMakerEnvironment.of(stack);
  const repo = (stack.node.tryFindChild('Repo') as ecr.IRepository | undefined) ?? ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn');
  return new SecureEndpoint(stack, id, {
    endpointName: 'churn',
    model: { image: EndpointImage.fromEcrRepository(repo, '1.4.2'), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
    ...props,
  });
}

describe('SecureEndpoint', () => {
  describe('secure defaults', () => {
    test('with an ECR image it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      endpoint(stack);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('with a Deep Learning Container image it has zero unacknowledged findings', () => {
      const stack = newTestStack();
      endpoint(stack, { model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, 'm/model.tar.gz') } });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the model is network-isolated, in the environment subnets with its own security group, and serves exactly the given artifact', () => {
      const stack = newTestStack();
      endpoint(stack);
      const model = only(stack, 'AWS::SageMaker::Model').Properties;
      expect(model.EnableNetworkIsolation).toBe(true);
      expect(model.VpcConfig).toEqual({
        Subnets: [{ Ref: expect.stringMatching(/SecureSageMakerEnvironmentNetworkVpcworkloadsSubnet1/) }, { Ref: expect.stringMatching(/Subnet2/) }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^EpSecurityGroup/), 'GroupId'] }],
      });
      expect(render(model.PrimaryContainer.Image)).toBe('<AWS::AccountId>.dkr.ecr.<AWS::Region>.<AWS::URLSuffix>/team-a/churn:1.4.2');
      expect(render(model.PrimaryContainer.ModelDataUrl)).toMatch(/^s3:\/\/<SecureSageMakerEnvironmentArtifactsBucket.*>\/models\/churn\/v3\/model\.tar\.gz$/);
      expect(render(model.ExecutionRoleArn)).toMatch(/^<EpRole.*\.Arn>$/);
    });

    test('the endpoint config encrypts storage with the environment key and runs 2 ml.m5.large instances', () => {
      const stack = newTestStack();
      endpoint(stack);
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties;
      expect(config.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SecureSageMakerEnvironmentKey/), 'Arn'] });
      expect(config.ProductionVariants).toEqual([{
        VariantName: 'AllTraffic',
        ModelName: { 'Fn::GetAtt': [expect.stringMatching(/^EpModel/), 'ModelName'] },
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 2,
        InitialVariantWeight: 1,
      }]);
    });

    test('data capture is on: inputs and outputs, 100%, to datacapture/<name>/ in the artifacts bucket, encrypted with its key', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      const capture = only(stack, 'AWS::SageMaker::EndpointConfig').Properties.DataCaptureConfig;
      expect(capture).toEqual({
        EnableCapture: true,
        InitialSamplingPercentage: 100,
        DestinationS3Uri: expect.anything(),
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^SecureSageMakerEnvironmentKey/), 'Arn'] },
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      });
      expect(render(capture.DestinationS3Uri)).toMatch(/^s3:\/\/<SecureSageMakerEnvironmentArtifactsBucket.*>\/datacapture\/churn\/$/);
      expect(ep.dataCapturePrefix).toBe('datacapture/churn/');
    });

    test('the endpoint has the given name and its log group is created ahead: named, encrypted, retained, with retention', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::SageMaker::Endpoint', {
        EndpointName: 'churn',
        EndpointConfigName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EpEndpointConfig'), 'EndpointConfigName'] },
      });
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: '/aws/sagemaker/Endpoints/churn',
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecureSageMakerEnvironmentKey'), 'Arn'] },
          RetentionInDays: 365,
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      const endpointResource = only(stack, 'AWS::SageMaker::Endpoint');
      expect(endpointResource.DependsOn).toEqual(expect.arrayContaining([stack.resolve((ep.logGroup.node.defaultChild as any).logicalId)]));
      expect(ep.endpointArn).toBeDefined();
    });

    test('the key policy lets CloudWatch Logs use the key for this log group only', () => {
      const stack = newTestStack();
      endpoint(stack);
      const key = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0];
      const logs = key.Properties.KeyPolicy.Statement.filter((s: any) =>
        JSON.stringify(s.Condition ?? {}).includes('/aws/sagemaker/Endpoints/'));
      expect(logs).toHaveLength(1);
      expect(render(logs[0].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'][0])).toMatch(/:log-group:\/aws\/sagemaker\/Endpoints\/churn$/);
    });

    test('the security group has no ingress and HTTPS egress to the endpoints and S3 only', () => {
      const stack = newTestStack();
      endpoint(stack);
      const t = Template.fromStack(stack);
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('EpSecurityGroup'))![1];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      expect(Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) =>
        JSON.stringify(r.Properties.GroupId).includes('EpSecurityGroup'))).toEqual([]);
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EpSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] },
        FromPort: 443,
        ToPort: 443,
      });
    });

    test('requires sagemaker.runtime and logs, plus the ECR endpoints for an ECR image', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      endpoint(stack);
      expect(env.network.endpointServiceNames).toEqual(['sagemaker.runtime', 'logs', 'ecr.api', 'ecr.dkr']);
    });

    test('a Deep Learning Container image needs no ECR endpoints and no ECR permissions', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureEndpoint(stack, 'Ep', { model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') } });
      expect(env.network.endpointServiceNames).toEqual(['sagemaker.runtime', 'logs']);
      expect(statementsOf(stack, 'EpRolePermissions').filter((s) => JSON.stringify(s.Action).includes('ecr:'))).toEqual([]);
      expect(render(only(stack, 'AWS::SageMaker::Model').Properties.PrimaryContainer.Image)).toBe(DLC);
    });

    test('the model role reads exactly the model artifact, decrypting only through S3 for that bucket', () => {
      const stack = newTestStack();
      endpoint(stack);
      const statements = statementsOf(stack, 'EpRolePermissions');
      const reads = statements.filter((s) => [s.Action].flat().includes('s3:GetObject'));
      expect(reads).toHaveLength(1);
      expect(reads[0].Sid).toBe('ReadTheModelArtifactOnly');
      expect(reads[0].Action).toBe('s3:GetObject');
      expect(render(reads[0].Resource)).toMatch(/^<SecureSageMakerEnvironmentArtifactsBucket.*\.Arn>\/models\/churn\/v3\/model\.tar\.gz$/);
      expect(statements.filter((s) => [s.Action].flat().includes('s3:ListBucket'))).toEqual([]);
      const decrypt = statements.find((s) => s.Sid === 'DecryptTheModelArtifactThroughS3');
      expect(decrypt.Action).toBe('kms:Decrypt');
      expect(decrypt.Condition.StringEquals['kms:EncryptionContext:aws:s3:arn']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/ArtifactsBucket/), 'Arn'] });
    });

    test('the model role pulls from the image repository only, writes its own logs and captured data only', () => {
      const stack = newTestStack();
      endpoint(stack);
      const statements = statementsOf(stack, 'EpRolePermissions');
      const pull = statements.find((s) => [s.Action].flat().includes('ecr:BatchGetImage'));
      expect(render(pull.Resource)).toMatch(/:repository\/team-a\/churn$/);
      const logStreams = statements.find((s) => [s.Action].flat().includes('logs:PutLogEvents'));
      expect(render(logStreams.Resource)).toMatch(/:log-group:\/aws\/sagemaker\/Endpoints\/churn:log-stream:\*$/);
      const writes = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
      expect(writes.map((s) => render(s.Resource))).toEqual([expect.stringMatching(/ArtifactsBucket.*\.Arn>\/datacapture\/churn\/\*$/)]);
      const metrics = statements.find((s) => s.Sid === 'EndpointInstanceMetricsOnly');
      expect(metrics.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } });
    });

    test('the model gets network interfaces only in the environment VPC, subnets and its security group', () => {
      const stack = newTestStack();
      endpoint(stack);
      const statements = statementsOf(stack, 'EpRolePermissions');
      const create = statements.find((s) => s.Sid === 'ModelNetworkInterfacesUseEnvironmentSubnetsAndEndpointGroup');
      expect(create.Resource.map(render)).toEqual([
        expect.stringMatching(/:subnet\/<.*Subnet1/), expect.stringMatching(/:subnet\/<.*Subnet2/), expect.stringMatching(/:security-group\/<EpSecurityGroup/),
      ]);
      const eni = statements.find((s) => s.Sid === 'ModelNetworkInterfacesInEnvironmentVpc');
      expect(render(eni.Condition.ArnEquals['ec2:Vpc'])).toMatch(/:vpc\/<SecureSageMakerEnvironmentNetworkVpc/);
    });

    test('the sagemaker.runtime VPC endpoint admits invocations of this endpoint only, by principals of this account', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      const t = Template.fromStack(stack);
      const runtime = Object.values(t.findResources('AWS::EC2::VPCEndpoint')).find((r: any) => render(r.Properties.ServiceName).endsWith('.sagemaker.runtime'))!;
      expect(runtime.Properties.PolicyDocument.Statement).toEqual([{
        Sid: 'InvokeEnvironmentEndpointsOnly',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync', 'sagemaker:InvokeEndpointWithResponseStream'],
        Resource: [stack.resolve(ep.endpointArn)],
        Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
      }]);
      expect(ep.runtimeVpcEndpoint).toBe(SageMakerEnvironment.of(stack).network.endpointFor(SageMakerEndpointService.SAGEMAKER_RUNTIME));
    });

    test('a second endpoint adds its ARN to the same statement', () => {
      const stack = newTestStack();
      endpoint(stack, {}, 'A');
      endpoint(stack, { endpointName: 'fraud' }, 'B');
      const runtime = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'))
        .find((r: any) => render(r.Properties.ServiceName).endsWith('.sagemaker.runtime'))!;
      const statements = runtime.Properties.PolicyDocument.Statement;
      expect(statements).toHaveLength(1);
      expect(statements[0].Resource.map(render)).toEqual([expect.stringMatching(/:endpoint\/churn$/), expect.stringMatching(/:endpoint\/fraud$/)]);
    });

    test('autoscaling: from the initial count to twice as many on invocations per instance, with the service-linked role', () => {
      const stack = newTestStack();
      endpoint(stack);
      const t = Template.fromStack(stack);
      const target = only(stack, 'AWS::ApplicationAutoScaling::ScalableTarget');
      expect(target.Properties).toEqual(expect.objectContaining({
        ServiceNamespace: 'sagemaker',
        ResourceId: 'endpoint/churn/variant/AllTraffic',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 2,
        MaxCapacity: 4,
      }));
      expect(target.Properties.RoleARN).toBeUndefined();
      expect(target.DependsOn).toEqual([expect.stringMatching(/^Ep[0-9A-F]{8}$/)]);
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        ScalingTargetId: { Ref: Match.stringLikeRegexp('^EpScalableTarget') },
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 1000,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        },
      });
      // Only the model role: no role for Application Auto Scaling.
      const roles = Object.keys(t.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('Ep'));
      expect(roles).toEqual([expect.stringMatching(/^EpRole/)]);
    });

    test('alarms on 5XX errors, model latency, memory and disk utilization notify an encrypted, TLS-only topic', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      const t = Template.fromStack(stack);
      const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms.map((a: any) => [a.Properties.Namespace, a.Properties.MetricName, a.Properties.Statistic, a.Properties.Threshold])).toEqual([
        ['AWS/SageMaker', 'Invocation5XXErrors', 'Sum', 1],
        ['AWS/SageMaker', 'ModelLatency', 'Average', 1000000],
        ['/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average', 90],
        ['/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average', 90],
      ]);
      for (const a of alarms as any[]) {
        expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^EpAlarmTopic/) }]);
        expect(a.Properties.Dimensions).toEqual([{ Name: 'EndpointName', Value: 'churn' }, { Name: 'VariantName', Value: 'AllTraffic' }]);
      }
      t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecureSageMakerEnvironmentKey'), 'Arn'] } });
      t.hasResourceProperties('AWS::SNS::TopicPolicy', {
        // The TLS deny, and (test/endpoint/alarm-delivery.test.ts) the Allow for this endpoint's alarms
        // and for its served-artifact rule (test/endpoint/artifact-integrity.test.ts).
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' }),
          ],
        },
      });
      expect(ep.alarms).toHaveLength(4);
    });

    test('the key policy lets CloudWatch alarms use the key of the encrypted topic, for this account only, in one statement', () => {
      const stack = newTestStack();
      endpoint(stack);
      endpoint(stack, { endpointName: 'other' }, 'Other');
      const key = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0];
      const cw = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
      expect(cw).toEqual([{
        Sid: 'AllowCloudWatchAlarmsToUseKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }]);
    });

    test('policies in the template pass the least-privilege check, grants included', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      ep.grantInvokeWithOptions(new SageMakerWorkloadRole(stack, 'Caller'), { responseStreaming: true });
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });

    test('a default name is derived from the construct path, in lowercase', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const ep = new SecureEndpoint(stack, 'ChurnModel', { model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') } });
      expect(ep.endpointName).toMatch(/^[a-z0-9-]{1,63}$/);
      expect(ep.endpointName).toContain('churnmodel');
    });

    test('tags its resources with the owner tag', () => {
      const stack = newTestStack();
      endpoint(stack);
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Endpoint', {
        Tags: Match.arrayWith([{ Key: SecureEndpoint.OWNER_TAG, Value: 'churn' }]),
      });
    });
  });

  describe('NVMe instance types', () => {
    test('no KMS key on the endpoint config, an info note, acknowledged generic findings and zero unacknowledged findings', () => {
      const stack = newTestStack();
      endpoint(stack, { instanceType: 'ml.g5.xlarge' });
      const config = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::EndpointConfig'))[0];
      expect(config.Properties.KmsKeyId).toBeUndefined();
      expect(config.Properties.ProductionVariants[0].InstanceType).toBe('ml.g5.xlarge');
      // Data capture is still encrypted.
      expect(config.Properties.DataCaptureConfig.KmsKeyId).toBeDefined();
      expect(config.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toEqual(expect.arrayContaining(NVME_KMS_IDS));
      Annotations.fromStack(stack).hasInfo('/TestStack/Ep', Match.stringLikeRegexp('local NVMe storage'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test.each([['ml.m5d.xlarge'], ['ml.p4d.24xlarge'], ['ml.g4dn.xlarge'], ['ml.inf2.xlarge']])('%p gets no key', (instanceType) => {
      const stack = newTestStack();
      endpoint(stack, { instanceType });
      expect(only(stack, 'AWS::SageMaker::EndpointConfig').Properties.KmsKeyId).toBeUndefined();
    });

    test('fails on an explicit key with an NVMe instance type', () => {
      const stack = newTestStack();
      const key = new kms.Key(stack, 'Key');
      expect(() => endpoint(stack, { instanceType: 'ml.g5.2xlarge', encryptionKey: key }))
        .toThrow(/`encryptionKey` is set but `instanceType` 'ml.g5.2xlarge' has local NVMe storage.*deployment would fail/);
    });

    test('an explicit key is used on a type without local storage', () => {
      const stack = newTestStack();
      const key = new kms.Key(stack, 'StorageKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
      endpoint(stack, { instanceType: 'ml.c6i.xlarge', encryptionKey: key });
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties;
      expect(config.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StorageKey/), 'Arn'] });
      // Captured data stays under the bucket's key: the bucket policy refuses any other.
      expect(config.DataCaptureConfig.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SecureSageMakerEnvironmentKey/), 'Arn'] });
    });
  });

  describe('acknowledgements', () => {
    test('every acknowledgement the endpoint declares silences a real finding, with every option on', () => {
      const stack = newTestStack();
      endpoint(stack, { instanceType: 'ml.g5.xlarge', initialInstanceCount: 1, allowSingleInstance: true });
      expect(declaredAcknowledgements(stack).filter((a) => a.path.startsWith('TestStack/Ep')).length).toBeGreaterThan(4);
      expect(unneededAcknowledgements(stack)).toEqual([]);
    });

    test('with every option on there are still zero unacknowledged findings', () => {
      const stack = newTestStack();
      const topic = new sns.Topic(stack, 'Ops', { masterKey: SageMakerEnvironment.of(stack).key, enforceSSL: true });
      endpoint(stack, {
        instanceType: 'ml.g5.xlarge',
        initialInstanceCount: 1,
        allowSingleInstance: true,
        dataCapture: { samplingPercentage: 20 },
        autoScaling: { maxCapacity: 3, targetInvocationsPerInstance: 50 },
        alarms: { serverErrors: 5, modelLatency: Duration.millis(250), utilizationPercent: 75 },
        alarmTopic: topic,
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });
  });

  describe('options and opt-outs', () => {
    test('allowSingleInstance with one instance is honoured, warned and acknowledged on the endpoint config', () => {
      const stack = newTestStack();
      endpoint(stack, { initialInstanceCount: 1, allowSingleInstance: true });
      const config = only(stack, 'AWS::SageMaker::EndpointConfig');
      expect(config.Properties.ProductionVariants[0].InitialInstanceCount).toBe(1);
      expect(config.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toContain('SageMakerSecurity-EndpointConfigMultiInstance');
      expect(only(stack, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties).toMatchObject({ MinCapacity: 1, MaxCapacity: 2 });
      Annotations.fromStack(stack).hasWarning('/TestStack/Ep', Match.stringLikeRegexp('allowSingleInstance is set'));
    });

    test('allowSingleInstance with 2 instances changes nothing and warns nothing', () => {
      const stack = newTestStack();
      endpoint(stack, { allowSingleInstance: true });
      expect(only(stack, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants[0].InitialInstanceCount).toBe(2);
      Annotations.fromStack(stack).hasNoWarning('/TestStack/Ep', Match.anyValue());
    });

    test('disabling data capture is honoured and warned, and the role gets no write grant', () => {
      const stack = newTestStack();
      const ep = endpoint(stack, { dataCapture: { enabled: false } });
      expect(only(stack, 'AWS::SageMaker::EndpointConfig').Properties.DataCaptureConfig).toBeUndefined();
      expect(statementsOf(stack, 'EpRolePermissions').filter((s) => [s.Action].flat().includes('s3:PutObject'))).toEqual([]);
      expect(ep.dataCapturePrefix).toBeUndefined();
      Annotations.fromStack(stack).hasWarning('/TestStack/Ep', Match.stringLikeRegexp('dataCapture.enabled is false'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('sampling percentage, instance count and type, autoscaling and alarm thresholds are honoured', () => {
      const stack = newTestStack();
      endpoint(stack, {
        instanceType: 'ml.c6i.2xlarge',
        initialInstanceCount: 3,
        dataCapture: { samplingPercentage: 10 },
        autoScaling: { maxCapacity: 8, targetInvocationsPerInstance: 120 },
        alarms: { serverErrors: 10, modelLatency: Duration.millis(250), utilizationPercent: 70 },
      });
      const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties;
      expect(config.DataCaptureConfig.InitialSamplingPercentage).toBe(10);
      expect(config.ProductionVariants[0]).toMatchObject({ InstanceType: 'ml.c6i.2xlarge', InitialInstanceCount: 3 });
      expect(only(stack, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties).toMatchObject({ MinCapacity: 3, MaxCapacity: 8 });
      expect(only(stack, 'AWS::ApplicationAutoScaling::ScalingPolicy').Properties.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(120);
      const thresholds = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.Threshold);
      expect(thresholds).toEqual([10, 250000, 70, 70]);
    });

    test('a given alarm topic is used and no topic is created', () => {
      const stack = newTestStack();
      const topic = new sns.Topic(stack, 'Ops', { masterKey: SageMakerEnvironment.of(stack).key, enforceSSL: true });
      const ep = endpoint(stack, { alarmTopic: topic });
      expect(ep.alarmTopic).toBe(topic);
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::SNS::Topic', 1);
      for (const a of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as any[]) {
        expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Ops/) }]);
      }
    });

    test('ModelData.fromTrainingOutput points at the model.tar.gz of the job', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      endpoint(stack, { model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromTrainingOutput(env.artifactsBucket, 'training/churn', 'churn-2026-10-01') } });
      expect(render(only(stack, 'AWS::SageMaker::Model').Properties.PrimaryContainer.ModelDataUrl))
        .toMatch(/\/training\/churn\/churn-2026-10-01\/output\/model\.tar\.gz$/);
    });

    test('an image digest pins the exact image', () => {
      const stack = newTestStack();
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn');
      const digest = `sha256:${'a'.repeat(64)}`;
      endpoint(stack, { model: { image: EndpointImage.fromEcrRepository(repo, digest), modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, 'm/model.tar.gz') } });
      expect(render(only(stack, 'AWS::SageMaker::Model').Properties.PrimaryContainer.Image)).toMatch(new RegExp(`/team-a/churn@${digest}$`));
    });
  });

  describe('validation', () => {
    test.each([[0], [-1], [1.5]])('fails on initialInstanceCount %p', (initialInstanceCount) => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { initialInstanceCount, allowSingleInstance: true })).toThrow(/`initialInstanceCount` is .*whole number of at least 2/);
    });

    test('fails on a single instance without allowSingleInstance', () => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { initialInstanceCount: 1 })).toThrow(/`initialInstanceCount` is 1.*`allowSingleInstance: true`/);
    });

    test.each([[0], [101], [50.5]])('fails on samplingPercentage %p', (samplingPercentage) => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { dataCapture: { samplingPercentage } })).toThrow(/`dataCapture.samplingPercentage`.*1 to 100/);
    });

    test('fails when maxCapacity is below the initial instance count', () => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { initialInstanceCount: 3, autoScaling: { maxCapacity: 2 } })).toThrow(/`autoScaling.maxCapacity` is 2.*\(3\)/);
    });

    test.each([[0], [-5]])('fails on targetInvocationsPerInstance %p', (targetInvocationsPerInstance) => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { autoScaling: { targetInvocationsPerInstance } })).toThrow(/`autoScaling.targetInvocationsPerInstance`/);
    });

    test('fails on missing model data', () => {
      const stack = newTestStack();
      expect(() => new SecureEndpoint(stack, 'Ep', { model: { image: EndpointImage.fromDlc(DLC) } as any })).toThrow(/`model.modelData` is required/);
    });

    test('fails on a missing image', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      expect(() => new SecureEndpoint(stack, 'Ep', { model: { modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') } as any })).toThrow(/`model.image` is required/);
    });

    test.each([['models/'], [''], ['models/*'], ['/model.tar.gz']])('fails on model data key %p', (key) => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      expect(() => endpoint(stack, { model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, key) } }))
        .toThrow(/`model.modelData` key .* must name one object/);
    });

    test.each([['ml.t2.medium'], ['ml.m4.xlarge'], ['ml.p3.2xlarge'], ['m5.large']])('fails on non-Nitro or malformed instance type %p', (instanceType) => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { instanceType })).toThrow(/`instanceType`.*not an ML instance type on the AWS Nitro System/);
    });

    test.each([['-bad'], ['has space'], ['a'.repeat(64)], ['trailing-']])('fails on endpointName %p', (endpointName) => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { endpointName })).toThrow(/`endpointName`/);
    });

    test.each([['pytorch-inference:2.3'], ['763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference'], ['docker.io/library/python:3']])('fails on DLC URI %p', (uri) => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      expect(() => endpoint(stack, { model: { image: EndpointImage.fromDlc(uri), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') } }))
        .toThrow(/`EndpointImage.fromDlc` URI/);
    });

    test('fails on a malformed image tag', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn');
      expect(() => endpoint(stack, { model: { image: EndpointImage.fromEcrRepository(repo, 'bad tag'), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') } }))
        .toThrow(/image tag 'bad tag'/);
    });

    test.each([
      [{ serverErrors: 0 }, /`alarms.serverErrors`/],
      [{ utilizationPercent: 150 }, /`alarms.utilizationPercent`/],
      [{ modelLatency: Duration.millis(0) }, /`alarms.modelLatency`/],
    ])('fails on alarm thresholds %p', (alarms, message) => {
      const stack = newTestStack();
      expect(() => endpoint(stack, { alarms })).toThrow(message);
    });
  });

  // Found by test/robustness/endpoint.property.test.ts.
  describe('tokens and service limits', () => {
    test('a token initialInstanceCount is accepted with autoScaling.maxCapacity, and required to have it', () => {
      const stack = newTestStack();
      const count = new CfnParameter(stack, 'Count', { type: 'Number', default: 2 }).valueAsNumber;
      expect(() => endpoint(stack, { initialInstanceCount: count })).toThrow(/`autoScaling.maxCapacity` is required when `initialInstanceCount` is a token/);
      endpoint(stack, { initialInstanceCount: count, autoScaling: { maxCapacity: 6 } }, 'Ep2');
      const config = only(stack, 'AWS::SageMaker::EndpointConfig');
      expect(config.Properties.ProductionVariants[0].InitialInstanceCount).toEqual({ Ref: 'Count' });
      Template.fromStack(stack).hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: { Ref: 'Count' }, MaxCapacity: 6 });
    });

    test('a token count with allowSingleInstance is accepted like a literal 1: warned and acknowledged', () => {
      const stack = newTestStack();
      const count = new CfnParameter(stack, 'Count', { type: 'Number', default: 1 }).valueAsNumber;
      endpoint(stack, { initialInstanceCount: count, allowSingleInstance: true, autoScaling: { maxCapacity: 4 } });
      Annotations.fromStack(stack).hasWarning('/TestStack/Ep', Match.stringLikeRegexp('a token that may be 1'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('accepts a token endpoint name and instance type: warned, the ARN keeps the token, the storage key is set, zero findings', () => {
      const stack = newTestStack();
      const name = new CfnParameter(stack, 'Name', { default: 'churn' }).valueAsString;
      const type = new CfnParameter(stack, 'Type', { default: 'ml.m5.large' }).valueAsString;
      const ep = endpoint(stack, { endpointName: name, instanceType: type });
      expect(stack.resolve(ep.endpointArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':endpoint/', { Ref: 'Name' }]] });
      const annotations = Annotations.fromStack(stack);
      annotations.hasWarning('/TestStack/Ep', Match.stringLikeRegexp('`endpointName` is a token'));
      annotations.hasWarning('/TestStack/Ep', Match.stringLikeRegexp('`instanceType` is a token'));
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', { KmsKeyId: Match.anyValue(), ProductionVariants: [Match.objectLike({ InstanceType: { Ref: 'Type' } })] });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('fails on a token model latency (its unit cannot be converted at synth time)', () => {
      expect(() => endpoint(newTestStack(), { alarms: { modelLatency: Duration.millis(Lazy.number({ produce: () => 500 })) } }))
        .toThrow(/`alarms.modelLatency` is a token/);
    });

    test.each([['bad-name'], ['1ABC'], ['']])('fails on container environment variable name %p, which CreateModel refuses', (name) => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      expect(() => endpoint(stack, { model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz'), environment: { [name]: 'x' } } }))
        .toThrow(/`model.environment` variable name/);
    });

    test('fails on more than 100 container environment variables, or a value over 1024 characters', () => {
      const stack = newTestStack();
      const model = (environment: Record<string, string>) => ({ image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, 'm/model.tar.gz'), environment });
      expect(() => endpoint(stack, { model: model(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`V${i}`, '1']))) })).toThrow(/`model.environment` has 101 variables/);
      expect(() => endpoint(stack, { model: model({ V: 'x'.repeat(1025) }) }, 'Ep2')).toThrow(/`model.environment` value of 'V' has 1025 characters/);
    });

    test('image errors name `model.image`; a DLC URI over 255 characters is refused', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const long = `763104351884.dkr.ecr.eu-west-1.amazonaws.com/${'r'.repeat(220)}:1`;
      expect(() => endpoint(stack, { model: { image: EndpointImage.fromDlc(long), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') } }))
        .toThrow(/^`model.image`: `EndpointImage.fromDlc` URI/);
      const repo = ecr.Repository.fromRepositoryName(stack, 'OtherRepo', 'team-a/churn');
      expect(() => endpoint(stack, { model: { image: EndpointImage.fromEcrRepository(repo, 'bad tag'), modelData: ModelData.fromBucket(env.artifactsBucket, 'm/model.tar.gz') } }, 'Ep2'))
        .toThrow(/^`model.image`: image tag 'bad tag'/);
    });
  });

  describe('grantInvoke', () => {
    test('grants InvokeEndpoint on this endpoint only', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      ep.grantInvoke(user);
      // A customer-managed policy attached to the role, never an inline one.
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::IAM::Policy', 0);
      const policy = Object.values(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^User') }] } }))[0];
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Action: 'sagemaker:InvokeEndpoint',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':endpoint/churn']] },
      }]);
    });

    test('optionally only through given VPC endpoints, and with response streaming', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      ep.grantInvokeWithOptions(user, { vpcEndpoints: [ep.runtimeVpcEndpoint], responseStreaming: true });
      const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^User') }] } }))[0];
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
        Resource: stack.resolve(ep.endpointArn),
        Condition: { StringEquals: { 'aws:SourceVpce': [{ Ref: expect.stringMatching(/Endpointsagemakerruntime/) }] } },
      }]);
    });

    test('an endpoint name in capitals is granted by its lowercase ARN, as SageMaker writes it', () => {
      const stack = newTestStack();
      const ep = endpoint(stack, { endpointName: 'Churn-Prod' });
      expect(render(stack.resolve(ep.endpointArn))).toMatch(/:endpoint\/churn-prod$/);
    });

    test('allowInvokeFrom opens HTTPS from the caller to the sagemaker.runtime endpoint', () => {
      const stack = newTestStack();
      const ep = endpoint(stack);
      const callerSg = new ec2.SecurityGroup(stack, 'CallerSg', { vpc: SageMakerEnvironment.of(stack).network.vpc, allowAllOutbound: false });
      ep.allowInvokeFrom(callerSg);
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CallerSg'), 'GroupId'] },
        FromPort: 443,
      });
    });
  });
});
