import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EndpointImage, EndpointPerimeter, ModelData, SageMakerEndpointService, SageMakerEnvironment, SecureEndpoint, SecureNotebook } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';
import { render } from '../helpers/template';

// The interface endpoints are the only way out of the environment's VPC: their policies admit only
// principals of the account acting on resources of the account. Each request below is what code in
// a notebook, a job or an endpoint container could send through an endpoint, with its own
// credentials or with credentials brought from another account.

const OTHER = '444455556666';
const DLC = '763104351884';

const ALL_SERVICES = [
  SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.SAGEMAKER_RUNTIME, SageMakerEndpointService.NOTEBOOK,
  SageMakerEndpointService.STUDIO, SageMakerEndpointService.STS, SageMakerEndpointService.LOGS, SageMakerEndpointService.MONITORING,
  SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR, SageMakerEndpointService.KMS, SageMakerEndpointService.STEP_FUNCTIONS,
  SageMakerEndpointService.CODEARTIFACT_API, SageMakerEndpointService.CODEARTIFACT_REPOSITORIES,
];

function environmentWithEveryEndpoint(perimeter?: EndpointPerimeter): { stack: Stack; env: SageMakerEnvironment } {
  const stack = new Stack(new App(), 'Perimeter', { env: { account: DEPLOYED_ACCOUNT, region: DEPLOYED_REGION } });
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'perimeter', endpointPerimeter: perimeter });
  const consumer = new SecureNotebook(stack, 'Nb', { environment: env, notebookName: 'explore' });
  env.network.requireEndpoints(consumer, ALL_SERVICES);
  return { stack, env };
}

/** The deployed policy of the interface endpoint of `service` (by its service name). */
function policyOf(stack: Stack, service: string): PolicyJson | undefined {
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const entry = Object.values(template.Resources as Record<string, any>).find((r) =>
    r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Interface' && render(r.Properties.ServiceName).endsWith(`.${service}`));
  expect(entry).toBeDefined();
  return entry.Properties.PolicyDocument === undefined ? undefined : asDeployed(template, entry.Properties.PolicyDocument);
}

const arn = (service: string, account: string, resource: string) => `arn:aws:${service}:${DEPLOYED_REGION}:${account}:${resource}`;
const own = { 'aws:PrincipalAccount': DEPLOYED_ACCOUNT };
const foreign = { 'aws:PrincipalAccount': OTHER };
const request = (action: string, resource: string | undefined, principal: Record<string, string>, resourceAccount?: string): RequestContext => ({
  action,
  resource,
  context: { ...principal, ...(resourceAccount === undefined ? {} : { 'aws:ResourceAccount': resourceAccount }) },
});

type Case = [string, string, RequestContext, 'Allow' | 'ImplicitDeny'];
const cases: Case[] = [
  ['logs', 'write own log group', request('logs:PutLogEvents', arn('logs', DEPLOYED_ACCOUNT, 'log-group:/aws/sagemaker/TrainingJobs:log-stream:x'), own, DEPLOYED_ACCOUNT), 'Allow'],
  ['logs', 'write data into another account\'s log group', request('logs:PutLogEvents', arn('logs', OTHER, 'log-group:drop:log-stream:x'), own, OTHER), 'ImplicitDeny'],
  ['logs', 'create a log group in another account', request('logs:CreateLogGroup', arn('logs', OTHER, 'log-group:drop'), own, OTHER), 'ImplicitDeny'],
  ['logs', 'use credentials brought from another account', request('logs:PutLogEvents', arn('logs', OTHER, 'log-group:drop:log-stream:x'), foreign, OTHER), 'ImplicitDeny'],
  ['sts', 'who am I (no resource)', request('sts:GetCallerIdentity', '*', own), 'Allow'],
  ['sts', 'assume a role of this account', request('sts:AssumeRole', `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/r`, own, DEPLOYED_ACCOUNT), 'Allow'],
  ['sts', 'assume a role of another account', request('sts:AssumeRole', `arn:aws:iam::${OTHER}:role/exfil`, own, OTHER), 'ImplicitDeny'],
  ['sts', 'identify credentials brought from another account', request('sts:GetCallerIdentity', '*', foreign), 'ImplicitDeny'],
  ['sagemaker.api', 'start a training job here', request('sagemaker:CreateTrainingJob', arn('sagemaker', DEPLOYED_ACCOUNT, 'training-job/j'), own, DEPLOYED_ACCOUNT), 'Allow'],
  ['sagemaker.api', 'create a model in another account', request('sagemaker:CreateModel', arn('sagemaker', OTHER, 'model/m'), own, OTHER), 'ImplicitDeny'],
  ['sagemaker.api', 'create a training job with another account\'s credentials', request('sagemaker:CreateTrainingJob', arn('sagemaker', OTHER, 'training-job/j'), foreign, OTHER), 'ImplicitDeny'],
  ['ecr.api', 'get a registry token', request('ecr:GetAuthorizationToken', '*', own), 'Allow'],
  ['ecr.api', 'pull an own image', request('ecr:BatchGetImage', arn('ecr', DEPLOYED_ACCOUNT, 'repository/team/trainer'), own, DEPLOYED_ACCOUNT), 'Allow'],
  ['ecr.api', 'pull an AWS Deep Learning Container', request('ecr:BatchGetImage', arn('ecr', DLC, 'repository/pytorch-training'), own, DLC), 'Allow'],
  ['ecr.dkr', 'download a Deep Learning Container layer', request('ecr:GetDownloadUrlForLayer', arn('ecr', DLC, 'repository/pytorch-training'), own, DLC), 'Allow'],
  ['ecr.api', 'push an image to another account', request('ecr:PutImage', arn('ecr', OTHER, 'repository/exfil'), own, OTHER), 'ImplicitDeny'],
  ['ecr.dkr', 'upload layers to another account', request('ecr:UploadLayerPart', arn('ecr', OTHER, 'repository/exfil'), own, OTHER), 'ImplicitDeny'],
  ['ecr.dkr', 'push into the Deep Learning Container account', request('ecr:InitiateLayerUpload', arn('ecr', DLC, 'repository/pytorch-training'), own, DLC), 'ImplicitDeny'],
  ['ecr.api', 'pull from another account\'s repository', request('ecr:BatchGetImage', arn('ecr', OTHER, 'repository/payload'), own, OTHER), 'ImplicitDeny'],
  ['kms', 'decrypt with an own key', request('kms:Decrypt', arn('kms', DEPLOYED_ACCOUNT, 'key/k'), own, DEPLOYED_ACCOUNT), 'Allow'],
  ['kms', 'encrypt with another account\'s key', request('kms:Encrypt', arn('kms', OTHER, 'key/k'), own, OTHER), 'ImplicitDeny'],
  ['states', 'start an own pipeline', request('states:StartExecution', arn('states', DEPLOYED_ACCOUNT, 'stateMachine:s'), own, DEPLOYED_ACCOUNT), 'Allow'],
  ['states', 'start another account\'s state machine', request('states:StartExecution', arn('states', OTHER, 'stateMachine:s'), own, OTHER), 'ImplicitDeny'],
  ['monitoring', 'put metrics (no resource)', request('cloudwatch:PutMetricData', '*', own), 'Allow'],
  ['monitoring', 'put metrics with another account\'s credentials', request('cloudwatch:PutMetricData', '*', foreign), 'ImplicitDeny'],
  ['codeartifact.api', 'read from another account\'s domain', request('codeartifact:GetAuthorizationToken', arn('codeartifact', OTHER, 'domain/d'), own, OTHER), 'ImplicitDeny'],
  ['codeartifact.repositories', 'publish a package to another account', request('codeartifact:PublishPackageVersion', arn('codeartifact', OTHER, 'package/d/r/pypi//p'), own, OTHER), 'ImplicitDeny'],
  ['sagemaker.runtime', 'invoke an endpoint of this account', request('sagemaker:InvokeEndpoint', arn('sagemaker', DEPLOYED_ACCOUNT, 'endpoint/churn'), own, DEPLOYED_ACCOUNT), 'Allow'],
  ['sagemaker.runtime', 'invoke an endpoint of another account', request('sagemaker:InvokeEndpoint', arn('sagemaker', OTHER, 'endpoint/exfil'), own, OTHER), 'ImplicitDeny'],
  ['sagemaker.runtime', 'invoke with another account\'s credentials', request('sagemaker:InvokeEndpoint', arn('sagemaker', DEPLOYED_ACCOUNT, 'endpoint/churn'), foreign, DEPLOYED_ACCOUNT), 'ImplicitDeny'],
  ['sagemaker.runtime', 'call anything but an invocation', request('sagemaker:CreateModel', arn('sagemaker', DEPLOYED_ACCOUNT, 'model/m'), own, DEPLOYED_ACCOUNT), 'ImplicitDeny'],
  ['notebook', 'open a notebook of this account', request('sagemaker:CreatePresignedNotebookInstanceUrl', arn('sagemaker', DEPLOYED_ACCOUNT, 'notebook-instance/explore'), own), 'Allow'],
  ['notebook', 'open a notebook of another account', request('sagemaker:CreatePresignedNotebookInstanceUrl', arn('sagemaker', OTHER, 'notebook-instance/x'), foreign), 'ImplicitDeny'],
  ['studio', 'create a Studio app of this account', request('sagemaker:CreateApp', arn('sagemaker', DEPLOYED_ACCOUNT, 'app/d-1/alice/jupyterlab/default'), own), 'Allow'],
  ['studio', 'open Studio of another account', request('sagemaker:CreatePresignedDomainUrl', arn('sagemaker', OTHER, 'user-profile/d-1/u'), foreign), 'ImplicitDeny'],
  ['studio', 'call another service through the Studio endpoint', request('s3:PutObject', 'arn:aws:s3:::exfil/x', own), 'ImplicitDeny'],
];

describe('interface endpoint policies (the network perimeter)', () => {
  const { stack } = environmentWithEveryEndpoint();

  test('every interface endpoint the network creates has a policy', () => {
    const endpoints = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'))
      .filter((r: any) => r.Properties.VpcEndpointType === 'Interface');
    expect(endpoints).toHaveLength(ALL_SERVICES.length);
    expect(endpoints.filter((r: any) => r.Properties.PolicyDocument === undefined)).toEqual([]);
  });

  test.each(cases)('%s endpoint: %s', (service, _, req, expected) => {
    expect(evaluate([policyOf(stack, service)!], req)).toBe(expected);
  });

  test('with every endpoint, zero unacknowledged findings', () => {
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('the sagemaker.runtime endpoint narrows to the environment\'s endpoints once a SecureEndpoint exists', () => {
    const s = newTestStack('Narrowed', { env: { account: DEPLOYED_ACCOUNT, region: DEPLOYED_REGION } });
    const env = SageMakerEnvironment.of(s);
    new SecureEndpoint(s, 'Ep', {
      endpointName: 'churn',
      model: {
        image: EndpointImage.fromDlc(`${DLC}.dkr.ecr.${DEPLOYED_REGION}.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker`),
        modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/model.tar.gz'),
      },
    });
    const policy = policyOf(s, 'sagemaker.runtime')!;
    expect(evaluate([policy], request('sagemaker:InvokeEndpoint', arn('sagemaker', DEPLOYED_ACCOUNT, 'endpoint/churn'), own))).toBe('Allow');
    expect(evaluate([policy], request('sagemaker:InvokeEndpoint', arn('sagemaker', DEPLOYED_ACCOUNT, 'endpoint/someone-elses'), own))).toBe('ImplicitDeny');
  });

  test('a CodeArtifact domain of another account is admitted on the CodeArtifact endpoints, and no third account', () => {
    const s = new Stack(new App(), 'Ca', { env: { account: DEPLOYED_ACCOUNT, region: DEPLOYED_REGION } });
    const env = new SageMakerEnvironment(s, 'Env', { environmentName: 'ca' });
    new SecureNotebook(s, 'Nb', { environment: env, codeArtifact: { domain: 'ml', domainOwner: OTHER, repository: 'pypi-mirror' } });
    for (const service of ['codeartifact.api', 'codeartifact.repositories']) {
      const policy = policyOf(s, service)!;
      expect(evaluate([policy], request('codeartifact:ReadFromRepository', arn('codeartifact', OTHER, 'repository/ml/pypi-mirror'), own, OTHER))).toBe('Allow');
      expect(evaluate([policy], request('codeartifact:ReadFromRepository', arn('codeartifact', '999988887777', 'repository/x/y'), own, '999988887777'))).toBe('ImplicitDeny');
    }
    // Other endpoints do not admit that account.
    expect(evaluate([policyOf(s, 'logs')!], request('logs:PutLogEvents', arn('logs', OTHER, 'log-group:x'), own, OTHER))).toBe('ImplicitDeny');
  });

  test('an organization perimeter admits principals and resources of the organization', () => {
    const { stack: org } = environmentWithEveryEndpoint(EndpointPerimeter.organization('o-a1b2c3d4e5'));
    const policy = policyOf(org, 'sts')!;
    const inOrg = { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' };
    expect(evaluate([policy], { action: 'sts:AssumeRole', resource: `arn:aws:iam::${OTHER}:role/shared`, context: { ...inOrg, 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } })).toBe('Allow');
    expect(evaluate([policy], { action: 'sts:AssumeRole', resource: `arn:aws:iam::${OTHER}:role/x`, context: { ...inOrg, 'aws:ResourceOrgID': 'o-zzzzzzzzzz' } })).toBe('ImplicitDeny');
    expect(evaluate([policy], { action: 'sts:AssumeRole', resource: `arn:aws:iam::${OTHER}:role/x`, context: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz', 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } })).toBe('ImplicitDeny');
  });

  test('an open perimeter keeps AWS\'s default policy, warned, and acknowledged with its reason', () => {
    const { stack: open } = environmentWithEveryEndpoint(EndpointPerimeter.open());
    expect(policyOf(open, 'logs')).toBeUndefined();
    const warnings = Annotations.fromStack(open).findWarning('*', Match.stringLikeRegexp('keep AWS\'s default policy'));
    expect(warnings.map((w) => w.id)).toEqual(['/Perimeter/Env/Network']);
    expect(formatFindings(unacknowledgedFindings(open))).toBe('');
  });

  test('an organization ID that is not one fails, naming the prop', () => {
    expect(() => environmentWithEveryEndpoint(EndpointPerimeter.organization('my-org'))).toThrow(/`endpointPerimeter`: 'my-org' is not an AWS Organizations organization ID/);
  });
});
