import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureBucket, SecureEndpoint, SecureNotebook, SecureTrainingJob, TrainingImage } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT } from '../helpers/deployed';
import { evaluate, PolicyJson } from '../helpers/iam-eval';

// The data and artifacts buckets admit object access only through the environment's S3 gateway
// endpoint, by default, for every principal but the named break-glass ones, AWS services and the
// execution roles SageMaker uses from its own side: judged with the IAM evaluator on the policy as
// synthesized.

function bucketPolicy(stack: Stack, bucketPrefix: string): { policy: PolicyJson; vpce: string; bucket: string } {
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const [id] = Object.keys(template.Resources).filter((k) => k.startsWith(bucketPrefix) && template.Resources[k].Type === 'AWS::S3::BucketPolicy');
  const policy = asDeployed(template, template.Resources[id].Properties.PolicyDocument);
  const [vpceId] = Object.keys(template.Resources).filter((k) => template.Resources[k].Type === 'AWS::EC2::VPCEndpoint' && /S3/.test(k));
  const bucket = asDeployed(template, template.Resources[id].Properties.Bucket);
  return { policy, vpce: vpceId ? asDeployed(template, { Ref: vpceId }) : 'none', bucket };
}

const HUMAN = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataScientist_0123`;
const CI = `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/ci-ingest`;

describe('the environment buckets admit object access only through the VPC endpoint', () => {
  const stack = newTestStack();
  new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
  const data = bucketPolicy(stack, 'EnvDataBucket');
  const object = `arn:aws:s3:::${data.bucket}/datasets/raw/customers.csv`;
  const request = (principalArn: string, context: Record<string, string> = {}, action = 's3:GetObject') => ({
    action,
    resource: object,
    context: { 'aws:PrincipalArn': principalArn, 'aws:SecureTransport': 'true', 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false', ...context },
  });
  const deniedBy = (req: any) => evaluate([data.policy], req) === 'ExplicitDeny';

  test.each(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'])(
    'by default, stolen human credentials replayed from the internet are denied %s', (action) => {
      expect(deniedBy(request(HUMAN, { 'aws:SourceIp': '198.51.100.23' }, action))).toBe(true);
    });

  test('through the environment\'s gateway endpoint the same request is not denied; through another endpoint it is', () => {
    expect(deniedBy(request(HUMAN, { 'aws:SourceVpce': data.vpce }))).toBe(false);
    expect(deniedBy(request(HUMAN, { 'aws:SourceVpce': 'vpce-0attacker00000000' }))).toBe(true);
  });

  test('AWS services acting for a principal, or as themselves, are not denied', () => {
    expect(deniedBy(request(HUMAN, { 'aws:ViaAWSService': 'true' }))).toBe(false);
    expect(deniedBy(request(HUMAN, { 'aws:PrincipalIsAWSService': 'true' }))).toBe(false);
  });

  test('the environment\'s execution roles (tagged with its name) are not denied; a role tagged for another environment is', () => {
    const tag = `aws:PrincipalTag/${SageMakerEnvironment.EXECUTION_ROLE_TAG}`;
    expect(deniedBy(request(`arn:aws:iam::${DEPLOYED_ACCOUNT}:role/training`, { [tag]: 'ml' }))).toBe(false);
    expect(deniedBy(request(`arn:aws:iam::${DEPLOYED_ACCOUNT}:role/training`, { [tag]: 'other' }))).toBe(true);
  });

  test('the artifacts bucket carries the same statement; bucket configuration stays manageable from outside', () => {
    const artifacts = bucketPolicy(stack, 'EnvArtifactsBucket');
    expect(artifacts.policy.Statement).toEqual(expect.arrayContaining([expect.objectContaining({ Sid: 'DenyDataAccessOutsideVpcEndpoint' })]));
    expect(deniedBy({ ...request(HUMAN), action: 's3:GetBucketVersioning', resource: `arn:aws:s3:::${data.bucket}` })).toBe(false);
  });

  test('with default props the environment still has zero unacknowledged findings', () => {
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });
});

describe('break-glass principals and the opt-out', () => {
  test('named principals may reach the objects from outside; others still may not', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', {
      environmentName: 'ml',
      bucketBreakGlassPrincipals: [iam.Role.fromRoleArn(stack, 'Ci', CI)],
    });
    const { policy, bucket } = bucketPolicy(stack, 'EnvDataBucket');
    const read = (who: string) => evaluate([policy], {
      action: 's3:GetObject',
      resource: `arn:aws:s3:::${bucket}/datasets/raw/batch.csv`,
      context: { 'aws:PrincipalArn': who, 'aws:SecureTransport': 'true' },
    });
    expect(read(CI)).not.toBe('ExplicitDeny');
    expect(read(HUMAN)).toBe('ExplicitDeny');
  });

  test('a service principal cannot be a break-glass principal: the error names the prop', () => {
    const stack = newTestStack();
    expect(() => new SageMakerEnvironment(stack, 'Env', { bucketBreakGlassPrincipals: [new iam.ServicePrincipal('glue.amazonaws.com')] }))
      .toThrow(/`bucketBreakGlassPrincipals\[0\]` is not an IAM role or user/);
  });

  test('break-glass principals with the restriction off are an error naming both props', () => {
    const stack = newTestStack();
    expect(() => new SageMakerEnvironment(stack, 'Env', { restrictBucketsToVpcEndpoint: false, bucketBreakGlassPrincipals: [iam.Role.fromRoleArn(stack, 'Ci', CI)] }))
      .toThrow(/`bucketBreakGlassPrincipals` exempts principals from `restrictBucketsToVpcEndpoint`, which is false/);
    const bucketStack = newTestStack('B');
    expect(() => new SecureBucket(bucketStack, 'Data', { breakGlassPrincipals: [iam.Role.fromRoleArn(bucketStack, 'Ci', CI)] }))
      .toThrow(/`breakGlassPrincipals` exempts principals from `restrictToVpcEndpoint`, which is not set/);
  });

  test('restrictBucketsToVpcEndpoint: false is warned and removes the statement', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', { restrictBucketsToVpcEndpoint: false });
    Annotations.fromStack(stack).hasWarning('/TestStack/Env', Match.stringLikeRegexp('`restrictBucketsToVpcEndpoint` is false.*bucketBreakGlassPrincipals'));
    const { policy } = bucketPolicy(stack, 'EnvDataBucket');
    expect(JSON.stringify(policy)).not.toContain('DenyDataAccessOutsideVpcEndpoint');
  });

  test('a sandbox still tears down: the auto-delete handler (a Lambda outside the VPC) is exempt', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml', removalPolicy: RemovalPolicy.DESTROY, emptyBucketsOnDelete: true });
    const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
    const [providerRole] = Object.keys(template.Resources).filter((k) => k.startsWith('CustomS3AutoDeleteObjectsCustomResourceProviderRole'));
    const { policy, bucket } = bucketPolicy(stack, 'EnvDataBucket');
    const remove = (who: string) => evaluate([policy], {
      action: 's3:DeleteObjectVersion',
      resource: `arn:aws:s3:::${bucket}/datasets/raw/customers.csv`,
      context: { 'aws:PrincipalArn': who, 'aws:SecureTransport': 'true' },
    });
    expect(remove(asDeployed(template, { 'Fn::GetAtt': [providerRole, 'Arn'] }))).not.toBe('ExplicitDeny');
    expect(remove(HUMAN)).toBe('ExplicitDeny');
  });
});

describe('execution roles', () => {
  test('the training and model roles carry the environment\'s execution-role tag; the notebook\'s roles do not', () => {
    const stack = newTestStack();
    const environment = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
    new SecureTrainingJob(stack, 'Train', {
      environment,
      jobNamePrefix: 'churn',
      image: TrainingImage.fromDeepLearningContainer('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311'),
      inputs: [{ channelName: 'train', bucket: environment.dataBucket, prefix: 'datasets/curated/' }],
    });
    new SecureEndpoint(stack, 'Ep', {
      environment,
      endpointName: 'churn',
      model: {
        image: EndpointImage.fromDlc('763104351884.dkr.ecr.us-east-1.amazonaws.com/sklearn-inference:1.2-1-cpu-py3'),
        modelData: ModelData.fromBucket(environment.artifactsBucket, 'models/churn/v1/model.tar.gz'),
      },
    });
    new SecureNotebook(stack, 'Nb', { environment, notebookName: 'explore' });
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
    const tagged = Object.entries(roles)
      .filter(([, r]) => (r.Properties.Tags ?? []).some((t: any) => t.Key === SageMakerEnvironment.EXECUTION_ROLE_TAG && t.Value === 'ml'))
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(tagged.sort()).toEqual(['EpRole', 'TrainTrainingRole']);
  });
});
