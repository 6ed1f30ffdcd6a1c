import { App, Resource, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SageMakerEnvironment, SageMakerWorkloadRole, SecureStudioDomain, SecureUserProfile } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

const SSO_ROLE_ARN = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef';

function nfsEgress(t: Template): any[] {
  return Object.values(t.findResources('AWS::EC2::SecurityGroup'))
    .flatMap((sg: any) => sg.Properties.SecurityGroupEgress ?? [])
    .filter((rule: any) => rule.FromPort === 2049);
}

describe('SecureStudioDomain and SecureUserProfile compose with the rest of an app', () => {
  describe('resources: connections and grantPrincipal', () => {
    let stack: Stack;
    let domain: SecureStudioDomain;
    let alice: SecureUserProfile;
    let bob: SecureUserProfile;
    let t: Template;
    beforeAll(() => {
      stack = newTestStack();
      domain = new SecureStudioDomain(stack, 'Studio', { domainName: 'research' });
      alice = domain.addUserProfile('alice');
      bob = domain.addUserProfile('bob', { role: iam.Role.fromRoleArn(stack, 'BobRole', 'arn:aws:iam::111111111111:role/bob') });
      const database = new ec2.SecurityGroup(stack, 'Database', { vpc: domain.environment.network.vpc, allowAllOutbound: false });
      database.connections.allowFrom(domain, ec2.Port.tcp(5432), 'Postgres from Studio apps');
      const shared = new s3.Bucket(stack, 'Shared');
      shared.grantRead(domain);
      new s3.Bucket(stack, 'AliceOnly').grantRead(alice);
      new s3.Bucket(stack, 'BobOnly').grantRead(bob);
      t = Template.fromStack(stack);
    });

    test('both are Resources, and the domain keeps its logical ID', () => {
      expect(Resource.isResource(domain)).toBe(true);
      expect(Resource.isResource(alice)).toBe(true);
      expect(Object.keys(t.findResources('AWS::SageMaker::Domain'))).toEqual([expect.stringMatching(/^Studio[0-9A-F]{8}$/)]);
    });

    test('connections are the domain app security group, for the domain and each profile', () => {
      expect(domain.connections.securityGroups).toEqual([domain.securityGroup]);
      expect(alice.connections.securityGroups).toEqual([domain.securityGroup]);
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Database'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StudioSecurityGroup'), 'GroupId'] },
        FromPort: 5432,
      });
    });

    test('a grant to the domain lands in the shared data policy every user role carries; the default role stays empty', () => {
      const data = JSON.stringify(stack.resolve(domain.dataPolicy.document.toJSON()));
      expect(data).toMatch(/Shared[0-9A-F]{8}/);
      expect(data).not.toMatch(/AliceOnly|BobOnly/);
      expect(domain.defaultRole.permissionPolicies).toEqual([]);
      // Both users carry the data policy: Alice's own role and Bob's imported one.
      t.hasResourceProperties('AWS::IAM::Role', {
        Tags: Match.arrayWith([{ Key: SecureStudioDomain.USER_TAG, Value: 'alice' }]),
        ManagedPolicyArns: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^StudioUserDataPolicy') }]),
      });
      t.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['bob'], PolicyDocument: Match.objectLike({}) });
    });

    test('a grant to a profile goes to that user only: its own role, or a managed policy attached to the role it was given', () => {
      expect(alice.grantPrincipal).toBe(alice.role);
      expect(JSON.stringify(stack.resolve((alice.role as SageMakerWorkloadRole).permissionPolicies.map((p) => p.document.toJSON())))).toMatch(/AliceOnly/);
      const bobPolicies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) =>
        isDeep(p.Properties.Roles, ['bob']) && JSON.stringify(p.Properties.PolicyDocument).includes('BobOnly'));
      expect(bobPolicies).toHaveLength(1);
      expect(t.findResources('AWS::IAM::Policy')).toEqual({});
    });

    test('the domain is not a principal a resource policy can name: a clear error', () => {
      expect(() => domain.grantPrincipal.policyFragment).toThrow(/no principal of their own.*`profile.role`/);
    });
  });

  describe('grantPresignedDomainUrl to any principal: customer-managed policies, never inline', () => {
    let stack: Stack;
    let t: Template;
    beforeAll(() => {
      stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      const alice = domain.addUserProfile('alice');
      domain.grantPresignedDomainUrl(iam.Role.fromRoleArn(stack, 'ImportedMutable', 'arn:aws:iam::111111111111:role/imported-mutable', { mutable: true }), alice);
      domain.grantPresignedDomainUrl(iam.Role.fromRoleArn(stack, 'ImportedDefault', 'arn:aws:iam::111111111111:role/imported-default'), alice);
      domain.grantPresignedDomainUrl(new iam.User(stack, 'AliceUser'), alice, { sourceIpRanges: ['203.0.113.0/24'] });
      domain.grantPresignedDomainUrl(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }), alice);
      domain.grantPresignedDomainUrl(iam.Role.fromRoleArn(stack, 'Sso', SSO_ROLE_ARN), alice);
      t = Template.fromStack(stack);
    });

    test('no inline policy at all', () => {
      expect(t.findResources('AWS::IAM::Policy')).toEqual({});
    });

    test.each([
      ['an imported role (mutable)', { Roles: ['imported-mutable'] }],
      ['an imported role (default options)', { Roles: ['imported-default'] }],
      ['an iam.User', { Users: [{ Ref: Match.stringLikeRegexp('^AliceUser') }] }],
      ['a role the user created', { Roles: [{ Ref: Match.stringLikeRegexp('^Analyst') }] }],
    ])('%s gets a customer-managed policy attached to it', (_what, attachment) => {
      t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        ...attachment,
        PolicyDocument: { Statement: [Match.objectLike({ Action: 'sagemaker:CreatePresignedDomainUrl' })] },
      });
    });

    test('an IAM Identity Center role gets an unattached, named policy and a warning', () => {
      const sso = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) =>
        p.Properties.Description?.includes('IAM Identity Center'));
      expect(sso).toHaveLength(1);
      expect(sso[0].Properties.Roles).toBeUndefined();
      expect(sso[0].Properties.ManagedPolicyName).toEqual(expect.any(String));
      expect(sso[0].Properties.PolicyDocument.Statement).toEqual([expect.objectContaining({ Action: 'sagemaker:CreatePresignedDomainUrl' })]);
      Annotations.fromStack(stack).hasWarning('/TestStack/Sso', Match.stringLikeRegexp('IAM Identity Center role'));
    });

  });

  test('a domain granted a data prefix, whose profile an imported role opens from an IP range, has zero unacknowledged findings', () => {
    const stack = newTestStack();
    const domain = new SecureStudioDomain(stack, 'Studio');
    const alice = domain.addUserProfile('alice');
    domain.environment.dataBucket.grantRead(domain, 'datasets/shared/');
    domain.grantPresignedDomainUrl(iam.Role.fromRoleArn(stack, 'DataScientist', 'arn:aws:iam::111111111111:role/data-scientist'), alice, { sourceIpRanges: ['203.0.113.0/24'] });
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  describe('an imported VPC', () => {
    function importedVpc(stack: Stack, attrs: Partial<ec2.VpcAttributes> = {}): ec2.IVpc {
      return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        isolatedSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
        ...attrs,
      });
    }
    const where = { env: { account: '111111111111', region: 'eu-west-1' } };

    test('without any CIDR: synthesizes, relies on the NFS group SageMaker adds, and says so', () => {
      const stack = newTestStack('TestStack', where);
      const env = new SageMakerEnvironment(stack, 'Env', { vpc: importedVpc(stack) });
      new SecureStudioDomain(stack, 'Studio', { environment: env });
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::SageMaker::Domain', 1);
      expect(nfsEgress(t)).toEqual([]);
      Annotations.fromStack(stack).hasInfo('/TestStack/Studio', Match.stringLikeRegexp('NFS security group SageMaker adds'));
    });

    test('with subnet CIDRs only: NFS to each domain subnet', () => {
      const stack = newTestStack('TestStack', where);
      const vpc = importedVpc(stack, { isolatedSubnetIpv4CidrBlocks: ['10.1.0.0/24', '10.1.1.0/24'] });
      new SecureStudioDomain(stack, 'Studio', { environment: new SageMakerEnvironment(stack, 'Env', { vpc }) });
      expect(nfsEgress(Template.fromStack(stack)).map((r) => r.CidrIp)).toEqual(['10.1.0.0/24', '10.1.1.0/24']);
    });

    test('with the VPC CIDR: one NFS rule to the VPC', () => {
      const stack = newTestStack('TestStack', where);
      const vpc = importedVpc(stack, { vpcCidrBlock: '10.1.0.0/16' });
      new SecureStudioDomain(stack, 'Studio', { environment: new SageMakerEnvironment(stack, 'Env', { vpc }) });
      expect(nfsEgress(Template.fromStack(stack)).map((r) => r.CidrIp)).toEqual(['10.1.0.0/16']);
    });
  });

  describe('multi-stack: environment in a platform stack, a domain with two profiles in a team stack', () => {
    let app: App;
    let platform: Stack;
    let team: Stack;
    beforeAll(() => {
      app = newTestApp();
      platform = new Stack(app, 'Platform');
      const env = new SageMakerEnvironment(platform, 'Env');
      team = new Stack(app, 'Team');
      const domain = new SecureStudioDomain(team, 'Studio', { environment: env });
      const alice = domain.addUserProfile('alice');
      domain.addUserProfile('bob');
      domain.grantPresignedDomainUrl(new iam.Role(team, 'Human', { assumedBy: new iam.AccountRootPrincipal() }), alice);
    });

    test('synthesizes without a dependency cycle; only the team stack depends on the other', () => {
      expect(() => app.synth()).not.toThrow();
      expect(team.dependencies.map((s) => s.stackName)).toEqual(['Platform']);
      expect(platform.dependencies).toEqual([]);
      expect(JSON.stringify(Template.fromStack(platform).toJSON())).not.toContain('Fn::ImportValue');
    });

    test('the domain and its profiles live in the team stack', () => {
      const t = Template.fromStack(team);
      t.resourceCountIs('AWS::SageMaker::Domain', 1);
      t.resourceCountIs('AWS::SageMaker::UserProfile', 2);
      t.hasResourceProperties('AWS::SageMaker::Domain', { KmsKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('^Platform:') } });
    });
  });

  describe('names', () => {
    const where = { env: { account: '111111111111', region: 'eu-west-1' } };

    test('two domains with the same name in one account and Region fail, naming the prop', () => {
      const app = newTestApp();
      new SecureStudioDomain(new Stack(app, 'A', where), 'Studio', { domainName: 'research' });
      expect(() => new SecureStudioDomain(new Stack(app, 'B', where), 'Studio', { domainName: 'research' }))
        .toThrow(/Studio domain name 'research'.*`domainName`/);
    });
  });

  describe('tags', () => {
    let t: Template;
    beforeAll(() => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio', { domainName: 'research' });
      domain.addUserProfile('alice');
      Tags.of(stack).add('team', 'a');
      t = Template.fromStack(stack);
    });

    test.each(['AWS::SageMaker::Domain', 'AWS::SageMaker::UserProfile'])('tags the stack applies reach %s', (type) => {
      t.hasResourceProperties(type, { Tags: Match.arrayWith([{ Key: 'team', Value: 'a' }]) });
    });

    test('custom tag propagation is on, so those tags reach what users create from Studio', () => {
      t.hasResourceProperties('AWS::SageMaker::Domain', { TagPropagation: 'ENABLED' });
    });
  });
});

function isDeep(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
