/**
 * A platform team owns the environment and its guardrails; a data-science team keeps its features
 * in Feature Store in a stack of its own: an online store its notebook reads through the
 * environment's runtime endpoint, an offline store its training reads, and an ingestion role of
 * the data engineering team (imported) that writes records.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  FeatureType, SageMakerCompliance, SageMakerEnvironment, SageMakerGuardrails, SecureFeatureGroup, SecureNotebook, SecureTrainingJob, TrainingImage,
} from '../../lib';

const env = { account: '111111111111', region: 'eu-west-1' };

class PlatformStack extends Stack {
  public readonly ml: SageMakerEnvironment;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.ml = new SageMakerEnvironment(this, 'Environment', { environmentName: 'ml-shared' });
  }
}

interface TeamProps extends StackProps {
  readonly environment: SageMakerEnvironment;
}

class FeaturesTeamStack extends Stack {
  constructor(scope: Construct, id: string, props: TeamProps) {
    super(scope, id, props);
    const { environment } = props;
    const features = new SecureFeatureGroup(this, 'CustomerFeatures', {
      environment,
      featureGroupName: 'team-c-customers',
      description: 'Customer features for churn scoring; owned by team C',
      recordIdentifierFeatureName: 'customer_id',
      eventTimeFeatureName: 'event_time',
      features: [
        { featureName: 'customer_id', featureType: FeatureType.STRING },
        { featureName: 'event_time', featureType: FeatureType.STRING },
        { featureName: 'lifetime_value', featureType: FeatureType.FRACTIONAL },
      ],
      onlineStore: true,
    });
    const notebook = new SecureNotebook(this, 'Notebook', { environment, notebookName: 'team-c-explore' });
    features.grantReadRecords(notebook);
    features.allowRecordAccessFrom(notebook);
    const training = new SecureTrainingJob(this, 'Training', {
      environment,
      jobNamePrefix: 'team-c-churn',
      image: TrainingImage.fromDeepLearningContainer('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311'),
    });
    features.grantReadOfflineStore(training);
    features.grantWriteRecords(iam.Role.fromRoleArn(this, 'Ingestion', 'arn:aws:iam::111111111111:role/data-engineering-ingestion'));
    new SageMakerGuardrails(this, 'Guardrails', { environment, workloads: [notebook, training] }).attachToRolesIn(this);
  }
}

export function build(app: App = new App()): App {
  const platform = new PlatformStack(app, 'Platform', { env });
  new FeaturesTeamStack(app, 'TeamC', { env, environment: platform.ml });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
