/**
 * The humans of the platform are roles the library did not create: an IAM role of the identity
 * team (imported by ARN) and an IAM Identity Center role. They open a notebook, open Studio as a
 * user, and invoke an endpoint.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EndpointImage, ModelData, SageMakerCompliance, SageMakerEndpointService, SageMakerEnvironment,
  SecureEndpoint, SecureNotebook, SecureStudioDomain,
} from '../../lib';

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlHumans', { env: { account: '111111111111', region: 'eu-west-1' } });
  const environment = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-humans' });

  const analyst = iam.Role.fromRoleArn(stack, 'Analyst', 'arn:aws:iam::111111111111:role/identity/analyst');
  const dataScientist = iam.Role.fromRoleArn(stack, 'DataScientist',
    'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef');

  const notebook = new SecureNotebook(stack, 'Notebook', { environment, notebookName: 'humans-explore' });
  notebook.grantPresignedUrl(analyst, { sourceIpRanges: ['203.0.113.0/24'] });
  notebook.grantPresignedUrl(dataScientist, {
    vpcEndpoints: [environment.network.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!],
  });

  const studio = new SecureStudioDomain(stack, 'Studio', { environment, domainName: 'humans-studio' });
  const erin = studio.addUserProfile('erin');
  studio.grantPresignedDomainUrl(dataScientist, erin);

  const endpoint = new SecureEndpoint(stack, 'Endpoint', {
    environment,
    endpointName: 'humans-churn',
    model: {
      image: EndpointImage.fromDlc('763104351884.dkr.ecr.eu-west-1.amazonaws.com/sklearn-inference:1.2-1-cpu-py3'),
      modelData: ModelData.fromBucket(environment.artifactsBucket, 'models/churn/model.tar.gz'),
    },
  });
  endpoint.grantInvoke(analyst);

  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
