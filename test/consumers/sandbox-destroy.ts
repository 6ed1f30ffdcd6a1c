/**
 * A throwaway sandbox with every kind of workload: everything is deleted with the stack, buckets
 * emptied first.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  EndpointImage, ModelData, SageMakerCompliance, SageMakerEnvironment, SecureEndpoint, SecureNotebook, SecureStudioDomain,
  SecureTrainingJob, TrainingImage,
} from '../../lib';

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlSandbox', { env: { account: '111111111111', region: 'eu-west-1' } });
  const environment = new SageMakerEnvironment(stack, 'Env', {
    environmentName: 'ml-sandbox',
    removalPolicy: RemovalPolicy.DESTROY,
    emptyBucketsOnDelete: true,
  });
  new SecureNotebook(stack, 'Notebook', { environment, notebookName: 'sandbox-explore' });
  new SecureStudioDomain(stack, 'Studio', { environment, domainName: 'sandbox' }).addUserProfile('tester');
  new SecureTrainingJob(stack, 'Training', {
    environment,
    jobNamePrefix: 'sandbox',
    image: TrainingImage.fromDeepLearningContainer('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311'),
    inputs: [{ channelName: 'train', bucket: environment.dataBucket, prefix: 'datasets/' }],
    outputPrefix: 'models/',
  });
  new SecureEndpoint(stack, 'Endpoint', {
    environment,
    endpointName: 'sandbox',
    model: {
      image: EndpointImage.fromDlc('763104351884.dkr.ecr.eu-west-1.amazonaws.com/sklearn-inference:1.2-1-cpu-py3'),
      modelData: ModelData.fromBucket(environment.artifactsBucket, 'models/model.tar.gz'),
    },
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
