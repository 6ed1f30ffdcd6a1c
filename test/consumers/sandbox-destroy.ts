/**
 * A throwaway sandbox: everything is deleted with the stack, buckets emptied first.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { SageMakerCompliance, SageMakerEnvironment, SecureNotebook } from '../../lib';

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlSandbox', { env: { account: '111111111111', region: 'eu-west-1' } });
  const environment = new SageMakerEnvironment(stack, 'Env', {
    environmentName: 'ml-sandbox',
    removalPolicy: RemovalPolicy.DESTROY,
    emptyBucketsOnDelete: true,
  });
  new SecureNotebook(stack, 'Notebook', { environment, notebookName: 'sandbox-explore' });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
