import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DataAccess, SageMakerEndpointService, SageMakerEnvironment, SecureNotebook } from '../../lib';
import { declaredAcknowledgements, unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { render, roleStatements } from '../helpers/template';

function lifecycle(stack: Stack, hook: 'OnStart' | 'OnCreate' = 'OnStart'): string {
  const configs = Template.fromStack(stack).findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig');
  const config = Object.values(configs)[0];
  return render(config.Properties[hook][0].Content);
}


/** The customer-managed policy that holds the library's grants to a role of the test (never an inline policy). */
function grantPolicyOf(stack: Stack, roleIdPrefix: string): any {
  const t = Template.fromStack(stack);
  expect(t.findResources('AWS::IAM::Policy')).toEqual({});
  const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) =>
    JSON.stringify(p.Properties.Roles ?? []).includes(`"${roleIdPrefix}`));
  expect(policies).toHaveLength(1);
  return policies[0];
}

describe('SecureNotebook', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('VPC-only, no direct internet, root off, IMDSv2, AL2023, encrypted volume, lifecycle attached', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb');
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', {
        DirectInternetAccess: 'Disabled',
        RootAccess: 'Disabled',
        InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
        PlatformIdentifier: 'notebook-al2023-v1',
        InstanceType: 'ml.t3.medium',
        VolumeSizeInGB: 5,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
        SubnetId: { Ref: Match.stringLikeRegexp('SecureSageMakerEnvironmentNetworkVpcworkloadsSubnet1') },
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^NbSecurityGroup'), 'GroupId'] }],
        LifecycleConfigName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NbLifecycleConfig'), 'NotebookInstanceLifecycleConfigName'] },
      });
    });

    test('the notebook security group has no ingress and HTTPS egress to the endpoints and S3 only', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb');
      const t = Template.fromStack(stack);
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('NbSecurityGroup'))![1];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3 through the gateway endpoint', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      expect(Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) =>
        JSON.stringify(r.Properties.GroupId).includes('NbSecurityGroup'))).toEqual([]);
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NbSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] },
        FromPort: 443,
        ToPort: 443,
      });
    });

    test('requires the endpoints it needs, and a second notebook adds none', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureNotebook(stack, 'A');
      expect(env.network.endpointServiceNames).toEqual(['sagemaker.api', 'sagemaker.runtime', 'notebook', 'sts', 'logs']);
      new SecureNotebook(stack, 'B');
      expect(env.network.endpointServiceNames).toHaveLength(5);
      Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 6);
    });

    test('the lifecycle script writes SDK defaults with the environment subnets, job security group, key, isolation and encryption', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      const script = lifecycle(stack);
      const json = script.slice(script.indexOf("<<'SDKCONFIG'\n") + 14, script.indexOf('\nSDKCONFIG'));
      const config = JSON.parse(json);
      const training = config.SageMaker.TrainingJob;
      expect(training.EnableNetworkIsolation).toBe(true);
      expect(training.EnableInterContainerTrafficEncryption).toBe(true);
      expect(training.VpcConfig.Subnets).toEqual([expect.stringMatching(/Subnet1/), expect.stringMatching(/Subnet2/)]);
      expect(training.VpcConfig.SecurityGroupIds).toEqual([expect.stringMatching(/^<NbJobSecurityGroup.*\.GroupId>$/)]);
      expect(training.ResourceConfig.VolumeKmsKeyId).toMatch(/SecureSageMakerEnvironmentKey.*\.Arn/);
      expect(training.OutputDataConfig.KmsKeyId).toMatch(/SecureSageMakerEnvironmentKey.*\.Arn/);
      expect(training.RoleArn).toMatch(/^<NbJobRole.*\.Arn>$/);
      // the ownership tag, and the environment tag that guardrails may require
      expect(training.Tags).toEqual([
        { Key: 'secure-sagemaker:notebook', Value: 'explore' },
        { Key: 'secure-sagemaker:environment', Value: SageMakerEnvironment.of(stack).environmentName },
      ]);
      expect(config.SageMaker.ProcessingJob.NetworkConfig).toMatchObject({
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
      });
      expect(config.SageMaker.Model.EnableNetworkIsolation).toBe(true);
      expect(config.SageMaker.EndpointConfig.KmsKeyId).toMatch(/Key/);
      expect(config.SageMaker.PythonSDK.Modules.Session.DefaultS3ObjectKeyPrefix).toBe('notebooks/explore/sdk');
    });

    test('the lifecycle script installs an idle auto-stop after 60 minutes by default', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      const script = lifecycle(stack);
      expect(script).toContain('ExecStart=/usr/bin/python3 /usr/local/bin/secure-sagemaker-autostop.py explore 60');
      expect(script).toContain('systemctl enable --now secure-sagemaker-autostop.timer');
      expect(script).toContain("'aws', 'sagemaker', 'stop-notebook-instance'");
    });

    test('the role may describe and stop this notebook only', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      const s = roleStatements(stack, 'NbRole').find((x) => x.Sid === 'ThisNotebookOnly');
      expect(s.Action).toEqual(['sagemaker:DescribeNotebookInstance', 'sagemaker:StopNotebookInstance']);
      expect(render(s.Resource)).toBe('arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/explore');
    });

    test('a name with capitals: the role may still describe and stop its instance, whose ARN has the name in lowercase', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { notebookName: 'Explore-A' });
      const own = roleStatements(stack, 'NbRole').filter((x) => x.Sid === 'ThisNotebookOnly').map((x) => render(x.Resource));
      expect(own).toContain('arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/explore-a');
      // The workspace keeps the name as given (the SDK defaults use it so).
      const objects = roleStatements(stack, 'NbRole').filter((x) => [x.Action].flat().includes('s3:GetObject')).map((x) => render(x.Resource));
      expect(objects).toEqual([expect.stringMatching(/ArtifactsBucket.*\.Arn>\/notebooks\/Explore-A\/\*$/)]);
    });

    test('a volume key of its own: jobs must use that key, and the environment\'s shared launch policy is not attached', () => {
      const stack = newTestStack();
      const key = new kms.Key(stack, 'TeamKey', { enableKeyRotation: true });
      new SecureNotebook(stack, 'Nb', { notebookName: 'explore', encryptionKey: key });
      const launches = roleStatements(stack, 'NbRole').filter((x) => x.Sid === 'LaunchSecureJobsOnly');
      expect(launches).toHaveLength(1);
      expect(launches[0].Condition.ArnEquals).toEqual({
        'sagemaker:VolumeKmsKeyArn': { 'Fn::GetAtt': [expect.stringMatching(/^TeamKey/), 'Arn'] },
        'sagemaker:OutputKmsKeyArn': { 'Fn::GetAtt': [expect.stringMatching(/^TeamKey/), 'Arn'] },
      });
      expect(launches[0].Condition['ForAllValues:StringEquals']['sagemaker:VpcSecurityGroupIds'])
        .toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^NbJobSecurityGroup/), 'GroupId'] }]);
      const pass = roleStatements(stack, 'NbRole').filter((x) => x.Sid === 'PassOnlyTheJobRole');
      expect(pass.map((x) => x.Resource)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^NbJobRole/), 'Arn'] }]);
    });

    test('the role launches jobs only with the secure settings and its ownership tag, and passes only the job role', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      const statements = roleStatements(stack, 'NbRole');
      const launch = statements.find((x) => x.Sid === 'LaunchSecureJobsOnly');
      expect(launch.Action).toEqual(['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob']);
      expect(launch.Condition).toEqual({
        'ForAllValues:StringEquals': {
          'sagemaker:VpcSubnets': [{ Ref: expect.stringMatching(/Subnet1/) }, { Ref: expect.stringMatching(/Subnet2/) }],
          'sagemaker:VpcSecurityGroupIds': [{ 'Fn::GetAtt': [expect.stringMatching(/^NbJobSecurityGroup/), 'GroupId'] }],
        },
        'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false' },
        'ArnEquals': {
          'sagemaker:VolumeKmsKeyArn': { 'Fn::GetAtt': [expect.stringMatching(/Key/), 'Arn'] },
          'sagemaker:OutputKmsKeyArn': { 'Fn::GetAtt': [expect.stringMatching(/Key/), 'Arn'] },
        },
        'Bool': { 'sagemaker:NetworkIsolation': 'true', 'sagemaker:InterContainerTrafficEncryption': 'true' },
        'StringEquals': { 'aws:RequestTag/secure-sagemaker:notebook': 'explore' },
      });
      expect(statements.find((x) => x.Sid === 'SeeAndStopOwnJobsOnly').Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/secure-sagemaker:notebook': 'explore' },
      });
      expect(statements.find((x) => x.Sid === 'TagOwnJobsAtCreation').Condition.StringEquals['sagemaker:TaggingAction'])
        .toEqual(['CreateTrainingJob', 'CreateProcessingJob']);
      const pass = statements.filter((x) => [x.Action].flat().includes('iam:PassRole'));
      expect(pass).toEqual([{
        Sid: 'PassOnlyTheJobRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: expect.anything(),
        Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }]);
      expect(render(pass[0].Resource)).toMatch(/^arn:<AWS::Partition>:iam::<AWS::AccountId>:role\/<NbJobRole[0-9A-F]{8}>$/);
    });

    test('dataAccess grants exactly the given prefixes to the notebook and its jobs', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureNotebook(stack, 'Nb', {
        notebookName: 'explore',
        dataAccess: [
          { bucket: env.dataBucket, prefix: 'datasets/a/' },
          { bucket: env.artifactsBucket, prefix: 'features/a/', access: DataAccess.READ_WRITE },
        ],
      });
      for (const role of ['NbRole', 'NbJobRole']) {
        const objectStatements = roleStatements(stack, role).filter((x) => [x.Action].flat().includes('s3:GetObject'));
        expect(objectStatements.map((x) => render(x.Resource)).sort()).toEqual([
          expect.stringMatching(/ArtifactsBucket.*\.Arn>\/features\/a\/\*$/),
          expect.stringMatching(/ArtifactsBucket.*\.Arn>\/notebooks\/explore\/\*$/),
          expect.stringMatching(/DataBucket.*\.Arn>\/datasets\/a\/\*$/),
        ].sort());
        const write = objectStatements.filter((x) => [x.Action].flat().includes('s3:PutObject')).map((x) => render(x.Resource));
        expect(write.some((r) => r.includes('/datasets/a/'))).toBe(false);
      }
    });

    test('jobs get network interfaces only in the environment VPC, subnets and job security group', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb');
      const statements = roleStatements(stack, 'NbJobRole');
      const create = statements.find((x) => x.Sid === 'JobNetworkInterfacesUseEnvironmentSubnetsAndJobGroup');
      expect(create.Resource.map(render)).toEqual([
        expect.stringMatching(/:subnet\/<.*Subnet1/), expect.stringMatching(/:subnet\/<.*Subnet2/), expect.stringMatching(/:security-group\/<NbJobSecurityGroup/),
      ]);
      const eni = statements.find((x) => x.Sid === 'JobNetworkInterfacesInEnvironmentVpc');
      expect(render(eni.Resource)).toMatch(/:network-interface\/\*$/);
      expect(render(eni.Condition.ArnEquals['ec2:Vpc'])).toMatch(/:vpc\/<SecureSageMakerEnvironmentNetworkVpc/);
    });

    test('the job security group allows traffic within itself only, plus HTTPS to S3', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb');
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: '-1',
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NbJobSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NbJobSecurityGroup'), 'GroupId'] },
      });
    });

    test('policies in the template pass the least-privilege check', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureNotebook(stack, 'Nb', { dataAccess: [{ bucket: env.dataBucket, prefix: 'in/' }] });
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });

    test('tags its resources with the owner tag', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', {
        Tags: Match.arrayWith([{ Key: SecureNotebook.OWNER_TAG, Value: 'explore' }]),
      });
    });
  });

  describe('acknowledgements', () => {
    test('every acknowledgement the notebook declares silences a real finding, with every option on', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer');
      new SecureNotebook(stack, 'Nb', {
        allowRootAccess: true,
        codeArtifact: { domain: 'ml', repository: 'pypi' },
        jobImageRepositories: [repo],
        dataAccess: [{ bucket: env.dataBucket, prefix: 'datasets/a/' }],
      });
      expect(declaredAcknowledgements(stack).length).toBeGreaterThan(5);
      expect(unneededAcknowledgements(stack)).toEqual([]);
    });

    test('with every option on there are still zero unacknowledged findings', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureNotebook(stack, 'Nb', {
        allowRootAccess: true,
        codeArtifact: { domain: 'ml', repository: 'pypi' },
        jobImageRepositories: [ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer')],
        dataAccess: [{ bucket: env.dataBucket, prefix: 'datasets/a/', access: DataAccess.READ_WRITE }],
        instanceType: 'ml.m5.xlarge',
        volumeSizeInGb: 50,
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });
  });

  describe('options', () => {
    test('pip index, conda channels and extra lines land in the scripts', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', {
        pipIndexUrl: 'https://pypi.internal.example.com/simple',
        condaChannels: ['https://conda.internal.example.com/main'],
        extraOnStartCommands: ['echo started'],
        extraOnCreateCommands: ['echo created'],
      });
      const start = lifecycle(stack);
      expect(start).toContain('index-url = https://pypi.internal.example.com/simple');
      expect(start).toContain('  - https://conda.internal.example.com/main');
      expect(start.trimEnd().endsWith('echo started')).toBe(true);
      expect(lifecycle(stack, 'OnCreate').trimEnd().endsWith('echo created')).toBe(true);
    });

    test('CodeArtifact: endpoints, read-only grants on that repository, login at start', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      new SecureNotebook(stack, 'Nb', { codeArtifact: { domain: 'ml', repository: 'pypi-mirror', domainOwner: '111122223333' } });
      expect(env.network.endpointServiceNames).toEqual(expect.arrayContaining(['codeartifact.api', 'codeartifact.repositories']));
      const statements = roleStatements(stack, 'NbRole');
      const read = statements.find((x) => [x.Action].flat().includes('codeartifact:ReadFromRepository'));
      expect(render(read.Resource)).toMatch(/:codeartifact:<AWS::Region>:111122223333:repository\/ml\/pypi-mirror$/);
      const bearer = statements.find((x) => x.Action === 'sts:GetServiceBearerToken');
      expect(bearer.Condition).toEqual({ StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } });
      expect(lifecycle(stack)).toContain('aws codeartifact login --tool pip');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('jobImageRepositories: ECR endpoints and pull only from those repositories', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer');
      new SecureNotebook(stack, 'Nb', { jobImageRepositories: [repo] });
      expect(env.network.endpointServiceNames).toEqual(expect.arrayContaining(['ecr.api', 'ecr.dkr']));
      const pull = roleStatements(stack, 'NbJobRole').find((x) => [x.Action].flat().includes('ecr:BatchGetImage'));
      expect(render(pull.Resource)).toMatch(/:repository\/team-a\/trainer$/);
    });

    test('instance type and volume size are honoured', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { instanceType: 'ml.g5.xlarge', volumeSizeInGb: 100 });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', { InstanceType: 'ml.g5.xlarge', VolumeSizeInGB: 100 });
    });
  });

  describe('opt-outs', () => {
    test('allowRootAccess is honoured, warned and acknowledged with a reason', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { allowRootAccess: true });
      const t = Template.fromStack(stack);
      const nb = Object.values(t.findResources('AWS::SageMaker::NotebookInstance'))[0];
      expect(nb.Properties.RootAccess).toBe('Enabled');
      expect(nb.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toContain('SageMakerSecurity-NotebookRootAccessDisabled');
      Annotations.fromStack(stack).hasWarning('/TestStack/Nb', Match.stringLikeRegexp('allowRootAccess is set'));
    });

    test('idleTimeout 0 disables auto-stop and is warned', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { idleTimeout: Duration.minutes(0) });
      expect(lifecycle(stack)).not.toContain('autostop');
      Annotations.fromStack(stack).hasWarning('/TestStack/Nb', Match.stringLikeRegexp('idleTimeout is 0'));
    });

    test('a custom idle timeout is honoured', () => {
      const stack = newTestStack();
      new SecureNotebook(stack, 'Nb', { notebookName: 'x', idleTimeout: Duration.hours(2) });
      expect(lifecycle(stack)).toContain('autostop.py x 120');
    });
  });

  test('accepts a token notebook name: the ARN keeps the token, security group descriptions leave it out, zero findings', () => {
    const stack = newTestStack();
    const name = new CfnParameter(stack, 'Name', { default: 'team-a' }).valueAsString;
    const nb = new SecureNotebook(stack, 'Nb', { notebookName: name });
    expect(stack.resolve(nb.notebookArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':notebook-instance/', { Ref: 'Name' }]] });
    for (const sg of Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup'))) {
      expect(JSON.stringify(sg.Properties.GroupDescription)).not.toContain('Ref');
    }
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  describe('validation', () => {
    test.each([['ml.t2.medium'], ['ml.m4.xlarge'], ['ml.c4.large'], ['ml.p2.xlarge'], ['ml.p3.2xlarge'], ['t3.medium']])('fails on non-Nitro instance type %p', (instanceType) => {
      const stack = newTestStack();
      expect(() => new SecureNotebook(stack, 'Nb', { instanceType })).toThrow(/`instanceType`.*not an ML instance type on the AWS Nitro System/);
    });

    test('accepts ml.p3dn (Nitro)', () => {
      const stack = newTestStack();
      expect(() => new SecureNotebook(stack, 'Nb', { instanceType: 'ml.p3dn.24xlarge' })).not.toThrow();
    });

    test.each([[4], [16385], [10.5]])('fails on volumeSizeInGb %p', (volumeSizeInGb) => {
      const stack = newTestStack();
      expect(() => new SecureNotebook(stack, 'Nb', { volumeSizeInGb })).toThrow(/`volumeSizeInGb`.*5 to 16384/);
    });

    test.each([['-bad'], ['has space'], ['a'.repeat(64)], ['double--ok-but-trailing-']])('fails on notebookName %p', (notebookName) => {
      const stack = newTestStack();
      expect(() => new SecureNotebook(stack, 'Nb', { notebookName })).toThrow(/`notebookName`/);
    });

    test('fails when the lifecycle script would exceed 16384 base64 characters', () => {
      const stack = newTestStack();
      const extraOnStartCommands = Array.from({ length: 150 }, (_, i) => `echo "line ${i} of a very long provisioning script that does not fit"`);
      expect(() => new SecureNotebook(stack, 'Nb', { extraOnStartCommands })).toThrow(/on-start lifecycle script is about \d+ characters in base64, over the limit of 16384.*`extraOnStartCommands`/);
    });

    test.each([[Duration.minutes(5)], [Duration.days(8)], [Duration.seconds(90)]])('fails on idleTimeout %p', (idleTimeout) => {
      const stack = newTestStack();
      expect(() => new SecureNotebook(stack, 'Nb', { idleTimeout })).toThrow(/`idleTimeout`/);
    });

    test('fails on a plain-HTTP pip index, naming the prop', () => {
      const stack = newTestStack();
      expect(() => new SecureNotebook(stack, 'Nb', { pipIndexUrl: 'http://pypi.internal/simple' })).toThrow(/`pipIndexUrl`.*https/);
    });

    test('fails on pipIndexUrl together with codeArtifact', () => {
      const stack = newTestStack();
      expect(() => new SecureNotebook(stack, 'Nb', { pipIndexUrl: 'https://x/simple', codeArtifact: { domain: 'd', repository: 'r' } })).toThrow(/pass one of them/i);
    });

    test('fails when the environment selects public subnets', () => {
      const stack = newTestStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
      expect(() => new SageMakerEnvironment(stack, 'Env', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } })).toThrow(/public subnets/);
    });
  });

  describe('grantPresignedUrl', () => {
    test('grants the URL and describe on this notebook only', () => {
      const stack = newTestStack();
      const nb = new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      nb.grantPresignedUrl(user);
      const policy = grantPolicyOf(stack, 'User');
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Action: ['sagemaker:CreatePresignedNotebookInstanceUrl', 'sagemaker:DescribeNotebookInstance'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':notebook-instance/explore']] },
      }]);
    });

    test('optionally only through given VPC endpoints and from given IP ranges', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const nb = new SecureNotebook(stack, 'Nb', { notebookName: 'explore' });
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      nb.grantPresignedUrl(user, {
        vpcEndpoints: [env.network.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!],
        sourceIpRanges: ['203.0.113.0/24'],
      });
      const policy = grantPolicyOf(stack, 'User');
      expect(policy.Properties.PolicyDocument.Statement[0].Condition).toEqual({
        StringEquals: { 'aws:SourceVpce': [{ Ref: expect.stringMatching(/Endpointsagemakerapi/) }] },
        IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] },
      });
    });

    test('fails on a malformed CIDR', () => {
      const stack = newTestStack();
      const nb = new SecureNotebook(stack, 'Nb');
      const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
      expect(() => nb.grantPresignedUrl(user, { sourceIpRanges: ['10.0.0.0'] })).toThrow(/`sourceIpRanges`.*not a CIDR/);
    });
  });
});
