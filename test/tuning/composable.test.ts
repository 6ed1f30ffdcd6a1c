import { App, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SageMakerEnvironment, SageMakerGuardrails, SecureTrainingJob, TrainingImage } from '../../lib';
import { SecureTuningJob, SecureTuningJobProps, TuningObjectiveType } from '../../lib/tuning';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed } from '../helpers/deployed';
import { denyingStatements, evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';
import { requestProblems } from '../helpers/sagemaker-api';
import { render, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311';
const ENV = { account: '111122223333', region: 'us-east-1' };

function newJob(scope: Construct, id: string, props: Partial<SecureTuningJobProps> = {}): SecureTuningJob {
  return new SecureTuningJob(scope, id, {
    image: TrainingImage.fromDeepLearningContainer(DLC),
    objective: { type: TuningObjectiveType.MAXIMIZE, metricName: 'validation:auc' },
    integerParameterRanges: [{ name: 'max_depth', minValue: 3, maxValue: 10 }],
    jobNamePrefix: id.toLowerCase(),
    ...props,
  });
}

function tuneArguments(stack: Stack): any {
  const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
  return JSON.parse(render(sm.Properties.DefinitionString)).States.Tune.Arguments;
}

describe('SecureTuningJob as a resource', () => {
  test('is IConnectable (its job security group) and IGrantable (its training role)', () => {
    const stack = newTestStack();
    const job = newJob(stack, 'Churn');
    expect(job.connections.securityGroups).toEqual([job.securityGroup]);
    expect(job.grantPrincipal).toBe(job.trainingRole);
    const env = SageMakerEnvironment.of(stack);
    env.dataBucket.grantRead(job, 'features/');
    const peer = new ec2.SecurityGroup(stack, 'Proxy', { vpc: env.network.vpc, allowAllOutbound: false, description: 'proxy' });
    job.connections.allowTo(peer, ec2.Port.tcp(8443), 'Tuning jobs to the feature proxy');
    const reads = statementsOf(stack, 'ChurnTrainingRolePermissions').filter((s) => [s.Action].flat().includes('s3:GetObject'));
    expect(reads.map((s) => render(s.Resource))).toEqual([expect.stringMatching(/DataBucket.*\/features\/\*$/)]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnJobSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Proxy'), 'GroupId'] },
    });
  });
});

describe('grants to roles the library did not create', () => {
  const stack = newTestStack();
  const job = newJob(stack, 'Churn');
  const imported = iam.Role.fromRoleArn(stack, 'Pipeline', 'arn:aws:iam::111122223333:role/ci-pipeline');
  const userRole = new iam.Role(stack, 'Scientist', { assumedBy: new iam.AccountRootPrincipal() });
  const grants = [imported, userRole].flatMap((g) => [job.grantStartExecution(g), job.grantReadOutputs(g)]);
  const findings = unacknowledgedFindings(stack);

  test('each grant is an iam.Grant in a customer-managed policy attached to the role', () => {
    for (const grant of grants) {
      expect(grant).toBeInstanceOf(iam.Grant);
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    for (const role of ['ci-pipeline', { Ref: Match.stringLikeRegexp('^Scientist') }]) {
      const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [role] } }))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      expect(statements.flatMap((s: any) => [s.Action].flat())).toEqual(expect.arrayContaining(['states:StartExecution', 's3:GetObject']));
    }
  });

  test('the grants pass every pack and CloudFormation Validate', () => {
    expect(formatFindings(findings)).toBe('');
  });
});

describe('the tuning request is allowed by the state machine role and not denied by SageMakerGuardrails', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'TeamStack', { env: ENV });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
  const tuning = newJob(stack, 'Churn', { environment: env, tags: { team: 'risk' }, instanceCount: 2 });
  // The guardrails admit only the security groups they are given (none by default).
  new SageMakerGuardrails(stack, 'Guardrails', { environment: env, requiredTags: ['team'], securityGroups: [tuning.securityGroup] });
  const json = Template.fromStack(stack).toJSON() as Parameters<typeof asDeployed>[0];
  const role: PolicyJson[] = [{ Statement: statementsOf(stack, 'ChurnStateMachineRolePermissions').map((s) => asDeployed(json, stack.resolve(s))) }];
  const denies: PolicyJson[] = Object.entries(json.Resources as Record<string, any>)
    .filter(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('Guardrails'))
    .map(([, r]) => asDeployed(json, r.Properties.PolicyDocument));
  const guardrails: PolicyJson[] = [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, ...denies];
  const sm = Object.values(json.Resources as Record<string, any>).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const deployedArgs = JSON.parse(asDeployed(json, sm.Properties.DefinitionString)).States.Tune.Arguments;
  const d = deployedArgs.TrainingJobDefinition;
  const tagContext = Object.fromEntries(deployedArgs.Tags.map((t: any) => [`aws:RequestTag/${t.Key}`, t.Value]));
  const jobArn = `arn:aws:sagemaker:${ENV.region}:${ENV.account}:hyper-parameter-tuning-job/churn-0123456789abcdef`;
  // The condition keys CreateHyperParameterTuningJob sends, from the training job definition.
  const create: RequestContext = {
    action: 'sagemaker:CreateHyperParameterTuningJob',
    resource: jobArn,
    context: {
      'sagemaker:VpcSubnets': d.VpcConfig.Subnets,
      'sagemaker:VpcSecurityGroupIds': d.VpcConfig.SecurityGroupIds,
      'sagemaker:OutputKmsKeyArn': d.OutputDataConfig.KmsKeyId,
      'sagemaker:VolumeKmsKeyArn': d.ResourceConfig.VolumeKmsKeyId,
      'sagemaker:InstanceTypes': [d.ResourceConfig.InstanceType],
      'sagemaker:NetworkIsolation': String(d.EnableNetworkIsolation),
      'sagemaker:InterContainerTrafficEncryption': String(d.EnableInterContainerTrafficEncryption),
      'sagemaker:MaxRuntimeInSeconds': String(d.StoppingCondition.MaxRuntimeInSeconds),
      ...tagContext,
      'aws:TagKeys': deployedArgs.Tags.map((t: any) => t.Key),
    },
  };
  const addTags: RequestContext = {
    action: 'sagemaker:AddTags',
    resource: jobArn,
    context: { 'sagemaker:TaggingAction': 'CreateHyperParameterTuningJob', ...tagContext, 'aws:TagKeys': deployedArgs.Tags.map((t: any) => t.Key) },
  };

  test('there are guardrail deny policies, and the request has every secure key', () => {
    expect(denies.length).toBeGreaterThan(0);
    expect(create.context!['sagemaker:NetworkIsolation']).toBe('true');
    expect(create.context!['sagemaker:InterContainerTrafficEncryption']).toBe('true');
  });

  test('the role allows the creation and the tagging at creation; the guardrails deny neither', () => {
    expect(evaluate(role, create)).toBe('Allow');
    expect(evaluate(role, addTags)).toBe('Allow');
    expect(denyingStatements(guardrails, create)).toEqual([]);
    expect(evaluate(guardrails, create)).toBe('Allow');
    expect(evaluate(guardrails, addTags)).toBe('Allow');
  });

  test('the role follows and stops only its own tuning jobs', () => {
    const own = { 'aws:ResourceTag/secure-sagemaker:tuning-job': 'churn' };
    for (const action of ['sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob', 'sagemaker:ListTrainingJobsForHyperParameterTuningJob']) {
      expect(evaluate(role, { action, resource: jobArn, context: own })).toBe('Allow');
      expect(evaluate(role, { action, resource: jobArn, context: { 'aws:ResourceTag/secure-sagemaker:tuning-job': 'other' } })).toBe('ImplicitDeny');
      expect(evaluate(role, { action, resource: jobArn.replace('churn-', 'fraud-'), context: own })).toBe('ImplicitDeny');
    }
  });

  test.each([
    ['network isolation off', 'sagemaker:NetworkIsolation', 'false'],
    ['inter-container encryption off', 'sagemaker:InterContainerTrafficEncryption', 'false'],
    ['a foreign subnet', 'sagemaker:VpcSubnets', ['subnet-0fffffffffffffff9']],
    ['a foreign security group', 'sagemaker:VpcSecurityGroupIds', ['sg-0fffffffffffffff9']],
    ['no volume key', 'sagemaker:VolumeKmsKeyArn', undefined],
    ['a foreign output key', 'sagemaker:OutputKmsKeyArn', 'arn:aws:kms:us-east-1:444455556666:key/00000000-0000-0000-0000-000000000000'],
    ['30 days of runtime', 'sagemaker:MaxRuntimeInSeconds', String(30 * 24 * 3600)],
  ])('the insecure variant (%s) is not allowed by the role, and denied by the guardrails', (_what, key, value) => {
    const context = { ...(create.context as Record<string, any>) };
    if (value === undefined) delete context[key]; else context[key] = value;
    const insecure = { ...create, context };
    expect(evaluate(role, insecure)).toBe('ImplicitDeny');
    expect(evaluate(guardrails, insecure)).toBe('ExplicitDeny');
  });

  test('without the required tag the guardrails deny: the allow above is not vacuous', () => {
    const { ['aws:RequestTag/team']: _team, ...rest } = create.context as Record<string, any>;
    expect(evaluate(guardrails, { ...create, context: { ...rest, 'aws:TagKeys': (rest['aws:TagKeys'] as string[]).filter((k) => k !== 'team') } })).toBe('ExplicitDeny');
  });
});

describe('tags: what the tuning jobs (and their training jobs) carry', () => {
  test('ownership, environment, `tags` and Tags.of tags; a `tags` key wins; the request stays valid', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
    const job = newJob(stack, 'Churn', { environment: env, tags: { 'team': 'risk', 'cost-center': 'override' } });
    Tags.of(app).add('cost-center', '4711');
    Tags.of(job).add('data-classification', 'confidential');
    const a = tuneArguments(stack);
    expect(a.Tags).toEqual([
      { Key: 'secure-sagemaker:tuning-job', Value: 'churn' },
      { Key: 'secure-sagemaker:environment', Value: 'ml-prod' },
      { Key: 'team', Value: 'risk' },
      { Key: 'cost-center', Value: 'override' },
      { Key: 'data-classification', Value: 'confidential' },
    ]);
    expect(requestProblems('CreateHyperParameterTuningJob', a)).toEqual([]);
  });

  test('fails at synthesis when Tags.of pushes the jobs over 50 tags, or applies a value SageMaker refuses', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    const job = newJob(stack, 'Churn', { tags: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) });
    for (let i = 0; i < 11; i++) Tags.of(job).add(`extra${i}`, 'v');
    expect(() => app.synth()).toThrow(/would carry 53 tags .*CreateHyperParameterTuningJob accepts at most 50/);
    const app2 = newTestApp();
    const stack2 = new Stack(app2, 'S');
    newJob(stack2, 'Churn');
    Tags.of(stack2).add('owner', 'alice#team');
    expect(() => app2.synth()).toThrow(/value of tag 'owner' .* not accepted by SageMaker/);
  });
});

function platformAndTeam() {
  const app = newTestApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const team = new Stack(app, 'Team', { env: ENV });
  const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'shared' });
  const job = newJob(team, 'Churn', { environment: env, inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'datasets/churn/' }], instanceCount: 2 });
  const reader = new iam.Role(team, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  job.grantReadOutputs(reader);
  job.grantStartExecution(reader);
  return { app, platform, team };
}

describe('multi-stack: the environment in a platform stack, the tuning job in a team stack', () => {
  const { app, platform, team } = platformAndTeam();
  let synthError: unknown;
  try {
    app.synth();
  } catch (e) {
    synthError = e;
  }

  test('synthesizes without a dependency cycle; the platform stack depends on nothing in the team stack', () => {
    expect(synthError).toBeUndefined();
    expect(platform.dependencies).toEqual([]);
    expect(team.dependencies).toEqual([platform]);
  });

  test('the jobs carry the platform environment\'s tag and run in its network, with its key', () => {
    const sm = Object.values(Template.fromStack(team).findResources('AWS::StepFunctions::StateMachine'))[0];
    const imports = (v: any): any => Array.isArray(v) ? v.map(imports)
      : v && typeof v === 'object' ? (v['Fn::ImportValue'] || v['Fn::Select'] ? { Ref: 'import' } : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, imports(x)])))
        : v;
    const a = JSON.parse(render(imports(sm.Properties.DefinitionString))).States.Tune.Arguments;
    expect(a.Tags).toContainEqual({ Key: 'secure-sagemaker:environment', Value: 'shared' });
    expect(a.TrainingJobDefinition.VpcConfig.Subnets).toEqual(['<import>', '<import>']);
    expect(a.TrainingJobDefinition.OutputDataConfig.KmsKeyId).toBe('<import>');
  });

  test('both stacks have zero unacknowledged findings', () => {
    expect(formatFindings(unacknowledgedFindings(platformAndTeam().app))).toBe('');
  });
});

describe('job name prefixes are claimed', () => {
  test('overlapping tuning prefixes in one account and Region throw', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    newJob(a, 'Churn', { jobNamePrefix: 'churn' });
    expect(() => newJob(b, 'ChurnV2', { jobNamePrefix: 'churn-v2' })).toThrow(/tuning job name prefix 'churn-v2-' .* overlaps 'churn-'/);
  });

  test('a training job prefix that overlaps a tuning prefix throws: the tuner\'s training jobs are named "<prefix>-..." too', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    newJob(a, 'Churn', { jobNamePrefix: 'churn' });
    expect(() => new SecureTrainingJob(a, 'Train', { image: TrainingImage.fromDeepLearningContainer(DLC), jobNamePrefix: 'churn' }))
      .toThrow(/training job name prefix 'churn-' .* overlaps 'churn-'/);
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
