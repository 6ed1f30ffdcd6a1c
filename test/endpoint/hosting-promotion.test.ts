import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureTrainingJob, TrainingImage } from '../../lib';
import { AsyncInferenceResponseIn, SecureEndpoint, SecureEndpointProps } from '../../lib/endpoint';
import { SecureModelPromotion } from '../../lib/promotion';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed } from '../helpers/deployed';
import { requestProblems } from '../helpers/sagemaker-api';

const TRAINING_DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311';
const INFERENCE_DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';

function build(endpointProps: Partial<SecureEndpointProps>, stack: Stack = newTestStack()): { stack: Stack; endpoint: SecureEndpoint } {
  const env = SageMakerEnvironment.of(stack);
  const training = new SecureTrainingJob(stack, 'Train', { image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC), jobNamePrefix: 'churn' });
  const endpoint = new SecureEndpoint(stack, 'Endpoint', {
    endpointName: 'churn-prod',
    model: { image: EndpointImage.fromDlc(INFERENCE_DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v1/model.tar.gz') },
    ...endpointProps,
  });
  new SecureModelPromotion(stack, 'Promote', { endpoint, training, modelPackageGroupName: 'churn-models', namePrefix: 'churn-prod' });
  return { stack, endpoint };
}

function definitionOf(stack: Stack): any {
  const template = Template.fromStack(stack).toJSON() as any;
  const [, sm] = Object.entries(template.Resources as Record<string, any>)
    .find(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith('PromoteStateMachine'))!;
  return { template, definition: JSON.parse(asDeployed(template, sm.Properties.DefinitionString)) };
}

describe('SecureModelPromotion of the endpoint\'s hosting options', () => {
  test('an asynchronous endpoint: each new version\'s endpoint config repeats its AsyncInferenceConfig, as a valid CreateEndpointConfig request', () => {
    const { stack } = build({
      asyncInference: { maxConcurrentInvocationsPerInstance: 2, includeInferenceResponseIn: [AsyncInferenceResponseIn.ERROR_NOTIFICATION_TOPIC] },
    });
    const { template, definition } = definitionOf(stack);
    const parameters = definition.States.CreateEndpointConfig.Parameters;
    const config = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::SageMaker::EndpointConfig')!.Properties;
    // The same output paths, key, topics and client settings as the endpoint's own configuration.
    expect(parameters.AsyncInferenceConfig).toEqual(asDeployed(template, config.AsyncInferenceConfig));
    expect(parameters.AsyncInferenceConfig).toEqual({
      OutputConfig: {
        S3OutputPath: expect.stringMatching(/^s3:\/\/.+\/async\/churn-prod\/output\/$/),
        S3FailurePath: expect.stringMatching(/^s3:\/\/.+\/async\/churn-prod\/failure\/$/),
        KmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
        NotificationConfig: {
          SuccessTopic: expect.any(String),
          ErrorTopic: expect.any(String),
          IncludeInferenceResponseIn: ['ERROR_NOTIFICATION_TOPIC'],
        },
      },
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 2 },
    });
    expect(requestProblems('CreateEndpointConfig', parameters)).toEqual([]);
    // The storage key and data capture are repeated too.
    expect(parameters.KmsKeyId).toBe(asDeployed(template, config.KmsKeyId));
    expect(parameters.DataCaptureConfig).toEqual(asDeployed(template, config.DataCaptureConfig));
  });

  test('an asynchronous endpoint\'s rollback alarms include the age of its oldest queued request', () => {
    const { stack } = build({ asyncInference: {} });
    const { definition } = definitionOf(stack);
    expect(definition.States.Deploy.Parameters.DeploymentConfig.AutoRollbackConfiguration.Alarms.map((a: any) => a.AlarmName)).toContain('sagemaker-endpoint-churn-prod-oldest-request-age');
  });

  test('a real-time endpoint\'s versions get no AsyncInferenceConfig', () => {
    const { stack } = build({});
    expect(definitionOf(stack).definition.States.CreateEndpointConfig.Parameters.AsyncInferenceConfig).toBeUndefined();
  });

  test('a promotion of an asynchronous endpoint has zero unacknowledged findings', () => {
    const { stack } = build({ asyncInference: {} });
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('fails for a serverless endpoint: deployment guardrails apply only to real-time and asynchronous endpoints', () => {
    expect(() => build({ serverless: { acceptServerlessRisks: true } }))
      .toThrow(/`endpoint` churn-prod is serverless: deployment guardrails \(blue\/green traffic shifting with automatic rollback\) apply only to real-time and asynchronous endpoints/);
  });
});
