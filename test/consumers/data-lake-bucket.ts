/**
 * The curated data lives in the data-lake team's bucket (another account's stack, its own key):
 * the notebook and a training job read it by name, next to the environment's own buckets.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  DataAccess, SageMakerCompliance, SageMakerEnvironment, SecureBucket, SecureNotebook, SecureTrainingJob, TrainingImage,
} from '../../lib';

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlOnDataLake', { env: { account: '111111111111', region: 'eu-west-1' } });
  const environment = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-lake' });
  const lake = SecureBucket.fromBucketAttributes(stack, 'Lake', {
    bucketName: 'corp-data-lake-curated',
    encryptionKey: kms.Key.fromKeyArn(stack, 'LakeKey', 'arn:aws:kms:eu-west-1:111111111111:key/7f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'),
  });
  new SecureNotebook(stack, 'Notebook', {
    environment,
    notebookName: 'lake-explore',
    dataAccess: [
      { bucket: lake, prefix: 'sales/' },
      { bucket: environment.artifactsBucket, prefix: 'features/sales/', access: DataAccess.READ_WRITE },
    ],
  });
  new SecureTrainingJob(stack, 'Training', {
    environment,
    jobNamePrefix: 'lake-forecast',
    image: TrainingImage.fromDeepLearningContainer('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311'),
    inputs: [{ channelName: 'train', bucket: lake, prefix: 'sales/' }],
    outputPrefix: 'models/forecast/',
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
