import { App, CfnParameter, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { studioScale } from '../../bench/studio';
import { SageMakerEndpointService, SageMakerEnvironment, SecureStudioDomain, SecureUserProfile, StudioAuthMode } from '../../lib';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { render } from '../helpers/template';

function resourcesOf(stack: Stack, type: string, idPrefix = ''): Array<[string, any]> {
  return Object.entries(Template.fromStack(stack).findResources(type)).filter(([id]) => id.startsWith(idPrefix));
}

function domainOf(stack: Stack): any {
  return resourcesOf(stack, 'AWS::SageMaker::Domain')[0][1];
}

function statementsOf(stack: Stack, idPrefix: string): any[] {
  const entries = resourcesOf(stack, 'AWS::IAM::ManagedPolicy', idPrefix);
  expect(entries).toHaveLength(1);
  return entries[0][1].Properties.PolicyDocument.Statement;
}

function lifecycleScript(stack: Stack): string {
  return render(resourcesOf(stack, 'AWS::SageMaker::StudioLifecycleConfig')[0][1].Properties.StudioLifecycleConfigContent);
}

const DOMAIN_ID = '<Studio43727D10.DomainId>';


/** The customer-managed policy that holds the library's grants to a role of the test (never an inline policy). */
function grantPolicyOf(stack: Stack, roleIdPrefix: string): any {
  const t = Template.fromStack(stack);
  expect(t.findResources('AWS::IAM::Policy')).toEqual({});
  const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) =>
    JSON.stringify(p.Properties.Roles ?? []).includes(`"${roleIdPrefix}`));
  expect(policies).toHaveLength(1);
  return policies[0];
}

describe('SecureStudioDomain', () => {
  describe('secure defaults', () => {
    test('a domain with users has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      domain.addUserProfile('alice');
      domain.addUserProfile('bob');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('VpcOnly in the environment subnets, home EFS encrypted with the environment key, IAM auth, source identity, Docker off', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { domainName: 'research' });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Domain', {
        DomainName: 'research',
        AuthMode: 'IAM',
        AppNetworkAccessType: 'VpcOnly',
        VpcId: { Ref: Match.stringLikeRegexp('SecureSageMakerEnvironmentNetworkVpc') },
        SubnetIds: [{ Ref: Match.stringLikeRegexp('Subnet1') }, { Ref: Match.stringLikeRegexp('Subnet2') }],
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
        DomainSettings: {
          ExecutionRoleIdentityConfig: 'USER_PROFILE_NAME',
          DockerSettings: { EnableDockerAccess: 'DISABLED' },
          SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^StudioSecurityGroup'), 'GroupId'] }],
        },
      });
    });

    test('JupyterLab by default, with idle shutdown after 60 minutes that users cannot raise, the lifecycle config attached, sharing off', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio');
      const settings = domainOf(stack).Properties.DefaultUserSettings;
      expect(settings).toEqual({
        ExecutionRole: { 'Fn::GetAtt': [expect.stringMatching(/^StudioDefaultRole/), 'Arn'] },
        SecurityGroups: [{ 'Fn::GetAtt': [expect.stringMatching(/^StudioSecurityGroup/), 'GroupId'] }],
        DefaultLandingUri: 'studio::',
        StudioWebPortal: 'ENABLED',
        JupyterLabAppSettings: {
          AppLifecycleManagement: {
            IdleSettings: { LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 60, MinIdleTimeoutInMinutes: 60, MaxIdleTimeoutInMinutes: 60 },
          },
          LifecycleConfigArns: [{ 'Fn::GetAtt': [expect.stringMatching(/^StudioLifecycleConfig/), 'StudioLifecycleConfigArn'] }],
          DefaultResourceSpec: {
            InstanceType: 'ml.t3.medium',
            LifecycleConfigArn: { 'Fn::GetAtt': [expect.stringMatching(/^StudioLifecycleConfig/), 'StudioLifecycleConfigArn'] },
          },
        },
        SharingSettings: { NotebookOutputOption: 'Disabled' },
      });
    });

    test('the domain and its user profiles are retained', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio').addUserProfile('alice');
      const t = Template.fromStack(stack);
      t.hasResource('AWS::SageMaker::Domain', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      t.hasResource('AWS::SageMaker::UserProfile', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('the domain security group admits only itself and sends only NFS in the VPC, HTTPS to the endpoints and to S3', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio');
      const t = Template.fromStack(stack);
      const [, sg] = resourcesOf(stack, 'AWS::EC2::SecurityGroup', 'StudioSecurityGroup')[0];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/NetworkVpc/), 'CidrBlock'] }, Description: expect.stringMatching(/^NFS/), FromPort: 2049, IpProtocol: 'tcp', ToPort: 2049 },
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
        .filter((r: any) => JSON.stringify(r.Properties.GroupId).includes('StudioSecurityGroup'));
      // Users of one domain share the group: only the documented app ports are open within it, not all traffic.
      expect(ingress).toEqual([expect.objectContaining({
        Properties: expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 8192,
          ToPort: 65535,
          SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^StudioSecurityGroup/), 'GroupId'] },
        }),
      })]);
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StudioSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] },
        FromPort: 443,
        ToPort: 443,
      });
    });

    test('requires the endpoints Studio needs, and the S3 gateway', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureStudioDomain(stack, 'Studio');
      expect(env.network.endpointServiceNames).toEqual(['sagemaker.api', 'sagemaker.runtime', 'studio', 'sts', 'logs', 'ecr.api', 'ecr.dkr']);
      Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 8);
    });

    test('the JupyterLab lifecycle configuration writes the SDK defaults to the user config, with a per-user prefix', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { domainName: 'research' });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::StudioLifecycleConfig', {
        StudioLifecycleConfigAppType: 'JupyterLab',
        StudioLifecycleConfigName: 'research-sdk-defaults',
      });
      const script = lifecycleScript(stack);
      expect(script).toContain('cat > "$HOME/.config/sagemaker/config.yaml" <<\'SDKCONFIG\'');
      expect(script).toContain('sed -i "s/__SECURE_SAGEMAKER_STUDIO_USER__/${STUDIO_USER}/g" "$HOME/.config/sagemaker/config.yaml"');
      expect(script).toContain("describe_space(DomainId=m['DomainId'], SpaceName=m['SpaceName'])");
      const config = JSON.parse(script.slice(script.indexOf("<<'SDKCONFIG'\n") + 14, script.indexOf('\nSDKCONFIG')));
      const training = config.SageMaker.TrainingJob;
      expect(training.EnableNetworkIsolation).toBe(true);
      expect(training.EnableInterContainerTrafficEncryption).toBe(true);
      expect(training.VpcConfig.Subnets).toEqual([expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)]);
      expect(training.VpcConfig.SecurityGroupIds).toEqual([expect.stringMatching(/^<StudioJobSecurityGroup.*\.GroupId>$/)]);
      expect(training.ResourceConfig.VolumeKmsKeyId).toMatch(/SecureSageMakerEnvironmentKey.*\.Arn/);
      // the ownership tag, and the environment tag that guardrails may require
      expect(training.Tags).toEqual([
        { Key: 'secure-sagemaker:studio-domain', Value: 'research' },
        { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
      ]);
      expect(training.RoleArn).toBeUndefined();
      expect(config.SageMaker.PythonSDK.Modules.Session).toEqual({
        DefaultS3Bucket: expect.stringMatching(/ArtifactsBucket/),
        DefaultS3ObjectKeyPrefix: 'studio/research/users/__SECURE_SAGEMAKER_STUDIO_USER__/sdk',
      });
    });

    test('every user gets a role of their own carrying only the two shared policies: two resources per user', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      domain.addUserProfile('alice');
      const oneUser = newTestStack();
      new SecureStudioDomain(oneUser, 'Studio').addUserProfile('alice');
      const bob = domain.addUserProfile('bob');
      const t = Template.fromStack(stack);
      expect(Object.keys(t.toJSON().Resources).length - Object.keys(Template.fromStack(oneUser).toJSON().Resources).length).toBe(2);
      const [, role] = resourcesOf(stack, 'AWS::IAM::Role', 'StudioUserbobRole')[0];
      expect(role.Properties.Policies).toBeUndefined();
      expect(role.Properties.ManagedPolicyArns).toEqual([{ Ref: expect.stringMatching(/^StudioUserPolicy/) }, { Ref: expect.stringMatching(/^StudioUserDataPolicy/) }]);
      expect(role.Properties.Tags).toEqual(expect.arrayContaining([{ Key: SecureStudioDomain.USER_TAG, Value: 'bob' }]));
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
        { Action: 'sts:SetSourceIdentity', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
      ]);
      t.hasResourceProperties('AWS::SageMaker::UserProfile', {
        UserProfileName: 'bob',
        DomainId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Studio'), 'DomainId'] },
        UserSettings: { ExecutionRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StudioUserbobRole'), 'Arn'] } },
      });
      expect(domain.userProfiles.map((p) => p.userProfileName)).toEqual(['alice', 'bob']);
      expect(render(stack.resolve(bob.userProfileArn))).toBe(`arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:user-profile/${DOMAIN_ID}/bob`);
    });

    test('the default execution role has no permissions', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio');
      const [, role] = resourcesOf(stack, 'AWS::IAM::Role', 'StudioDefaultRole')[0];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    });

    test('the shared user policy: own profile, own private spaces and their apps, instance type guardrail', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio');
      const statements = statementsOf(stack, 'StudioUserPolicy');
      const arn = (type: string, name: string) => `arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:${type}/${name}`;
      const ownProfile = arn('user-profile', `${DOMAIN_ID}/\${sagemaker:UserProfileName}`);
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(Object.keys(bySid)).toEqual([
        'DescribeThisDomain', 'DescribeOwnUserProfile', 'ListStudioSpacesAndApps', 'DescribeSpacesOfThisDomain', 'DescribeAppsOfThisDomain',
        'ManageOwnPrivateSpaces', 'ManageAppsInOwnPrivateSpaces', 'TagSpacesAndAppsAtCreation', 'AllowedAppInstanceTypesOnly',
      ]);
      expect(render(bySid.DescribeThisDomain.Resource)).toBe(arn('domain', DOMAIN_ID));
      expect(render(bySid.DescribeOwnUserProfile.Resource)).toBe(ownProfile);
      expect(bySid.ListStudioSpacesAndApps).toMatchObject({ Action: ['sagemaker:ListApps', 'sagemaker:ListSpaces'], Resource: '*' });
      for (const sid of ['ManageOwnPrivateSpaces', 'ManageAppsInOwnPrivateSpaces']) {
        expect(bySid[sid].Effect).toBe('Allow');
        expect(render(bySid[sid].Condition.ArnEquals['sagemaker:OwnerUserProfileArn'])).toBe(ownProfile);
        expect(bySid[sid].Condition.StringEquals).toEqual({ 'sagemaker:SpaceSharingType': 'Private' });
      }
      expect(bySid.ManageOwnPrivateSpaces.Action).toEqual(['sagemaker:CreateSpace', 'sagemaker:UpdateSpace', 'sagemaker:DeleteSpace']);
      expect(render(bySid.ManageOwnPrivateSpaces.Resource)).toBe(arn('space', `${DOMAIN_ID}/*`));
      expect(bySid.ManageAppsInOwnPrivateSpaces.Action).toEqual(['sagemaker:CreateApp', 'sagemaker:DeleteApp']);
      expect(render(bySid.ManageAppsInOwnPrivateSpaces.Resource)).toBe(arn('app', `${DOMAIN_ID}/*`));
      expect(bySid.TagSpacesAndAppsAtCreation.Condition).toEqual({ StringEquals: { 'sagemaker:TaggingAction': ['CreateSpace', 'CreateApp'] } });
      expect(bySid.AllowedAppInstanceTypesOnly).toEqual({
        Sid: 'AllowedAppInstanceTypesOnly',
        Effect: 'Deny',
        Action: 'sagemaker:CreateApp',
        Resource: '*',
        Condition: {
          'ForAnyValue:StringNotLike': {
            'sagemaker:InstanceTypes': ['system', 'ml.t3.medium', 'ml.t3.large', 'ml.t3.xlarge', 'ml.m5.large', 'ml.m5.xlarge', 'ml.m5.2xlarge', 'ml.c5.large', 'ml.c5.xlarge'],
          },
        },
      });
    });

    test('the shared data policy: each user\'s own S3 prefix (by the role\'s user tag) and the domain\'s log streams', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { domainName: 'research' });
      const statements = statementsOf(stack, 'StudioUserDataPolicy');
      const objects = statements.filter((s) => [s.Action].flat().includes('s3:GetObject'));
      expect(objects.map((s) => render(s.Resource))).toEqual([
        expect.stringMatching(/^<SecureSageMakerEnvironmentArtifactsBucket.*\.Arn>\/studio\/research\/users\/\$\{aws:PrincipalTag\/secure-sagemaker-studio-user\}\/\*$/),
      ]);
      const list = statements.find((s) => s.Action === 's3:ListBucket');
      expect(list.Condition).toEqual({ StringLike: { 's3:prefix': 'studio/research/users/${aws:PrincipalTag/secure-sagemaker-studio-user}/*' } });
      const streams = statements.find((s) => s.Sid === 'StudioLogStreamsOfThisDomain');
      expect(render(streams.Resource)).toBe(`arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/studio:log-stream:${DOMAIN_ID}/*`);
      expect(statements.some((s) => JSON.stringify(s).includes('shared-notebooks'))).toBe(false);
    });

    test('policies in the template pass the least-privilege check', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio', { enableNotebookOutputSharing: true });
      domain.addUserProfile('alice');
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });

    test('warns when the domain subnets span one Availability Zone', () => {
      const stack = newTestStack('TestStack', { env: { account: '111122223333', region: 'eu-west-1' } });
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.0.0.0/16',
        availabilityZones: ['eu-west-1a'],
        isolatedSubnetIds: ['subnet-0123456789abcdef0'],
        isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef0'],
      });
      const environment = new SageMakerEnvironment(stack, 'Env', { vpc });
      new SecureStudioDomain(stack, 'Studio', { environment });
      Annotations.fromStack(stack).hasWarning('/TestStack/Studio', Match.stringLikeRegexp('single Availability Zone'));
    });

    test('tags the domain with its name', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { domainName: 'research' });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Domain', {
        Tags: Match.arrayWith([{ Key: SecureStudioDomain.DOMAIN_TAG, Value: 'research' }]),
      });
    });
  });

  describe('acknowledgements', () => {
    test('every acknowledgement silences a real finding, with every option on', () => {
      const stack = newTestStack();
      const shared = new iam.Role(stack, 'Shared', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const domain = new SecureStudioDomain(stack, 'Studio', {
        idleTimeout: Duration.minutes(0),
        allowDockerAccess: true,
        enableNotebookOutputSharing: true,
        removalPolicy: RemovalPolicy.DESTROY,
        requiredAppTagKeys: ['team'],
      });
      domain.addUserProfile('alice');
      domain.addUserProfile('bob', { role: shared });
      domain.addUserProfile('carol', { role: shared });
      expect(declaredAcknowledgements(stack).length).toBeGreaterThan(5);
      expect(unneededAcknowledgements(stack)).toEqual([]);
    });
  });

  describe('opt-outs and options', () => {
    test('idleTimeout 0 turns idle shutdown off, warned and acknowledged', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { idleTimeout: Duration.minutes(0) });
      expect(domainOf(stack).Properties.DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement).toEqual({ IdleSettings: { LifecycleManagement: 'DISABLED' } });
      Annotations.fromStack(stack).hasWarning('/TestStack/Studio', Match.stringLikeRegexp('idleTimeout is 0'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('a custom idle timeout is the default and the maximum', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { idleTimeout: Duration.hours(3) });
      expect(domainOf(stack).Properties.DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings).toEqual({
        LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 180, MinIdleTimeoutInMinutes: 60, MaxIdleTimeoutInMinutes: 180,
      });
    });

    test('allowDockerAccess is honoured, warned and acknowledged', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { allowDockerAccess: true });
      expect(domainOf(stack).Properties.DomainSettings.DockerSettings).toEqual({ EnableDockerAccess: 'ENABLED' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Studio', Match.stringLikeRegexp('allowDockerAccess is set'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('enableNotebookOutputSharing shares to an encrypted prefix of the artifacts bucket, granted to users, and is warned', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { domainName: 'research', enableNotebookOutputSharing: true });
      const sharing = domainOf(stack).Properties.DefaultUserSettings.SharingSettings;
      expect(sharing.NotebookOutputOption).toBe('Allowed');
      expect(render(sharing.S3OutputPath)).toMatch(/^s3:\/\/<SecureSageMakerEnvironmentArtifactsBucket.*>\/studio\/research\/shared-notebooks\/$/);
      expect(render(sharing.S3KmsKeyId)).toMatch(/^<SecureSageMakerEnvironmentKey.*\.Arn>$/);
      const objects = statementsOf(stack, 'StudioUserDataPolicy').filter((s) => [s.Action].flat().includes('s3:PutObject')).map((s) => render(s.Resource));
      expect(objects).toEqual([expect.stringMatching(/\/users\//), expect.stringMatching(/\/studio\/research\/shared-notebooks\/\*$/)]);
      Annotations.fromStack(stack).hasWarning('/TestStack/Studio', Match.stringLikeRegexp('enableNotebookOutputSharing is set'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('removalPolicy DESTROY is honoured for the domain and profiles, warned and acknowledged', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { removalPolicy: RemovalPolicy.DESTROY }).addUserProfile('alice');
      const t = Template.fromStack(stack);
      t.hasResource('AWS::SageMaker::Domain', { DeletionPolicy: 'Delete' });
      t.hasResource('AWS::SageMaker::UserProfile', { DeletionPolicy: 'Delete' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Studio', Match.stringLikeRegexp('removalPolicy is destroy'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('IAM Identity Center: SSO auth, each profile names its Identity Center user', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { authMode: StudioAuthMode.SSO }).addUserProfile('alice', { ssoUserName: 'alice@example.com' });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::SageMaker::Domain', { AuthMode: 'SSO' });
      t.hasResourceProperties('AWS::SageMaker::UserProfile', { SingleSignOnUserIdentifier: 'UserName', SingleSignOnUserValue: 'alice@example.com' });
    });

    test('an existing role is used instead of a new one, and gets the shared policies', () => {
      const stack = newTestStack();
      const role = new iam.Role(stack, 'Existing', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const profile = new SecureStudioDomain(stack, 'Studio').addUserProfile('alice', { role });
      expect(profile.role).toBe(role);
      const t = Template.fromStack(stack);
      expect(resourcesOf(stack, 'AWS::IAM::Role', 'StudioUseralice')).toEqual([]);
      t.hasResourceProperties('AWS::SageMaker::UserProfile', { UserSettings: { ExecutionRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Existing'), 'Arn'] } } });
      for (const id of ['StudioUserPolicy', 'StudioUserDataPolicy']) {
        expect(resourcesOf(stack, 'AWS::IAM::ManagedPolicy', id)[0][1].Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^Existing/) }]);
      }
    });

    test('a role shared by two profiles is honoured, warned and acknowledged on both', () => {
      const stack = newTestStack();
      const role = new iam.Role(stack, 'Shared', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const domain = new SecureStudioDomain(stack, 'Studio');
      domain.addUserProfile('alice', { role });
      domain.addUserProfile('bob', { role });
      Annotations.fromStack(stack).hasWarning('/TestStack/Studio/User-bob', Match.stringLikeRegexp("uses the same role as 'alice'"));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('allowedInstanceTypes, defaultInstanceType and requiredAppTagKeys are honoured', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { allowedInstanceTypes: ['ml.m5.*', 'ml.g5.xlarge'], defaultInstanceType: 'ml.m5.large', requiredAppTagKeys: ['team', 'cost-center'] });
      expect(domainOf(stack).Properties.DefaultUserSettings.JupyterLabAppSettings.DefaultResourceSpec.InstanceType).toBe('ml.m5.large');
      const statements = statementsOf(stack, 'StudioUserPolicy');
      expect(statements.find((s) => s.Sid === 'AllowedAppInstanceTypesOnly').Condition['ForAnyValue:StringNotLike']['sagemaker:InstanceTypes'])
        .toEqual(['system', 'ml.m5.*', 'ml.g5.xlarge']);
      expect(statements.filter((s) => s.Sid?.startsWith('RequiredAppTag'))).toEqual([
        { Sid: 'RequiredAppTag1', Effect: 'Deny', Action: 'sagemaker:CreateApp', Resource: '*', Condition: { Null: { 'aws:RequestTag/team': 'true' } } },
        { Sid: 'RequiredAppTag2', Effect: 'Deny', Action: 'sagemaker:CreateApp', Resource: '*', Condition: { Null: { 'aws:RequestTag/cost-center': 'true' } } },
      ]);
    });

    test('extra lifecycle commands are appended', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { extraLifecycleCommands: ['echo ready'] });
      expect(lifecycleScript(stack).trimEnd().endsWith('echo ready')).toBe(true);
    });
  });

  describe('validation', () => {
    test.each([['-alice'], ['alice-'], ['al ice'], ['al_ice'], ['a'.repeat(64)], ['']])('fails on user profile name %p', (name) => {
      const domain = new SecureStudioDomain(newTestStack(), 'Studio');
      expect(() => domain.addUserProfile(name)).toThrow(/`userProfileName`.*\^\[a-zA-Z0-9\]/);
    });

    test.each([['a'], ['Alice'], ['data--team-7'], ['a'.repeat(63)]])('accepts user profile name %p', (name) => {
      const domain = new SecureStudioDomain(newTestStack(), 'Studio');
      expect(() => domain.addUserProfile(name)).not.toThrow();
    });

    test('fails on a duplicate user profile name, also through SecureUserProfile', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      domain.addUserProfile('alice');
      expect(() => new SecureUserProfile(stack, 'Again', { domain, userProfileName: 'alice' })).toThrow(/user profile 'alice' already exists/);
    });

    test('fails at synth when the users do not fit in the stack, saying how many fit and how to split', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      for (let i = 0; i < 240; i++) {
        domain.addUserProfile(`user-${i}`);
      }
      expect(() => (stack.node.root as App).synth())
        .toThrow(/has 5\d\d CloudFormation resources, over the limit of 500: its 240 Studio user profiles take 480 .* at most 2\d\d users\. Create the other \d+ users in a second stack/);
    });

    test('fails with SSO and no ssoUserName, and with IAM and an ssoUserName', () => {
      const sso = new SecureStudioDomain(newTestStack(), 'Studio', { authMode: StudioAuthMode.SSO });
      expect(() => sso.addUserProfile('alice')).toThrow(/needs `ssoUserName`/);
      const iamDomain = new SecureStudioDomain(newTestStack(), 'Studio');
      expect(() => iamDomain.addUserProfile('alice', { ssoUserName: 'alice' })).toThrow(/sets `ssoUserName` but the domain uses IAM auth/);
    });

    test.each([[Duration.minutes(30)], [Duration.minutes(525601)], [Duration.seconds(3630)]])('fails on idleTimeout %p', (idleTimeout) => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { idleTimeout })).toThrow(/`idleTimeout`.*60 to 525600/);
    });

    test.each([['-bad'], ['has space'], ['a'.repeat(64)]])('fails on domainName %p', (domainName) => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { domainName })).toThrow(/`domainName`/);
    });

    test.each([[['ml.t2.medium']], [['t3.medium']], [['ml.t3.medium', 'anything']], [['ml.p3.*']]])('fails on allowedInstanceTypes %p', (allowedInstanceTypes) => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { allowedInstanceTypes, defaultInstanceType: allowedInstanceTypes[0] }))
        .toThrow(/`allowedInstanceTypes` entry/);
    });

    test('fails on an empty allowedInstanceTypes', () => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { allowedInstanceTypes: [] })).toThrow(/`allowedInstanceTypes` is empty/);
    });

    test('fails when the default instance type is not allowed', () => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { allowedInstanceTypes: ['ml.m5.large'] }))
        .toThrow(/`defaultInstanceType` 'ml.t3.medium' is not in `allowedInstanceTypes`/);
    });

    test('fails on an invalid required tag key', () => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { requiredAppTagKeys: ['bad#key'] })).toThrow(/`requiredAppTagKeys` entry/);
    });

    test('fails when the lifecycle script would exceed 16384 base64 characters', () => {
      const extraLifecycleCommands = Array.from({ length: 150 }, (_, i) => `echo "line ${i} of a very long provisioning script that does not fit"`);
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { extraLifecycleCommands })).toThrow(/over the limit of 16384.*`extraLifecycleCommands`/);
    });
  });

  // Found by test/robustness/studio.property.test.ts.
  describe('tokens and service limits', () => {
    test('a token idleTimeout keeps idle shutdown on (it was silently turned off)', () => {
      const stack = newTestStack();
      const minutes = new CfnParameter(stack, 'Idle', { type: 'Number', default: 120 }).valueAsNumber;
      new SecureStudioDomain(stack, 'Studio', { idleTimeout: Duration.minutes(minutes) });
      expect(domainOf(stack).Properties.DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings).toEqual({
        LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: { Ref: 'Idle' }, MinIdleTimeoutInMinutes: 60, MaxIdleTimeoutInMinutes: { Ref: 'Idle' },
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { idleTimeout: Duration.hours(Lazy.number({ produce: () => 2 })) }))
        .toThrow(/`idleTimeout` .* cannot be converted to minutes/);
    });

    test('a parameter domain name synthesizes clean: the security group descriptions leave it out', () => {
      const stack = newTestStack();
      new SecureStudioDomain(stack, 'Studio', { domainName: new CfnParameter(stack, 'Name', { default: 'research' }).valueAsString });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test.each([[58], [62], [63]])('the lifecycle configuration name of a %p-character domain name is at most 63 characters and does not end in a hyphen', (length) => {
      for (const lazy of [false, true]) {
        const stack = newTestStack();
        const name = 'a'.repeat(length);
        new SecureStudioDomain(stack, 'Studio', { domainName: lazy ? Lazy.string({ produce: () => name }) : name });
        const configName = resourcesOf(stack, 'AWS::SageMaker::StudioLifecycleConfig')[0][1].Properties.StudioLifecycleConfigName;
        expect(configName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
      }
    });

    test('addUserProfile fails on a token name, naming `userProfileName`; new SecureUserProfile takes it', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      const name = new CfnParameter(stack, 'User', { default: 'alice' }).valueAsString;
      expect(() => domain.addUserProfile(name)).toThrow(/`userProfileName` is a token.*new SecureUserProfile/);
      new SecureUserProfile(stack, 'Alice', { domain, userProfileName: name });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('user profile names differing only in case are duplicates; profile ARNs are lowercase', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      const alice = domain.addUserProfile('Alice');
      expect(render(stack.resolve(alice.userProfileArn))).toMatch(/:user-profile\/<Studio43727D10.DomainId>\/alice$/);
      expect(() => domain.addUserProfile('alice')).toThrow(/user profile 'alice' already exists .*differing only in case/);
    });

    test('fails on a token required tag key, and on one with the reserved aws: prefix', () => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { requiredAppTagKeys: [Lazy.string({ produce: () => 'team' })] }))
        .toThrow(/`requiredAppTagKeys` has a token/);
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { requiredAppTagKeys: ['AWS:x'] })).toThrow(/`requiredAppTagKeys` entry 'AWS:x'/);
    });

    test.each([['SDKCONFIG'], ['echo a\nWHOAMI']])('fails on a lifecycle line %p that is a marker of the generated script, naming the prop', (line) => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { extraLifecycleCommands: [line] })).toThrow(/`extraLifecycleCommands` line/);
    });

    test('fails on RemovalPolicy.SNAPSHOT, which CloudFormation rejects for domains', () => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/`removalPolicy` is SNAPSHOT/);
    });

    test.each([['ml.m5.*'], ['system'], ['ml.t2.medium']])('fails on defaultInstanceType %p, which is not a Nitro ML instance type', (defaultInstanceType) => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { allowedInstanceTypes: ['ml.m5.*', 'system'], defaultInstanceType }))
        .toThrow(/`defaultInstanceType` .* is not an ML instance type on the AWS Nitro System/);
    });

    test('a token entry of allowedInstanceTypes may be the default type', () => {
      expect(() => new SecureStudioDomain(newTestStack(), 'Studio', { allowedInstanceTypes: [Lazy.string({ produce: () => 'ml.t3.medium' })] })).not.toThrow();
    });
  });

  describe('grantPresignedDomainUrl', () => {
    test('grants CreatePresignedDomainUrl on that profile only', () => {
      const stack = newTestStack();
      const domain = new SecureStudioDomain(stack, 'Studio');
      const alice = domain.addUserProfile('alice');
      domain.addUserProfile('bob');
      const human = new iam.Role(stack, 'Human', { assumedBy: new iam.AccountRootPrincipal() });
      domain.grantPresignedDomainUrl(human, alice);
      const policy = grantPolicyOf(stack, 'Human');
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Action: 'sagemaker:CreatePresignedDomainUrl',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':user-profile/', { 'Fn::GetAtt': [expect.stringMatching(/^Studio/), 'DomainId'] }, '/alice']] },
      }]);
    });

    test('optionally only through given VPC endpoints and from given IP ranges', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const domain = new SecureStudioDomain(stack, 'Studio');
      const alice = domain.addUserProfile('alice');
      const human = new iam.Role(stack, 'Human', { assumedBy: new iam.AccountRootPrincipal() });
      domain.grantPresignedDomainUrl(human, alice, {
        vpcEndpoints: [env.network.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!],
        sourceIpRanges: ['203.0.113.0/24'],
      });
      const policy = grantPolicyOf(stack, 'Human');
      expect(policy.Properties.PolicyDocument.Statement[0].Condition).toEqual({
        StringEquals: { 'aws:SourceVpce': [{ Ref: expect.stringMatching(/Endpointsagemakerapi/) }] },
        IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] },
      });
    });

    test('fails with IAM Identity Center, on a malformed CIDR, and on a profile of another domain', () => {
      const stack = newTestStack();
      const human = new iam.Role(stack, 'Human', { assumedBy: new iam.AccountRootPrincipal() });
      const sso = new SecureStudioDomain(stack, 'Sso', { authMode: StudioAuthMode.SSO });
      expect(() => sso.grantPresignedDomainUrl(human, sso.addUserProfile('alice', { ssoUserName: 'alice' }))).toThrow(/only with `authMode: StudioAuthMode.IAM`/);
      const domain = new SecureStudioDomain(stack, 'Studio');
      const other = new SecureStudioDomain(stack, 'Other');
      const bob = domain.addUserProfile('bob');
      expect(() => domain.grantPresignedDomainUrl(human, bob, { sourceIpRanges: ['10.0.0.0'] })).toThrow(/`sourceIpRanges`.*not a CIDR/);
      expect(() => other.grantPresignedDomainUrl(human, bob)).toThrow(/belongs to another domain/);
    });
  });

  describe('scale', () => {
    test('200 users fit in one stack under 500 resources, with every policy under the IAM limit', () => {
      const [row] = studioScale([200]);
      expect(row.users).toBe(200);
      expect(row.resources).toBeLessThan(500);
      expect(row.templateBytes).toBeLessThan(1_000_000);
      expect(row.largestPolicyChars).toBeLessThan(6144);
    });

    test('users can live in a second stack of the same app', () => {
      const app = newTestApp();
      const platform = new Stack(app, 'Platform');
      const domain = new SecureStudioDomain(platform, 'Studio');
      const users = new Stack(app, 'Users');
      new SecureUserProfile(users, 'Alice', { domain, userProfileName: 'alice' });
      expect(() => app.synth()).not.toThrow();
      Template.fromStack(users).hasResourceProperties('AWS::SageMaker::UserProfile', {
        DomainId: { 'Fn::ImportValue': Match.stringLikeRegexp('DomainId') },
      });
    });
  });
});
