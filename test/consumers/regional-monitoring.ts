/**
 * The platform runs in eu-west-1; IAM events reach EventBridge only in us-east-1, so the security
 * team deploys one monitoring there for changes to the platform's named roles (by name: a stack
 * cannot reference another Region's resources), and one in eu-west-1 for SageMaker.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SageMakerCompliance, SageMakerEnvironment, SageMakerSecurityMonitoring, SecureNotebook } from '../../lib';

export function build(app = new App()): App {
  const platform = new Stack(app, 'MlEu', { env: { account: '111111111111', region: 'eu-west-1' } });
  const environment = new SageMakerEnvironment(platform, 'Env', { environmentName: 'ml-eu' });
  const notebook = new SecureNotebook(platform, 'Notebook', { environment, notebookName: 'eu-explore' });
  new SageMakerSecurityMonitoring(platform, 'Monitoring', { environment, watchedWorkloads: [notebook], alertEmails: ['secops@example.com'] });

  const global = new Stack(app, 'IamEventsUsEast1', { env: { account: '111111111111', region: 'us-east-1' } });
  const key = new kms.Key(global, 'AlertKey', { enableKeyRotation: true, description: 'IAM-event alerts' });
  new SageMakerSecurityMonitoring(global, 'IamMonitoring', {
    encryptionKey: key,
    watchedRoles: [iam.Role.fromRoleName(global, 'Analyst', 'identity-analyst')],
    watchIamEvents: true,
    alertEmails: ['secops@example.com'],
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
