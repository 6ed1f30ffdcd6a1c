/**
 * What each construct adds to a stack that already has its environment: resources, template
 * bytes, interface endpoints and IAM roles, each construct with its default props (plus the
 * inputs it requires). The baseline is the same stack with the environment (and the constructs
 * the measured one needs, such as an endpoint for the promotion) but without the measured one.
 */
import { App, Stack } from 'aws-cdk-lib';
import {
  EndpointImage, FeatureType, ModelData, SageMakerEnvironment, SecureEndpoint, SecureFeatureGroup, SecureImageRepository, SecureModelMonitor,
  SecureModelPromotion, SecureProcessingJob, SecureTrainingJob, SecureTransformJob, SecureTuningJob, TrainingImage, TuningObjectiveType,
} from '../lib';

const TRAINING_DLC = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311';
const INFERENCE_DLC = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';

/** One measured construct: the stack without it, and with it. */
export interface ConstructCase {
  readonly name: string;
  /** Builds what the construct needs in `stack` and returns the step that adds the construct itself. */
  readonly build: (stack: Stack, env: SageMakerEnvironment) => () => void;
}

function endpoint(stack: Stack, env: SageMakerEnvironment): SecureEndpoint {
  return new SecureEndpoint(stack, 'Endpoint', {
    environment: env,
    endpointName: 'bench-endpoint',
    model: { image: EndpointImage.fromDlc(INFERENCE_DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/bench/v1/model.tar.gz') },
  });
}

function training(stack: Stack, env: SageMakerEnvironment): SecureTrainingJob {
  return new SecureTrainingJob(stack, 'Training', { environment: env, image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC), jobNamePrefix: 'bench' });
}

function featureGroup(stack: Stack, env: SageMakerEnvironment, onlineStore: boolean): SecureFeatureGroup {
  return new SecureFeatureGroup(stack, 'Features', {
    environment: env,
    featureGroupName: 'bench-customers',
    description: 'Benchmark features',
    recordIdentifierFeatureName: 'customer_id',
    eventTimeFeatureName: 'event_time',
    features: [{ featureName: 'customer_id', featureType: FeatureType.STRING }, { featureName: 'event_time', featureType: FeatureType.FRACTIONAL }],
    onlineStore,
  });
}

export const CONSTRUCT_CASES: ConstructCase[] = [
  { name: 'SecureTrainingJob', build: (stack, env) => () => { training(stack, env); } },
  {
    name: 'SecureProcessingJob',
    build: (stack, env) => () => {
      new SecureProcessingJob(stack, 'Processing', {
        environment: env,
        jobNamePrefix: 'bench-prep',
        image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC),
        inputs: [{ inputName: 'raw', bucket: env.dataBucket, prefix: 'datasets/raw/' }],
        outputs: [{ outputName: 'features' }],
      });
    },
  },
  {
    name: 'SecureTuningJob',
    build: (stack, env) => () => {
      new SecureTuningJob(stack, 'Tuning', {
        environment: env,
        jobNamePrefix: 'bench-tune',
        image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC),
        objective: { type: TuningObjectiveType.MINIMIZE, metricName: 'val_loss' },
        metricDefinitions: [{ name: 'val_loss', regex: 'val_loss=([0-9\\.]+)' }],
        continuousParameterRanges: [{ name: 'lr', minValue: 0.001, maxValue: 0.1 }],
      });
    },
  },
  {
    name: 'SecureTransformJob',
    build: (stack, env) => () => {
      new SecureTransformJob(stack, 'Transform', {
        environment: env,
        jobNamePrefix: 'bench-score',
        model: { image: EndpointImage.fromDlc(INFERENCE_DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/bench/v1/model.tar.gz') },
        input: { bucket: env.dataBucket, prefix: 'datasets/scoring/' },
      });
    },
  },
  { name: 'SecureEndpoint', build: (stack, env) => () => { endpoint(stack, env); } },
  { name: 'SecureFeatureGroup (offline store)', build: (stack, env) => () => { featureGroup(stack, env, false); } },
  { name: 'SecureFeatureGroup (offline and online stores)', build: (stack, env) => () => { featureGroup(stack, env, true); } },
  { name: 'SecureImageRepository', build: (stack, env) => () => { new SecureImageRepository(stack, 'Images', { environment: env }); } },
  {
    name: 'SecureModelMonitor (beside an endpoint)',
    build: (stack, env) => {
      const e = endpoint(stack, env);
      return () => { new SecureModelMonitor(stack, 'Monitor', { endpoint: e, baseline: { prefix: 'model-monitor/baselines/bench/' } }); };
    },
  },
  {
    name: 'SecureModelPromotion (beside a training job and an endpoint)',
    build: (stack, env) => {
      const t = training(stack, env);
      const e = endpoint(stack, env);
      return () => { new SecureModelPromotion(stack, 'Promotion', { endpoint: e, training: t }); };
    },
  },
];

/** The app of a case: `withConstruct` false stops before the measured construct. */
export function constructCaseApp(c: ConstructCase, withConstruct: boolean): (app: App) => void {
  return (app) => {
    const stack = new Stack(app, 'PerConstruct', { env: { account: '111122223333', region: 'us-east-1' } });
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'bench' });
    const add = c.build(stack, env);
    if (withConstruct) add();
  };
}
