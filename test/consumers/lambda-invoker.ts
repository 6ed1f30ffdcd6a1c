/**
 * An application team's Lambda function, in the environment's VPC, calls a SecureEndpoint: it
 * gets the invoke permission and a network path to the sagemaker.runtime endpoint, nothing more.
 * The function is the user's own, so its own findings are the user's to acknowledge.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EndpointImage, ModelData, SageMakerCompliance, SageMakerEnvironment, SageMakerWorkloadRole, SecureEndpoint } from '../../lib';

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlInference', { env: { account: '111111111111', region: 'eu-west-1' } });
  const environment = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-inference' });
  const endpoint = new SecureEndpoint(stack, 'Endpoint', {
    environment,
    endpointName: 'scoring',
    model: {
      image: EndpointImage.fromDlc('763104351884.dkr.ecr.eu-west-1.amazonaws.com/sklearn-inference:1.2-1-cpu-py3'),
      modelData: ModelData.fromBucket(environment.artifactsBucket, 'models/scoring/model.tar.gz'),
    },
  });

  const dlq = new sqs.Queue(stack, 'ScorerDlq', { encryptionMasterKey: environment.key, enforceSSL: true });
  const scorerRole = new SageMakerWorkloadRole(stack, 'ScorerRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'The scoring function: invokes the scoring endpoint',
  });
  const scorer = new lambda.Function(stack, 'Scorer', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    vpc: environment.network.vpc,
    vpcSubnets: environment.network.vpcSubnets,
    role: scorerRole,
    deadLetterQueue: dlq,
    reservedConcurrentExecutions: 5,
    timeout: Duration.seconds(30),
  });
  endpoint.grantInvoke(scorer);
  endpoint.allowInvokeFrom(scorer);
  // The user's own resources: their findings are theirs to acknowledge (ACKS).

  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
