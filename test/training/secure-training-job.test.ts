import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SageMakerEnvironment, SecureTrainingJob, SecureTrainingJobProps, TrainingImage } from '../../lib';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { render, renderedStatements, stateMachineDefinition, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311';

function newJob(props: Partial<SecureTrainingJobProps> = {}, stack: Stack = newTestStack(), id = 'Train'): { stack: Stack; job: SecureTrainingJob } {
  const job = new SecureTrainingJob(stack, id, { image: TrainingImage.fromDeepLearningContainer(DLC), jobNamePrefix: 'churn', ...props });
  return { stack, job };
}

/** The parsed state machine definition, with references as <LogicalId...>. */
function task(stack: Stack): any {
  return stateMachineDefinition(stack).States.Train;
}

/** Statements with references rendered as text, for exact comparison. */
const ARN = 'arn:<AWS::Partition>';
const REGION_ACCOUNT = '<AWS::Region>:<AWS::AccountId>';
const KEY = '<SecureSageMakerEnvironmentKeyD46A95E1.Arn>';

describe('SecureTrainingJob', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      new SecureTrainingJob(stack, 'Train', { image: TrainingImage.fromDeepLearningContainer(DLC) });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the task runs createTrainingJob.sync, named from the execution with the fixed prefix', () => {
      const { stack } = newJob();
      const t = task(stack);
      expect(t.Type).toBe('Task');
      expect(t.Resource).toBe(`${ARN}:states:::sagemaker:createTrainingJob.sync`);
      expect(t.Parameters['TrainingJobName.$']).toBe("States.Format('churn-{}', $$.Execution.Name)");
      expect(t.Parameters.TrainingJobName).toBeUndefined();
      expect(t.End).toBe(true);
    });

    test('every job: environment subnets, its security group, network isolation, inter-container encryption, both keys, 24 h max runtime', () => {
      const { stack } = newJob();
      const p = task(stack).Parameters;
      expect(p.VpcConfig).toEqual({
        SecurityGroupIds: [expect.stringMatching(/^<TrainJobSecurityGroup.*\.GroupId>$/)],
        Subnets: [expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)],
      });
      expect(p.EnableNetworkIsolation).toBe(true);
      expect(p.EnableInterContainerTrafficEncryption).toBe(true);
      expect(p.ResourceConfig).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY });
      expect(p.OutputDataConfig).toEqual({ S3OutputPath: 's3://<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>/training/churn', KmsKeyId: KEY });
      expect(p.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 86400 });
      expect(p.RoleArn).toMatch(/^<TrainTrainingRole.*\.Arn>$/);
      expect(p.AlgorithmSpecification).toEqual({ TrainingImage: DLC, TrainingInputMode: 'File' });
      expect(p.Tags).toEqual([
        { Key: 'secure-sagemaker:training-job', Value: 'churn' },
        { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
      ]);
      expect(p.InputDataConfig).toBeUndefined();
      expect(p.HyperParameters).toBeUndefined();
    });

    test('the state machine logs all events with execution data to an encrypted, retained environment log group, with tracing on', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainStateMachineLogs'), 'Arn'] } } }],
        },
        TracingConfiguration: { Enabled: true },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainStateMachineRole'), 'Arn'] },
      });
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: Match.stringLikeRegexp('^/secure-sagemaker/.*/training/churn$'),
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
          RetentionInDays: 365,
        },
        DeletionPolicy: 'Retain',
      });
    });

    test('a single-instance job security group has no ingress and HTTPS egress to S3 only', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('TrainJobSecurityGroup'))![1];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      const related = (type: string) => Object.values(t.findResources(type)).filter((r: any) => JSON.stringify(r.Properties.GroupId).includes('TrainJobSecurityGroup'));
      expect(related('AWS::EC2::SecurityGroupIngress')).toEqual([]);
      expect(related('AWS::EC2::SecurityGroupEgress')).toEqual([]);
    });

    test('a distributed job security group admits traffic within itself only', () => {
      const { stack } = newJob({ instanceCount: 3 });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: '-1',
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainJobSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainJobSecurityGroup'), 'GroupId'] },
      });
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        IpProtocol: '-1',
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainJobSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainJobSecurityGroup'), 'GroupId'] },
      });
      expect(task(stack).Parameters.ResourceConfig.InstanceCount).toBe(3);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the training role: read the inputs, write the output prefix, key through S3 only, own log streams, VPC network interfaces', () => {
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
      expect(renderedStatements(stack, 'TrainTrainingRolePermissions')).toEqual([
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `<${data}.Arn>/datasets/churn/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: `<${data}.Arn>`, Condition: { StringLike: { 's3:prefix': 'datasets/churn/*' } } },
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `<${data}.Arn>` },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: s3ViaBucket(data) },
        // Its own jobs' output only (`<output prefix><job name>/`), not the whole prefix.
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `<${artifacts}.Arn>/training/churn/churn-*` },
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
            expect.stringMatching(new RegExp(`^${escape(ec2)}:security-group/<TrainJobSecurityGroup.*\\.GroupId>$`)),
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
        Description: 'Execution role of training jobs churn',
        Policies: Match.absent(),
      });
    });

    test('the state machine role: exactly create/tag/describe/stop own jobs with the secure settings, pass the training role, the sync rule, logging and tracing', () => {
      const { stack } = newJob();
      const jobArn = `${ARN}:sagemaker:${REGION_ACCOUNT}:training-job/churn-*`;
      expect(renderedStatements(stack, 'TrainStateMachineRolePermissions')).toEqual([
        {
          Sid: 'CreateSecureTrainingJobsWithThisPrefixOnly',
          Effect: 'Allow',
          Action: 'sagemaker:CreateTrainingJob',
          Resource: jobArn,
          Condition: {
            'ForAllValues:StringEquals': {
              'sagemaker:VpcSubnets': [expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)],
              'sagemaker:VpcSecurityGroupIds': [expect.stringMatching(/^<TrainJobSecurityGroup.*\.GroupId>$/)],
            },
            'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false' },
            'ArnEquals': { 'sagemaker:OutputKmsKeyArn': KEY, 'sagemaker:VolumeKmsKeyArn': KEY },
            'Bool': { 'sagemaker:NetworkIsolation': 'true', 'sagemaker:InterContainerTrafficEncryption': 'true' },
            'NumericLessThanEquals': { 'sagemaker:MaxRuntimeInSeconds': '86400' },
            'StringEquals': { 'aws:RequestTag/secure-sagemaker:training-job': 'churn' },
          },
        },
        {
          Sid: 'TagOwnJobsAtCreationOnly',
          Effect: 'Allow',
          Action: 'sagemaker:AddTags',
          Resource: jobArn,
          Condition: { StringEquals: { 'sagemaker:TaggingAction': 'CreateTrainingJob', 'aws:RequestTag/secure-sagemaker:training-job': 'churn' } },
        },
        {
          Sid: 'FollowAndStopOwnJobsOnly',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:ListTags'],
          Resource: jobArn,
          Condition: { StringEquals: { 'aws:ResourceTag/secure-sagemaker:training-job': 'churn' } },
        },
        {
          Sid: 'PassOnlyTheTrainingRole',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: expect.stringMatching(/^<TrainTrainingRole.*\.Arn>$/),
          Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        },
        {
          Sid: 'ManageTheSyncEventRuleOnly',
          Effect: 'Allow',
          Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          Resource: `${ARN}:events:${REGION_ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule`,
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

    test('no inline policies anywhere', () => {
      const { stack } = newJob();
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('policies in the template pass the least-privilege check', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer'), 'v1'),
        inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'in/' }],
        instanceCount: 2,
      }, stack);
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });

    test('publishes the same settings as SDK defaults in an SSM parameter', () => {
      const { stack } = newJob();
      const param = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))[0];
      expect(param.Properties.Name).toMatch(/^\/secure-sagemaker\/.*\/sdk-defaults\/churn$/);
      expect(param.Properties.Tier).toBe('Intelligent-Tiering');
      expect(param.Properties.Type).toBe('String');
      const config = JSON.parse(render(param.Properties.Value));
      const training = config.SageMaker.TrainingJob;
      expect(training.EnableNetworkIsolation).toBe(true);
      expect(training.EnableInterContainerTrafficEncryption).toBe(true);
      expect(training.VpcConfig.SecurityGroupIds).toEqual([expect.stringMatching(/^<TrainJobSecurityGroup.*\.GroupId>$/)]);
      expect(training.VpcConfig.Subnets).toHaveLength(2);
      expect(training.OutputDataConfig.KmsKeyId).toBe(KEY);
      expect(training.ResourceConfig.VolumeKmsKeyId).toBe(KEY);
      expect(training.RoleArn).toMatch(/^<TrainTrainingRole.*\.Arn>$/);
      expect(training.Tags).toEqual([
        { Key: 'secure-sagemaker:training-job', Value: 'churn' },
        { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
      ]);
      expect(config.SageMaker.PythonSDK.Modules.Session).toEqual({
        DefaultS3Bucket: '<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>',
        DefaultS3ObjectKeyPrefix: 'training/churn',
      });
    });

    test('tags its resources with the ownership tag', () => {
      const { stack } = newJob();
      Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
        Tags: Match.arrayWith([{ Key: SecureTrainingJob.OWNER_TAG, Value: 'churn' }]),
      });
    });

    test('the default job name prefix is derived from the path, lowercase and at most 26 characters', () => {
      const stack = newTestStack();
      const job = new SecureTrainingJob(stack, 'A-Rather_Long_Construct_Identifier', { image: TrainingImage.fromDeepLearningContainer(DLC) });
      expect(job.jobNamePrefix).toMatch(/^[a-z0-9](-?[a-z0-9])*$/);
      expect(job.jobNamePrefix.length).toBeLessThanOrEqual(26);
      expect(job.outputPrefix).toBe(`training/${job.jobNamePrefix}/`);
    });
  });

  describe('parameters', () => {
    test('input channels come from SecureBucket prefixes, read-only', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        inputs: [
          { channelName: 'train', bucket: env.dataBucket, prefix: 'churn/train/', contentType: 'text/csv', shardByS3Key: true },
          { channelName: 'validation', bucket: env.dataBucket, prefix: 'churn/validation/' },
        ],
      }, stack);
      expect(task(stack).Parameters.InputDataConfig).toEqual([
        {
          ChannelName: 'train',
          ContentType: 'text/csv',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://<SecureSageMakerEnvironmentDataBucket6C69E4CE>/churn/train/', S3DataDistributionType: 'ShardedByS3Key' } },
        },
        {
          ChannelName: 'validation',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://<SecureSageMakerEnvironmentDataBucket6C69E4CE>/churn/validation/', S3DataDistributionType: 'FullyReplicated' } },
        },
      ]);
      const objects = statementsOf(stack, 'TrainTrainingRolePermissions').filter((s) => [s.Action].flat().includes('s3:GetObject'));
      expect(objects.map((s) => render(s.Resource)).sort()).toEqual([
        expect.stringMatching(/DataBucket.*\/churn\/train\/\*$/),
        expect.stringMatching(/DataBucket.*\/churn\/validation\/\*$/),
      ]);
      const writes = statementsOf(stack, 'TrainTrainingRolePermissions').filter((s) => [s.Action].flat().includes('s3:PutObject'));
      expect(writes.map((s) => render(s.Resource))).toEqual([expect.stringMatching(/ArtifactsBucket.*\/training\/churn\/churn-\*$/)]);
    });

    test('hyperparameters, tags, instance type and count, volume size and max runtime are honoured', () => {
      const { stack } = newJob({
        hyperparameters: { epochs: '10', lr: '0.01' },
        tags: { team: 'risk' },
        instanceType: 'ml.c5.2xlarge',
        instanceCount: 2,
        volumeSizeInGb: 100,
        maxRuntime: Duration.hours(6),
      });
      const p = task(stack).Parameters;
      expect(p.HyperParameters).toEqual({ epochs: '10', lr: '0.01' });
      expect(p.Tags).toEqual([
        { Key: 'secure-sagemaker:training-job', Value: 'churn' },
        { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
        { Key: 'team', Value: 'risk' },
      ]);
      expect(p.ResourceConfig).toEqual({ InstanceType: 'ml.c5.2xlarge', InstanceCount: 2, VolumeSizeInGB: 100, VolumeKmsKeyId: KEY });
      expect(p.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 21600 });
      const create = statementsOf(stack, 'TrainStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTrainingJobsWithThisPrefixOnly');
      expect(create.Condition.NumericLessThanEquals).toEqual({ 'sagemaker:MaxRuntimeInSeconds': '21600' });
    });

    test('the maximum runtime of 28 days is accepted', () => {
      const { stack } = newJob({ maxRuntime: Duration.days(28) });
      expect(task(stack).Parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 2419200 });
    });

    test('an output prefix is honoured for the job, the grant and the URLs', () => {
      const { stack, job } = newJob({ outputPrefix: 'models/churn/' });
      expect(task(stack).Parameters.OutputDataConfig.S3OutputPath).toBe('s3://<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>/models/churn');
      const writes = statementsOf(stack, 'TrainTrainingRolePermissions').filter((s) => [s.Action].flat().includes('s3:PutObject'));
      expect(writes.map((s) => render(s.Resource))).toEqual([expect.stringMatching(/ArtifactsBucket.*\/models\/churn\/churn-\*$/)]);
      expect(render(stack.resolve(job.outputS3Url))).toBe('s3://<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>/models/churn/');
      expect(render(stack.resolve(job.modelDataUrl('run-42'))))
        .toBe('s3://<SecureSageMakerEnvironmentArtifactsBucketE19AAD92>/models/churn/churn-run-42/output/model.tar.gz');
      expect(job.trainingJobName('run-42')).toBe('churn-run-42');
    });

    test('an image in an ECR repository: pull from that repository only, ECR endpoints for the job group', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer');
      newJob({ image: TrainingImage.fromEcrRepository(repo, 'v1.2') }, stack);
      expect(env.network.endpointServiceNames).toEqual(['ecr.api', 'ecr.dkr']);
      expect(task(stack).Parameters.AlgorithmSpecification.TrainingImage).toBe('<AWS::AccountId>.dkr.ecr.<AWS::Region>.<AWS::URLSuffix>/team-a/trainer:v1.2');
      const statements = statementsOf(stack, 'TrainTrainingRolePermissions');
      const pull = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ecr:')));
      expect(pull.map((s) => [s.Action, render(s.Resource)])).toEqual([
        [['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], expect.stringMatching(/:ecr:<AWS::Region>:<AWS::AccountId>:repository\/team-a\/trainer$/)],
        ['ecr:GetAuthorizationToken', '*'],
      ]);
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainJobSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] },
        FromPort: 443,
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('an image pinned by digest uses the digest URI', () => {
      const stack = newTestStack();
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'trainer');
      const digest = `sha256:${'a'.repeat(64)}`;
      newJob({ image: TrainingImage.fromEcrRepository(repo, digest) }, stack);
      expect(task(stack).Parameters.AlgorithmSpecification.TrainingImage).toMatch(new RegExp(`/trainer@${digest}$`));
    });

    test('a Deep Learning Container image: no ECR permissions and no ECR endpoints', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({}, stack);
      expect(env.network.endpointServiceNames).toEqual([]);
      const actions = statementsOf(stack, 'TrainTrainingRolePermissions').flatMap((s) => [s.Action].flat());
      expect(actions.filter((a: string) => a.startsWith('ecr:'))).toEqual([]);
    });

    test('grantStartExecution grants StartExecution on this state machine only', () => {
      const { stack, job } = newJob();
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      job.grantStartExecution(user);
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^User') }] } }))[0];
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: { Ref: expect.stringMatching(/^TrainStateMachine/) },
      }]);
    });

    test('grantReadOutputs grants read on the output prefix only; grantReadSdkDefaults on the parameter only', () => {
      const { stack, job } = newJob();
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      job.grantReadOutputs(user);
      job.grantReadSdkDefaults(user);
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^User') }] } }))[0]
        .Properties.PolicyDocument.Statement;
      expect(statements.find((s: any) => [s.Action].flat().includes('s3:GetObject')).Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/ArtifactsBucket/), 'Arn'] }, '/training/churn/*']],
      });
      const ssm = statements.find((s: any) => [s.Action].flat().includes('ssm:GetParameter'));
      expect(render(ssm.Resource)).toMatch(/:ssm:<AWS::Region>:<AWS::AccountId>:parameter<TrainSdkDefaults.*>$/);
    });
  });

  describe('instance types with local NVMe storage', () => {
    test.each([['ml.g5.2xlarge'], ['ml.p4d.24xlarge'], ['ml.m5d.xlarge']])('%s: no volume key, no grant, no volume key condition, an info annotation, still compliant', (instanceType) => {
      const { stack, job } = newJob({ instanceType });
      const p = task(stack).Parameters;
      expect(p.ResourceConfig).toEqual({ InstanceType: instanceType, InstanceCount: 1, VolumeSizeInGB: 30 });
      expect(p.OutputDataConfig.KmsKeyId).toBe(KEY);
      expect(job.volumeKeyApplied).toBe(false);
      expect(statementsOf(stack, 'TrainTrainingRolePermissions').find((s) => s.Sid === 'VolumeKeyGrantsForSageMakerOnly')).toBeUndefined();
      const create = statementsOf(stack, 'TrainStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTrainingJobsWithThisPrefixOnly');
      expect(Object.keys(create.Condition.ArnEquals)).toEqual(['sagemaker:OutputKmsKeyArn']);
      const config = JSON.parse(render(Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))[0].Properties.Value));
      expect(config.SageMaker.TrainingJob.OutputDataConfig.KmsKeyId).toBe(KEY);
      Annotations.fromStack(stack).hasInfo('/TestStack/Train', Match.stringLikeRegexp(`${instanceType.replace(/\./g, '\\.')} has local NVMe storage`));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('types without local storage keep the volume key and get no info annotation', () => {
      const { stack } = newJob({ instanceType: 'ml.c5.xlarge' });
      expect(task(stack).Parameters.ResourceConfig.VolumeKmsKeyId).toBe(KEY);
      expect(Annotations.fromStack(stack).findInfo('/TestStack/Train', Match.stringLikeRegexp('local NVMe'))).toEqual([]);
    });
  });

  describe('opt-outs', () => {
    test('allowInternetForContainer turns network isolation off, drops the isolation condition, warns and acknowledges the rule', () => {
      const { stack } = newJob({ allowInternetForContainer: true });
      expect(task(stack).Parameters.EnableNetworkIsolation).toBe(false);
      expect(task(stack).Parameters.EnableInterContainerTrafficEncryption).toBe(true);
      const create = statementsOf(stack, 'TrainStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTrainingJobsWithThisPrefixOnly');
      expect(create.Condition.Bool).toEqual({ 'sagemaker:InterContainerTrafficEncryption': 'true' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Train', Match.stringLikeRegexp('allowInternetForContainer is set'));
      const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
      expect(sm.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toContain('SageMakerSecurity-JobDefinitionNetworkIsolation');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('allowUnencryptedInterContainerTraffic on a single instance turns encryption off, warns and acknowledges the rule', () => {
      const { stack } = newJob({ allowUnencryptedInterContainerTraffic: true });
      expect(task(stack).Parameters.EnableInterContainerTrafficEncryption).toBe(false);
      const create = statementsOf(stack, 'TrainStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTrainingJobsWithThisPrefixOnly');
      expect(create.Condition.Bool).toEqual({ 'sagemaker:NetworkIsolation': 'true' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Train', Match.stringLikeRegexp('allowUnencryptedInterContainerTraffic is set'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('both opt-outs together drop the Bool condition entirely', () => {
      const { stack } = newJob({ allowInternetForContainer: true, allowUnencryptedInterContainerTraffic: true });
      const create = statementsOf(stack, 'TrainStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureTrainingJobsWithThisPrefixOnly');
      expect(create.Condition.Bool).toBeUndefined();
    });

    test('without opt-outs there are no warnings', () => {
      const { stack } = newJob();
      expect(Annotations.fromStack(stack).findWarning('/TestStack/Train', Match.anyValue())).toEqual([]);
    });
  });

  describe('acknowledgements', () => {
    test('every acknowledgement the construct declares silences a real finding, with every option on', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer')),
        inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'datasets/a/' }],
        allowInternetForContainer: true,
        allowUnencryptedInterContainerTraffic: true,
      }, stack);
      newJob({ jobNamePrefix: 'dist', instanceCount: 2 }, stack, 'Distributed');
      expect(declaredAcknowledgements(stack).length).toBeGreaterThan(5);
      expect(unneededAcknowledgements(stack)).toEqual([]);
    });

    test('a single-instance job declares no security group acknowledgement (it has no ingress rule)', () => {
      const { stack } = newJob();
      expect(declaredAcknowledgements(stack).filter((a) => a.path.includes('JobSecurityGroup'))).toEqual([]);
    });
  });

  describe('validation', () => {
    test('fails on a missing image', () => {
      const stack = newTestStack();
      expect(() => new SecureTrainingJob(stack, 'Train', {} as SecureTrainingJobProps)).toThrow(/`image` is required/);
    });

    test.each([['pytorch-training:2.3.0'], ['763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training'], ['docker.io/library/python:3.12']])('fails on image URI %p', (uri) => {
      expect(() => newJob({ image: TrainingImage.fromDeepLearningContainer(uri) })).toThrow(/`image` .* is not an ECR image URI with a tag or digest/);
    });

    test.each([[0], [-1], [1.5]])('fails on instanceCount %p', (instanceCount) => {
      expect(() => newJob({ instanceCount })).toThrow(/`instanceCount` is .*whole number of instances, 1 or more/);
    });

    test.each([[Duration.days(29)], [Duration.seconds(2419201)], [Duration.seconds(0)], [Duration.millis(1500)]])('fails on maxRuntime %p', (maxRuntime) => {
      expect(() => newJob({ maxRuntime })).toThrow(/`maxRuntime` is .* seconds: CreateTrainingJob accepts whole seconds from 1 to 2419200 \(28 days\)/);
    });

    test.each([['s3://other-bucket/models/'], ['S3://other/x/'], ['models/*/'], ['/models/'], ['models'], ['']])('fails on an output prefix outside the artifacts bucket or not a prefix: %p', (outputPrefix) => {
      expect(() => newJob({ outputPrefix })).toThrow(/`outputPrefix` .* must be a key prefix in the environment's artifacts bucket/);
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

    test.each([[0], [16385], [2.5]])('fails on volumeSizeInGb %p', (volumeSizeInGb) => {
      expect(() => newJob({ volumeSizeInGb })).toThrow(/`volumeSizeInGb` is .*1 to 16384/);
    });

    test('fails on allowUnencryptedInterContainerTraffic with more than one instance', () => {
      expect(() => newJob({ allowUnencryptedInterContainerTraffic: true, instanceCount: 2 }))
        .toThrow(/`allowUnencryptedInterContainerTraffic` is set with `instanceCount` 2/);
    });

    test('fails on two channels with the same name, and on a bad channel name', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      expect(() => newJob({
        inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'a/' }, { channelName: 'train', bucket: env.dataBucket, prefix: 'b/' }],
      }, stack)).toThrow(/names channel 'train' twice/);
      expect(() => newJob({ inputs: [{ channelName: 'tr ain', bucket: env.dataBucket, prefix: 'a/' }] }, newTestStack())).toThrow(/channel name 'tr ain'/);
    });

    test('fails on an input prefix with a wildcard', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      expect(() => newJob({ inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'data/*' }] }, stack)).toThrow(/is not a key prefix/);
    });

    test.each([['secure-sagemaker:training-job'], ['aws:cloudformation:stack-name']])('fails on reserved tag key %p', (key) => {
      expect(() => newJob({ tags: { [key]: 'x' } })).toThrow(/`tags` key .* is reserved/);
    });
  });

  // Found by test/robustness/training.property.test.ts.
  describe('tokens and service limits', () => {
    test('a token jobNamePrefix synthesizes clean (the SDK defaults parameter is a path, the security group description omits the prefix)', () => {
      const stack = newTestStack();
      const job = newJob({ jobNamePrefix: new CfnParameter(stack, 'Prefix', { default: 'churn' }).valueAsString }, stack).job;
      expect(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'Training jobs: HTTPS to S3' } })).not.toEqual({});
      expect(job.sdkDefaultsParameter.parameterArn).toBeDefined();
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the state machine role names jobs in lowercase, as SageMaker writes them in ARNs', () => {
      const { stack } = newJob({ jobNamePrefix: 'Churn-V2' });
      const create = renderedStatements(stack, 'TrainStateMachineRolePermissions').find((st) => st.Sid === 'CreateSecureTrainingJobsWithThisPrefixOnly');
      expect(create.Resource).toBe(`${ARN}:sagemaker:${REGION_ACCOUNT}:training-job/churn-v2-*`);
      expect(create.Condition.StringEquals).toEqual({ 'aws:RequestTag/secure-sagemaker:training-job': 'Churn-V2' });
    });

    test('accepts a token instance type: warned, the volume key is set', () => {
      const stack = newTestStack();
      const { job } = newJob({ instanceType: Lazy.string({ produce: () => 'ml.m5.2xlarge' }) }, stack);
      expect(job.volumeKeyApplied).toBe(true);
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('`instanceType` is a token'));
    });

    test('fails on a token maxRuntime in a unit other than seconds', () => {
      expect(() => newJob({ maxRuntime: Duration.hours(Lazy.number({ produce: () => 2 })) })).toThrow(/`maxRuntime` .* cannot be converted to seconds/);
    });

    test('fails on a hyperparameter name ending in .$ unless its value is a path', () => {
      expect(() => newJob({ hyperparameters: { 'lr.$': '0.1' } })).toThrow(/`hyperparameters` name 'lr\.\$' ends in '\.\$'/);
      expect(() => newJob({ hyperparameters: { 'epochs.$': '$.epochs' } })).not.toThrow();
    });

    test('fails on more than 100 hyperparameters, and on names or values over the API limits', () => {
      expect(() => newJob({ hyperparameters: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`h${i}`, '1'])) })).toThrow(/`hyperparameters` has 101 entries/);
      expect(() => newJob({ hyperparameters: { ['k'.repeat(257)]: '1' } })).toThrow(/`hyperparameters` entry .* too long/);
      expect(() => newJob({ hyperparameters: { lr: 'v'.repeat(2501) } })).toThrow(/`hyperparameters` entry 'lr' is too long/);
    });

    test('fails on tag keys and values SageMaker refuses, and on more than 49 tags', () => {
      expect(() => newJob({ tags: { 'bad#key': 'x' } })).toThrow(/`tags` key 'bad#key' must be 1-128/);
      expect(() => newJob({ tags: { team: 'a\nb' } })).toThrow(/`tags` value of 'team'/);
      expect(() => newJob({ tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) })).toThrow(/`tags` has 50 entries/);
    });

    test('fails on more than 20 input channels, and on a content type over 256 characters', () => {
      const stack = newTestStack();
      const bucket = SageMakerEnvironment.of(stack).dataBucket;
      const inputs = Array.from({ length: 21 }, (_, i) => ({ channelName: `c${i}`, bucket, prefix: `d/${i}/` }));
      expect(() => newJob({ inputs }, stack)).toThrow(/`inputs` has 21 channels/);
      expect(() => newJob({ inputs: [{ channelName: 'train', bucket, prefix: 'd/', contentType: 'x'.repeat(257) }] }, stack, 'Other'))
        .toThrow(/`inputs` channel 'train' has a content type of 257 characters/);
    });

    test.each([['bad tag'], ['-x'], ['sha256:xyz']])('fails on ECR image tag %p', (tag) => {
      const stack = newTestStack();
      expect(() => newJob({ image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer'), tag) }, stack))
        .toThrow(/`image` tag .* of `TrainingImage.fromEcrRepository` is neither an ECR tag nor/);
    });

    test('fails on an image URI over 255 characters', () => {
      expect(() => newJob({ image: TrainingImage.fromDeepLearningContainer(`763104351884.dkr.ecr.eu-west-1.amazonaws.com/${'r'.repeat(220)}:1`) }))
        .toThrow(/`image` .* at most 255 characters/);
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&');
}
