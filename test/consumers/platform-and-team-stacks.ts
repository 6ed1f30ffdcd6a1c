/**
 * A platform team owns the environment, guardrails and monitoring in one stack; two data-science
 * teams each deploy their workloads in a stack of their own, on the platform's environment.
 */
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  EndpointImage, ModelData, SageMakerCompliance, SageMakerEnvironment, SageMakerGuardrails,
  SageMakerSecurityMonitoring, SecureEndpoint, SecureImageRepository, SecureNotebook, SecureStudioDomain, SecureTrainingJob, TrainingImage,
} from '../../lib';

const env = { account: '111111111111', region: 'eu-west-1' };

class PlatformStack extends Stack {
  public readonly ml: SageMakerEnvironment;
  public readonly guardrails: SageMakerGuardrails;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.ml = new SageMakerEnvironment(this, 'Environment', { environmentName: 'ml-shared' });
    this.guardrails = new SageMakerGuardrails(this, 'Guardrails', { environment: this.ml });
    new SageMakerSecurityMonitoring(this, 'Monitoring', { environment: this.ml, alertEmails: ['secops@example.com'] });
  }
}

interface TeamProps extends StackProps {
  readonly environment: SageMakerEnvironment;
  readonly team: string;
}

class TeamAStack extends Stack {
  constructor(scope: Construct, id: string, props: TeamProps) {
    super(scope, id, props);
    const { environment, team } = props;
    // The team's images: the library's repository (environment key, scan on push, immutable tags, lifecycle).
    const repo = new SecureImageRepository(this, 'Images', { environment });
    new SecureNotebook(this, 'Notebook', {
      environment,
      notebookName: `${team}-explore`,
      dataAccess: [{ bucket: environment.dataBucket, prefix: `datasets/${team}/` }],
    });
    new SecureTrainingJob(this, 'Training', {
      environment,
      jobNamePrefix: `${team}-churn`,
      image: TrainingImage.fromEcrRepository(repo.repository, 'v1'),
      inputs: [{ channelName: 'train', bucket: environment.dataBucket, prefix: `datasets/${team}/` }],
      outputPrefix: `models/${team}/churn/`,
      maxRuntime: Duration.hours(2),
    });
  }
}

class TeamBStack extends Stack {
  constructor(scope: Construct, id: string, props: TeamProps) {
    super(scope, id, props);
    const { environment, team } = props;
    new SecureEndpoint(this, 'Endpoint', {
      environment,
      endpointName: `${team}-churn`,
      model: {
        image: EndpointImage.fromDlc(`763104351884.dkr.ecr.${this.region}.amazonaws.com/sklearn-inference:1.2-1-cpu-py3`),
        modelData: ModelData.fromBucket(environment.artifactsBucket, `models/${team}/churn/model.tar.gz`),
      },
    });
    const studio = new SecureStudioDomain(this, 'Studio', { environment, domainName: `${team}-studio` });
    studio.addUserProfile('carol');
    studio.addUserProfile('dave');
  }
}

export function build(app = new App()): App {
  const platform = new PlatformStack(app, 'Platform', { env });
  new TeamAStack(app, 'TeamA', { env, environment: platform.ml, team: 'team-a' });
  new TeamBStack(app, 'TeamB', { env, environment: platform.ml, team: 'team-b' });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
