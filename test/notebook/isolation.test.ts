import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DataAccess, SageMakerEnvironment, SecureNotebook } from '../../lib';
import { asDeployed, deployedValue, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';
import { managedPoliciesOfRole } from '../helpers/template';

// Two notebooks of one environment share its notebook policies, which name each notebook through
// its roles' tags. Attacks from one notebook's roles on the other's workspace, data, jobs, job
// role, job security group, instance and logs: each denied, while the notebook's own requests pass.

const template = (() => {
  const app = new App();
  const stack = new Stack(app, 'Isolation', { env: { account: DEPLOYED_ACCOUNT, region: DEPLOYED_REGION } });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'iso' });
  new SecureNotebook(stack, 'A', { environment: env, notebookName: 'team-a', dataAccess: [{ bucket: env.dataBucket, prefix: 'datasets/a/' }] });
  new SecureNotebook(stack, 'B', { environment: env, notebookName: 'team-b', dataAccess: [{ bucket: env.dataBucket, prefix: 'datasets/b/', access: DataAccess.READ_WRITE }] });
  return Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
})();

const idOf = (prefix: string, type: string) => {
  const ids = Object.keys(template.Resources).filter((id) => id.startsWith(prefix) && template.Resources[id].Type === type);
  expect(ids).toHaveLength(1);
  return ids[0];
};
const value = (key: string) => deployedValue(template, key);

/** A role as IAM sees it: the managed policies it carries, and its tags as principal tags. */
function principal(rolePrefix: string): { policies: PolicyJson[]; tags: Record<string, string> } {
  const roleId = idOf(rolePrefix, 'AWS::IAM::Role');
  const policies = managedPoliciesOfRole(template, roleId)
    .map((id) => asDeployed(template, template.Resources[id].Properties.PolicyDocument) as PolicyJson);
  const tags = Object.fromEntries((template.Resources[roleId].Properties.Tags as Array<{ Key: string; Value: unknown }>)
    .map((t) => [`aws:PrincipalTag/${t.Key}`, String(asDeployed(template, t.Value))]));
  return { policies, tags };
}

const artifacts = value(`${idOf('EnvArtifactsBucket', 'AWS::S3::Bucket')}.Arn`);
const data = value(`${idOf('EnvDataBucket', 'AWS::S3::Bucket')}.Arn`);
const keyArn = value(`${idOf('EnvKey', 'AWS::KMS::Key')}.Arn`);
const subnets = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::EC2::Subnet').map((id) => value(id));
const jobGroup = (nb: 'A' | 'B') => value(`${idOf(`${nb}JobSecurityGroup`, 'AWS::EC2::SecurityGroup')}.GroupId`);
const jobRoleArn = (nb: 'A' | 'B') => value(`${idOf(`${nb}JobRole`, 'AWS::IAM::Role')}.Arn`);
const arn = (service: string, resource: string) => `arn:aws:${service}:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:${resource}`;

/** A training job request as the notebook's SDK defaults make it, with `overrides`. */
const trainingJob = (nb: 'a' | 'b', group: string, overrides: Record<string, string | string[]> = {}): RequestContext => ({
  action: 'sagemaker:CreateTrainingJob',
  resource: arn('sagemaker', `training-job/${nb}-job`),
  context: {
    'sagemaker:VpcSubnets': subnets,
    'sagemaker:VpcSecurityGroupIds': [group],
    'sagemaker:VolumeKmsKeyArn': keyArn,
    'sagemaker:OutputKmsKeyArn': keyArn,
    'sagemaker:NetworkIsolation': 'true',
    'sagemaker:InterContainerTrafficEncryption': 'true',
    [`aws:RequestTag/${SecureNotebook.OWNER_TAG}`]: `team-${nb}`,
    ...overrides,
  },
});

type Case = [string, RequestContext, 'Allow' | 'ImplicitDeny'];

const s3 = (action: string, resource: string, context: Record<string, string> = {}): RequestContext => ({ action, resource, context });

const notebookCases: Case[] = [
  ['read own workspace', s3('s3:GetObject', `${artifacts}/notebooks/team-a/x.ipynb`), 'Allow'],
  ['write own workspace', s3('s3:PutObject', `${artifacts}/notebooks/team-a/x.ipynb`), 'Allow'],
  ['read the other notebook\'s workspace', s3('s3:GetObject', `${artifacts}/notebooks/team-b/x.ipynb`), 'ImplicitDeny'],
  ['overwrite the other notebook\'s workspace', s3('s3:PutObject', `${artifacts}/notebooks/team-b/x.ipynb`), 'ImplicitDeny'],
  ['delete in the other notebook\'s workspace', s3('s3:DeleteObject', `${artifacts}/notebooks/team-b/x.ipynb`), 'ImplicitDeny'],
  ['read a workspace whose name starts like its own', s3('s3:GetObject', `${artifacts}/notebooks/team-ab/x`), 'ImplicitDeny'],
  ['list own workspace', s3('s3:ListBucket', artifacts, { 's3:prefix': 'notebooks/team-a/' }), 'Allow'],
  ['list the other notebook\'s workspace', s3('s3:ListBucket', artifacts, { 's3:prefix': 'notebooks/team-b/' }), 'ImplicitDeny'],
  ['list every workspace', s3('s3:ListBucket', artifacts, { 's3:prefix': 'notebooks/' }), 'ImplicitDeny'],
  ['read own data prefix', s3('s3:GetObject', `${data}/datasets/a/part-0`), 'Allow'],
  ['write own read-only data prefix', s3('s3:PutObject', `${data}/datasets/a/part-0`), 'ImplicitDeny'],
  ['read the other notebook\'s data prefix', s3('s3:GetObject', `${data}/datasets/b/part-0`), 'ImplicitDeny'],
  ['list the other notebook\'s data prefix', s3('s3:ListBucket', data, { 's3:prefix': 'datasets/b/' }), 'ImplicitDeny'],
  ['launch a job as its SDK defaults do', trainingJob('a', jobGroup('A')), 'Allow'],
  ['launch a job in the other notebook\'s job group', trainingJob('a', jobGroup('B')), 'ImplicitDeny'],
  ['launch a job in both job groups', trainingJob('a', jobGroup('A'), { 'sagemaker:VpcSecurityGroupIds': [jobGroup('A'), jobGroup('B')] }), 'ImplicitDeny'],
  ['launch a job tagged as the other notebook\'s', trainingJob('b', jobGroup('A')), 'ImplicitDeny'],
  ['launch a job without network isolation', trainingJob('a', jobGroup('A'), { 'sagemaker:NetworkIsolation': 'false' }), 'ImplicitDeny'],
  ['pass own job role to SageMaker', { action: 'iam:PassRole', resource: jobRoleArn('A'), context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }, 'Allow'],
  ['pass the other notebook\'s job role', { action: 'iam:PassRole', resource: jobRoleArn('B'), context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }, 'ImplicitDeny'],
  ['pass the other notebook\'s own role', { action: 'iam:PassRole', resource: value(`${idOf('BRole', 'AWS::IAM::Role')}.Arn`), context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }, 'ImplicitDeny'],
  ['pass own job role to another service', { action: 'iam:PassRole', resource: jobRoleArn('A'), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }, 'ImplicitDeny'],
  ['stop own instance (auto-stop)', { action: 'sagemaker:StopNotebookInstance', resource: arn('sagemaker', 'notebook-instance/team-a') }, 'Allow'],
  ['stop the other notebook\'s instance', { action: 'sagemaker:StopNotebookInstance', resource: arn('sagemaker', 'notebook-instance/team-b') }, 'ImplicitDeny'],
  ['stop own job', { action: 'sagemaker:StopTrainingJob', resource: arn('sagemaker', 'training-job/x'), context: { [`aws:ResourceTag/${SecureNotebook.OWNER_TAG}`]: 'team-a' } }, 'Allow'],
  ['stop the other notebook\'s job', { action: 'sagemaker:StopTrainingJob', resource: arn('sagemaker', 'training-job/x'), context: { [`aws:ResourceTag/${SecureNotebook.OWNER_TAG}`]: 'team-b' } }, 'ImplicitDeny'],
  ['write own instance logs', { action: 'logs:PutLogEvents', resource: arn('logs', 'log-group:/aws/sagemaker/NotebookInstances:log-stream:team-a/jupyter.log') }, 'Allow'],
  ['write the other notebook\'s instance logs', { action: 'logs:PutLogEvents', resource: arn('logs', 'log-group:/aws/sagemaker/NotebookInstances:log-stream:team-b/jupyter.log') }, 'ImplicitDeny'],
];

const jobCases: Case[] = [
  ['read the notebook\'s workspace', s3('s3:GetObject', `${artifacts}/notebooks/team-a/train.csv`), 'Allow'],
  ['read the other notebook\'s workspace', s3('s3:GetObject', `${artifacts}/notebooks/team-b/train.csv`), 'ImplicitDeny'],
  ['read the notebook\'s data prefix', s3('s3:GetObject', `${data}/datasets/a/part-0`), 'Allow'],
  ['read the other notebook\'s data prefix', s3('s3:GetObject', `${data}/datasets/b/part-0`), 'ImplicitDeny'],
  ['create an interface with its job group', { action: 'ec2:CreateNetworkInterface', resource: `arn:aws:ec2:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:security-group/${jobGroup('A')}` }, 'Allow'],
  ['create an interface with the other notebook\'s job group', { action: 'ec2:CreateNetworkInterface', resource: `arn:aws:ec2:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:security-group/${jobGroup('B')}` }, 'ImplicitDeny'],
  ['launch a job of its own', trainingJob('a', jobGroup('A')), 'ImplicitDeny'],
  ['pass its own role on', { action: 'iam:PassRole', resource: jobRoleArn('A'), context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }, 'ImplicitDeny'],
  ['stop the notebook instance', { action: 'sagemaker:StopNotebookInstance', resource: arn('sagemaker', 'notebook-instance/team-a') }, 'ImplicitDeny'],
];

describe('notebooks sharing the environment\'s notebook policies stay apart', () => {
  test('the roles of both notebooks carry the shared policies (and the data policy of their own notebook only)', () => {
    const a = managedPoliciesOfRole(template, idOf('ARole', 'AWS::IAM::Role'));
    const b = managedPoliciesOfRole(template, idOf('BRole', 'AWS::IAM::Role'));
    const shared = a.filter((id) => b.includes(id));
    expect(shared.length).toBe(2);
    expect(a.filter((id) => !shared.includes(id))).toEqual([expect.stringMatching(/^ADataAccessPolicy/)]);
    expect(managedPoliciesOfRole(template, idOf('AJobRole', 'AWS::IAM::Role'))).toContain(a.find((id) => id.startsWith('ADataAccessPolicy')));
  });

  test.each(notebookCases)('code in notebook A (its role): %s', (_, request, expected) => {
    const { policies, tags } = principal('ARole');
    expect(evaluate(policies, { ...request, context: { ...request.context, ...tags } })).toBe(expected);
  });

  test.each(jobCases)('a compromised job container of notebook A (its job role): %s', (_, request, expected) => {
    const { policies, tags } = principal('AJobRole');
    expect(evaluate(policies, { ...request, context: { ...request.context, ...tags } })).toBe(expected);
  });

  test('a role that carries the shared policies without the notebook tags reaches no workspace, job, role or instance', () => {
    const { policies } = principal('ARole');
    for (const [, request] of notebookCases.filter(([, r]) => !r.resource?.startsWith(`${data}/`) && !(r.action === 's3:ListBucket' && r.resource === data))) {
      expect(evaluate(policies, request)).toBe('ImplicitDeny');
    }
  });
});
