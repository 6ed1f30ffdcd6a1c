/**
 * What a new model version of an endpoint must repeat, in the SageMaker API's shapes (CreateModel,
 * CreateEndpointConfig): the same role, network, isolation, instances, storage key and data capture.
 * Internal: for `SecureModelPromotion`.
 */
export interface EndpointDeploymentTemplate {
  readonly imageUri: string;
  readonly containerEnvironment?: Record<string, string>;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly instanceType: string;
  readonly initialInstanceCount: number;
  readonly volumeKmsKeyArn?: string;
  readonly dataCaptureConfig?: Record<string, unknown>;
  /** `AsyncInferenceConfig` of CreateEndpointConfig (API PascalCase shape), for asynchronous endpoints. */
  readonly asyncInferenceConfig?: Record<string, unknown>;
  /** `ServerlessConfig` of the production variant (API shape), for serverless endpoints. */
  readonly serverlessConfig?: Record<string, unknown>;
}
