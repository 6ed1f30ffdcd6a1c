import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SageMakerEnvironment, SageMakerWorkloadRole, SecureBucket } from '../../lib';
import { unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { evaluate } from '../helpers/iam-eval';

const SSO_ROLE_ARN = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef';

describe('the implicit environment', () => {
  test('a construct without `environment` uses the one environment its stack already has', () => {
    const stack = newTestStack();
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
    expect(SageMakerEnvironment.of(new Construct(stack, 'Workload'))).toBe(env);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  });

  test('a stack with two environments has no implicit one: the error names `environment`', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'A', { environmentName: 'a' });
    new SageMakerEnvironment(stack, 'B', { environmentName: 'b' });
    expect(() => SageMakerEnvironment.of(new Construct(stack, 'Workload'))).toThrow(/has 2 .*Pass `environment`/);
  });

  test('a default created before an explicit environment fails synthesis instead of doubling the bill', () => {
    const stack = newTestStack();
    SageMakerEnvironment.of(stack);
    new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
    expect(() => (stack.node.root as App).synth())
      .toThrow(/created the default environment .* before .*Env was defined/);
  });

  test('environments of nested stages are not the stack\'s', () => {
    const stack = newTestStack();
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
    const other = new Stack(stack.node.root, 'Other');
    new SageMakerEnvironment(other, 'Env', { environmentName: 'ml2' });
    expect(SageMakerEnvironment.of(stack)).toBe(env);
  });
});

describe('sandbox teardown', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'Sandbox');
  new SageMakerEnvironment(stack, 'Env', {
    environmentName: 'sandbox',
    removalPolicy: RemovalPolicy.DESTROY,
    emptyBucketsOnDelete: true,
  });
  const findings = unacknowledgedFindings(app);
  const template = Template.fromStack(stack);

  test('DESTROY with emptied buckets synthesizes with zero unacknowledged findings', () => {
    expect(formatFindings(findings)).toBe('');
  });

  test('every bucket, the key and the log groups are deleted with the stack', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) {
        expect(r).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      }
    }
  });

  test('each bucket is emptied (all versions) by the auto-delete custom resource before deletion', () => {
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
    template.hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: 7 });
  });

  test('the opt-out is warned and its acknowledgement carries the reason', () => {
    Annotations.fromStack(stack).hasWarning('/Sandbox/Env', Match.stringLikeRegexp('removalPolicy is destroy'));
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0] as { Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string; reason: string }> } } };
    const ids = (key.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((r) => r.id);
    expect(ids).toContain('SageMakerSecurity-KMSKeyRetained');
  });

  test('every acknowledgement the sandbox adds to its own resources silences a real finding', () => {
    const fresh = newTestApp();
    new SageMakerEnvironment(new Stack(fresh, 'Sandbox'), 'Env', {
      environmentName: 'sandbox', removalPolicy: RemovalPolicy.DESTROY, emptyBucketsOnDelete: true,
    });
    // The auto-delete provider is a raw CfnResource that the packs' tree run does not inspect; its
    // acknowledgements are for scanners that read the written template.
    expect(unneededAcknowledgements(fresh).filter((a) => !a.path.includes('Custom::S3AutoDeleteObjectsCustomResourceProvider'))).toEqual([]);
  });

  test('emptying buckets without DESTROY is an error naming both props', () => {
    expect(() => new SageMakerEnvironment(newTestStack(), 'Env', { emptyBucketsOnDelete: true }))
      .toThrow(/`emptyBucketsOnDelete`.*`removalPolicy: RemovalPolicy.DESTROY`/);
  });
});

describe('a key brought by the user', () => {
  test('a key of this app gets every statement the environment needs', () => {
    const stack = newTestStack();
    const key = new kms.Key(stack, 'Byo', { enableKeyRotation: true });
    new SageMakerEnvironment(stack, 'Env', { environmentName: 'byo', encryptionKey: key });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    const statements = JSON.stringify(template.findResources('AWS::KMS::Key'));
    for (const principal of ['logs.', 'cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      expect(statements).toContain(principal);
    }
    expect(statements).toContain('kms:GrantIsForAWSResource');
  });

  test('an imported key is warned about, with the statements it must already hold', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', {
      environmentName: 'byo',
      encryptionKey: kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
    });
    Annotations.fromStack(stack).hasWarning('/TestStack/Env', Match.stringLikeRegexp('imported.*/secure-sagemaker/byo/.*cloudwatch.amazonaws.com and events.amazonaws.com.*keyPolicyStatements'));
  });

  test('keyPolicyStatements lists logs, SageMaker grants, CloudWatch and EventBridge delivery, and denies grants not for AWS resources', () => {
    const stack = newTestStack();
    const statements = SageMakerEnvironment.keyPolicyStatements(stack, 'ml').map((s) => stack.resolve(s.toStatementJson()));
    expect(statements).toHaveLength(5);
    // Even a principal with kms:* from its IAM policies cannot hand a grant to a principal of its choosing (CT.KMS.PR.3).
    const deny = statements.find((s) => s.Sid === 'DenyGrantsExceptForAwsResources');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:CreateGrant', Resource: '*' });
    const policy = [{ Statement: [{ Effect: 'Allow' as const, Action: 'kms:*', Resource: '*' }, deny] }];
    const grant = (context: Record<string, string>) => evaluate(policy, { action: 'kms:CreateGrant', resource: '*', context });
    expect(grant({ 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' })).toBe('ExplicitDeny');
    expect(grant({ 'aws:PrincipalIsAWSService': 'false' })).toBe('ExplicitDeny');
    expect(grant({ 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' })).toBe('Allow');
    expect(grant({ 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'true' })).toBe('Allow');
    // EventBridge's KMS requests carry no aws:SourceAccount: a condition on it would drop every delivery.
    const events = statements.find((s) => JSON.stringify(s).includes('events.amazonaws.com'));
    expect(events.Condition).toBeUndefined();
  });
});

describe('an environment from another app', () => {
  const platformApp = newTestApp();
  const platformStack = new Stack(platformApp, 'Platform');
  const platform = new SageMakerEnvironment(platformStack, 'Env', { environmentName: 'ml' });

  const app = newTestApp();
  const team = new Stack(app, 'Team');
  const env = SageMakerEnvironment.fromEnvironmentAttributes(team, 'Env', {
    environmentName: 'ml',
    network: platform.network,
    key: kms.Key.fromKeyArn(team, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
    dataBucketName: 'ml-data-bucket',
    artifactsBucketName: 'ml-artifacts-bucket',
  });
  const role = new SageMakerWorkloadRole(team, 'Role');
  env.dataBucket.grantRead(role, 'datasets/');
  env.createLogGroup(team, 'Logs', 'team/app');

  test('creates none of the environment and grants on the deployed buckets by name', () => {
    const template = Template.fromStack(team);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['s3:GetObject']),
          Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('ml-data-bucket/datasets/\\*')])] },
        })]),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/secure-sagemaker/ml/team/app', RetentionInDays: 365 });
  });

  test('rejects an invalid environment name', () => {
    expect(() => SageMakerEnvironment.fromEnvironmentAttributes(new Stack(newTestApp(), 'X'), 'Env', {
      environmentName: 'not valid!',
      network: platform.network,
      key: kms.Key.fromKeyArn(team, 'K2', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
      dataBucketName: 'a',
      artifactsBucketName: 'b',
    })).toThrow(/`environmentName`/);
  });
});

describe('bucket grants to principals the library did not create', () => {
  const app = newTestApp();
  const stack = new Stack(app, 'Grants', { env: { account: '111111111111', region: 'eu-west-1' } });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
  const imported = iam.Role.fromRoleArn(stack, 'Human', 'arn:aws:iam::111111111111:role/data-scientist');
  const userRole = new iam.Role(stack, 'UserRole', { assumedBy: new iam.AccountRootPrincipal() });
  const user = new iam.User(stack, 'User');
  const sso = iam.Role.fromRoleArn(stack, 'Sso', SSO_ROLE_ARN);
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  env.dataBucket.grantRead(imported, 'datasets/curated/');
  env.dataBucket.grantRead(userRole, 'datasets/curated/');
  env.artifactsBucket.grantReadWrite(user, 'scratch/');
  env.artifactsBucket.grantWrite(fn, 'features/');
  const ssoGrant = env.dataBucket.grantRead(sso, 'datasets/');
  new SecureBucket(stack, 'Extra', { environment: env }).grantRead(imported, 'more/');
  const template = Template.fromStack(stack);

  test('no grant writes an inline policy (HIPAA, NIST and PCI reject them)', () => {
    const inline = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, r]) => JSON.stringify(r).includes('s3:'));
    expect(inline).toEqual([]);
  });

  test('an imported role, a user-made role, a user and a Lambda function role each get a customer-managed policy', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Array<{ Properties: Record<string, unknown> }>;
    const attachedTo = policies.map((p) => JSON.stringify([p.Properties.Roles, p.Properties.Users]));
    expect(attachedTo.some((a) => a.includes('data-scientist'))).toBe(true);
    expect(attachedTo.some((a) => a.includes(stack.getLogicalId(userRole.node.defaultChild as iam.CfnRole)))).toBe(true);
    expect(attachedTo.some((a) => a.includes(stack.getLogicalId(user.node.defaultChild as iam.CfnUser)))).toBe(true);
    expect(attachedTo.some((a) => a.includes(stack.getLogicalId(fn.role!.node.defaultChild as iam.CfnRole)))).toBe(true);
  });

  test('an Identity Center role gets an unattached, named policy for its permission set, and a warning', () => {
    expect(ssoGrant.success).toBe(true);
    const ssoPolicies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => JSON.stringify(p).includes('permission set')) as Array<{ Properties: Record<string, unknown> }>;
    expect(ssoPolicies).toHaveLength(1);
    expect(ssoPolicies[0].Properties.Roles).toBeUndefined();
    expect(ssoPolicies[0].Properties.ManagedPolicyName).toEqual(expect.any(String));
    Annotations.fromStack(stack).hasWarning('/Grants/Sso', Match.stringLikeRegexp('Identity Center role.*customer managed policy reference'));
  });

  test('all grants to one identity, from several buckets, share its policy', () => {
    const forHuman = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => JSON.stringify((p as { Properties: { Roles?: unknown } }).Properties.Roles ?? '').includes('data-scientist'));
    expect(forHuman).toHaveLength(1);
  });
});
