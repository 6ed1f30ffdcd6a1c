/**
 * The second stack of the main example: the team's model lifecycle on the platform's environment.
 * Images, features, jobs, monitoring and promotion of new model versions to the platform's endpoint, with the team's own
 * guardrails on every role of this stack. It depends on the platform stack (its environment,
 * training and endpoint), never the other way round.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { buildStacks, SecureMlPlatformStack } from './secure-ml-platform';
import {
  EndpointImage, FeatureType, ModelData, SageMakerCompliance, SageMakerGuardrails, SageMakerWorkloadRole, SecureFeatureGroup, SecureImageRepository,
  SecureModelMonitor, SecureModelPromotion, SecureProcessingJob, SecureTransformJob, SecureTuningJob, TrainingImage, TuningObjectiveType,
} from '../lib';

/** Properties of the model-lifecycle stack. */
export interface SecureMlModelLifecycleStackProps extends StackProps {
  /** The platform stack whose environment, training and endpoint the lifecycle uses. */
  readonly platform: SecureMlPlatformStack;
}

/** The team's model lifecycle: images, registry and promotion. */
export class SecureMlModelLifecycleStack extends Stack {
  /** Promotes approved models to the platform's churn endpoint. */
  public readonly promotion: SecureModelPromotion;

  /** The team's images. */
  public readonly images: SecureImageRepository;

  /** Prepares the features the churn model trains on. */
  public readonly featurePreparation: SecureProcessingJob;

  /** The churn features: an offline store the tuning jobs read, written record by record. */
  public readonly customerFeatures: SecureFeatureGroup;

  /** Searches the churn model's hyperparameters. */
  public readonly tuning: SecureTuningJob;

  /** Scores the month's customers in batch with the served model. */
  public readonly batchScoring: SecureTransformJob;

  /** Watches the data the endpoint receives against the training baseline. */
  public readonly monitor: SecureModelMonitor;

  constructor(scope: Construct, id: string, props: SecureMlModelLifecycleStackProps) {
    super(scope, id, props);
    const { platform } = props;
    const environment = platform.platform;

    // The team's images: encrypted, scanned on push, immutable tags, pulled only through the VPC.
    this.images = new SecureImageRepository(this, 'TeamImages', { environment });
    const ci = new SageMakerWorkloadRole(this, 'ImageBuilder', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Example CI role: pushes team images',
    });
    this.images.grantPush(ci);

    // Feature preparation from the team's own image: reads the curated datasets, writes features.
    this.featurePreparation = new SecureProcessingJob(this, 'FeaturePreparation', {
      environment,
      jobNamePrefix: 'churn-features',
      image: TrainingImage.fromEcrRepository(this.images.repository, 'features-1.0'),
      inputs: [{ inputName: 'curated', bucket: environment.dataBucket, prefix: 'datasets/curated/' }],
      outputs: [{ outputName: 'features' }],
    });

    // The churn features in Feature Store: the offline store in the data bucket, encrypted with the environment key.
    this.customerFeatures = new SecureFeatureGroup(this, 'CustomerFeatures', {
      environment,
      featureGroupName: 'team-a-churn-customers',
      description: 'Monthly churn features per customer; owned by team A',
      recordIdentifierFeatureName: 'customer_id',
      eventTimeFeatureName: 'event_time',
      features: [
        { featureName: 'customer_id', featureType: FeatureType.STRING },
        { featureName: 'event_time', featureType: FeatureType.FRACTIONAL },
        { featureName: 'tenure_months', featureType: FeatureType.INTEGRAL },
        { featureName: 'monthly_charges', featureType: FeatureType.FRACTIONAL },
      ],
    });
    const ingestion = new SageMakerWorkloadRole(this, 'FeatureIngestion', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Example ingestion role: writes churn feature records',
    });
    this.customerFeatures.grantWriteRecords(ingestion);

    // Hyperparameter search on the same training controls: isolated, encrypted, bounded, collision-free names.
    this.tuning = new SecureTuningJob(this, 'ChurnTuning', {
      environment,
      jobNamePrefix: 'churn-tune',
      image: TrainingImage.fromDeepLearningContainer(`763104351884.dkr.ecr.${this.region}.amazonaws.com/pytorch-training:2.3.0-cpu-py311`),
      objective: { type: TuningObjectiveType.MAXIMIZE, metricName: 'validation:auc' },
      metricDefinitions: [{ name: 'validation:auc', regex: 'validation-auc=([0-9\\.]+)' }],
      continuousParameterRanges: [{ name: 'learning_rate', minValue: 0.001, maxValue: 0.1 }],
      inputs: [{ channelName: 'train', bucket: environment.dataBucket, prefix: 'datasets/curated/' }],
    });
    this.customerFeatures.grantReadOfflineStore(this.tuning);

    // Batch scoring with the model the endpoint serves: a network-isolated model in the VPC, encrypted output.
    this.batchScoring = new SecureTransformJob(this, 'BatchScoring', {
      environment,
      jobNamePrefix: 'churn-scoring',
      model: {
        image: EndpointImage.fromDlc(`763104351884.dkr.ecr.${this.region}.amazonaws.com/sklearn-inference:1.2-1-cpu-py3`),
        modelData: ModelData.fromBucket(environment.artifactsBucket, 'models/churn/v1/model.tar.gz'),
      },
      input: { bucket: environment.dataBucket, prefix: 'datasets/scoring/', contentType: 'text/csv' },
    });

    // Data quality of the endpoint's captured requests, hourly, against the baseline of the training data.
    this.monitor = new SecureModelMonitor(this, 'ChurnDataQuality', {
      endpoint: platform.churnEndpoint,
      baseline: { prefix: 'model-monitor/baselines/churn/v1/' },
    });

    // Train, register, approve, deploy: promotion is an execution with blue/green guardrails.
    this.promotion = new SecureModelPromotion(this, 'ChurnPromotion', {
      endpoint: platform.churnEndpoint,
      training: platform.training,
      modelPackageGroupName: 'team-a-churn',
    });
    const approver = new SageMakerWorkloadRole(this, 'ModelApprover', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Example human role: approves or rejects churn model versions',
    });
    this.promotion.grantApprove(approver);
    // The platform's pipeline role starts promotions. Imported here, so that the grant's policy
    // lives in this stack (which depends on the platform), not in the platform's stack.
    this.promotion.grantStartExecution(iam.Role.fromRoleArn(this, 'PipelineRole', platform.pipelineRole.roleArn));

    // The team's guardrails on every role of this stack (one per stack; the platform has its own).
    // The promotion creates models in the endpoint's security group: the platform's workload, named by its group.
    const guardrails = new SageMakerGuardrails(this, 'Guardrails', {
      environment,
      securityGroups: [platform.churnEndpoint.securityGroup],
      workloads: [this.featurePreparation, this.tuning, this.batchScoring, this.monitor],
    });
    guardrails.attachToRolesIn(this);
    guardrails.applyPermissionsBoundaryTo(approver);
  }
}

/** Adds both stacks of the example to `app`. */
export function buildAllStacks(app: App): App {
  buildStacks(app);
  const platform = app.node.findAll().find((c): c is SecureMlPlatformStack => c instanceof SecureMlPlatformStack)!;
  new SecureMlModelLifecycleStack(app, 'SecureMlModelLifecycle', {
    platform,
    description: 'cdk-secure-sagemaker example: images and model promotion on the platform environment',
  });
  return app;
}

/** Both stacks with every pack, as `npx cdk synth` builds them. */
export function buildAllApp(app: App = new App()): App {
  SageMakerCompliance.applyTo(buildAllStacks(app));
  return app;
}
