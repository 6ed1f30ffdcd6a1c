import { App, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SageMakerEnvironment, SageMakerGuardrails, TrainingImage } from '../../lib';
import { acknowledge } from '../../lib/private/acknowledge';
import { SecureProcessingJob, SecureProcessingJobProps } from '../../lib/processing';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed } from '../helpers/deployed';
import { denyingStatements, evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';
import { IMPORTED_PLATFORM, importedPlatformEnvironment } from '../helpers/imported-environment';
import { render, statementsOf } from '../helpers/template';

const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const ENV = { account: '111122223333', region: 'us-east-1' };

function newJob(scope: Construct, id: string, props: Partial<SecureProcessingJobProps> = {}): SecureProcessingJob {
  return new SecureProcessingJob(scope, id, { image: TrainingImage.fromDeepLearningContainer(SKLEARN), jobNamePrefix: id.toLowerCase(), ...props });
}

type Ctx = Record<string, string | string[]>;

/**
 * The CreateProcessingJob request an execution sends, as IAM sees it: the condition keys SageMaker
 * derives from the (deployed) task parameters, the tags, and the job ARN of execution `run-1`.
 */
function createRequest(p: any, jobArn: string): RequestContext {
  const ctx: Ctx = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) ctx[key] = Array.isArray(value) ? value.map(String) : String(value);
  };
  const cluster = p.ProcessingResources.ClusterConfig;
  put('sagemaker:VolumeKmsKeyArn', cluster.VolumeKmsKeyId);
  put('sagemaker:OutputKmsKeyArn', p.ProcessingOutputConfig?.KmsKeyId);
  put('sagemaker:InstanceTypes', [cluster.InstanceType]);
  put('sagemaker:NetworkIsolation', p.NetworkConfig.EnableNetworkIsolation);
  put('sagemaker:InterContainerTrafficEncryption', p.NetworkConfig.EnableInterContainerTrafficEncryption);
  put('sagemaker:VpcSubnets', p.NetworkConfig.VpcConfig.Subnets);
  put('sagemaker:VpcSecurityGroupIds', p.NetworkConfig.VpcConfig.SecurityGroupIds);
  put('sagemaker:MaxRuntimeInSeconds', p.StoppingCondition.MaxRuntimeInSeconds);
  for (const t of p.Tags) put(`aws:RequestTag/${t.Key}`, t.Value);
  put('aws:TagKeys', p.Tags.map((t: any) => t.Key));
  return { action: 'sagemaker:CreateProcessingJob', resource: jobArn, context: ctx };
}

function withContext(request: RequestContext, key: string, value: string | string[] | undefined): RequestContext {
  const context = { ...(request.context as Ctx) };
  if (value === undefined) delete context[key]; else context[key] = value;
  return { ...request, context };
}

describe('SecureProcessingJob as a resource', () => {
  test('is IConnectable (its job security group) and IGrantable (its processing role)', () => {
    const stack = newTestStack();
    const job = newJob(stack, 'Prep');
    expect(job.connections.securityGroups).toEqual([job.securityGroup]);
    expect(job.grantPrincipal).toBe(job.processingRole);
    expect(Stack.of(job)).toBe(job.stack);
  });

  test('a grant to the job lands on the processing role; connections.allowTo opens egress from the job group only', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    const job = newJob(stack, 'Prep');
    const peer = new ec2.SecurityGroup(stack, 'FeatureStoreProxy', { vpc: env.network.vpc, allowAllOutbound: false, description: 'proxy' });
    env.dataBucket.grantRead(job, 'features/');
    job.connections.allowTo(peer, ec2.Port.tcp(8443), 'Processing job to the feature proxy');
    const reads = statementsOf(stack, 'PrepProcessingRolePermissions').filter((s) => [s.Action].flat().includes('s3:GetObject'));
    expect(reads.map((s) => render(s.Resource))).toEqual([expect.stringMatching(/DataBucket.*\/features\/\*$/)]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrepJobSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FeatureStoreProxy'), 'GroupId'] },
      FromPort: 8443,
    });
  });

  test('applyRemovalPolicy reaches the state machine, not the data', () => {
    const stack = newTestStack();
    newJob(stack, 'Prep').applyRemovalPolicy(RemovalPolicy.DESTROY);
    const t = Template.fromStack(stack);
    t.hasResource('AWS::StepFunctions::StateMachine', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('/processing/prep$') }, DeletionPolicy: 'Retain' });
  });

  test('with default props it adds a state machine, two roles with their managed policies, a security group and a log group, and no SDK defaults parameter', () => {
    const types = (stack: Stack) => Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>)
      .map((r) => r.Type);
    const envOnly = newTestStack();
    SageMakerEnvironment.of(envOnly);
    const withJob = newTestStack();
    newJob(withJob, 'Prep');
    const added = types(withJob);
    for (const t of types(envOnly)) added.splice(added.indexOf(t), 1);
    expect(added.sort()).toEqual([
      'AWS::EC2::SecurityGroup',
      'AWS::IAM::ManagedPolicy', 'AWS::IAM::ManagedPolicy',
      'AWS::IAM::Role', 'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
      'AWS::StepFunctions::StateMachine',
    ]);
  });
});

describe('grants to principals the library did not create', () => {
  const stack = newTestStack();
  const job = newJob(stack, 'Prep', { outputs: [{ outputName: 'features' }] });
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
  const grants: iam.Grant[] = [];
  for (const grantee of [imported, userRole, fn]) {
    grants.push(job.grantStartExecution(grantee), job.grantReadOutputs(grantee));
  }
  // Packs first: a later synthesis of an unchanged app is served from cache, without them.
  const findings = unacknowledgedFindings(stack);
  const template = Template.fromStack(stack);

  test('the grants return iam.Grant objects that succeeded', () => {
    expect(grants).toHaveLength(6);
    for (const g of grants) {
      expect(g).toBeInstanceOf(iam.Grant);
      expect(g.success).toBe(true);
    }
  });

  test('no inline AWS::IAM::Policy anywhere: every grant is a customer-managed policy attached to the role, on the state machine and the output prefix only', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const attachedTo = (role: any) => Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [role] } }));
    for (const role of ['ci-pipeline', { Ref: Match.stringLikeRegexp('^Scientist') }, { Ref: Match.stringLikeRegexp('^TriggerServiceRole') }]) {
      const statements = attachedTo(role).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      const actions = statements.flatMap((s: any) => [s.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 's3:GetObject']));
      const start = statements.find((s: any) => [s.Action].flat().includes('states:StartExecution'));
      expect(start.Resource).toEqual({ Ref: expect.stringMatching(/^PrepStateMachine/) });
      const read = statements.find((s: any) => [s.Action].flat().includes('s3:GetObject'));
      expect(render(read.Resource)).toMatch(/ArtifactsBucket.*\.Arn>\/processing\/prep\/\*$/);
    }
  });

  test('the grants pass every pack and CloudFormation Validate', () => {
    expect(formatFindings(findings)).toBe('');
  });
});

describe('guardrails over the environment: the request the state machine sends', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'TeamStack', { env: ENV });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
  const job = newJob(stack, 'Prep', {
    environment: env,
    inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'raw/' }],
    outputs: [{ outputName: 'features' }],
    tags: { 'team': 'risk', 'cost-center': '4711' },
  });
  const guardrails = new SageMakerGuardrails(stack, 'Guardrails', { environment: env, workloads: [job], requiredTags: ['cost-center', 'team'], permissionsBoundary: false });
  guardrails.attachToRolesIn(stack);
  const findings = unacknowledgedFindings(stack);
  const template = Template.fromStack(stack).toJSON() as Parameters<typeof asDeployed>[0];
  const deployed = (v: unknown) => asDeployed(template, v);
  const sm = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
  const parameters = JSON.parse(deployed(sm.Properties.DefinitionString)).States.Process.Parameters;
  const jobArn = `arn:aws:sagemaker:${ENV.region}:${ENV.account}:processing-job/prep-run-1`;
  const request = createRequest(parameters, jobArn);
  const stateMachinePolicies: PolicyJson[] = [{ Statement: statementsOf(stack, 'PrepStateMachineRolePermissions').map((s) => deployed(stack.resolve(s))) }];
  const denyPolicies: PolicyJson[] = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('GuardrailsDenyPolicy'))
    .map(([, r]) => deployed(r.Properties.PolicyDocument));
  const scps: PolicyJson[] = guardrails.scpDocuments().map((doc) => JSON.parse(deployed(stack.resolve(doc))));
  const ALLOW_ALL = { Effect: 'Allow' as const, Action: '*', Resource: '*' };

  test('the deny policies are attached to the state machine role', () => {
    const smRole = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('PrepStateMachineRole'))![0];
    const attached = Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('GuardrailsDenyPolicy'))
      .map(([, r]) => (r.Properties.Roles as Array<{ Ref: string }>).map((x) => x.Ref));
    expect(denyPolicies.length).toBeGreaterThan(0);
    for (const roles of attached) expect(roles).toContain(smRole);
  });

  test('the state machine role allows the request, and tagging it at creation', () => {
    expect(evaluate(stateMachinePolicies, request)).toBe('Allow');
    const addTags: RequestContext = {
      action: 'sagemaker:AddTags',
      resource: jobArn,
      context: { 'sagemaker:TaggingAction': 'CreateProcessingJob', ...Object.fromEntries(Object.entries(request.context!).filter(([k]) => k.startsWith('aws:'))) },
    };
    expect(evaluate(stateMachinePolicies, addTags)).toBe('Allow');
    expect(evaluate(stateMachinePolicies, withContext(addTags, 'sagemaker:TaggingAction', 'AddTags'))).toBe('ImplicitDeny');
  });

  test.each([['deny policies', () => denyPolicies], ['service control policies', () => scps]])('the %s do not deny the request', (_name, policies) => {
    const all: PolicyJson[] = [{ Statement: [ALLOW_ALL] }, ...policies()];
    expect(denyingStatements(all, request)).toEqual([]);
    expect(evaluate(all, request)).toBe('Allow');
  });

  // The insecure variant of the request; the last column: whether the state machine role checks the key too.
  const insecure: Array<[string, string, string | string[] | undefined, boolean]> = [
    ['sagemaker:NetworkIsolation', 'false', 'false', true],
    ['sagemaker:InterContainerTrafficEncryption', 'false', 'false', true],
    ['sagemaker:VolumeKmsKeyArn', 'removed', undefined, true],
    ['sagemaker:OutputKmsKeyArn', 'a foreign key', 'arn:aws:kms:us-east-1:444455556666:key/00000000-0000-0000-0000-000000000000', true],
    ['sagemaker:VpcSubnets', 'a foreign subnet', ['subnet-0fffffffffffffff9'], true],
    ['sagemaker:VpcSecurityGroupIds', 'a foreign security group', ['sg-0fffffffffffffff9'], true],
    ['sagemaker:MaxRuntimeInSeconds', '30 days', String(30 * 24 * 3600), true],
    ['aws:RequestTag/team', 'removed', undefined, false],
  ];
  test.each(insecure)('the insecure variant (%s %s) is denied by the guardrails (and by the state machine role where it checks the key)', (key, _label, value, checkedByRole) => {
    const bad = withContext(request, key, value);
    expect(evaluate([{ Statement: [ALLOW_ALL] }, ...denyPolicies], bad)).toBe('ExplicitDeny');
    expect(evaluate(stateMachinePolicies, bad)).toBe(checkedByRole ? 'ImplicitDeny' : 'Allow');
  });

  test('the state machine role allows no other instance type, job prefix or role', () => {
    expect(evaluate(stateMachinePolicies, withContext(request, 'sagemaker:InstanceTypes', ['ml.p4d.24xlarge']))).toBe('ImplicitDeny');
    expect(evaluate(stateMachinePolicies, { ...request, resource: jobArn.replace('prep-run-1', 'other-run-1') })).toBe('ImplicitDeny');
    expect(evaluate(stateMachinePolicies, { action: 'iam:PassRole', resource: `arn:aws:iam::${ENV.account}:role/admin`, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).toBe('ImplicitDeny');
  });

  test('the stack with guardrails has zero unacknowledged findings', () => {
    expect(formatFindings(findings)).toBe('');
  });
});

describe('required tags: what the jobs carry', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'TeamStack', { env: ENV });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
  const job = newJob(stack, 'Prep', { environment: env, tags: { 'team': 'risk', 'cost-center': 'override' } });
  Tags.of(app).add('cost-center', '4711');
  Tags.of(job).add('data-classification', 'confidential');
  const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
  const parameters = JSON.parse(render(sm.Properties.DefinitionString)).States.Process.Parameters;

  test('the task sends the ownership and environment tags, `tags`, and the Tags.of tags (a `tags` key wins)', () => {
    expect(parameters.Tags).toEqual([
      { Key: 'secure-sagemaker:processing-job', Value: 'prep' },
      { Key: 'secure-sagemaker:environment', Value: 'ml-prod' },
      { Key: 'team', Value: 'risk' },
      { Key: 'cost-center', Value: 'override' },
      { Key: 'data-classification', Value: 'confidential' },
    ]);
  });
});

describe('tag validation after Tags.of', () => {
  test('fails at synthesis when Tags.of pushes the jobs over 50 tags', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    const job = newJob(stack, 'Prep', { tags: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) });
    for (let i = 0; i < 11; i++) Tags.of(job).add(`extra${i}`, 'v');
    expect(() => app.synth()).toThrow(/would carry 53 tags .*CreateProcessingJob accepts at most 50/);
  });

  test('fails at synthesis on a Tags.of value SageMaker refuses', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    newJob(stack, 'Prep');
    Tags.of(stack).add('owner', 'alice#team');
    expect(() => app.synth()).toThrow(/value of tag 'owner' .* not accepted by SageMaker/);
  });
});

/** A platform stack with the environment, a team stack with two jobs (one on an ECR image of the team's, on two instances) and grants. */
function platformAndTeam() {
  const app = newTestApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const team = new Stack(app, 'Team', { env: ENV });
  const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'shared' });
  // An existing repository of the team (the repository itself is not under test here).
  const repo = ecr.Repository.fromRepositoryName(team, 'EvalRepo', 'team-a/eval');
  const dlcJob = newJob(team, 'Prep', {
    environment: env,
    inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'raw/churn/' }],
    outputs: [{ outputName: 'features' }],
  });
  const ecrJob = newJob(team, 'Eval', { environment: env, image: TrainingImage.fromEcrRepository(repo, 'v1'), instanceCount: 2 });
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
      const p = JSON.parse(render(imports(sm.Properties.DefinitionString))).States.Process.Parameters;
      expect(p.Tags).toContainEqual({ Key: 'secure-sagemaker:environment', Value: 'shared' });
      expect(p.NetworkConfig.VpcConfig.Subnets).toEqual(['<import>', '<import>']);
      expect(p.ProcessingOutputConfig.KmsKeyId).toBe('<import>');
    }
  });

  test('both stacks have zero unacknowledged findings', () => {
    expect(formatFindings(unacknowledgedFindings(platformAndTeam().app))).toBe('');
  });
});

describe('an imported environment', () => {
  test('a job on an environment and network imported by attributes (another app) synthesizes with zero unacknowledged findings', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'TeamApp', { env: IMPORTED_PLATFORM.env });
    const environment = importedPlatformEnvironment(stack);
    newJob(stack, 'Prep', {
      environment,
      inputs: [{ inputName: 'raw', bucket: environment.dataBucket, prefix: 'raw/' }],
      outputs: [{ outputName: 'features' }],
    });
    const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
    const p = JSON.parse(render(sm.Properties.DefinitionString)).States.Process.Parameters;
    expect(p.NetworkConfig.VpcConfig.Subnets).toEqual(['subnet-0f1a2b3c4d5e6f711', 'subnet-0f1a2b3c4d5e6f712']);
    expect(p.ProcessingOutputConfig.KmsKeyId).toBe('arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9');
    expect(p.ProcessingOutputConfig.Outputs[0].S3Output['S3Uri.$']).toContain('s3://ml-shared-artifacts-111111111111/processing/prep/prep-{}/features');
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });
});

describe('job name prefixes are claimed', () => {
  test('overlapping processing prefixes in one account and Region throw', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    newJob(a, 'Prep', { jobNamePrefix: 'prep' });
    expect(() => newJob(b, 'PrepV2', { jobNamePrefix: 'prep-v2' })).toThrow(/processing job name prefix 'prep-v2-' .* overlaps 'prep-'.*another `jobNamePrefix`/);
  });

  test('stacks without a concrete account and Region only warn', () => {
    const app = new App();
    const a = new Stack(app, 'A');
    const b = new Stack(app, 'B');
    newJob(a, 'Prep', { jobNamePrefix: 'prep' });
    newJob(b, 'Prep', { jobNamePrefix: 'prep' });
    Annotations.fromStack(b).hasWarning('/B/Prep', Match.stringLikeRegexp('may deploy to the same one'));
  });
});
