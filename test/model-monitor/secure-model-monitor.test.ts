import { App, CfnParameter, Duration, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureEndpoint, SecureEndpointProps } from '../../lib';
import { ModelQualityProblemType, SecureModelMonitor, SecureModelMonitorProps } from '../../lib/model-monitor';
import { ANALYZER_ACCOUNTS } from '../../lib/model-monitor/analyzer-image';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestProblems } from '../helpers/sagemaker-api';
import { render, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const BASELINE = { prefix: 'model-monitor/baselines/churn/' };

function newEndpoint(stack: Stack, props: Partial<SecureEndpointProps> = {}, id = 'Ep'): SecureEndpoint {
  const env = props.environment ?? SageMakerEnvironment.of(stack);
  return new SecureEndpoint(stack, id, {
    endpointName: 'churn',
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v3/model.tar.gz') },
    ...props,
  });
}

function newMonitor(props: Partial<SecureModelMonitorProps> = {}, stack: Stack = newTestStack()): { stack: Stack; monitor: SecureModelMonitor } {
  const endpoint = props.endpoint ?? newEndpoint(stack);
  const monitor = new SecureModelMonitor(stack, 'Monitor', { endpoint, baseline: BASELINE, ...props });
  return { stack, monitor };
}

/** Values with references rendered as text (<LogicalId> / <LogicalId.Attr>), for exact comparison. */
const deep = (v: any): any => {
  if (Array.isArray(v)) return v.map(deep);
  if (v && typeof v === 'object') {
    if (v['Fn::Join'] || v.Ref || v['Fn::GetAtt']) return render(v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]));
  }
  return v;
};

function resourceOf(stack: Stack, type: string, index = 0): { id: string; props: any; raw: any } {
  const found = Object.entries(Template.fromStack(stack).findResources(type));
  expect(found.length).toBeGreaterThan(index);
  const [id, raw] = found[index];
  return { id, props: deep(raw.Properties), raw };
}

const ARN = 'arn:<AWS::Partition>';
const REGION_ACCOUNT = '<AWS::Region>:<AWS::AccountId>';
const KEY = '<SecureSageMakerEnvironmentKeyD46A95E1.Arn>';
const ARTIFACTS = 'SecureSageMakerEnvironmentArtifactsBucketE19AAD92';
const DATA = 'SecureSageMakerEnvironmentDataBucket6C69E4CE';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('SecureModelMonitor', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const { stack } = newMonitor();
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('adds 7 resources and one mapping to a stack with default props', () => {
      const count = (withMonitor: boolean) => {
        const stack = newTestStack();
        const endpoint = newEndpoint(stack);
        if (withMonitor) new SecureModelMonitor(stack, 'Monitor', { endpoint, baseline: BASELINE });
        const t = Template.fromStack(stack).toJSON();
        return Object.keys(t.Resources).length + Object.keys(t.Mappings ?? {}).length * 1000;
      };
      // Security group, role, 2 managed policies, job definition, schedule, rule, topic statement
      // (in the endpoint's existing topic policy: no new resource); plus the Region mapping.
      expect(count(true) - count(false)).toBe(1000 + 7);
    });

    test('the data quality job definition: analyzer image, endpoint input, encrypted reports, isolated encrypted VPC cluster, bounded runtime', () => {
      const { stack, monitor } = newMonitor();
      const { props } = resourceOf(stack, 'AWS::SageMaker::DataQualityJobDefinition');
      expect(props).toEqual({
        JobDefinitionName: expect.stringMatching(/^churn-dq-[0-9a-f]{8}$/),
        DataQualityAppSpecification: {
          ImageUri: expect.stringMatching(/sagemaker-model-monitor-analyzer$/),
          Environment: { publish_cloudwatch_metrics: 'Enabled' },
        },
        DataQualityBaselineConfig: {
          ConstraintsResource: { S3Uri: `s3://<${ARTIFACTS}>/model-monitor/baselines/churn/constraints.json` },
          StatisticsResource: { S3Uri: `s3://<${ARTIFACTS}>/model-monitor/baselines/churn/statistics.json` },
        },
        DataQualityJobInput: {
          EndpointInput: { EndpointName: 'churn', LocalPath: '/opt/ml/processing/input/endpoint', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' },
        },
        DataQualityJobOutputConfig: {
          KmsKeyId: KEY,
          MonitoringOutputs: [{ S3Output: { LocalPath: '/opt/ml/processing/output', S3Uri: `s3://<${ARTIFACTS}>/model-monitor/churn/data-quality/reports`, S3UploadMode: 'EndOfJob' } }],
        },
        JobResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY } },
        NetworkConfig: {
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: {
            SecurityGroupIds: [expect.stringMatching(/^<MonitorSecurityGroup.*\.GroupId>$/)],
            Subnets: [expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)],
          },
        },
        RoleArn: expect.stringMatching(/^<MonitorRole.*\.Arn>$/),
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        Tags: [{ Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName }],
      });
      expect(monitor.reportsS3Url).toBe(`s3://${monitor.environment.artifactsBucket.bucketName}/model-monitor/churn/`);
    });

    test('the schedule runs the job definition hourly, named after the endpoint, created after the endpoint, the role and the definition', () => {
      const { stack } = newMonitor();
      const definition = resourceOf(stack, 'AWS::SageMaker::DataQualityJobDefinition');
      const schedule = resourceOf(stack, 'AWS::SageMaker::MonitoringSchedule');
      expect(schedule.props).toEqual({
        MonitoringScheduleName: 'churn-data-quality',
        EndpointName: 'churn',
        MonitoringScheduleConfig: {
          MonitoringJobDefinitionName: definition.props.JobDefinitionName,
          MonitoringType: 'DataQuality',
          ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
        },
        Tags: [{ Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName }],
      });
      const dependsOn: string[] = schedule.raw.DependsOn;
      expect(dependsOn).toEqual(expect.arrayContaining([definition.id, expect.stringMatching(/^Ep[0-9A-F]{8}$/), expect.stringMatching(/^MonitorRole[0-9A-F]{8}$/)]));
      expect(Template.fromStack(stack).findResources('AWS::SageMaker::Endpoint')[dependsOn.find((d) => d.startsWith('Ep'))!]).toBeDefined();
    });

    test('the job definition name changes with the definition (every change replaces it), and is stable otherwise', () => {
      const name = (props: Partial<SecureModelMonitorProps>) => resourceOf(newMonitor(props).stack, 'AWS::SageMaker::DataQualityJobDefinition').props.JobDefinitionName;
      expect(name({})).toBe(name({}));
      expect(name({ instanceType: 'ml.m5.2xlarge' })).not.toBe(name({}));
      expect(name({ maxRuntime: Duration.minutes(50) })).not.toBe(name({}));
      const tagged = newTestStack();
      Tags.of(tagged).add('team', 'risk');
      newMonitor({}, tagged);
      expect(resourceOf(tagged, 'AWS::SageMaker::DataQualityJobDefinition').props.JobDefinitionName).not.toBe(name({}));
    });

    test('the requests are valid SageMaker API requests (CreateDataQualityJobDefinition, CreateMonitoringSchedule)', () => {
      const { stack } = newMonitor();
      const definition = Template.fromStack(stack).findResources('AWS::SageMaker::DataQualityJobDefinition');
      const schedule = Template.fromStack(stack).findResources('AWS::SageMaker::MonitoringSchedule');
      expect(requestProblems('CreateDataQualityJobDefinition', Object.values(definition)[0].Properties)).toEqual([]);
      // EndpointName is a CloudFormation-only property of the schedule.
      const { EndpointName, ...request } = Object.values(schedule)[0].Properties;
      expect(EndpointName).toBe('churn');
      expect(requestProblems('CreateMonitoringSchedule', request)).toEqual([]);
    });

    test('the security group has no ingress and HTTPS egress to S3 only', () => {
      const { stack } = newMonitor();
      const t = Template.fromStack(stack);
      const [, sg] = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('MonitorSecurityGroup'))!;
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      const related = (type: string) => Object.values(t.findResources(type)).filter((r: any) => JSON.stringify(r.Properties.GroupId).includes('MonitorSecurityGroup'));
      expect(related('AWS::EC2::SecurityGroupIngress')).toEqual([]);
    });

    test('the monitoring role: capture prefix and baseline objects read, report prefix written, key through S3 and SageMaker only, processing logs, metrics namespace, VPC interfaces', () => {
      const { stack } = newMonitor();
      const s3Via = (bucket: string) => ({
        StringEquals: { 'kms:ViaService': 's3.<AWS::Region>.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': `<${bucket}.Arn>` },
      });
      const logGroup = `${ARN}:logs:${REGION_ACCOUNT}:log-group:/aws/sagemaker/ProcessingJobs`;
      const ec2 = `${ARN}:ec2:${REGION_ACCOUNT}`;
      const base = 'model-monitor/baselines/churn/';
      expect(deep(statementsOf(stack, 'MonitorRolePermissions'))).toEqual([
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `<${ARTIFACTS}.Arn>/datacapture/churn/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: `<${ARTIFACTS}.Arn>`, Condition: { StringLike: { 's3:prefix': 'datacapture/churn/*' } } },
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `<${ARTIFACTS}.Arn>` },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: s3Via(ARTIFACTS) },
        { Sid: 'ReadTheBaselineObjectsOnly', Effect: 'Allow', Action: 's3:GetObject', Resource: [`<${ARTIFACTS}.Arn>/${base}constraints.json`, `<${ARTIFACTS}.Arn>/${base}statistics.json`] },
        {
          Sid: 'ListTheBaselineObjectsOnly',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: `<${ARTIFACTS}.Arn>`,
          Condition: { StringEquals: { 's3:prefix': [`${base}constraints.json`, `${base}statistics.json`] } },
        },
        { Sid: 'DecryptTheBaselineThroughS3', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: s3Via(ARTIFACTS) },
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `<${ARTIFACTS}.Arn>/model-monitor/churn/data-quality/reports/*` },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY, Condition: s3Via(ARTIFACTS) },
        { Sid: 'ProcessingLogGroup', Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: logGroup },
        { Sid: 'ProcessingLogStreamsOnly', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup}:log-stream:*` },
        {
          Sid: 'ModelMonitorMetricsNamespaceOnly',
          Effect: 'Allow',
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': ['aws/sagemaker/Endpoints/data-metrics'] } },
        },
        {
          Sid: 'VolumeKeyGrantsForSageMakerOnly',
          Effect: 'Allow',
          Action: ['kms:CreateGrant', 'kms:DescribeKey'],
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': 'sagemaker.<AWS::Region>.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        },
        {
          Sid: 'MonitorNetworkInterfacesUseEnvironmentSubnetsAndMonitorGroup',
          Effect: 'Allow',
          Action: 'ec2:CreateNetworkInterface',
          Resource: [
            expect.stringMatching(new RegExp(`^${escape(ec2)}:subnet/<.*Subnet1.*>$`)),
            expect.stringMatching(new RegExp(`^${escape(ec2)}:subnet/<.*Subnet2.*>$`)),
            expect.stringMatching(new RegExp(`^${escape(ec2)}:security-group/<MonitorSecurityGroup.*\\.GroupId>$`)),
          ],
        },
        {
          Sid: 'MonitorNetworkInterfacesInEnvironmentVpc',
          Effect: 'Allow',
          Action: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
          Resource: `${ec2}:network-interface/*`,
          Condition: { ArnEquals: { 'ec2:Vpc': expect.stringMatching(new RegExp(`^${escape(ec2)}:vpc/<SecureSageMakerEnvironmentNetworkVpc`)) } },
        },
        {
          Sid: 'DescribeNetworkForVpcMonitoringJobs',
          Effect: 'Allow',
          Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
          Resource: '*',
        },
      ]);
    });

    test('only SageMaker assumes the role, for this account; it carries the execution-role tag (the buckets\' VPC-endpoint restriction exempts it)', () => {
      const { stack } = newMonitor();
      const [, role] = Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('MonitorRole'))!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'sagemaker.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }]);
      expect(role.Properties.Tags).toContainEqual({ Key: 'secure-sagemaker-execution-role', Value: SageMakerEnvironment.of(stack).environmentName });
      expect(role.Properties.Policies).toBeUndefined();
    });

    test('least privilege: no violation in the template', () => {
      const { stack } = newMonitor({ modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: 'ground-truth/churn/', inferenceAttribute: '0' } });
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });

    test('every acknowledgement the monitor declares is needed: each one silences a finding that would otherwise be reported', () => {
      const { stack } = newMonitor({ modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: 'ground-truth/churn/', inferenceAttribute: '0' } });
      const mine = declaredAcknowledgements(stack).filter((a) => a.path.includes('/Monitor'));
      expect(mine.length).toBeGreaterThan(3);
      expect(unneededAcknowledgements(stack).filter((a) => a.path.includes('/Monitor'))).toEqual([]);
    });

    test('is IConnectable (its security group) and IGrantable (its role)', () => {
      const { monitor } = newMonitor();
      expect(monitor.connections.securityGroups).toEqual([monitor.securityGroup]);
      expect(monitor.grantPrincipal).toBe(monitor.role);
    });

    test('grantReadReports: the report prefix only, in a customer-managed policy of a role the library did not create', () => {
      const { stack, monitor } = newMonitor();
      const reader = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
      monitor.grantReadReports(reader);
      const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
        .find((p: any) => JSON.stringify(p.Properties.Roles ?? []).includes('Analyst'))!;
      const reads = deep(policy.Properties.PolicyDocument.Statement).filter((s: any) => [s.Action].flat().includes('s3:GetObject'));
      expect(reads.map((s: any) => s.Resource)).toEqual([`<${ARTIFACTS}.Arn>/model-monitor/churn/*`]);
      expect(Template.fromStack(stack).findResources('AWS::IAM::Policy')).toEqual({});
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });
  });

  describe('the analyzer image of the Region', () => {
    const imageIn = (region: string) => {
      const stack = new Stack(newTestApp(), 'S', { env: { account: '111122223333', region } });
      newMonitor({}, stack);
      return resourceOf(stack, 'AWS::SageMaker::DataQualityJobDefinition').props.DataQualityAppSpecification.ImageUri;
    };

    test('a concrete Region gets its registry\'s literal URI', () => {
      expect(imageIn('us-east-1')).toBe('156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer');
      expect(imageIn('eu-west-1')).toBe('468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer');
      expect(imageIn('cn-north-1')).toBe('453000072557.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-model-monitor-analyzer');
    });

    test('an unknown concrete Region throws, naming the known ones', () => {
      expect(() => imageIn('mars-north-1')).toThrow(/Region 'mars-north-1' has no known Amazon SageMaker Model Monitor analyzer image.*us-east-1/);
    });

    test('an environment-agnostic stack looks the account up in a mapping of every known Region', () => {
      const { stack } = newMonitor();
      const t = Template.fromStack(stack).toJSON();
      const image = t.Resources[resourceOf(stack, 'AWS::SageMaker::DataQualityJobDefinition').id].Properties.DataQualityAppSpecification.ImageUri;
      expect(image).toEqual({
        'Fn::Join': ['', [
          { 'Fn::FindInMap': ['SecureSageMakerModelMonitorAnalyzerAccounts', { Ref: 'AWS::Region' }, 'account'] },
          '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-model-monitor-analyzer',
        ]],
      });
      const accounts = Object.fromEntries(Object.entries(ANALYZER_ACCOUNTS).map(([r, account]) => [r, { account }]));
      expect(t.Mappings.SecureSageMakerModelMonitorAnalyzerAccounts).toEqual(accounts);
      expect(Object.keys(ANALYZER_ACCOUNTS)).toHaveLength(30);
    });
  });

  describe('model quality', () => {
    const mq = { problemType: ModelQualityProblemType.BINARY_CLASSIFICATION, groundTruthPrefix: 'ground-truth/churn/', probabilityAttribute: '0', probabilityThreshold: 0.5 };

    test('a model quality job definition with the same controls, ground truth from the data bucket, and its own schedule', () => {
      const { stack, monitor } = newMonitor({ modelQuality: { ...mq, constraintsKey: 'model-monitor/baselines/churn-quality/constraints.json', startTimeOffset: Duration.hours(2), endTimeOffset: Duration.hours(1) } });
      const { props } = resourceOf(stack, 'AWS::SageMaker::ModelQualityJobDefinition');
      const dq = resourceOf(stack, 'AWS::SageMaker::DataQualityJobDefinition').props;
      expect(props.NetworkConfig).toEqual(dq.NetworkConfig);
      expect(props.JobResources).toEqual(dq.JobResources);
      expect(props.RoleArn).toBe(dq.RoleArn);
      expect(props).toEqual(expect.objectContaining({
        JobDefinitionName: expect.stringMatching(/^churn-mq-[0-9a-f]{8}$/),
        ModelQualityAppSpecification: { ImageUri: dq.DataQualityAppSpecification.ImageUri, ProblemType: 'BinaryClassification', Environment: { publish_cloudwatch_metrics: 'Enabled' } },
        ModelQualityBaselineConfig: { ConstraintsResource: { S3Uri: `s3://<${ARTIFACTS}>/model-monitor/baselines/churn-quality/constraints.json` } },
        ModelQualityJobInput: {
          EndpointInput: {
            EndpointName: 'churn',
            LocalPath: '/opt/ml/processing/input/endpoint',
            S3InputMode: 'File',
            S3DataDistributionType: 'FullyReplicated',
            ProbabilityAttribute: '0',
            ProbabilityThresholdAttribute: 0.5,
            StartTimeOffset: '-PT2H',
            EndTimeOffset: '-PT1H',
          },
          GroundTruthS3Input: { S3Uri: `s3://<${DATA}>/ground-truth/churn/` },
        },
        ModelQualityJobOutputConfig: {
          KmsKeyId: KEY,
          MonitoringOutputs: [{ S3Output: { LocalPath: '/opt/ml/processing/output', S3Uri: `s3://<${ARTIFACTS}>/model-monitor/churn/model-quality/reports`, S3UploadMode: 'EndOfJob' } }],
        },
        StoppingCondition: { MaxRuntimeInSeconds: 1800 },
      }));
      const schedule = resourceOf(stack, 'AWS::SageMaker::MonitoringSchedule', 1).props;
      expect(schedule.MonitoringScheduleName).toBe('churn-model-quality');
      expect(schedule.MonitoringScheduleConfig).toEqual({ MonitoringJobDefinitionName: props.JobDefinitionName, MonitoringType: 'ModelQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } });
      expect(monitor.modelQualitySchedule).toBeDefined();
      const raw = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::ModelQualityJobDefinition'))[0].Properties;
      expect(requestProblems('CreateModelQualityJobDefinition', raw)).toEqual([]);
    });

    test('the role also reads the ground truth prefix, reads and writes the model quality report prefix, and publishes model metrics', () => {
      const { stack } = newMonitor({ modelQuality: mq });
      const statements = deep(statementsOf(stack, 'MonitorRolePermissions'));
      const on = (action: string) => statements.filter((s: any) => [s.Action].flat().includes(action)).map((s: any) => s.Resource).flat();
      expect(on('s3:GetObjectVersion')).toEqual([
        `<${ARTIFACTS}.Arn>/datacapture/churn/*`, `<${DATA}.Arn>/ground-truth/churn/*`, `<${ARTIFACTS}.Arn>/model-monitor/churn/model-quality/reports/*`,
      ]);
      expect(on('s3:PutObject')).toEqual([`<${ARTIFACTS}.Arn>/model-monitor/churn/data-quality/reports/*`, `<${ARTIFACTS}.Arn>/model-monitor/churn/model-quality/reports/*`]);
      expect(statements.find((s: any) => s.Sid === 'ModelMonitorMetricsNamespaceOnly').Condition)
        .toEqual({ StringEquals: { 'cloudwatch:namespace': ['aws/sagemaker/Endpoints/data-metrics', 'aws/sagemaker/Endpoints/model-metrics'] } });
      expect(on('s3:DeleteObject')).toEqual([]);
    });

    test('with model quality, zero unacknowledged findings', () => {
      const { stack } = newMonitor({ modelQuality: mq });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('ground truth in another SecureBucket: that prefix only', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newMonitor({ modelQuality: { ...mq, groundTruthBucket: env.artifactsBucket, groundTruthPrefix: 'labels/churn/' } }, stack);
      expect(resourceOf(stack, 'AWS::SageMaker::ModelQualityJobDefinition').props.ModelQualityJobInput.GroundTruthS3Input).toEqual({ S3Uri: `s3://<${ARTIFACTS}>/labels/churn/` });
      const reads = deep(statementsOf(stack, 'MonitorRolePermissions')).filter((s: any) => [s.Action].flat().includes('s3:GetObjectVersion')).map((s: any) => s.Resource);
      expect(reads).toContain(`<${ARTIFACTS}.Arn>/labels/churn/*`);
      expect(reads.some((r: string) => r.includes(DATA))).toBe(false);
    });
  });

  describe('validation', () => {
    test('fails if the endpoint has data capture off', () => {
      const stack = newTestStack();
      const endpoint = newEndpoint(stack, { dataCapture: { enabled: false } });
      expect(() => new SecureModelMonitor(stack, 'Monitor', { endpoint, baseline: BASELINE }))
        .toThrow(/`endpoint` .*has data capture off \(`dataCapture.enabled: false`\)/);
    });

    test.each([
      ['cron(0 * * * ? *)'], ['rate(1 hour)'], ['cron(30 * ? * * *)'], ['cron(0 24 ? * * *)'], ['cron(0 0/25 ? * * *)'], ['NOW'], ['cron(0 */2 ? * * *)'],
    ])('fails on the schedule expression %s', (expression) => {
      expect(() => newMonitor({ scheduleExpression: expression })).toThrow(/`scheduleExpression` .* is not a form Model Monitor accepts/);
    });

    test.each([
      ['cron(0 * ? * * *)', 3600], ['cron(0 12 ? * * *)', 86400], ['cron(0 0/6 ? * * *)', 21600], ['cron(0 17/12 ? * * *)', 43200],
    ])('accepts %s, with a max runtime up to its interval', (expression, interval) => {
      expect(() => newMonitor({ scheduleExpression: expression, maxRuntime: Duration.seconds(interval) })).not.toThrow();
      if (interval < 86400) {
        expect(() => newMonitor({ scheduleExpression: expression, maxRuntime: Duration.seconds(interval + 1) })).toThrow(/`maxRuntime` is \d+ seconds but the schedule runs every/);
      }
    });

    test('fails if the max runtime is longer than the schedule interval, or than 24 hours, or not whole seconds', () => {
      expect(() => newMonitor({ maxRuntime: Duration.minutes(61) })).toThrow(/`maxRuntime` is 3660 seconds but the schedule runs every 3600 seconds.*at most 3600/);
      expect(() => newMonitor({ scheduleExpression: 'cron(0 3 ? * * *)', maxRuntime: Duration.hours(25) })).toThrow(/`maxRuntime` is 90000 seconds: monitoring jobs accept whole seconds from 1 to 86400/);
      expect(() => newMonitor({ maxRuntime: Duration.millis(1500) })).toThrow(/`maxRuntime` is 1.5 seconds/);
    });

    test('model quality on an hourly schedule runs at most 1800 seconds', () => {
      const modelQuality = { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: 'gt/', inferenceAttribute: '0' };
      expect(() => newMonitor({ modelQuality: { ...modelQuality, maxRuntime: Duration.seconds(1801) } }))
        .toThrow(/`modelQuality.maxRuntime` is 1801 seconds.*at most 1800 seconds.*model quality jobs on an hourly schedule at most 1800/);
      expect(() => newMonitor({ scheduleExpression: 'cron(0 0/2 ? * * *)', modelQuality: { ...modelQuality, maxRuntime: Duration.hours(2) } })).not.toThrow();
    });

    test('a token schedule expression is accepted, with a warning', () => {
      const stack = newTestStack();
      newMonitor({ scheduleExpression: new CfnParameter(stack, 'Schedule').valueAsString }, stack);
      Annotations.fromStack(stack).hasWarning('/TestStack/Monitor', Match.stringLikeRegexp('`scheduleExpression` is a token'));
    });

    test('fails on an instance type that is not on Nitro, or has local NVMe storage', () => {
      expect(() => newMonitor({ instanceType: 'ml.t2.medium' })).toThrow(/`instanceType` 'ml.t2.medium' is not an ML instance type on the AWS Nitro System/);
      expect(() => newMonitor({ instanceType: 'ml.m5d.xlarge' })).toThrow(/`instanceType` 'ml.m5d.xlarge' has local NVMe storage/);
      expect(() => newMonitor({ volumeSizeInGb: 0 })).toThrow(/`volumeSizeInGb` is 0/);
    });

    test.each([
      [{ prefix: 's3://bucket/baselines/' }, /`baseline.prefix` 's3:\/\/bucket\/baselines\/' must be a key prefix ending in '\/'/],
      [{ prefix: 'baselines/*/' }, /`baseline.prefix` .* no wildcards/],
      [{ prefix: 'baselines/churn' }, /`baseline.prefix` 'baselines\/churn' must be a key prefix ending in '\/'/],
      [{ constraintsKey: 'baselines/*.json', statisticsKey: 'baselines/statistics.json' }, /`baseline.constraintsKey` 'baselines\/\*.json' must be the key of one object/],
      [{ constraintsKey: 'baselines/constraints.json', statisticsKey: 's3://b/statistics.json' }, /`baseline.statisticsKey` .* not an s3:\/\/ URL/],
      [{ constraintsKey: 'baselines/constraints.json' }, /`baseline` needs both `constraintsKey` and `statisticsKey`/],
      [{ prefix: 'baselines/', constraintsKey: 'baselines/c.json' }, /`baseline` has both `prefix` and a key/],
    ])('fails on the baseline %j', (baseline, message) => {
      expect(() => newMonitor({ baseline })).toThrow(message);
    });

    test('exact baseline keys are read as given', () => {
      const { stack } = newMonitor({ baseline: { constraintsKey: 'bl/c.json', statisticsKey: 'bl/s.json' } });
      expect(resourceOf(stack, 'AWS::SageMaker::DataQualityJobDefinition').props.DataQualityBaselineConfig).toEqual({
        ConstraintsResource: { S3Uri: `s3://<${ARTIFACTS}>/bl/c.json` }, StatisticsResource: { S3Uri: `s3://<${ARTIFACTS}>/bl/s.json` },
      });
    });

    test('fails if model quality lacks what its problem type needs', () => {
      const gt = 'ground-truth/churn/';
      expect(() => newMonitor({ modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: gt } }))
        .toThrow(/`modelQuality.inferenceAttribute` is required for Regression/);
      expect(() => newMonitor({ modelQuality: { problemType: ModelQualityProblemType.BINARY_CLASSIFICATION, groundTruthPrefix: gt } }))
        .toThrow(/`modelQuality.inferenceAttribute` is required for BinaryClassification without `probabilityAttribute`/);
      expect(() => newMonitor({ modelQuality: { problemType: ModelQualityProblemType.BINARY_CLASSIFICATION, groundTruthPrefix: gt, probabilityAttribute: '1' } }))
        .toThrow(/`modelQuality.probabilityThreshold` is required with `probabilityAttribute`/);
      expect(() => newMonitor({ modelQuality: { problemType: ModelQualityProblemType.BINARY_CLASSIFICATION, groundTruthPrefix: gt, inferenceAttribute: '0', probabilityThreshold: 1.5 } }))
        .toThrow(/`modelQuality.probabilityThreshold` is 1.5/);
      expect(() => newMonitor({ modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: 's3://b/gt/', inferenceAttribute: '0' } }))
        .toThrow(/`modelQuality.groundTruthPrefix` 's3:\/\/b\/gt\/' is not a key prefix/);
      expect(() => newMonitor({ modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: undefined as unknown as string, inferenceAttribute: '0' } }))
        .toThrow(/`modelQuality.groundTruthPrefix` is required/);
      expect(() => newMonitor({ modelQuality: { problemType: undefined as unknown as ModelQualityProblemType, groundTruthPrefix: gt } }))
        .toThrow(/`modelQuality.problemType` is required/);
      expect(() => newMonitor({ modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthPrefix: gt, inferenceAttribute: '0', startTimeOffset: Duration.hours(1), endTimeOffset: Duration.hours(2) } }))
        .toThrow(/`modelQuality.startTimeOffset` must be longer than `endTimeOffset`/);
    });

    test('fails on a schedule name prefix SageMaker rejects', () => {
      expect(() => newMonitor({ scheduleNamePrefix: 'churn_monitor' })).toThrow(/`scheduleNamePrefix` 'churn_monitor' must be 1-48 letters/);
    });

    test('two monitors of one endpoint in one account and Region clash on their schedule names', () => {
      const app = new App();
      const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'us-east-1' } });
      const endpoint = newEndpoint(stack);
      newMonitor({ endpoint }, stack);
      expect(() => new SecureModelMonitor(stack, 'Again', { endpoint, baseline: BASELINE }))
        .toThrow(/monitoring schedule name 'churn-data-quality' .* is also used by .*another `scheduleNamePrefix`/);
    });

    test('a long endpoint name gets a prefix derived from the construct path', () => {
      const stack = newTestStack();
      const endpoint = newEndpoint(stack, { endpointName: 'a'.repeat(60) });
      const monitor = new SecureModelMonitor(stack, 'Monitor', { endpoint, baseline: BASELINE });
      expect(monitor.scheduleNamePrefix.length).toBeLessThanOrEqual(48);
      expect(resourceOf(stack, 'AWS::SageMaker::MonitoringSchedule').props.MonitoringScheduleName).toBe(`${monitor.scheduleNamePrefix}-data-quality`);
    });
  });
});
