import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EndpointImage, ModelData, SageMakerEnvironment } from '../../lib';
import { SecureEndpoint, SecureEndpointProps } from '../../lib/endpoint';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestMembers } from '../helpers/sagemaker-api';
import { statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';

function only(stack: Stack, type: string): any {
  const found = Object.values(Template.fromStack(stack).findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

function serverlessEndpoint(stack: Stack, props: Partial<SecureEndpointProps> = {}, id = 'Ep'): SecureEndpoint {
  const env = SageMakerEnvironment.of(stack);
  return new SecureEndpoint(stack, id, {
    endpointName: 'churn',
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
    serverless: { acceptServerlessRisks: true },
    ...props,
  });
}

const WARNING = '`serverless` is set (2048 MB, up to 20 concurrent invocations): the model runs outside the environment VPC (no subnets, no security group, '
  + 'no VPC endpoint policies or flow logs) and without network isolation, there is no data capture and no Model Monitor, its storage is not encrypted '
  + 'with a customer managed key (KmsKeyId is not set), and SageMaker manages its capacity (no instance count across Availability Zones, no autoscaling '
  + 'policy, no memory or disk alarms). Use it only for models that serve no sensitive data.';

describe('SecureEndpoint serverless opt-out', () => {
  test('is refused without acceptServerlessRisks, naming the prop and what it gives up', () => {
    const stack = newTestStack();
    expect(() => serverlessEndpoint(stack, { serverless: { acceptServerlessRisks: false } }))
      .toThrow(/`serverless` runs the model outside the environment VPC, without network isolation, data capture or a customer managed storage key\. Set `serverless.acceptServerlessRisks: true`/);
  });

  test('with acceptServerlessRisks it has zero unacknowledged findings, and each acknowledgement silences a real finding', () => {
    const stack = newTestStack();
    serverlessEndpoint(stack);
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    expect(unneededAcknowledgements(stack)).toEqual([]);
  });

  test('the findings it causes are acknowledged on the endpoint config and the model with the opt-out\'s reason', () => {
    const stack = newTestStack();
    serverlessEndpoint(stack);
    const acks = declaredAcknowledgements(stack).filter((a) => /^TestStack\/Ep\/(EndpointConfig|Model)$/.test(a.path));
    expect(acks.map((a) => [a.path, a.id]).sort()).toEqual([
      ['TestStack/Ep/EndpointConfig', 'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured'],
      ['TestStack/Ep/EndpointConfig', 'NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured'],
      ['TestStack/Ep/EndpointConfig', 'PCI.DSS.321-SageMakerEndpointConfigurationKMSKeyConfigured'],
      ['TestStack/Ep/EndpointConfig', 'SageMakerSecurity-EndpointConfigKMSKey'],
      ['TestStack/Ep/EndpointConfig', 'SageMakerSecurity-EndpointConfigNoServerlessVariant'],
      ['TestStack/Ep/Model', 'SageMakerSecurity-ModelInVPC'],
      ['TestStack/Ep/Model', 'SageMakerSecurity-ModelNetworkIsolation'],
    ]);
    for (const a of acks) {
      expect(a.reason).toMatch(/^Serverless inference was chosen explicitly with the `serverless` prop of SecureEndpoint and `acceptServerlessRisks: true`, which warns at synth time: the model runs outside the environment VPC/);
    }
  });

  test('warns with exactly what it gives up, and notes that data capture is off', () => {
    const stack = newTestStack();
    const ep = serverlessEndpoint(stack);
    const warnings = Annotations.fromStack(stack).findWarning('/TestStack/Ep', Match.stringLikeRegexp('serverless'));
    expect(warnings.map((w) => w.entry.data)).toEqual([`${WARNING} [ack: cdk-secure-sagemaker:EndpointServerless]`]);
    Annotations.fromStack(stack).hasInfo('/TestStack/Ep', Match.stringLikeRegexp('data capture is off \\(Serverless Inference does not support it\\)'));
    // The real-time endpoint's "no data capture" warning is not given: capture is not a choice here.
    expect(Annotations.fromStack(stack).findWarning('/TestStack/Ep', Match.stringLikeRegexp('dataCapture.enabled is false'))).toEqual([]);
    expect(ep.dataCapturePrefix).toBeUndefined();
    expect(ep.isServerless).toBe(true);
  });

  test('a serverless variant: memory and concurrency, no instances, no storage key, no data capture, no asynchronous config', () => {
    const stack = newTestStack();
    serverlessEndpoint(stack, { serverless: { acceptServerlessRisks: true, memorySizeInMb: 6144, maxConcurrency: 200 } });
    const config = only(stack, 'AWS::SageMaker::EndpointConfig').Properties;
    expect(config.ProductionVariants).toEqual([{
      VariantName: 'AllTraffic',
      ModelName: { 'Fn::GetAtt': [expect.stringMatching(/^EpModel/), 'ModelName'] },
      ServerlessConfig: { MemorySizeInMB: 6144, MaxConcurrency: 200 },
    }]);
    expect(config.KmsKeyId).toBeUndefined();
    expect(config.DataCaptureConfig).toBeUndefined();
    expect(config.AsyncInferenceConfig).toBeUndefined();
    expect(requestMembers('CreateEndpointConfig', ['ProductionVariants', 'ServerlessConfig'])).toEqual(expect.arrayContaining(Object.keys(config.ProductionVariants[0].ServerlessConfig)));
  });

  test('the model has no VpcConfig and no network isolation (Serverless Inference supports neither); the role manages no network interfaces', () => {
    const stack = newTestStack();
    serverlessEndpoint(stack);
    const model = only(stack, 'AWS::SageMaker::Model').Properties;
    expect(model.VpcConfig).toBeUndefined();
    expect(model.EnableNetworkIsolation).toBeUndefined();
    const statements = statementsOf(stack, 'EpRolePermissions');
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('ec2:'))).toEqual([]);
    expect(statements.map((s) => s.Sid ?? s.Action)).toEqual([
      'ReadTheModelArtifactOnly', 'DecryptTheModelArtifactThroughS3', 'logs:CreateLogGroup', ['logs:CreateLogStream', 'logs:PutLogEvents'], 'EndpointInstanceMetricsOnly',
    ]);
    expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('no autoscaling, and only the 5XX and latency alarms (a serverless endpoint has no instance metrics)', () => {
    const stack = newTestStack();
    const ep = serverlessEndpoint(stack);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 0);
    expect(Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.MetricName)).toEqual(['Invocation5XXErrors', 'ModelLatency']);
    expect(ep.alarms).toHaveLength(2);
  });

  test('the environment gets no logs or ECR endpoints for it: only sagemaker.runtime, for the callers', () => {
    const stack = newTestStack();
    serverlessEndpoint(stack, { model: { image: EndpointImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn'), '1.4.2'), modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, 'm/model.tar.gz') } });
    expect(SageMakerEnvironment.of(stack).network.endpointServiceNames).toEqual(['sagemaker.runtime']);
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  describe('validation', () => {
    test.each([512, 1000, 1536, 7168, 8192])('fails on memorySizeInMb %p', (mem) => {
      expect(() => serverlessEndpoint(newTestStack(), { serverless: { acceptServerlessRisks: true, memorySizeInMb: mem } }))
        .toThrow(/`serverless.memorySizeInMb` is .*: use 1024, 2048, 3072, 4096, 5120 or 6144/);
    });

    test.each([1024, 3072, 6144])('accepts memorySizeInMb %p', (mem) => {
      expect(() => serverlessEndpoint(newTestStack(), { serverless: { acceptServerlessRisks: true, memorySizeInMb: mem } })).not.toThrow();
    });

    test.each([0, 201, 1.5])('fails on maxConcurrency %p', (n) => {
      expect(() => serverlessEndpoint(newTestStack(), { serverless: { acceptServerlessRisks: true, maxConcurrency: n } }))
        .toThrow(/`serverless.maxConcurrency` is .*: use a whole number from 1 to 200/);
    });

    test.each([1, 200])('accepts maxConcurrency %p', (n) => {
      expect(() => serverlessEndpoint(newTestStack(), { serverless: { acceptServerlessRisks: true, maxConcurrency: n } })).not.toThrow();
    });

    test.each<[string, Partial<SecureEndpointProps>]>([
      ['asyncInference', { asyncInference: {} }],
      ['instanceType', { instanceType: 'ml.m5.large' }],
      ['initialInstanceCount', { initialInstanceCount: 3 }],
      ['allowSingleInstance', { allowSingleInstance: true }],
      ['autoScaling', { autoScaling: { maxCapacity: 4 } }],
    ])('fails on serverless with %s', (prop, props) => {
      expect(() => serverlessEndpoint(newTestStack(), props)).toThrow(new RegExp(`\`serverless\` cannot be combined with \`${prop}\``));
    });

    test('fails on serverless with an encryption key, naming every conflicting prop', () => {
      const stack = newTestStack();
      const key = new kms.Key(stack, 'K', { enableKeyRotation: true });
      expect(() => serverlessEndpoint(stack, { encryptionKey: key, instanceType: 'ml.c5.large' }))
        .toThrow(/`serverless` cannot be combined with `instanceType`, `encryptionKey`: .* Drop them, or drop `serverless`/);
    });

    test('fails on data capture or utilization alarms with serverless', () => {
      expect(() => serverlessEndpoint(newTestStack(), { dataCapture: { enabled: true } })).toThrow(/`dataCapture` is set with `serverless`: Serverless Inference does not support data capture/);
      expect(() => serverlessEndpoint(newTestStack(), { dataCapture: { samplingPercentage: 10 } })).toThrow(/`dataCapture` is set with `serverless`/);
      expect(() => serverlessEndpoint(newTestStack(), { alarms: { utilizationPercent: 80 } })).toThrow(/`alarms.utilizationPercent` is set with `serverless`/);
    });

    test('accepts dataCapture.enabled false and the 5XX and latency thresholds', () => {
      const stack = newTestStack();
      serverlessEndpoint(stack, { dataCapture: { enabled: false }, alarms: { serverErrors: 3, modelLatency: Duration.millis(200) } });
      Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', Threshold: 200000 });
    });
  });
});
