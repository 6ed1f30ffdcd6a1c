/**
 * The CDK Pipelines pattern: the platform is a `Stage` (environment stack and a team stack),
 * instantiated once per account. Compliance is registered on the app and covers every stage.
 */
import { App, Stage, StageProps, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SageMakerCompliance, SageMakerEnvironment, SecureNotebook } from '../../lib';

export class MlStage extends Stage {
  constructor(scope: Construct, id: string, props: StageProps) {
    super(scope, id, props);
    const platform = new Stack(this, 'Platform');
    const environment = new SageMakerEnvironment(platform, 'Environment', { environmentName: `ml-${id.toLowerCase()}` });
    const team = new Stack(this, 'Team');
    new SecureNotebook(team, 'Notebook', { environment, notebookName: 'pipeline-explore' });
  }
}

export function build(app = new App()): App {
  new MlStage(app, 'Dev', { env: { account: '111111111111', region: 'eu-west-1' } });
  new MlStage(app, 'Prod', { env: { account: '222222222222', region: 'eu-west-1' } });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
