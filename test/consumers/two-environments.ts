/**
 * Two environments in one stack (a regulated and an open one), each with its own workloads.
 * Constructs name the environment they belong to; names differ per environment.
 */
import { App, Stack } from 'aws-cdk-lib';
import { SageMakerCompliance, SageMakerEnvironment, SecureNotebook } from '../../lib';

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlTwoEnvs', { env: { account: '111111111111', region: 'eu-west-1' } });
  const regulated = new SageMakerEnvironment(stack, 'Regulated', { environmentName: 'ml-regulated' });
  const open = new SageMakerEnvironment(stack, 'Open', { environmentName: 'ml-open' });
  new SecureNotebook(stack, 'RegulatedNotebook', { environment: regulated, notebookName: 'regulated-explore' });
  new SecureNotebook(stack, 'OpenNotebook', { environment: open, notebookName: 'open-explore' });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
