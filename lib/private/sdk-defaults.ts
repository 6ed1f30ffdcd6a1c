import { IResolvable, IResolveContext } from 'aws-cdk-lib';
import { ENVIRONMENT_TAG } from './tags';

/**
 * The SageMaker Python SDK "intelligent defaults" configuration (`config.yaml`) that notebooks and
 * Studio load, so that jobs, models and endpoint configs created from Python inherit the
 * environment's VPC, KMS key, network isolation, inter-container encryption and tags.
 *
 * Paths follow the SDK's schema (sagemaker/config/config_schema.py,
 * `SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA`, every object `additionalProperties: false`). JSON is
 * valid YAML, so the file is written as JSON: tokens in it resolve to plain IDs and ARNs without
 * quotes or colons that would need YAML escaping.
 *
 * Tags: the schema has `Tags` for TrainingJob, ProcessingJob, TransformJob, Model,
 * EndpointConfig, Endpoint, AutoMLJob, CompilationJob, EdgePackagingJob, FeatureGroup,
 * MonitoringSchedule, Pipeline and PythonSDK.Modules.RemoteFunction; all the job, model and
 * endpoint ones are written here. It has no entry for hyperparameter tuning jobs, notebook
 * instances or domains: tags a guardrail requires on those must be passed by the caller.
 */


/** A SageMaker API tag. */
export interface SdkTag {
  readonly Key: string;
  readonly Value: string;
}

/** What the defaults are made of. */
export interface SdkDefaultsOptions {
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly kmsKeyArn: string;
  readonly defaultBucket: string;
  readonly defaultPrefix: string;
  /** Execution role for jobs and models. */
  readonly roleArn?: string;
  /**
   * Tags every job and model carries (the notebook's ownership tag, for instance); a token (a
   * `Lazy` list) when the tags are known only at synthesis.
   */
  readonly tags: SdkTag[] | IResolvable;
  /**
   * Name of the environment: adds the environment tag (`secure-sagemaker:environment`) unless
   * `tags` already has it.
   */
  readonly environmentName?: string;
}

/** The SDK configuration object. */
export function sdkDefaults(o: SdkDefaultsOptions): Record<string, unknown> {
  const vpc = { SecurityGroupIds: o.securityGroupIds, Subnets: o.subnetIds };
  const role = o.roleArn ? { RoleArn: o.roleArn } : {};
  const tags = withEnvironmentTag(o.tags, o.environmentName);
  return {
    SchemaVersion: '1.0',
    SageMaker: {
      PythonSDK: {
        Modules: {
          Session: { DefaultS3Bucket: o.defaultBucket, DefaultS3ObjectKeyPrefix: o.defaultPrefix },
          RemoteFunction: {
            VpcConfig: vpc,
            S3KmsKeyId: o.kmsKeyArn,
            VolumeKmsKeyId: o.kmsKeyArn,
            EnableInterContainerTrafficEncryption: true,
            Tags: tags,
            ...role,
          },
        },
      },
      TrainingJob: {
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
        VpcConfig: vpc,
        OutputDataConfig: { KmsKeyId: o.kmsKeyArn },
        ResourceConfig: { VolumeKmsKeyId: o.kmsKeyArn },
        Tags: tags,
        ...role,
      },
      ProcessingJob: {
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: vpc },
        ProcessingOutputConfig: { KmsKeyId: o.kmsKeyArn },
        ProcessingResources: { ClusterConfig: { VolumeKmsKeyId: o.kmsKeyArn } },
        Tags: tags,
        ...role,
      },
      TransformJob: {
        TransformOutput: { KmsKeyId: o.kmsKeyArn },
        TransformResources: { VolumeKmsKeyId: o.kmsKeyArn },
        DataCaptureConfig: { KmsKeyId: o.kmsKeyArn },
        Tags: tags,
      },
      Model: {
        EnableNetworkIsolation: true,
        VpcConfig: vpc,
        Tags: tags,
        ...(o.roleArn ? { ExecutionRoleArn: o.roleArn } : {}),
      },
      EndpointConfig: {
        KmsKeyId: o.kmsKeyArn,
        DataCaptureConfig: { KmsKeyId: o.kmsKeyArn },
        Tags: tags,
      },
      // CreateEndpoint is one of the Create* calls guardrails can require tags on.
      Endpoint: {
        Tags: tags,
      },
    },
  };
}

function withEnvironmentTag(tags: SdkTag[] | IResolvable, environmentName: string | undefined): SdkTag[] | IResolvable {
  if (environmentName === undefined) {
    return tags;
  }
  const add = (list: SdkTag[]) => list.some((t) => t.Key === ENVIRONMENT_TAG) ? list : [...list, { Key: ENVIRONMENT_TAG, Value: environmentName }];
  return Array.isArray(tags)
    ? add(tags)
    : { creationStack: [], resolve: (context: IResolveContext) => add(context.resolve(tags) as SdkTag[]) };
}
