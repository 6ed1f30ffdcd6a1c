import { NagMessageLevel } from 'cdk-nag';
import { isPlainObject, isProvable, isTrue, render } from './cfn-values';
import { Control, fail, judge, notApplicable, Observation, pass } from './control';
import { HOSTING_SECTION } from './sections';
import { hasLocalNvmeStorage } from '../../private/instance-types';

const MODEL = 'AWS::SageMaker::Model';
const ENDPOINT_CONFIG = 'AWS::SageMaker::EndpointConfig';
const CREATE_ENDPOINT_CONFIG_KMS = 'SageMaker API [CreateEndpointConfig `KmsKeyId`](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html)';

/** Instance-based variants (serverless ones skipped); undefined when the list does not resolve. */
export function instanceVariants(properties: { readonly [key: string]: any }): Array<{ [key: string]: any }> | undefined {
  const lists = [properties.ProductionVariants, properties.ShadowProductionVariants ?? []];
  if (!lists.every(Array.isArray)) {
    return undefined;
  }
  const variants = lists.flat();
  if (!variants.every(isPlainObject)) {
    return undefined;
  }
  return variants.filter((v) => v.ServerlessConfig === undefined);
}

/**
 * SageMaker models isolate their containers from the network.
 *
 * Compliant only when `EnableNetworkIsolation` resolves to `true`. CreateModel defaults to
 * `false`, so an absent value is non-compliant, and so is a value that does not resolve.
 */
export const MODEL_NETWORK_ISOLATION: Control = {
  id: 'ModelNetworkIsolation',
  resourceTypes: [MODEL],
  level: NagMessageLevel.ERROR,
  section: HOSTING_SECTION,
  info: 'The SageMaker model does not have EnableNetworkIsolation set to true (CreateModel defaults to false).',
  explanation:
    'Without network isolation the inference container can make outbound calls: a compromised or malicious model image can exfiltrate '
    + 'inference data or download code. With isolation SageMaker still fetches the model artifact and image for the container, which '
    + 'itself has no network access.',
  doc: {
    cause: 'An `AWS::SageMaker::Model` whose `EnableNetworkIsolation` is not `true` (absent is flagged: CreateModel defaults to `false`; a value that does not resolve is flagged).',
    fix: 'Use `SecureEndpoint`, or set `enableNetworkIsolation: true` on `CfnModel`; have the container load everything it needs from the model artifact.',
    sources: 'Security Hub [SageMaker.5] SageMaker models should have network isolation enabled (AWS Config '
      + '[`sagemaker-model-isolation-enabled`](https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-model-isolation-enabled.html)).',
  },
  report: { label: 'Network isolation' },
  check: ({ properties: p }) => [judge(isTrue(p.EnableNetworkIsolation), 'EnableNetworkIsolation true: containers make no outbound calls',
    'EnableNetworkIsolation not true: containers can make outbound network calls')],
};

/**
 * SageMaker models run in a VPC.
 *
 * Compliant only when `VpcConfig` has a non-empty `Subnets` list and a non-empty
 * `SecurityGroupIds` list. Lists that do not resolve to arrays (a parameter, `Fn::If`, ...) are
 * non-compliant.
 */
export const MODEL_IN_VPC: Control = {
  id: 'ModelInVPC',
  resourceTypes: [MODEL],
  level: NagMessageLevel.ERROR,
  section: HOSTING_SECTION,
  info: 'The SageMaker model has no VpcConfig with subnets and security groups.',
  explanation:
    'A model without VpcConfig runs its containers in a network that SageMaker manages, outside your security groups, flow logs and '
    + 'VPC endpoint policies. Run models in your private subnets with a security group that has no ingress.',
  doc: {
    cause: 'An `AWS::SageMaker::Model` without `VpcConfig`, or whose `Subnets` or `SecurityGroupIds` is empty or does not resolve to a list.',
    fix: 'Use `SecureEndpoint` in a `SageMakerEnvironment`, or set `vpcConfig: { subnets, securityGroupIds }` on `CfnModel` with private subnets and a security group without ingress.',
    sources: 'AWS Config [`sagemaker-model-in-vpc`](https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-model-in-vpc.html).',
  },
  report: { label: 'Network: VPC subnets' },
  check: ({ properties: p }) => {
    const vpc = p.VpcConfig;
    const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
    if (!isPlainObject(vpc)) {
      return [fail('no VpcConfig: the model containers run outside your VPC')];
    }
    return [judge(nonEmpty(vpc.Subnets) && nonEmpty(vpc.SecurityGroupIds), `subnets ${render(vpc.Subnets)}, security groups ${render(vpc.SecurityGroupIds)}`,
      `VpcConfig with subnets ${render(vpc.Subnets) || 'none'} and security groups ${render(vpc.SecurityGroupIds) || 'none'}: not a VPC placement that can be proven`)];
  },
};

/**
 * SageMaker endpoint configs encrypt the ML storage volumes with a KMS key, except where the API
 * forbids one.
 *
 * Compliant when `KmsKeyId` is set, or when it is absent and every instance-based variant
 * resolves to an instance type with local NVMe storage (CreateEndpointConfig rejects a key for
 * those; their instance storage is hardware-encrypted). An absent key with a serverless-only,
 * empty or unresolvable variant list is non-compliant.
 */
export const ENDPOINT_CONFIG_KMS_KEY: Control = {
  id: 'EndpointConfigKMSKey',
  resourceTypes: [ENDPOINT_CONFIG],
  level: NagMessageLevel.ERROR,
  section: HOSTING_SECTION,
  info: 'The SageMaker endpoint config has no KmsKeyId, and not every instance-based variant uses an instance type with local NVMe storage.',
  explanation:
    'The ML storage volumes of endpoint instances hold the model and may hold inference data; encrypt them with a customer managed key '
    + 'so that access also requires the key. Instance types with local NVMe storage are the exception: their storage is '
    + 'hardware-encrypted and CreateEndpointConfig rejects a key for them.',
  doc: {
    cause: 'An `AWS::SageMaker::EndpointConfig` without `KmsKeyId`, unless every instance-based variant (`ProductionVariants` and `ShadowProductionVariants`, '
      + 'serverless ones skipped) resolves to an instance type with local NVMe storage. An empty, serverless-only or unresolvable variant list without a key is flagged.',
    fix: 'Use `SecureEndpoint` (it sets the environment key, or none for NVMe instance types), or set `kmsKeyId` on `CfnEndpointConfig`. '
      + 'cdk-nag\'s `SageMakerEndpointConfigurationKMSKeyConfigured` in HIPAA/NIST/PCI is not NVMe-aware: `SecureEndpoint` acknowledges it there with this reason.',
    sources: 'AWS Config [`sagemaker-endpoint-configuration-kms-key-configured`](https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-endpoint-configuration-kms-key-configured.html); '
      + `${CREATE_ENDPOINT_CONFIG_KMS}.`,
  },
  report: { label: 'KMS key (storage volume)' },
  check: ({ properties: p }) => {
    const key = p.KmsKeyId;
    if (key !== undefined && key !== '') {
      return [pass(`KmsKeyId ${render(key)}`)];
    }
    const variants = instanceVariants(p);
    if (variants && variants.length > 0 && variants.every((v) => typeof v.InstanceType === 'string' && hasLocalNvmeStorage(v.InstanceType))) {
      return [pass(`no KmsKeyId: ${variants.map((v) => v.InstanceType).join(', ')} use local NVMe storage, hardware-encrypted`)];
    }
    return [fail('no KmsKeyId: the ML storage volume uses an AWS managed key')];
  },
};

/**
 * SageMaker endpoint configs do not set a KMS key together with an instance type that has local
 * NVMe storage: CreateEndpointConfig rejects that combination, so the deployment would fail.
 *
 * Not applicable when `KmsKeyId` is absent. With a key, non-compliant when any instance-based
 * variant's instance type has local NVMe storage or does not resolve (it could be one).
 */
export const ENDPOINT_CONFIG_NO_KMS_KEY_ON_NVME: Control = {
  id: 'EndpointConfigNoKMSKeyOnNVMe',
  resourceTypes: [ENDPOINT_CONFIG],
  level: NagMessageLevel.ERROR,
  section: HOSTING_SECTION,
  info: 'The SageMaker endpoint config sets KmsKeyId with an instance type that has local NVMe storage (or an instance type that does not resolve).',
  explanation:
    'CreateEndpointConfig rejects a KMS key for instance types with local NVMe storage (ml.g5, ml.m5d, ml.p4d, ...), so the deployment '
    + 'fails. Their instance storage is encrypted in hardware; omit KmsKeyId for them.',
  doc: {
    cause: 'An `AWS::SageMaker::EndpointConfig` with `KmsKeyId` and an instance-based variant whose instance type has local NVMe storage (`ml.g5`, `ml.m5d`, `ml.p4d`, ...) '
      + 'or does not resolve. Not applicable without `KmsKeyId`.',
    fix: 'Omit `KmsKeyId` for endpoint configs on instance types with local NVMe storage (`SecureEndpoint` does), or pick an EBS-backed instance type and keep the key.',
    sources: `${CREATE_ENDPOINT_CONFIG_KMS}; project design (deploy-time facts).`,
  },
  check: ({ properties: p }) => {
    if (p.KmsKeyId === undefined || p.KmsKeyId === '') {
      return [notApplicable('no KmsKeyId')];
    }
    const variants = instanceVariants(p);
    if (!variants) {
      return [fail('the production variants do not resolve: an instance type may have local NVMe storage')];
    }
    const rejected = variants.filter((v) => typeof v.InstanceType !== 'string' || hasLocalNvmeStorage(v.InstanceType));
    return [judge(rejected.length === 0, 'no variant with local NVMe storage',
      `KmsKeyId with ${rejected.map((v) => render(v.InstanceType) || 'an unresolved instance type').join(', ')}: CreateEndpointConfig rejects the key`)];
  },
};

/**
 * SageMaker endpoint configs that capture inference data encrypt it with a KMS key.
 *
 * Not applicable without `DataCaptureConfig`, or when `EnableCapture` resolves to `false`.
 * Otherwise compliant only when `DataCaptureConfig.KmsKeyId` is set (without it SageMaker uses the
 * account's AWS managed S3 key). A configuration that does not resolve is non-compliant.
 */
export const ENDPOINT_CONFIG_DATA_CAPTURE_ENCRYPTED: Control = {
  id: 'EndpointConfigDataCaptureEncrypted',
  resourceTypes: [ENDPOINT_CONFIG],
  level: NagMessageLevel.ERROR,
  section: HOSTING_SECTION,
  info: 'The SageMaker endpoint config captures inference data without DataCaptureConfig.KmsKeyId.',
  explanation:
    'Captured requests and responses are often the most sensitive data of a workload. Without a key SageMaker encrypts them with the '
    + 'account\'s AWS managed S3 key, which every principal with S3 access to the prefix can use; encrypt them with a customer managed key.',
  doc: {
    cause: 'An `AWS::SageMaker::EndpointConfig` whose `DataCaptureConfig` is enabled (or does not resolve) and has no `KmsKeyId`. Not applicable without '
      + '`DataCaptureConfig` or with `EnableCapture: false`.',
    fix: 'Use `SecureEndpoint` (data capture is encrypted with the environment key), or set `dataCaptureConfig.kmsKeyId` on `CfnEndpointConfig`.',
    sources: 'SageMaker API [DataCaptureConfig](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfig.html); project seed guidance (data capture, model monitoring).',
  },
  // The report asks for data capture (its own "Data capture" row): without it, captured data is not protected by a customer key either.
  report: { label: 'Data capture KMS key', whenNotApplicable: 'FAIL' },
  check: ({ properties: p }) => {
    const capture = p.DataCaptureConfig;
    if (capture === undefined) {
      return [notApplicable('no data capture: no captured data is encrypted with a customer key')];
    }
    if (!isPlainObject(capture)) {
      return [fail('DataCaptureConfig does not resolve: captured data may not be encrypted with a customer key')];
    }
    if (capture.EnableCapture === false || capture.EnableCapture === 'false') {
      return [notApplicable('data capture disabled: no captured data is encrypted with a customer key')];
    }
    return [judge(capture.KmsKeyId !== undefined && capture.KmsKeyId !== '', `KmsKeyId ${render(capture.KmsKeyId)}`, 'captured data is not encrypted with a customer key')];
  },
};

/**
 * Instance-based SageMaker endpoint variants run on more than one instance, so that SageMaker
 * can spread them over Availability Zones.
 *
 * Compliant when every instance-based production variant has an `InitialInstanceCount` of 2 or
 * more. Serverless variants are skipped; a count that does not resolve is non-compliant.
 */
export const ENDPOINT_CONFIG_MULTI_INSTANCE: Control = {
  id: 'EndpointConfigMultiInstance',
  resourceTypes: [ENDPOINT_CONFIG],
  level: NagMessageLevel.WARN,
  section: HOSTING_SECTION,
  info: 'A production variant of the SageMaker endpoint config starts with fewer than 2 instances (or a count that does not resolve).',
  explanation:
    'SageMaker spreads the instances of a variant over Availability Zones. With one instance, an instance or zone failure makes the '
    + 'endpoint unavailable until a replacement is ready (Security Hub SageMaker.4 / AWS Config sagemaker-endpoint-config-prod-instance-count).',
  doc: {
    cause: 'An instance-based `ProductionVariants` entry of an `AWS::SageMaker::EndpointConfig` with `InitialInstanceCount` below 2 or unresolvable. Serverless variants are skipped.',
    fix: 'Keep `SecureEndpoint`\'s default of 2 instances (`allowSingleInstance` opts out, with a warning), or set `initialInstanceCount: 2` or more on each variant.',
    sources: 'Security Hub [SageMaker.4] SageMaker endpoint production variants should have an initial instance count greater than 1 (AWS Config '
      + '[`sagemaker-endpoint-config-prod-instance-count`](https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-endpoint-config-prod-instance-count.html)).',
  },
  report: { label: 'Instance count' },
  check: ({ properties: p }): Observation[] => {
    const variants = p.ProductionVariants;
    if (!Array.isArray(variants)) {
      return [fail('ProductionVariants does not resolve to a list')];
    }
    if (!variants.every(isPlainObject)) {
      return [fail('a production variant does not resolve')];
    }
    return variants.map((v: { [key: string]: any }) => {
      const subject = render(v.VariantName) || 'variant';
      if (v.ServerlessConfig !== undefined) {
        return notApplicable('serverless variant: capacity is managed by SageMaker', { subject });
      }
      const n = v.InitialInstanceCount;
      return judge(typeof n === 'number' && n >= 2, `${n} x ${render(v.InstanceType)} across AZs`,
        `${n === undefined ? 'no InitialInstanceCount' : `${render(n)} instance`}: no availability across AZs`, { subject });
    });
  },
};

/**
 * SageMaker endpoint configs for asynchronous inference encrypt the results they write to S3:
 * `AsyncInferenceConfig.OutputConfig.KmsKeyId` resolves to a key. Not applicable without
 * `AsyncInferenceConfig`.
 */
export const ENDPOINT_CONFIG_ASYNC_OUTPUT_KMS_KEY: Control = {
  id: 'EndpointConfigAsyncOutputKMSKey',
  resourceTypes: [ENDPOINT_CONFIG],
  level: NagMessageLevel.ERROR,
  section: HOSTING_SECTION,
  info: 'The SageMaker endpoint config runs asynchronous inference without AsyncInferenceConfig.OutputConfig.KmsKeyId (or with a key that cannot be proven at synth time).',
  explanation: 'Asynchronous endpoints write every inference result (and failure payload) to S3. Without a key SageMaker encrypts them with the account\'s AWS managed S3 key, '
    + 'which every principal with S3 access to the prefix can use; encrypt them with a customer managed key.',
  doc: {
    cause: 'An `AWS::SageMaker::EndpointConfig` with `AsyncInferenceConfig` whose `OutputConfig.KmsKeyId` is absent, empty or does not resolve (a parameter, `Fn::If`). '
      + 'Not applicable without `AsyncInferenceConfig`.',
    fix: 'Set `asyncInferenceConfig.outputConfig.kmsKeyId` on `CfnEndpointConfig` to the environment key.',
    sources: 'Amazon SageMaker API Reference, [AsyncInferenceOutputConfig](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AsyncInferenceOutputConfig.html).',
  },
  report: { label: 'Async output KMS key' },
  check: ({ properties: p, template }) => {
    const async = p.AsyncInferenceConfig;
    if (async === undefined) {
      return [];
    }
    const output = isPlainObject(async) ? async.OutputConfig : undefined;
    const key = isPlainObject(output) ? output.KmsKeyId : undefined;
    return [judge(isProvable(key, template), `AsyncInferenceConfig.OutputConfig.KmsKeyId ${render(key)}`,
      key === undefined ? 'asynchronous inference results are not encrypted with a customer key' : `AsyncInferenceConfig.OutputConfig.KmsKeyId ${render(key) || 'empty'}: not a key that can be proven`)];
  },
};

/**
 * SageMaker endpoint configs have no serverless variants: a serverless variant runs outside the
 * VPC, without network isolation or data capture. Not applicable without serverless variants.
 */
export const ENDPOINT_CONFIG_NO_SERVERLESS_VARIANT: Control = {
  id: 'EndpointConfigNoServerlessVariant',
  resourceTypes: [ENDPOINT_CONFIG],
  level: NagMessageLevel.WARN,
  section: HOSTING_SECTION,
  info: 'A production or shadow variant of the SageMaker endpoint config is serverless (ServerlessConfig): it runs outside your VPC, without network isolation or data capture.',
  explanation: 'SageMaker Serverless Inference does not support VPC configuration, network isolation, data capture or Model Monitor: the model\'s VpcConfig and '
    + 'EnableNetworkIsolation do not apply to a serverless variant, so the controls the other rules check are not in force for it.',
  doc: {
    cause: 'An `AWS::SageMaker::EndpointConfig` with a `ProductionVariants` or `ShadowProductionVariants` entry that has `ServerlessConfig` (or a variant list that does not resolve). '
      + 'Not applicable without serverless variants.',
    fix: 'Use instance-based variants (`SecureEndpoint` does); acknowledge the finding for a serverless endpoint that serves no sensitive data, with that reason.',
    sources: 'Amazon SageMaker AI Developer Guide, [Deploy models with Amazon SageMaker Serverless Inference](https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html) '
      + '(feature exclusions: VPC configuration, network isolation, data capture, Model Monitor).',
  },
  check: ({ properties: p }) => {
    const lists = [p.ProductionVariants, p.ShadowProductionVariants ?? []];
    if (!lists.every(Array.isArray)) {
      return [fail('the variant lists do not resolve: a variant may be serverless')];
    }
    const serverless = lists.flat().filter((v) => !isPlainObject(v) || v.ServerlessConfig !== undefined)
      .map((v) => fail(isPlainObject(v) ? `variant ${render(v.VariantName) || '(unnamed)'} is serverless: no VPC, no network isolation` : 'a variant does not resolve: it may be serverless'));
    return serverless.length > 0 ? serverless : [pass('every variant is instance-based')];
  },
};
