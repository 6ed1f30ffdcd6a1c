import { App, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EndpointImage, ModelData, SageMakerEnvironment, SageMakerGuardrails, SecureTrainingJob, TrainingImage } from '../../lib';
import { acknowledge } from '../../lib/private/acknowledge';
import { SecureTransformJob, SecureTransformJobProps } from '../../lib/transform';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { denyingStatements, evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';
import { IMPORTED_PLATFORM, importedPlatformEnvironment } from '../helpers/imported-environment';
import { requestProblems } from '../helpers/sagemaker-api';
import { render, statementsOf } from '../helpers/template';

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const ENV = { account: DEPLOYED_ACCOUNT, region: DEPLOYED_REGION };

function newJob(scope: Construct, id: string, props: Partial<SecureTransformJobProps> = {}): SecureTransformJob {
  const env = props.environment ?? SageMakerEnvironment.of(scope);
  return new SecureTransformJob(scope, id, {
    model: { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(env.artifactsBucket, `models/${id.toLowerCase()}/model.tar.gz`) },
    input: { bucket: env.dataBucket, prefix: `datasets/${id.toLowerCase()}/` },
    jobNamePrefix: id.toLowerCase(),
    ...props,
  });
}

/** The Transform state's parameters, references as <LogicalId...>. */
function taskParameters(stack: Stack): any {
  const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
  return JSON.parse(render(sm.Properties.DefinitionString)).States.Transform.Parameters;
}

describe('SecureTransformJob as a resource', () => {
  test('is IConnectable (its model security group) and IGrantable (its model role)', () => {
    const stack = newTestStack();
    const job = newJob(stack, 'Churn');
    expect(job.connections.securityGroups).toEqual([job.securityGroup]);
    expect(job.grantPrincipal).toBe(job.modelRole);
    expect(Stack.of(job)).toBe(job.stack);
    expect(job.environment).toBe(SageMakerEnvironment.of(stack));
  });

  test('a grant to the job lands on the model role; connections.allowTo opens egress from the model group only', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    const job = newJob(stack, 'Churn');
    const peer = new ec2.SecurityGroup(stack, 'FeatureProxy', { vpc: env.network.vpc, allowAllOutbound: false, description: 'proxy' });
    env.dataBucket.grantRead(job, 'lookup-tables/');
    job.connections.allowTo(peer, ec2.Port.tcp(8443), 'Transform job to the feature proxy');
    const reads = statementsOf(stack, 'ChurnModelRolePermissions').filter((s) => [s.Action].flat().includes('s3:GetObjectVersion'));
    expect(reads.map((s) => render(s.Resource)).sort()).toEqual([expect.stringMatching(/DataBucket.*\/datasets\/churn\/\*$/), expect.stringMatching(/DataBucket.*\/lookup-tables\/\*$/)]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FeatureProxy'), 'GroupId'] },
      FromPort: 8443,
    });
  });

  test('applyRemovalPolicy reaches the state machine and the model, not the logs or the data', () => {
    const stack = newTestStack();
    newJob(stack, 'Churn').applyRemovalPolicy(RemovalPolicy.RETAIN);
    const t = Template.fromStack(stack);
    t.hasResource('AWS::StepFunctions::StateMachine', { DeletionPolicy: 'Retain' });
    t.hasResource('AWS::SageMaker::Model', { DeletionPolicy: 'Retain' });
    const stack2 = newTestStack('Sandbox');
    newJob(stack2, 'Churn').applyRemovalPolicy(RemovalPolicy.DESTROY);
    const t2 = Template.fromStack(stack2);
    t2.hasResource('AWS::StepFunctions::StateMachine', { DeletionPolicy: 'Delete' });
    t2.hasResource('AWS::SageMaker::Model', { DeletionPolicy: 'Delete' });
    t2.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('/transform/churn$') }, DeletionPolicy: 'Retain' });
  });
});

describe('grants to principals the library did not create', () => {
  const stack = newTestStack();
  const job = newJob(stack, 'Churn');
  const imported = iam.Role.fromRoleArn(stack, 'Pipeline', 'arn:aws:iam::111122223333:role/ci-pipeline');
  const userRole = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
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

  test('every grant returns an iam.Grant that succeeded', () => {
    expect(grants).toHaveLength(6);
    for (const g of grants) {
      expect(g).toBeInstanceOf(iam.Grant);
      expect(g.success).toBe(true);
    }
  });

  test('no inline AWS::IAM::Policy anywhere: every grant is a customer-managed policy attached to the role', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const attachedTo = (role: any) => Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [role] } }));
    for (const role of ['ci-pipeline', { Ref: Match.stringLikeRegexp('^Analyst') }, { Ref: Match.stringLikeRegexp('^TriggerServiceRole') }]) {
      const statements = attachedTo(role).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      const actions = statements.flatMap((s: any) => [s.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 's3:GetObject']));
      const start = statements.find((s: any) => [s.Action].flat().includes('states:StartExecution'));
      expect(start.Resource).toEqual({ Ref: expect.stringMatching(/^ChurnStateMachine/) });
    }
  });

  test('the grants pass every pack and CloudFormation Validate', () => {
    expect(formatFindings(findings)).toBe('');
  });
});

describe('the requests the construct makes, against its own role and the guardrails', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'TeamStack', { env: ENV });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
  const job = newJob(stack, 'Churn', { environment: env, tags: { team: 'risk' } });
  const guardrails = new SageMakerGuardrails(stack, 'Guardrails', { environment: env, requiredTags: ['team'], workloads: [job] });
  Tags.of(job).add('data-classification', 'confidential');
  const json = Template.fromStack(stack).toJSON() as Parameters<typeof asDeployed>[0] & { Resources: Record<string, any> };
  const deployed = (v: unknown) => asDeployed(json, v);
  const sm = Object.values(json.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const p = JSON.parse(deployed(sm.Properties.DefinitionString)).States.Transform.Parameters;
  const [modelId, model] = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::SageMaker::Model')!;
  const modelArn = deployed({ Ref: modelId });
  const role: PolicyJson[] = [{ Statement: statementsOf(stack, 'ChurnStateMachineRolePermissions').map((s) => deployed(stack.resolve(s))) }];
  const ALLOW_ALL = { Effect: 'Allow' as const, Action: '*', Resource: '*' };
  const denyPolicies: PolicyJson[] = Object.entries(json.Resources)
    .filter(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('GuardrailsDenyPolicy'))
    .map(([, r]) => deployed(r.Properties.PolicyDocument));
  const scps: PolicyJson[] = guardrails.scpDocuments().map((doc) => JSON.parse(deployed(stack.resolve(doc))));
  const jobArn = `arn:aws:sagemaker:${ENV.region}:${ENV.account}:transform-job/churn-run-1`;
  const tagContext = Object.fromEntries(p.Tags.map((t: any) => [`aws:RequestTag/${t.Key}`, t.Value]));
  // CreateTransformJob's condition keys, set from the request as SageMaker sets them.
  const create: RequestContext = {
    action: 'sagemaker:CreateTransformJob',
    resource: jobArn,
    context: {
      'sagemaker:ModelArn': modelArn,
      'sagemaker:OutputKmsKeyArn': p.TransformOutput.KmsKeyId,
      'sagemaker:VolumeKmsKeyArn': p.TransformResources.VolumeKmsKeyId,
      'sagemaker:InstanceTypes': [p.TransformResources.InstanceType],
      ...tagContext,
      'aws:TagKeys': p.Tags.map((t: any) => t.Key),
    },
  };
  const withContext = (changes: Record<string, string | string[] | undefined>): RequestContext => {
    const context: Record<string, string | string[]> = { ...(create.context as Record<string, string | string[]>) };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete context[k]; else context[k] = v;
    }
    return { ...create, context };
  };
  const FOREIGN_KEY = 'arn:aws:kms:us-east-1:444455556666:key/00000000-0000-0000-0000-000000000000';

  test('the task sends the ownership and environment tags, `tags` and the Tags.of tags; the request is valid', () => {
    expect(p.Tags).toEqual([
      { Key: 'secure-sagemaker:transform-job', Value: 'churn' },
      { Key: 'secure-sagemaker:environment', Value: 'ml-prod' },
      { Key: 'team', Value: 'risk' },
      { Key: 'data-classification', Value: 'confidential' },
    ]);
    expect(requestProblems('CreateTransformJob', taskParameters(stack))).toEqual([]);
    expect(p.ModelName).toBe(deployed({ 'Fn::GetAtt': [modelId, 'ModelName'] }));
  });

  test('the state machine role allows the job request and tagging it at creation, and nothing else of the kind', () => {
    expect(evaluate(role, create)).toBe('Allow');
    const addTags: RequestContext = { action: 'sagemaker:AddTags', resource: jobArn, context: { 'sagemaker:TaggingAction': 'CreateTransformJob', ...tagContext } };
    expect(evaluate(role, addTags)).toBe('Allow');
    expect(evaluate(role, { ...addTags, context: { ...addTags.context, 'sagemaker:TaggingAction': 'AddTags' } })).toBe('ImplicitDeny');
    const own = { 'aws:ResourceTag/secure-sagemaker:transform-job': 'churn' };
    expect(evaluate(role, { action: 'sagemaker:StopTransformJob', resource: jobArn, context: own })).toBe('Allow');
    expect(evaluate(role, { action: 'sagemaker:StopTransformJob', resource: jobArn, context: { 'aws:ResourceTag/secure-sagemaker:transform-job': 'other' } })).toBe('ImplicitDeny');
    expect(evaluate(role, { action: 'iam:PassRole', resource: deployed({ 'Fn::GetAtt': [Object.keys(json.Resources).find((k) => k.startsWith('ChurnModelRole') && json.Resources[k].Type === 'AWS::IAM::Role')!, 'Arn'] }) })).toBe('ImplicitDeny');
  });

  test('the state machine role denies another job prefix, another model, another output or volume key, another instance type, a missing ownership tag', () => {
    expect(evaluate(role, { ...create, resource: jobArn.replace('churn-run-1', 'fraud-run-1') })).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'sagemaker:ModelArn': `arn:aws:sagemaker:${ENV.region}:${ENV.account}:model/someone-elses-model` }))).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'sagemaker:ModelArn': undefined }))).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'sagemaker:OutputKmsKeyArn': FOREIGN_KEY }))).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'sagemaker:OutputKmsKeyArn': undefined }))).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'sagemaker:VolumeKmsKeyArn': undefined }))).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'sagemaker:InstanceTypes': ['ml.p4d.24xlarge'] }))).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'sagemaker:InstanceTypes': undefined }))).toBe('ImplicitDeny');
    expect(evaluate(role, withContext({ 'aws:RequestTag/secure-sagemaker:transform-job': undefined }))).toBe('ImplicitDeny');
  });

  describe.each([['deny policies', denyPolicies], ['service control policies', scps]] as const)('SageMakerGuardrails (%s)', (_name, policies) => {
    const filter: PolicyJson[] = [{ Statement: [ALLOW_ALL] }, ...policies];

    test('do not deny the job request', () => {
      expect(policies.length).toBeGreaterThan(0);
      expect(denyingStatements(filter, create)).toEqual([]);
      expect(evaluate(filter, create)).toBe('Allow');
    });

    test('deny it with another output key, without the volume key, on an instance type outside the allowlist, without the required tag', () => {
      expect(evaluate(filter, withContext({ 'sagemaker:OutputKmsKeyArn': FOREIGN_KEY }))).toBe('ExplicitDeny');
      expect(evaluate(filter, withContext({ 'sagemaker:VolumeKmsKeyArn': undefined }))).toBe('ExplicitDeny');
      expect(evaluate(filter, withContext({ 'sagemaker:InstanceTypes': ['ml.p3.16xlarge'] }))).toBe('ExplicitDeny');
      expect(evaluate(filter, withContext({ 'aws:RequestTag/team': undefined, 'aws:TagKeys': p.Tags.map((t: any) => t.Key).filter((k: string) => k !== 'team') }))).toBe('ExplicitDeny');
    });

    test('do not deny the model (CreateModel in the environment subnets, with the job group and isolation), and deny it without isolation or with a foreign group', () => {
      const m = deployed(model.Properties);
      const modelRequest: RequestContext = {
        action: 'sagemaker:CreateModel',
        context: {
          'sagemaker:VpcSubnets': m.VpcConfig.Subnets,
          'sagemaker:VpcSecurityGroupIds': m.VpcConfig.SecurityGroupIds,
          'sagemaker:NetworkIsolation': String(m.EnableNetworkIsolation),
          ...Object.fromEntries((m.Tags ?? []).map((t: any) => [`aws:RequestTag/${t.Key}`, t.Value])),
        },
      };
      expect(denyingStatements(filter, modelRequest)).toEqual([]);
      expect(modelRequest.context!['aws:RequestTag/team']).toBe('risk');
      expect(evaluate(filter, { ...modelRequest, context: { ...modelRequest.context, 'sagemaker:NetworkIsolation': 'false' } })).toBe('ExplicitDeny');
      expect(evaluate(filter, { ...modelRequest, context: { ...modelRequest.context, 'sagemaker:VpcSecurityGroupIds': ['sg-0fffffffffffffff9'] } })).toBe('ExplicitDeny');
    });
  });

  test('the guardrails agree with the job at synth time (no instance-type or required-tag disagreement)', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(formatFindings(unacknowledgedFindings(app))).toBe('');
  });
});

describe('tag validation after Tags.of', () => {
  test('fails at synthesis when Tags.of pushes the jobs over 50 tags', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    const job = newJob(stack, 'Churn', { tags: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) });
    for (let i = 0; i < 11; i++) Tags.of(job).add(`extra${i}`, 'v');
    expect(() => app.synth()).toThrow(/would carry 53 tags .*CreateTransformJob accepts at most 50/);
  });

  test('fails at synthesis on a Tags.of value SageMaker refuses', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    newJob(stack, 'Churn');
    Tags.of(stack).add('owner', 'alice#team');
    expect(() => app.synth()).toThrow(/value of tag 'owner' .* not accepted by SageMaker/);
  });
});

/** A platform stack with the environment, a team stack with two jobs (one on an ECR image of the team stack) and grants. */
function platformAndTeam() {
  const app = newTestApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const team = new Stack(app, 'Team', { env: ENV });
  const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'shared' });
  const repo = new ecr.Repository(team, 'ScorerRepo', {
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    imageScanOnPush: true,
    encryption: ecr.RepositoryEncryption.KMS,
    encryptionKey: env.key,
    lifecycleRules: [{ maxImageCount: 20 }],
  });
  const dlcJob = newJob(team, 'Churn', { environment: env });
  const ecrJob = newJob(team, 'Fraud', {
    environment: env,
    model: { image: EndpointImage.fromEcrRepository(repo, 'v1'), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/fraud/model.tar.gz') },
    input: { bucket: env.dataBucket, prefix: 'datasets/fraud/', suffixFromExecutionInput: true },
  });
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

  test('the models run in the platform network; the jobs use its key and carry its environment tag', () => {
    const t = Template.fromStack(team);
    const imports = (v: any): any => Array.isArray(v) ? v.map(imports)
      : v && typeof v === 'object' ? (v['Fn::ImportValue'] || v['Fn::Select'] ? { Ref: 'import' } : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, imports(x)])))
        : v;
    const models = Object.values(t.findResources('AWS::SageMaker::Model'));
    expect(models).toHaveLength(2);
    for (const m of models) {
      expect(m.Properties.EnableNetworkIsolation).toBe(true);
      expect(imports(m.Properties.VpcConfig.Subnets)).toEqual([{ Ref: 'import' }, { Ref: 'import' }]);
    }
    const sms = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
    expect(sms).toHaveLength(2);
    for (const sm of sms) {
      const params = JSON.parse(render(imports(sm.Properties.DefinitionString))).States.Transform.Parameters;
      expect(params.Tags).toContainEqual({ Key: 'secure-sagemaker:environment', Value: 'shared' });
      expect(params.TransformOutput.KmsKeyId).toBe('<import>');
      expect(params.TransformResources.VolumeKmsKeyId).toBe('<import>');
      expect(requestProblems('CreateTransformJob', params)).toEqual([]);
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
    const keyArn = IMPORTED_PLATFORM.keyArn;
    const environment = importedPlatformEnvironment(stack);
    newJob(stack, 'Score', { environment });
    const t = Template.fromStack(stack);
    const model = Object.values(t.findResources('AWS::SageMaker::Model'))[0];
    expect(model.Properties.VpcConfig.Subnets).toEqual(['subnet-0f1a2b3c4d5e6f711', 'subnet-0f1a2b3c4d5e6f712']);
    expect(model.Properties.PrimaryContainer.ModelDataUrl).toBe('s3://ml-shared-artifacts-111111111111/models/score/model.tar.gz');
    const p = taskParameters(stack);
    expect(p.TransformOutput).toEqual({
      'S3OutputPath.$': "States.Format('s3://ml-shared-artifacts-111111111111/transform/score/score-{}', $$.Execution.Name)",
      'KmsKeyId': keyArn,
    });
    expect(p.TransformInput.DataSource.S3DataSource.S3Uri).toBe('s3://ml-shared-data-111111111111/datasets/score/');
    expect(p.TransformResources.VolumeKmsKeyId).toBe(keyArn);
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });
});

describe('job name prefixes are claimed', () => {
  test('overlapping prefixes in one account and Region throw', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    newJob(a, 'Churn', { jobNamePrefix: 'churn' });
    expect(() => newJob(b, 'ChurnV2', { jobNamePrefix: 'churn-v2' })).toThrow(/transform job name prefix 'churn-v2-' .* overlaps 'churn-'.*another `jobNamePrefix`/);
  });

  test('a transform prefix does not clash with a training prefix of the same name (other resource type)', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    newJob(a, 'Churn', { jobNamePrefix: 'churn' });
    expect(() => new SecureTrainingJob(a, 'Train', {
      image: TrainingImage.fromDeepLearningContainer('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311'),
      jobNamePrefix: 'churn',
    })).not.toThrow();
  });
});
