/**
 * The SageMaker Python SDK "intelligent defaults" configuration (`config.yaml`) that notebooks and
 * Studio load, so that jobs, models and endpoint configs created from Python inherit the
 * environment's VPC, KMS key, network isolation and inter-container encryption.
 *
 * Paths follow the SDK's schema (sagemaker/config/config_schema.py). JSON is valid YAML, so the
 * file is written as JSON: tokens in it resolve to plain IDs and ARNs without quotes or colons
 * that would need YAML escaping.
 */

/** What the defaults are made of. */
export interface SdkDefaultsOptions {
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly kmsKeyArn: string;
  readonly defaultBucket: string;
  readonly defaultPrefix: string;
  /** Execution role for jobs and models. */
  readonly roleArn?: string;
  /** Tags every job and model carries (the notebook's ownership tag, for instance). */
  readonly tags: Array<{ Key: string; Value: string }>;
}

/** The SDK configuration object. */
export function sdkDefaults(o: SdkDefaultsOptions): Record<string, unknown> {
  const vpc = { SecurityGroupIds: o.securityGroupIds, Subnets: o.subnetIds };
  const role = o.roleArn ? { RoleArn: o.roleArn } : {};
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
            Tags: o.tags,
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
        Tags: o.tags,
        ...role,
      },
      ProcessingJob: {
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: vpc },
        ProcessingOutputConfig: { KmsKeyId: o.kmsKeyArn },
        ProcessingResources: { ClusterConfig: { VolumeKmsKeyId: o.kmsKeyArn } },
        Tags: o.tags,
        ...role,
      },
      TransformJob: {
        TransformOutput: { KmsKeyId: o.kmsKeyArn },
        TransformResources: { VolumeKmsKeyId: o.kmsKeyArn },
        DataCaptureConfig: { KmsKeyId: o.kmsKeyArn },
        Tags: o.tags,
      },
      Model: {
        EnableNetworkIsolation: true,
        VpcConfig: vpc,
        Tags: o.tags,
        ...(o.roleArn ? { ExecutionRoleArn: o.roleArn } : {}),
      },
      EndpointConfig: {
        KmsKeyId: o.kmsKeyArn,
        DataCaptureConfig: { KmsKeyId: o.kmsKeyArn },
        Tags: o.tags,
      },
    },
  };
}
