import { App, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, Fn, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SageMakerEnvironment } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { evaluate, PolicyJson } from '../helpers/iam-eval';

// The environment key separates its administrators from everyone else, and lets its data be used
// only through AWS services: judged on the synthesized key policy with the IAM evaluator. The
// key policy's default statement delegates to the account's IAM policies, so "Allow" below is what
// a principal whose IAM policies allow kms:* gets; only the key policy's denies stand in the way.

const DEPLOYER = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${DEPLOYED_ACCOUNT}-${DEPLOYED_REGION}`;
const ROOT_USER = `arn:aws:iam::${DEPLOYED_ACCOUNT}:root`;
const POWER_USER = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/platform-power-user`;
const S3 = `s3.${DEPLOYED_REGION}.amazonaws.com`;

function keyPolicy(stack: Stack): PolicyJson & { Statement: any[] } {
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const [key] = Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::KMS::Key');
  return asDeployed(template, key.Properties.KeyPolicy);
}

const as = (principalArn: string, action: string, context: Record<string, string> = {}) => ({
  action,
  resource: '*',
  context: { 'aws:PrincipalArn': principalArn, 'aws:PrincipalIsAWSService': 'false', ...context },
});

describe('key administrators', () => {
  const stack = newTestStack();
  new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
  const policy = keyPolicy(stack);

  test.each(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:UpdateAlias', 'kms:DeleteAlias', 'kms:TagResource', 'kms:RevokeGrant', 'kms:ReplicateKey'])(
    'by default only the deployment role and the root user may %s', (action) => {
      expect(evaluate([policy], as(POWER_USER, action))).toBe('ExplicitDeny');
      expect(evaluate([policy], as(DEPLOYER, action))).toBe('Allow');
      expect(evaluate([policy], as(ROOT_USER, action))).toBe('Allow');
    });

  test('reading the key (describe, get policy, list grants) is not administration', () => {
    for (const action of ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants', 'kms:GetKeyRotationStatus']) {
      expect(evaluate([policy], as(POWER_USER, action))).toBe('Allow');
    }
  });

  test('the deployment role is the synthesizer\'s, written with Fn::Sub so the CLI\'s placeholders resolve', () => {
    const written = Template.fromStack(stack).toJSON();
    const key = Object.values(written.Resources as Record<string, any>).find((r) => r.Type === 'AWS::KMS::Key');
    const deny = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'DenyKeyAdministrationExceptAdministrators');
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn'][0]).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('administers its key'));
  });

  test('a synthesizer with another qualifier or role names that role', () => {
    const s = new Stack(newTestApp(), 'Q', { synthesizer: new DefaultStackSynthesizer({ qualifier: 'team42', cloudFormationExecutionRole: 'arn:aws:iam::123456789012:role/deployer' }) });
    new SageMakerEnvironment(s, 'Env', { environmentName: 'ml' });
    const deny = keyPolicy(s).Statement.find((st: any) => st.Sid === 'DenyKeyAdministrationExceptAdministrators') as any;
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual(['arn:aws:iam::123456789012:role/deployer', ROOT_USER]);
  });

  test('named administrators replace the default; imported roles and unresolved ARNs are accepted', () => {
    const s = newTestStack();
    new SageMakerEnvironment(s, 'Env', {
      environmentName: 'ml',
      keyAdministrators: [
        iam.Role.fromRoleArn(s, 'KeyAdmin', 'arn:aws:iam::111122223333:role/key-admins'),
        iam.Role.fromRoleArn(s, 'Pipeline', Fn.importValue('deployment-role-arn')),
      ],
    });
    const deny = Template.fromStack(s).toJSON().Resources;
    const statement = (Object.values(deny) as any[]).find((r) => r.Type === 'AWS::KMS::Key').Properties.KeyPolicy.Statement
      .find((st: any) => st.Sid === 'DenyKeyAdministrationExceptAdministrators');
    expect(statement.Condition.ArnNotLike['aws:PrincipalArn'][0]).toBe('arn:aws:iam::111122223333:role/key-admins');
    expect(statement.Condition.ArnNotLike['aws:PrincipalArn'][1]).toEqual({ 'Fn::ImportValue': 'deployment-role-arn' });
    expect(JSON.stringify(statement)).not.toContain('cfn-exec-role');
  });

  test('a synthesizer that deploys with the caller\'s credentials: no administration deny, and a warning names the prop', () => {
    const s = new Stack(newTestApp(), 'Cli', { synthesizer: new CliCredentialsStackSynthesizer() });
    new SageMakerEnvironment(s, 'Env', { environmentName: 'ml' });
    Annotations.fromStack(s).hasWarning('/Cli/Env', Match.stringLikeRegexp('cannot tell who administers its key.*Set `keyAdministrators`'));
    expect(evaluate([keyPolicy(s)], as(POWER_USER, 'kms:PutKeyPolicy'))).toBe('Allow');
    // The data-use deny does not depend on the deployer.
    expect(evaluate([keyPolicy(s)], as(POWER_USER, 'kms:Decrypt'))).toBe('ExplicitDeny');
  });

  test('a service principal cannot administer a key: the error names the prop and the fix', () => {
    const s = newTestStack();
    expect(() => new SageMakerEnvironment(s, 'Env', { keyAdministrators: [new iam.ServicePrincipal('lambda.amazonaws.com')] }))
      .toThrow(/`keyAdministrators\[0\]` is not an IAM role or user.*Pass a role or user/);
  });

  test('an imported key cannot take the denies: the error names the prop and the statements to add where the key lives', () => {
    const s = newTestStack();
    const encryptionKey = kms.Key.fromKeyArn(s, 'Key', 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555');
    expect(() => new SageMakerEnvironment(s, 'Env', { environmentName: 'ml', encryptionKey, keyAdministrators: [new iam.AccountRootPrincipal()] }))
      .toThrow(/`keyAdministrators` changes the key policy, but `encryptionKey` is imported.*keyPolicyStatements\(scope, 'ml'/);
    expect(() => new SageMakerEnvironment(s, 'Env2', { environmentName: 'ml2', encryptionKey, keyDataUseThroughServicesOnly: true }))
      .toThrow(/`keyDataUseThroughServicesOnly` changes the key policy/);
  });

  test('a key of the user\'s keeps its policy design unless the props are set', () => {
    const plain = newTestStack();
    new SageMakerEnvironment(plain, 'Env', { environmentName: 'ml', encryptionKey: new kms.Key(plain, 'Key') });
    const sids = (s: Stack) => keyPolicy(s).Statement.map((st: any) => st.Sid);
    expect(sids(plain)).not.toContain('DenyKeyAdministrationExceptAdministrators');
    expect(sids(plain)).not.toContain('DenyDataUseExceptThroughAwsServices');
    const opted = newTestStack();
    new SageMakerEnvironment(opted, 'Env', {
      environmentName: 'ml',
      encryptionKey: new kms.Key(opted, 'Key'),
      keyAdministrators: [iam.Role.fromRoleArn(opted, 'Admin', 'arn:aws:iam::111122223333:role/key-admins')],
      keyDataUseThroughServicesOnly: true,
    });
    expect(sids(opted)).toEqual(expect.arrayContaining(['DenyKeyAdministrationExceptAdministrators', 'DenyDataUseExceptThroughAwsServices']));
  });

  test('inside a Stage the deployment role is the stage stack\'s, and the environment has zero unacknowledged findings', () => {
    const app = newTestApp();
    const stage = new Stage(app, 'Prod', { env: { account: '210987654321', region: 'eu-west-1' } });
    const s = new Stack(stage, 'Ml');
    new SageMakerEnvironment(s, 'Env', { environmentName: 'ml' });
    const deny = Template.fromStack(s).toJSON().Resources;
    const statement = (Object.values(deny) as any[]).find((r) => r.Type === 'AWS::KMS::Key').Properties.KeyPolicy.Statement
      .find((st: any) => st.Sid === 'DenyKeyAdministrationExceptAdministrators');
    expect(statement.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::210987654321:role/cdk-hnb659fds-cfn-exec-role-210987654321-eu-west-1' },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::210987654321:root']] },
    ]);
    expect(formatFindings(unacknowledgedFindings(s))).toBe('');
  });
});

describe('key data use only through AWS services', () => {
  const stack = newTestStack();
  new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
  const policy = keyPolicy(stack);

  test.each(['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'])(
    '%s through the KMS API is denied to everyone, the administrators included', (action) => {
      for (const who of [POWER_USER, DEPLOYER, ROOT_USER]) {
        expect(evaluate([policy], as(who, action))).toBe('ExplicitDeny');
      }
    });

  test.each([
    ['S3 reading an object', 'kms:Decrypt', S3],
    ['S3 writing an object', 'kms:GenerateDataKey', S3],
    ['EBS attaching a volume', 'kms:Decrypt', `ec2.${DEPLOYED_REGION}.amazonaws.com`],
    ['EFS mounting the Studio home', 'kms:GenerateDataKeyWithoutPlaintext', `elasticfilesystem.${DEPLOYED_REGION}.amazonaws.com`],
    ['SageMaker encrypting a job\'s output', 'kms:GenerateDataKey', `sagemaker.${DEPLOYED_REGION}.amazonaws.com`],
    ['SQS reading a message', 'kms:Decrypt', `sqs.${DEPLOYED_REGION}.amazonaws.com`],
    ['ECR decrypting an image layer (SecureImageRepository)', 'kms:Decrypt', `ecr.${DEPLOYED_REGION}.amazonaws.com`],
    ['SNS encrypting an asynchronous inference notification', 'kms:GenerateDataKey', `sns.${DEPLOYED_REGION}.amazonaws.com`],
  ])('%s for a principal is not denied', (_, action, service) => {
    expect(evaluate([policy], as(POWER_USER, action, { 'kms:ViaService': service }))).toBe('Allow');
  });

  test('ECR creating the grant it encrypts a repository with, for the deployment role, is not denied', () => {
    const grant = { 'kms:ViaService': `ecr.${DEPLOYED_REGION}.amazonaws.com`, 'kms:GrantIsForAWSResource': 'true' };
    expect(evaluate([policy], as(DEPLOYER, 'kms:CreateGrant', grant))).toBe('Allow');
  });

  test('services that call with their own principal (CloudWatch Logs, EventBridge, CloudWatch alarms) are not denied', () => {
    const logs = {
      action: 'kms:GenerateDataKey',
      resource: '*',
      context: {
        'aws:PrincipalIsAWSService': 'true',
        'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:log-group:/secure-sagemaker/ml/flow-logs`,
      },
    };
    expect(evaluate([policy], logs)).toBe('Allow');
    expect(evaluate([policy], { action: 'kms:Decrypt', resource: '*', context: { 'aws:PrincipalIsAWSService': 'true' } })).toBe('Allow');
  });

  test('turning it off is warned, and the statement is gone', () => {
    const s = newTestStack();
    new SageMakerEnvironment(s, 'Env', { environmentName: 'ml', keyDataUseThroughServicesOnly: false });
    Annotations.fromStack(s).hasWarning('/TestStack/Env', Match.stringLikeRegexp('`keyDataUseThroughServicesOnly` is false.*client-side'));
    expect(evaluate([keyPolicy(s)], as(POWER_USER, 'kms:Decrypt'))).toBe('Allow');
  });
});

test('keyPolicyStatements with options returns the two denies for a key managed elsewhere', () => {
  const app = new App();
  const stack = new Stack(app, 'Keys');
  const statements = SageMakerEnvironment.keyPolicyStatements(stack, 'ml', {
    administrators: [iam.Role.fromRoleArn(stack, 'Admin', 'arn:aws:iam::111122223333:role/key-admins')],
    dataUseThroughServicesOnly: true,
  }).map((s) => stack.resolve(s.toStatementJson()));
  expect(statements.map((s) => s.Sid)).toEqual(expect.arrayContaining(['DenyKeyAdministrationExceptAdministrators', 'DenyDataUseExceptThroughAwsServices']));
  expect(SageMakerEnvironment.keyPolicyStatements(stack, 'ml')).toHaveLength(5);
});
