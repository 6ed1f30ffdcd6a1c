import { CfnParameter, Duration, Resource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureEndpoint } from '../../lib';
import { newTestApp, newTestStack } from '../helpers/compliance';
import { render } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';

function endpoint(stack: Stack, id = 'Ep', endpointName = 'churn'): SecureEndpoint {
  const env = SageMakerEnvironment.of(stack);
  return new SecureEndpoint(stack, id, {
    endpointName,
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
  });
}

/** What aws-cdk-lib code that takes an endpoint sees: only the `aws-sagemaker` interface. */
function asIEndpoint(e: sagemaker.IEndpoint): sagemaker.IEndpoint {
  return e;
}

const ENDPOINT_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':endpoint/churn']] };

describe('SecureEndpoint as a resource', () => {
  describe('interfaces', () => {
    const stack = newTestStack();
    const ep = endpoint(stack);

    test('is an aws-cdk-lib Resource and an aws-sagemaker IEndpoint with its ARN, name and reference', () => {
      expect(Resource.isResource(ep)).toBe(true);
      const i = asIEndpoint(ep);
      expect(i.endpointName).toBe('churn');
      expect(stack.resolve(i.endpointArn)).toEqual(ENDPOINT_ARN);
      expect(stack.resolve(i.endpointRef.endpointArn)).toEqual(ENDPOINT_ARN);
      expect(i.env.account).toBe(stack.account);
      expect(i.stack).toBe(stack);
    });

    test('is IConnectable through its own security group and IGrantable through its model role', () => {
      expect(ep.connections.securityGroups).toEqual([ep.securityGroup]);
      expect(ep.grantPrincipal).toBe(ep.role);
    });

    test('the CloudFormation endpoint keeps its logical ID (the construct ID of the resource is Resource)', () => {
      expect(ep.node.defaultChild).toBe(ep.endpoint);
      expect(stack.getLogicalId(ep.endpoint)).toMatch(/^Ep[0-9A-F]{8}$/);
    });
  });

  describe('metrics', () => {
    const stack = newTestStack();
    const ep = endpoint(stack);
    const dims = { EndpointName: 'churn', VariantName: 'AllTraffic' };

    test.each([
      ['metricInvocations', 'AWS/SageMaker', 'Invocations', 'Sum'],
      ['metricInvocationsPerInstance', 'AWS/SageMaker', 'InvocationsPerInstance', 'Sum'],
      ['metricInvocation4XXErrors', 'AWS/SageMaker', 'Invocation4XXErrors', 'Sum'],
      ['metricInvocation5XXErrors', 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum'],
      ['metricModelLatency', 'AWS/SageMaker', 'ModelLatency', 'Average'],
      ['metricOverheadLatency', 'AWS/SageMaker', 'OverheadLatency', 'Average'],
      ['metricCpuUtilization', '/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average'],
      ['metricMemoryUtilization', '/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average'],
      ['metricDiskUtilization', '/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average'],
    ] as const)('%s: %s %s, %s over 5 minutes, by endpoint and variant', (method, namespace, metricName, statistic) => {
      const metric = ep[method]();
      expect([metric.namespace, metric.metricName, metric.statistic, metric.period.toMinutes()]).toEqual([namespace, metricName, statistic, 5]);
      expect(metric.dimensions).toEqual(dims);
    });

    test('options override the defaults, and metric() reads any AWS/SageMaker metric of the variant', () => {
      const p99 = ep.metricModelLatency({ statistic: 'p99', period: Duration.minutes(1), label: 'p99 latency' });
      expect([p99.statistic, p99.period.toSeconds(), p99.label]).toEqual(['p99', 60, 'p99 latency']);
      const other = ep.metric('ModelSetupTime', { statistic: 'Maximum' });
      expect([other.namespace, other.metricName, other.statistic]).toEqual(['AWS/SageMaker', 'ModelSetupTime', 'Maximum']);
      expect(other.dimensions).toEqual(dims);
    });

    test('the alarms are built on the same metrics', () => {
      const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
      const expected = [ep.metricInvocation5XXErrors(), ep.metricModelLatency(), ep.metricMemoryUtilization(), ep.metricDiskUtilization()];
      expect(alarms.map((a) => [a.Namespace, a.MetricName, a.Statistic, a.Period])).toEqual(
        expected.map((m: cloudwatch.Metric) => [m.namespace, m.metricName, m.statistic, m.period.toSeconds()]));
    });
  });

  describe('imports', () => {
    test('fromEndpointName: the ARN in the scope\'s account and Region (lowercase, as SageMaker writes it); grantInvoke writes a managed policy', () => {
      const stack = newTestStack();
      const imported = SecureEndpoint.fromEndpointName(stack, 'Imported', 'Churn-Prod');
      expect(imported.endpointName).toBe('Churn-Prod');
      expect(render(stack.resolve(imported.endpointArn))).toBe('arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint/churn-prod');
      const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
      imported.grantInvoke(caller);
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::IAM::Policy', 0);
      t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: stack.resolve(imported.endpointArn) }] },
      });
    });

    test('fromEndpointArn: the name from the ARN, the environment from the ARN', () => {
      const stack = newTestStack();
      const imported = SecureEndpoint.fromEndpointArn(stack, 'Imported', 'arn:aws:sagemaker:eu-west-1:444455556666:endpoint/fraud');
      expect(imported.endpointName).toBe('fraud');
      expect(imported.env).toEqual(expect.objectContaining({ account: '444455556666', region: 'eu-west-1' }));
    });

    test('a token ARN is accepted; its name is taken apart at deployment', () => {
      const stack = newTestStack();
      const arn = new CfnParameter(stack, 'Arn').valueAsString;
      const imported = SecureEndpoint.fromEndpointArn(stack, 'Imported', arn);
      expect(JSON.stringify(stack.resolve(imported.endpointName))).toContain('Fn::Split');
    });

    test.each([['has space'], ['-bad'], ['a'.repeat(64)]])('fromEndpointName fails on %p, naming the prop', (name) => {
      expect(() => SecureEndpoint.fromEndpointName(newTestStack(), 'Imported', name)).toThrow(/`endpointName` .* of `SecureEndpoint.fromEndpointName`/);
    });

    test.each([['arn:aws:sagemaker:eu-west-1:444455556666:model/fraud'], ['fraud'], ['arn:aws:s3:::bucket']])('fromEndpointArn fails on %p', (arn) => {
      expect(() => SecureEndpoint.fromEndpointArn(newTestStack(), 'Imported', arn)).toThrow(/`endpointArn` .* is not a SageMaker endpoint ARN/);
    });
  });

  describe('apigateway.SagemakerIntegration', () => {
    test.each([['a SecureEndpoint', false], ['an imported endpoint', true]])('takes %s: invocations path, and its credentials role gets a managed policy for this endpoint only', (_, imported) => {
      const stack = newTestStack();
      const ep: sagemaker.IEndpoint = imported ? SecureEndpoint.fromEndpointName(stack, 'Imported', 'churn') : endpoint(stack);
      const api = new apigateway.RestApi(stack, 'Api');
      api.root.addResource('predict').addMethod('POST', new apigateway.SagemakerIntegration(ep), { authorizationType: apigateway.AuthorizationType.IAM });
      const t = Template.fromStack(stack);
      const method = Object.values(t.findResources('AWS::ApiGateway::Method'))[0] as any;
      expect(render(method.Properties.Integration.Uri)).toMatch(/:runtime\.sagemaker:path\/endpoints\/churn\/invocations$/);
      const roleId = method.Properties.Integration.Credentials['Fn::GetAtt'][0];
      t.resourceCountIs('AWS::IAM::Policy', 0);
      t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [{ Ref: roleId }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: ENDPOINT_ARN }] },
      });
    });
  });

  describe('names', () => {
    test('two endpoints with the same name in one account and Region fail, naming the prop', () => {
      const stack = newTestStack('Concrete', { env: { account: '111122223333', region: 'eu-west-1' } });
      endpoint(stack, 'A');
      expect(() => endpoint(stack, 'B')).toThrow(/endpoint name 'churn' .* also used by .*\/A.*`endpointName`/);
    });

    test('in stacks of unknown environment the same name is warned about', () => {
      const app = newTestApp();
      endpoint(new Stack(app, 'One'), 'A');
      const two = new Stack(app, 'Two');
      endpoint(two, 'B');
      Annotations.fromStack(two).hasWarning('/Two/B', Match.stringLikeRegexp("endpoint name 'churn'"));
    });
  });
});
