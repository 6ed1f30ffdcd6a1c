/**
 * Shapes the training job's requests must have, transcribed for tests (no SageMaker API model is
 * installed in node_modules: neither `aws-sdk` nor `@aws-sdk/client-sagemaker`).
 */

/**
 * Members of `CreateTrainingJobRequest`, from the SageMaker API model as generated into
 * aws/aws-sdk-go-v2 `service/sagemaker/api_op_CreateTrainingJob.go` (`CreateTrainingJobInput`).
 */
export const CREATE_TRAINING_JOB_REQUEST_MEMBERS = [
  'AlgorithmSpecification', 'CheckpointConfig', 'DebugHookConfig', 'DebugRuleConfigurations',
  'EnableInterContainerTrafficEncryption', 'EnableManagedSpotTraining', 'EnableNetworkIsolation',
  'Environment', 'ExperimentConfig', 'HyperParameters', 'InfraCheckConfig', 'InputDataConfig',
  'MlflowConfig', 'ModelPackageConfig', 'OutputDataConfig', 'ProfilerConfig', 'ProfilerRuleConfigurations',
  'RemoteDebugConfig', 'ResourceConfig', 'RetryStrategy', 'RoleArn', 'ServerlessJobConfig',
  'SessionChainingConfig', 'StoppingCondition', 'Tags', 'TensorBoardOutputConfig', 'TrainingJobName', 'VpcConfig',
];

/** Required members of `CreateTrainingJobRequest` (same source). */
export const CREATE_TRAINING_JOB_REQUIRED_MEMBERS = ['OutputDataConfig', 'RoleArn', 'TrainingJobName'];

/**
 * `Tag` (API_Tag.html; the SageMaker Python SDK config schema `definitions.tags` repeats it):
 * `Key` 1-128 and `Value` 0-256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, both required, no
 * other member; at most 50 tags per request.
 */
export const TAG_MEMBERS = ['Key', 'Value'];
export const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_TAGS = 50;

/**
 * The part of the SageMaker Python SDK config schema (aws/sagemaker-python-sdk
 * `src/sagemaker/config/config_schema.py`, `SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA`) that the SDK
 * defaults use. Every object there is `additionalProperties: false`: a key not listed is a schema
 * error and the SDK refuses the whole file. `true` marks a leaf; `'tags'` the tags definition.
 */
type SchemaNode = true | 'tags' | { [key: string]: SchemaNode };
const vpcConfig = { SecurityGroupIds: true, Subnets: true } as const;
export const SDK_CONFIG_SCHEMA: SchemaNode = {
  SchemaVersion: true,
  SageMaker: {
    PythonSDK: {
      Modules: {
        Session: { DefaultS3Bucket: true, DefaultS3ObjectKeyPrefix: true },
        Estimator: { DebugHookConfig: true },
        RemoteFunction: {
          Dependencies: true,
          PreExecutionCommands: true,
          PreExecutionScript: true,
          EnableInterContainerTrafficEncryption: true,
          EnvironmentVariables: true,
          ImageUri: true,
          IncludeLocalWorkDir: true,
          InstanceType: true,
          JobCondaEnvironment: true,
          RoleArn: true,
          S3KmsKeyId: true,
          S3RootUri: true,
          Tags: 'tags',
          VolumeKmsKeyId: true,
          VpcConfig: vpcConfig,
        },
      },
    },
    Endpoint: { Tags: 'tags' },
    EndpointConfig: {
      AsyncInferenceConfig: { OutputConfig: { KmsKeyId: true } },
      DataCaptureConfig: { KmsKeyId: true },
      KmsKeyId: true,
      ProductionVariants: true,
      Tags: 'tags',
    },
    TransformJob: {
      DataCaptureConfig: { KmsKeyId: true },
      Environment: true,
      TransformOutput: { KmsKeyId: true },
      TransformResources: { VolumeKmsKeyId: true },
      Tags: 'tags',
    },
    Model: {
      Containers: true,
      EnableNetworkIsolation: true,
      ExecutionRoleArn: true,
      PrimaryContainer: true,
      VpcConfig: vpcConfig,
      Tags: 'tags',
    },
    ProcessingJob: {
      Environment: true,
      NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true, VpcConfig: vpcConfig },
      ProcessingInputs: true,
      ProcessingOutputConfig: { KmsKeyId: true },
      ProcessingResources: { ClusterConfig: { VolumeKmsKeyId: true } },
      RoleArn: true,
      Tags: 'tags',
    },
    TrainingJob: {
      EnableInterContainerTrafficEncryption: true,
      EnableNetworkIsolation: true,
      Environment: true,
      OutputDataConfig: { KmsKeyId: true },
      ResourceConfig: { VolumeKmsKeyId: true },
      ProfilerConfig: { DisableProfiler: true },
      RoleArn: true,
      VpcConfig: vpcConfig,
      Tags: 'tags',
    },
  },
};

/** Paths of `config` the schema does not allow, and tag lists that break the tags definition. */
export function sdkConfigSchemaErrors(config: unknown, schema: SchemaNode = SDK_CONFIG_SCHEMA, path = ''): string[] {
  if (schema === true) {
    return [];
  }
  if (schema === 'tags') {
    if (!Array.isArray(config)) return [`${path}: not a list of tags`];
    const errors = config.length > MAX_TAGS ? [`${path}: ${config.length} tags, at most ${MAX_TAGS}`] : [];
    for (const tag of config) {
      const keys = Object.keys(tag).sort();
      if (keys.join(',') !== 'Key,Value') {errors.push(`${path}: tag with members ${keys.join(',')}`);} else if (!TAG_PATTERN.test(tag.Key) || tag.Key.length < 1 || tag.Key.length > 128 || !TAG_PATTERN.test(tag.Value) || tag.Value.length > 256) {
        errors.push(`${path}: tag ${JSON.stringify(tag)} breaks the Key/Value pattern or length`);
      }
    }
    return errors;
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return [`${path}: expected an object`];
  }
  return Object.entries(config as Record<string, unknown>).flatMap(([key, value]) => {
    const child = schema[key];
    const at = path ? `${path}.${key}` : key;
    return child === undefined ? [`${at}: not in the schema`] : sdkConfigSchemaErrors(value, child, at);
  });
}
