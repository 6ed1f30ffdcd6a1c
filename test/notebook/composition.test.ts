import { isDeepStrictEqual } from 'util';
import { App, Resource, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SageMakerEnvironment, SecureNotebook } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { managedPoliciesOfRole } from '../helpers/template';

const SSO_ROLE_ARN = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef';

const PRESIGNED_STATEMENT = {
  Effect: 'Allow',
  Action: ['sagemaker:CreatePresignedNotebookInstanceUrl', 'sagemaker:DescribeNotebookInstance'],
  Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':notebook-instance/explore']] },
};

/** Managed policies of the template that hold `statement`. */
function policiesWith(t: Template, statement: object): any[] {
  return Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) =>
    p.Properties.PolicyDocument.Statement.some((s: any) => isDeepStrictEqual(s, statement)));
}

/** Names of the stacks `stack` depends on. */
function dependencyNames(stack: Stack): string[] {
  return stack.dependencies.map((s) => s.stackName);
}

describe('SecureNotebook composes with the rest of an app', () => {
  describe('a resource: connections and grantPrincipal', () => {
    let stack: Stack;
    let nb: SecureNotebook;
    let t: Template;
    beforeAll(() => {
      stack = newTestStack();
      nb = new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      const database = new ec2.SecurityGroup(stack, 'Database', { vpc: nb.environment.network.vpc, allowAllOutbound: false });
      database.connections.allowFrom(nb, ec2.Port.tcp(5432), 'Postgres from the notebook');
      const external = new s3.Bucket(stack, 'External');
      external.grantRead(nb);
      t = Template.fromStack(stack);
    });

    test('is a Resource, and keeps its logical IDs (the instance is still Nb<hash>)', () => {
      expect(Resource.isResource(nb)).toBe(true);
      expect(Object.keys(t.findResources('AWS::SageMaker::NotebookInstance'))).toEqual([expect.stringMatching(/^Nb[0-9A-F]{8}$/)]);
    });

    test('connections are the notebook security group only (jobs are network-isolated)', () => {
      expect(nb.connections.securityGroups).toEqual([nb.securityGroup]);
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Database'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NbSecurityGroup'), 'GroupId'] },
        FromPort: 5432,
      });
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NbSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Database'), 'GroupId'] },
        FromPort: 5432,
      });
    });

    test('grantPrincipal is the execution role: aws-cdk-lib grants land in its managed policies', () => {
      expect(nb.grantPrincipal).toBe(nb.role);
      const roleDocuments = JSON.stringify(stack.resolve(nb.role.permissionPolicies.map((p) => p.document.toJSON())));
      expect(roleDocuments).toMatch(/"Ref":"External[0-9A-F]{8}"|"External[0-9A-F]{8}","Arn"/);
      expect(t.findResources('AWS::IAM::Policy')).toEqual({});
    });
  });

  describe('grantPresignedUrl to any principal: customer-managed policies, never inline', () => {
    let stack: Stack;
    let t: Template;
    beforeAll(() => {
      stack = newTestStack();
      const nb = new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      nb.grantPresignedUrl(iam.Role.fromRoleArn(stack, 'ImportedMutable', 'arn:aws:iam::111111111111:role/imported-mutable', { mutable: true }));
      nb.grantPresignedUrl(iam.Role.fromRoleArn(stack, 'ImportedDefault', 'arn:aws:iam::111111111111:role/imported-default'));
      nb.grantPresignedUrl(new iam.User(stack, 'Alice'));
      nb.grantPresignedUrl(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
      nb.grantPresignedUrl(new iam.Group(stack, 'Team'));
      nb.grantPresignedUrl(iam.Role.fromRoleArn(stack, 'Sso', SSO_ROLE_ARN));
      t = Template.fromStack(stack);
    });

    test('no inline policy at all', () => {
      expect(t.findResources('AWS::IAM::Policy')).toEqual({});
    });

    test.each([
      ['an imported role (mutable)', { Roles: ['imported-mutable'] }],
      ['an imported role (default options)', { Roles: ['imported-default'] }],
      ['an iam.User', { Users: [{ Ref: Match.stringLikeRegexp('^Alice') }] }],
      ['a role the user created', { Roles: [{ Ref: Match.stringLikeRegexp('^Analyst') }] }],
      ['an iam.Group', { Groups: [{ Ref: Match.stringLikeRegexp('^Team') }] }],
    ])('%s gets a customer-managed policy attached to it', (_what, attachment) => {
      t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        ...attachment,
        PolicyDocument: { Statement: [PRESIGNED_STATEMENT] },
      });
    });

    test('an IAM Identity Center role gets an unattached, named policy for its permission set, and a warning', () => {
      const sso = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) =>
        p.Properties.Description?.includes('IAM Identity Center'));
      expect(sso).toHaveLength(1);
      expect(sso[0].Properties.Roles).toBeUndefined();
      expect(sso[0].Properties.ManagedPolicyName).toEqual(expect.stringMatching(/Sso/));
      expect(sso[0].Properties.PolicyDocument.Statement).toEqual([PRESIGNED_STATEMENT]);
      Annotations.fromStack(stack).hasWarning('/TestStack/Sso', Match.stringLikeRegexp('IdentityCenterRoleGrant|IAM Identity Center role'));
    });

    test('every grant produced exactly one policy (six principals, six policies holding the statement)', () => {
      expect(policiesWith(t, PRESIGNED_STATEMENT)).toHaveLength(6);
    });
  });

  test('the README snippet (environment, notebook, an imported role granted the URL from an IP range) is clean', () => {
    const stack = newTestStack('Ml');
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
    const dataScientistRole = iam.Role.fromRoleArn(stack, 'DataScientist', 'arn:aws:iam::111111111111:role/data-scientist');
    const notebook = new SecureNotebook(stack, 'Explore', {
      environment: env,
      dataAccess: [{ bucket: env.dataBucket, prefix: 'datasets/curated/' }],
    });
    notebook.grantPresignedUrl(dataScientistRole, { sourceIpRanges: ['203.0.113.0/24'] });
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: ['data-scientist'],
      PolicyDocument: { Statement: [Match.objectLike({ Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } } })] },
    });
  });

  describe('SecureNotebook.fromNotebookName', () => {
    test('grants the URL of a notebook deployed elsewhere, by its lowercase ARN', () => {
      const stack = newTestStack();
      const nb = SecureNotebook.fromNotebookName(stack, 'Deployed', 'Explore');
      expect(nb.notebookName).toBe('Explore');
      nb.grantPresignedUrl(new iam.User(stack, 'Alice'));
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Users: [{ Ref: Match.stringLikeRegexp('^Alice') }],
        PolicyDocument: { Statement: [PRESIGNED_STATEMENT] },
      });
    });

    test('fails on something that is not a notebook name, naming the prop', () => {
      const stack = newTestStack();
      expect(() => SecureNotebook.fromNotebookName(stack, 'Deployed', 'arn:aws:sagemaker:eu-west-1:111111111111:notebook-instance/explore'))
        .toThrow(/`notebookName`.*not a notebook instance name/);
    });
  });

  describe('multi-stack: environment in a platform stack, notebook in a team stack', () => {
    let app: App;
    let platform: Stack;
    let team: Stack;
    beforeAll(() => {
      app = newTestApp();
      platform = new Stack(app, 'Platform');
      const env = new SageMakerEnvironment(platform, 'Env');
      team = new Stack(app, 'Team');
      const nb = new SecureNotebook(team, 'Nb', {
        environment: env,
        dataAccess: [{ bucket: env.dataBucket, prefix: 'datasets/team/' }],
      });
      nb.grantPresignedUrl(new iam.Role(team, 'Human', { assumedBy: new iam.AccountRootPrincipal() }));
    });

    test('synthesizes without a dependency cycle; the team stack depends on the platform stack, not the reverse', () => {
      expect(() => app.synth()).not.toThrow();
      expect(dependencyNames(team)).toEqual(['Platform']);
      expect(dependencyNames(platform)).toEqual([]);
    });

    test('the notebook, its roles and its security groups are in the team stack', () => {
      const t = Template.fromStack(team);
      t.resourceCountIs('AWS::SageMaker::NotebookInstance', 1);
      t.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
        KmsKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('^Platform:') },
      });
      expect(Template.fromStack(platform).findResources('AWS::SageMaker::NotebookInstance')).toEqual({});
      expect(JSON.stringify(Template.fromStack(platform).toJSON())).not.toContain('Fn::ImportValue');
    });

    test('the shared notebook policies are created in the team stack, which the notebook roles carry', () => {
      const t = Template.fromStack(team).toJSON();
      const shared = Object.keys(t.Resources).filter((id) => /^NotebookPolicies.*(NotebookPolicy|JobLaunchPolicy|JobPolicy)/.test(id));
      expect(shared).toHaveLength(3);
      const roleIds = Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::IAM::Role' && /^Nb(Job)?Role/.test(id));
      expect(roleIds).toHaveLength(2);
      const carried = roleIds.flatMap((id) => managedPoliciesOfRole(t, id));
      expect(shared.every((id) => carried.includes(id))).toBe(true);
      expect(Object.keys(Template.fromStack(platform).findResources('AWS::IAM::ManagedPolicy')).filter((id) => id.includes('NotebookPolicies'))).toEqual([]);
    });
  });

  describe('names', () => {
    test('two notebooks with the same name in one account and Region fail, naming the prop', () => {
      const app = newTestApp();
      const where = { env: { account: '111111111111', region: 'eu-west-1' } };
      new SecureNotebook(new Stack(app, 'A', where), 'Nb', { notebookName: 'explore' });
      expect(() => new SecureNotebook(new Stack(app, 'B', where), 'Nb', { notebookName: 'Explore' }))
        .toThrow(/notebook instance name 'Explore'.*`notebookName`/);
    });

    test('the same name in two Regions is fine', () => {
      const app = newTestApp();
      new SecureNotebook(new Stack(app, 'A', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Nb', { notebookName: 'explore' });
      expect(() => new SecureNotebook(new Stack(app, 'B', { env: { account: '111111111111', region: 'us-east-1' } }), 'Nb', { notebookName: 'explore' })).not.toThrow();
    });
  });

  test('tags the stack applies reach the notebook instance', () => {
    const stack = newTestStack();
    new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
    Tags.of(stack).add('team', 'a');
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      Tags: Match.arrayWith([{ Key: 'team', Value: 'a' }]),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      Tags: Match.arrayWith([{ Key: SecureNotebook.OWNER_TAG, Value: 'explore' }]),
    });
  });
});
