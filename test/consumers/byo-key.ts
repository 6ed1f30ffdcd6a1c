/**
 * The security team owns the key: created in its own stack and passed to the environment.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SageMakerCompliance, SageMakerEnvironment, SecureNotebook } from '../../lib';

export function build(app = new App()): App {
  const env = { account: '111111111111', region: 'eu-west-1' };
  const keys = new Stack(app, 'SecurityKeys', { env });
  const key = new kms.Key(keys, 'MlKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN, description: 'ML platform data' });

  const stack = new Stack(app, 'MlByoKey', { env });
  const environment = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-byo', encryptionKey: key });
  new SecureNotebook(stack, 'Notebook', { environment, notebookName: 'byo-explore' });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
