import { App, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  CREATE_TRAINING_JOB_REQUEST_MEMBERS, CREATE_TRAINING_JOB_REQUIRED_MEMBERS, MAX_TAGS, sdkConfigSchemaErrors, TAG_MEMBERS, TAG_PATTERN,
} from './api-shapes';

import { SageMakerEnvironment, SageMakerGuardrails, SecureImageRepository, SecureTrainingJob, SecureTrainingJobProps, TrainingImage } from '../../lib';
import { acknowledge } from '../../lib/private/acknowledge';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed } from '../helpers/deployed';
import { evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';
import { requestProblems } from '../helpers/sagemaker-api';
import { render, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311';
const ENV = { account: '111122223333', region: 'us-east-1' };

function newJob(scope: Construct, id: string, props: Partial<SecureTrainingJobProps> = {}): SecureTrainingJob {
  return new SecureTrainingJob(scope, id, { image: TrainingImage.fromDeepLearningContainer(DLC), jobNamePrefix: id.toLowerCase(), ...props });
}

/** The Train state's parameters, references as <LogicalId...>. */
function taskParameters(stack: Stack): any {
  const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
  return JSON.parse(render(sm.Properties.DefinitionString)).States.Train.Parameters;
}

function sdkConfig(stack: Stack): any {
  const param = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))[0];
  return JSON.parse(render(param.Properties.Value));
}

describe('SecureTrainingJob as a resource', () => {
  test('is IConnectable (its job security group) and IGrantable (its training role)', () => {
    const stack = newTestStack();
    const job = newJob(stack, 'Churn');
    expect(job.connections.securityGroups).toEqual([job.securityGroup]);
    expect(job.grantPrincipal).toBe(job.trainingRole);
    expect(Stack.of(job)).toBe(job.stack);
  });

  test('a grant to the job lands on the training role; connections.allowTo opens egress from the job group only', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    const job = newJob(stack, 'Churn');
    const peer = new ec2.SecurityGroup(stack, 'FeatureStoreProxy', { vpc: env.network.vpc, allowAllOutbound: false, description: 'proxy' });
    env.dataBucket.grantRead(job, 'features/');
    job.connections.allowTo(peer, ec2.Port.tcp(8443), 'Training job to the feature proxy');
    const reads = statementsOf(stack, 'ChurnTrainingRolePermissions').filter((s) => [s.Action].flat().includes('s3:GetObject'));
    expect(reads.map((s) => render(s.Resource))).toEqual([expect.stringMatching(/DataBucket.*\/features\/\*$/)]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnJobSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FeatureStoreProxy'), 'GroupId'] },
      FromPort: 8443,
    });
  });

  test('applyRemovalPolicy reaches the state machine and the SDK defaults parameter, not the data', () => {
    const stack = newTestStack();
    newJob(stack, 'Churn').applyRemovalPolicy(RemovalPolicy.DESTROY);
    const t = Template.fromStack(stack);
    t.hasResource('AWS::StepFunctions::StateMachine', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::SSM::Parameter', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('/training/churn$') }, DeletionPolicy: 'Retain' });
  });
});

describe('grants to principals the library did not create', () => {
  const stack = newTestStack();
  const job = newJob(stack, 'Churn');
  const imported = iam.Role.fromRoleArn(stack, 'Pipeline', 'arn:aws:iam::111122223333:role/ci-pipeline');
  const userRole = new iam.Role(stack, 'Scientist', { assumedBy: new iam.AccountRootPrincipal() });
  const fn = new lambda.Function(stack, 'Trigger', {
    runtime: lambda.Runtime.PYTHON_3_12,
    handler: 'index.handler',
    code: lambda.Code.fromInline('def handler(e, c):\n  pass\n'),
  });
  // The user's function is not under test: its own findings are acknowledged, the grants' are not.
  acknowledge(fn, 'A stand-in for the user\'s own function; only the grants the library writes to its role are judged here.',
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'AwsSolutions-L1',
    ...(['HIPAA.Security', 'NIST.800.53.R5'] as const).flatMap((p) => [`${p}-LambdaConcurrency`, `${p}-LambdaDLQ`] as const),
    'HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC');
  for (const grantee of [imported, userRole, fn]) {
    job.grantStartExecution(grantee);
    job.grantReadOutputs(grantee);
    job.grantReadSdkDefaults(grantee);
  }
  // Packs first: a later synthesis of an unchanged app is served from cache, without them.
  const findings = unacknowledgedFindings(stack);
  const template = Template.fromStack(stack);

  test('no inline AWS::IAM::Policy anywhere: every grant is a customer-managed policy attached to the role', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const attachedTo = (role: any) => Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [role] } }));
    for (const role of ['ci-pipeline', { Ref: Match.stringLikeRegexp('^Scientist') }, { Ref: Match.stringLikeRegexp('^TriggerServiceRole') }]) {
      const statements = attachedTo(role).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      const actions = statements.flatMap((s: any) => [s.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 's3:GetObject', 'ssm:GetParameter']));
      const start = statements.find((s: any) => [s.Action].flat().includes('states:StartExecution'));
      expect(start.Resource).toEqual({ Ref: expect.stringMatching(/^ChurnStateMachine/) });
    }
  });

  test('the grants pass every pack and CloudFormation Validate', () => {
    expect(formatFindings(findings)).toBe('');
  });
});

describe('required tags: what the jobs carry', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'TeamStack', { env: ENV });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
  const guardrails = new SageMakerGuardrails(stack, 'Guardrails', { environment: env, requiredTags: ['cost-center', 'team'] });
  const job = newJob(stack, 'Churn', { environment: env, tags: { 'team': 'risk', 'cost-center': 'override' } });
  Tags.of(app).add('cost-center', '4711');
  Tags.of(job).add('data-classification', 'confidential');
  const template = Template.fromStack(stack);
  const parameters = taskParameters(stack);
  const expectedTags = [
    { Key: 'secure-sagemaker:training-job', Value: 'churn' },
    { Key: 'secure-sagemaker:environment', Value: 'ml-prod' },
    { Key: 'team', Value: 'risk' },
    { Key: 'cost-center', Value: 'override' },
    { Key: 'data-classification', Value: 'confidential' },
  ];

  test('the task sends the ownership and environment tags, `tags`, and the Tags.of tags (a `tags` key wins)', () => {
    expect(parameters.Tags).toEqual(expectedTags);
  });

  test('the SDK defaults carry the same tags for every job, model and endpoint section the schema has Tags for', () => {
    const config = sdkConfig(stack);
    for (const section of ['TrainingJob', 'ProcessingJob', 'TransformJob', 'Model', 'EndpointConfig', 'Endpoint']) {
      expect(config.SageMaker[section].Tags).toEqual(expectedTags);
    }
    expect(config.SageMaker.PythonSDK.Modules.RemoteFunction.Tags).toEqual(expectedTags);
  });

  test('the task parameters are a valid CreateTrainingJobRequest of the SageMaker API model (aws-sdk JSON model)', () => {
    expect(requestProblems('CreateTrainingJob', parameters)).toEqual([]);
  });

  test('the task parameters match the CreateTrainingJob request shape of the SageMaker API model', () => {
    const members = Object.keys(parameters).map((k) => k.replace(/\.\$$/, ''));
    expect(members.filter((m) => !CREATE_TRAINING_JOB_REQUEST_MEMBERS.includes(m))).toEqual([]);
    expect(CREATE_TRAINING_JOB_REQUIRED_MEMBERS.filter((m) => !members.includes(m))).toEqual([]);
    expect(parameters.Tags.length).toBeLessThanOrEqual(MAX_TAGS);
    for (const tag of parameters.Tags) {
      expect(Object.keys(tag).sort()).toEqual(TAG_MEMBERS);
      expect(tag.Key).toMatch(TAG_PATTERN);
      expect(tag.Value).toMatch(TAG_PATTERN);
    }
  });

  test('the SDK defaults follow the SageMaker Python SDK config schema', () => {
    expect(sdkConfigSchemaErrors(sdkConfig(stack))).toEqual([]);
  });

  test('the state machine role may create the job with these tags and tag it at creation (sagemaker:AddTags)', () => {
    const json = template.toJSON() as Parameters<typeof asDeployed>[0];
    const statements = statementsOf(stack, 'ChurnStateMachineRolePermissions').map((s) => asDeployed(json, stack.resolve(s)));
    const policies: PolicyJson[] = [{ Statement: statements }];
    const sm = Object.values(json.Resources as Record<string, any>).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const deployedParameters = JSON.parse(asDeployed(json, sm.Properties.DefinitionString)).States.Train.Parameters;
    const jobArn = `arn:aws:sagemaker:${ENV.region}:${ENV.account}:training-job/churn-run-1`;
    const tagContext = Object.fromEntries(deployedParameters.Tags.map((t: any) => [`aws:RequestTag/${t.Key}`, t.Value]));
    const create: RequestContext = {
      action: 'sagemaker:CreateTrainingJob',
      resource: jobArn,
      context: {
        'sagemaker:VpcSubnets': deployedParameters.VpcConfig.Subnets,
        'sagemaker:VpcSecurityGroupIds': deployedParameters.VpcConfig.SecurityGroupIds,
        'sagemaker:OutputKmsKeyArn': deployedParameters.OutputDataConfig.KmsKeyId,
        'sagemaker:VolumeKmsKeyArn': deployedParameters.ResourceConfig.VolumeKmsKeyId,
        'sagemaker:NetworkIsolation': 'true',
        'sagemaker:InterContainerTrafficEncryption': 'true',
        'sagemaker:MaxRuntimeInSeconds': String(deployedParameters.StoppingCondition.MaxRuntimeInSeconds),
        ...tagContext,
        'aws:TagKeys': deployedParameters.Tags.map((t: any) => t.Key),
      },
    };
    expect(evaluate(policies, create)).toBe('Allow');
    const addTags: RequestContext = {
      action: 'sagemaker:AddTags',
      resource: jobArn,
      context: { 'sagemaker:TaggingAction': 'CreateTrainingJob', ...tagContext, 'aws:TagKeys': deployedParameters.Tags.map((t: any) => t.Key) },
    };
    expect(evaluate(policies, addTags)).toBe('Allow');
    // Tagging after creation, or another prefix's jobs, stays denied.
    expect(evaluate(policies, { ...addTags, context: { ...addTags.context, 'sagemaker:TaggingAction': 'AddTags' } })).toBe('ImplicitDeny');
    expect(evaluate(policies, { ...create, resource: jobArn.replace('churn-run-1', 'other-run-1') })).toBe('ImplicitDeny');
  });

  test('the guardrails\' required-tag denies do not apply to the jobs this construct starts', () => {
    const json = template.toJSON() as Parameters<typeof asDeployed>[0];
    const denies: PolicyJson[] = Object.entries(json.Resources as Record<string, any>)
      .filter(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('Guardrails'))
      .map(([, r]) => asDeployed(json, r.Properties.PolicyDocument));
    expect(denies.length).toBeGreaterThan(0);
    const requiredTagDenies = denies.flatMap((d) => [d.Statement].flat()).filter((s) => /^RequiredTag/.test(s.Sid ?? ''));
    expect(requiredTagDenies.length).toBe(2);
    const withTags = Object.fromEntries(parameters.Tags.map((t: any) => [`aws:RequestTag/${t.Key}`, t.Value]));
    const request = { action: 'sagemaker:CreateTrainingJob', context: withTags };
    expect(evaluate([{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, ...requiredTagDenies] }], request)).toBe('Allow');
    // Without the `tags` prop the same guardrails deny: the test above is not vacuous.
    const { ['aws:RequestTag/team']: _team, ...withoutTeam } = withTags;
    expect(evaluate([{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, ...requiredTagDenies] }], { ...request, context: withoutTeam })).toBe('ExplicitDeny');
    expect(guardrails).toBeDefined();
  });
});

describe('tag validation after Tags.of', () => {
  test('fails at synthesis when Tags.of pushes the jobs over 50 tags', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    const job = newJob(stack, 'Churn', { tags: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) });
    for (let i = 0; i < 11; i++) Tags.of(job).add(`extra${i}`, 'v');
    expect(() => app.synth()).toThrow(/would carry 53 tags .*CreateTrainingJob accepts at most 50/);
  });

  test('fails at synthesis on a Tags.of value SageMaker refuses', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    newJob(stack, 'Churn');
    Tags.of(stack).add('owner', 'alice#team');
    expect(() => app.synth()).toThrow(/value of tag 'owner' .* not accepted by SageMaker/);
  });

  test('the environment tag key is reserved in `tags`', () => {
    expect(() => newJob(newTestStack(), 'Churn', { tags: { 'secure-sagemaker:environment': 'x' } })).toThrow(/`tags` key 'secure-sagemaker:environment' is reserved/);
  });
});

/** A platform stack with the environment, a team stack with two jobs (one on an ECR image of the team stack) and grants. */
function platformAndTeam() {
  const app = newTestApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const team = new Stack(app, 'Team', { env: ENV });
  const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'shared' });
  const repo = new SecureImageRepository(team, 'TrainerRepo', { environment: env }).repository;
  const dlcJob = newJob(team, 'Churn', { environment: env, inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'datasets/churn/' }] });
  const ecrJob = newJob(team, 'Fraud', { environment: env, image: TrainingImage.fromEcrRepository(repo, 'v1') });
  const reader = new iam.Role(team, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  dlcJob.grantReadOutputs(reader);
  ecrJob.grantStartExecution(reader);
  return { app, platform, team };
}

describe('multi-stack: the environment in a platform stack, jobs in a team stack', () => {
  const { app, platform, team } = platformAndTeam();
  let synthError: unknown;
  try {
    app.synth();
  } catch (e) {
    synthError = e;
  }

  test('synthesizes without a dependency cycle, and the platform stack depends on nothing in the team stack', () => {
    expect(synthError).toBeUndefined();
    expect(platform.dependencies).toEqual([]);
    expect(team.dependencies).toEqual([platform]);
    expect(JSON.stringify(Template.fromStack(platform).toJSON())).not.toMatch(/Fn::ImportValue/);
  });

  test('the jobs carry the platform environment\'s tag and run in its network, with its key', () => {
    const sms = Object.values(Template.fromStack(team).findResources('AWS::StepFunctions::StateMachine'));
    expect(sms).toHaveLength(2);
    // References to the platform stack are imports here: shown as <import> to read the definition.
    const imports = (v: any): any => Array.isArray(v) ? v.map(imports)
      : v && typeof v === 'object' ? (v['Fn::ImportValue'] || v['Fn::Select'] ? { Ref: 'import' } : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, imports(x)])))
        : v;
    for (const sm of sms) {
      const p = JSON.parse(render(imports(sm.Properties.DefinitionString))).States.Train.Parameters;
      expect(p.Tags).toContainEqual({ Key: 'secure-sagemaker:environment', Value: 'shared' });
      expect(p.VpcConfig.Subnets).toEqual(['<import>', '<import>']);
      expect(p.OutputDataConfig.KmsKeyId).toBe('<import>');
    }
  });

  test('both stacks have zero unacknowledged findings', () => {
    expect(formatFindings(unacknowledgedFindings(platformAndTeam().app))).toBe('');
  });
});

describe('job name prefixes are claimed', () => {
  test('overlapping prefixes in one account and Region throw', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    newJob(a, 'Churn', { jobNamePrefix: 'churn' });
    expect(() => newJob(b, 'ChurnV2', { jobNamePrefix: 'churn-v2' })).toThrow(/training job name prefix 'churn-v2-' .* overlaps 'churn-'.*another `jobNamePrefix`/);
    expect(() => newJob(b, 'Again', { jobNamePrefix: 'Churn' })).toThrow(/overlaps/);
  });

  test('prefixes that only share letters (a, ab) do not overlap; other Regions do not clash', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: { ...ENV, region: 'eu-west-1' } });
    newJob(a, 'A1', { jobNamePrefix: 'a' });
    expect(() => newJob(a, 'A2', { jobNamePrefix: 'ab' })).not.toThrow();
    expect(() => newJob(b, 'A3', { jobNamePrefix: 'a' })).not.toThrow();
  });

  test('stacks without a concrete account and Region only warn', () => {
    const app = new App();
    const a = new Stack(app, 'A');
    const b = new Stack(app, 'B');
    newJob(a, 'Churn', { jobNamePrefix: 'churn' });
    newJob(b, 'Churn', { jobNamePrefix: 'churn' });
    Annotations.fromStack(b).hasWarning('/B/Churn', Match.stringLikeRegexp('may deploy to the same one'));
  });
});
