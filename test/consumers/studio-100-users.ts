/**
 * A Studio domain for a department: 100 users, each with an own execution role.
 */
import { App, Stack } from 'aws-cdk-lib';
import { SageMakerCompliance, SageMakerEnvironment, SecureStudioDomain } from '../../lib';

export const USERS = 100;

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlStudio', { env: { account: '111111111111', region: 'eu-west-1' } });
  const environment = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-studio' });
  const studio = new SecureStudioDomain(stack, 'Studio', { environment, domainName: 'department' });
  for (let i = 1; i <= USERS; i++) {
    studio.addUserProfile(`user-${String(i).padStart(3, '0')}`);
  }
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
