import { Annotations, ArnFormat, Duration, Names, RemovalPolicy, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { aws_sagemaker as sagemakerRefs } from 'aws-cdk-lib/interfaces';
import { Construct, IConstruct } from 'constructs';
import { EndpointImage, ModelData } from './model-source';
import { InterfaceEndpointPolicy } from '../environment/endpoint-policy';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import type { ISageMakerEnvironment } from '../environment/interfaces';
import { allowDeliveriesToUseKey, allowLogGroupsToUseKey, serviceDeliveryStatement } from '../environment/key-policy';
import { SageMakerEnvironment, SecureBucket } from '../environment/sagemaker-environment';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge, acknowledgeImportedLogGroupKey, optOut } from '../private/acknowledge';
import { autoDeleteProviderRoleArn } from '../private/cdk-providers';
import { isEcrImageUri, isEcrTagOrDigest } from '../private/ecr-images';
import type { EndpointDeploymentTemplate } from '../private/endpoint-template';
import { validationError } from '../private/errors';
import { grantOnPrincipal } from '../private/grants';
import { rejectsVolumeKey, validateWorkloadInstanceType } from '../private/instance-types';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { arnResourceName, defaultSageMakerName, sageMakerNamePattern } from '../private/names';
import * as perms from '../private/perms';
import { ENDPOINT_OWNER_TAG, EXECUTION_ROLE_TAG } from '../private/tags';
import { grantVpcNetworkInterfaces } from '../private/vpc-access';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/** The one production variant of a SecureEndpoint. */
const VARIANT_NAME = 'AllTraffic';

/** Namespace of the per-instance metrics SageMaker publishes for endpoints. */
const INSTANCE_METRICS_NAMESPACE = '/aws/sagemaker/Endpoints';

/** Asynchronous inference (`grantInvoke` of an asynchronous endpoint); kept beside the real-time actions of perms.ts. */
const INVOKE_ENDPOINT_ASYNC = ['sagemaker:InvokeEndpointAsync'];

/** Every alarm of an endpoint is named `<prefix><endpoint name>-<what>`, so its ARN is known at synth time. */
const ALARM_NAME_PREFIX = 'sagemaker-endpoint-';

/**
 * The model an endpoint serves.
 */
export interface EndpointModel {
  /** The inference container image. */
  readonly image: EndpointImage;

  /** The model artifact. */
  readonly modelData: ModelData;

  /**
   * Environment variables of the container. Do not put secrets here: they are visible in the
   * model description.
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/**
 * Data capture of an endpoint (inputs and outputs, for model monitoring).
 */
export interface EndpointDataCaptureOptions {
  /**
   * Capture inference data. Disabling it is warned about: model monitoring and incident
   * investigation then have no record of what the model saw and answered.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Percentage of requests captured, a whole number from 1 to 100.
   *
   * @default 100
   */
  readonly samplingPercentage?: number;
}

/**
 * Target-tracking autoscaling of an endpoint on invocations per instance. The minimum is the
 * initial instance count.
 */
export interface EndpointAutoScalingOptions {
  /**
   * Maximum number of instances (at least the initial instance count).
   *
   * @default - twice the initial instance count
   */
  readonly maxCapacity?: number;

  /**
   * Invocations per instance per minute that autoscaling keeps the variant at. Load-test the model
   * to choose it.
   *
   * @default 1000
   */
  readonly targetInvocationsPerInstance?: number;
}

/**
 * Thresholds of the endpoint's CloudWatch alarms.
 */
export interface EndpointAlarmOptions {
  /**
   * Alarm when the endpoint returns at least this many 5XX errors within 5 minutes.
   *
   * @default 1
   */
  readonly serverErrors?: number;

  /**
   * Alarm when the average model latency stays above this for 15 minutes (3 periods of 5).
   *
   * @default Duration.seconds(1)
   */
  readonly modelLatency?: Duration;

  /**
   * Alarm when the average memory or disk utilization of the instances stays above this
   * percentage for 15 minutes.
   *
   * @default 90
   */
  readonly utilizationPercent?: number;
}

/**
 * Options of `grantInvoke`.
 */
export interface InvokeOptions {
  /**
   * Allow the call only through these interface VPC endpoints (`aws:SourceVpce`), typically the
   * environment's sagemaker.runtime endpoint (`endpoint.runtimeVpcEndpoint`).
   *
   * @default - no VPC endpoint condition
   */
  readonly vpcEndpoints?: ec2.IInterfaceVpcEndpoint[];

  /**
   * Also grant `InvokeEndpointWithResponseStream`, for containers that stream responses.
   *
   * @default false
   */
  readonly responseStreaming?: boolean;
}

/**
 * Which notification topics of an asynchronous endpoint carry the inference response itself
 * (`AsyncInferenceNotificationConfig.IncludeInferenceResponseIn`).
 */
export enum AsyncInferenceResponseIn {
  /** The success topic's messages include the response. */
  SUCCESS_NOTIFICATION_TOPIC = 'SUCCESS_NOTIFICATION_TOPIC',
  /** The error topic's messages include the (failure) response. */
  ERROR_NOTIFICATION_TOPIC = 'ERROR_NOTIFICATION_TOPIC',
}

/**
 * Asynchronous inference (Amazon SageMaker AI Developer Guide, "Asynchronous inference"):
 * callers upload a request to `async/<endpoint name>/input/` in the environment's artifacts bucket
 * and call `InvokeEndpointAsync`; SageMaker queues it, reads it with the model role, and writes the
 * result to `async/<endpoint name>/output/` (or `failure/`), encrypted with the bucket's key, then
 * notifies an encrypted, TLS-only success or error topic.
 */
export interface EndpointAsyncInferenceOptions {
  /**
   * Requests SageMaker sends to each instance at once (`ClientConfig.MaxConcurrentInvocationsPerInstance`), 1 to 1000.
   *
   * @default - chosen by SageMaker
   */
  readonly maxConcurrentInvocationsPerInstance?: number;

  /**
   * Topics whose messages carry the inference response itself (up to 128 KB; larger ones are
   * only in S3). The messages are then as sensitive as the results: every subscriber receives them.
   *
   * @default - the messages name the output location only
   */
  readonly includeInferenceResponseIn?: AsyncInferenceResponseIn[];

  /**
   * Queued requests per instance (`ApproximateBacklogSizePerInstance`) that autoscaling keeps the
   * variant at ("Autoscale an asynchronous endpoint", Amazon SageMaker AI Developer Guide).
   *
   * @default 5
   */
  readonly targetBacklogPerInstance?: number;

  /**
   * Alarm when the oldest queued request (`ApproximateAgeOfOldestRequest`) is older than this.
   *
   * @default Duration.minutes(30)
   */
  readonly oldestRequestAge?: Duration;
}

/**
 * Serverless inference, as a named opt-out. A serverless variant gives up what the rest of
 * `SecureEndpoint` guarantees: it runs outside the environment VPC and without network isolation
 * (Serverless Inference does not support VPC configuration or network isolation), without data
 * capture or Model Monitor, without a customer managed key for its storage, and with capacity
 * that SageMaker manages (no instance count, no autoscaling policy, no memory or disk alarms).
 * Feature exclusions: "Deploy models with Amazon SageMaker Serverless Inference", Amazon SageMaker
 * AI Developer Guide.
 */
export interface EndpointServerlessOptions {
  /**
   * Memory of each serverless worker, in MB: 1024, 2048, 3072, 4096, 5120 or 6144.
   *
   * @default 2048
   */
  readonly memorySizeInMb?: number;

  /**
   * Concurrent invocations the endpoint serves before throttling, 1 to 200.
   *
   * @default 20
   */
  readonly maxConcurrency?: number;

  /**
   * Must be `true`: you accept that the model runs outside your VPC, without network isolation,
   * data capture or a customer managed storage key. Warned about at synth time and recorded in the
   * template as the reason of the acknowledged findings.
   */
  readonly acceptServerlessRisks: boolean;
}

/**
 * Properties of a `SecureEndpoint`.
 */
export interface SecureEndpointProps {
  /**
   * The environment (network, key, buckets) of the endpoint.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * Name of the endpoint (1-63 letters, digits and hyphens). Grants, alarms and its log group
   * name it, so it is fixed at synth time.
   *
   * @default - derived from the construct path
   */
  readonly endpointName?: string;

  /** The model: container image and model artifact. */
  readonly model: EndpointModel;

  /**
   * ML instance type; only types on the AWS Nitro System are accepted. Types with local NVMe
   * storage (`ml.g5`, `ml.m5d`, ...) get no KMS key: their instance storage is hardware-encrypted
   * and CreateEndpointConfig rejects a key for them. So the type must be known at synth time (not
   * a token). Not with `serverless`.
   *
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;

  /**
   * Number of instances the endpoint starts with (and the autoscaling minimum). 1 is accepted
   * only with `allowSingleInstance`. Not with `serverless`.
   *
   * @default 2
   */
  readonly initialInstanceCount?: number;

  /**
   * Allow an endpoint with a single instance, which has no redundancy across Availability Zones
   * (warned about).
   *
   * @default false
   */
  readonly allowSingleInstance?: boolean;

  /**
   * The key that encrypts the ML storage volumes. Not allowed with instance types with local NVMe
   * storage, nor with `serverless`.
   *
   * @default - the environment's key, or no key for instance types with local NVMe storage
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Data capture to `datacapture/<endpoint name>/` in the environment's artifacts bucket,
   * encrypted with the bucket's key.
   *
   * @default - inputs and outputs of every request are captured
   */
  readonly dataCapture?: EndpointDataCaptureOptions;

  /**
   * Autoscaling on invocations per instance (with `asyncInference`, the maximum applies and the
   * policy tracks `asyncInference.targetBacklogPerInstance` instead). Not with `serverless`.
   *
   * @default - from the initial instance count up to twice as many, at 1000 invocations per instance per minute
   */
  readonly autoScaling?: EndpointAutoScalingOptions;

  /**
   * Alarm thresholds.
   *
   * @default - see `EndpointAlarmOptions`
   */
  readonly alarms?: EndpointAlarmOptions;

  /**
   * The topic the alarms notify. Its topic policy gets a statement that lets CloudWatch publish
   * for this endpoint's alarms (`aws:SourceArn`, `aws:SourceAccount`), and its key (when it is in
   * this app) one that lets this account's CloudWatch alarms use it; for an imported topic or key
   * the statements are given in a warning.
   *
   * @default - a new topic encrypted with the environment's key, TLS-only
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Make the served model artifact write-once: its bucket's policy denies every write to the
   * object without `If-None-Match: *` (so only a first upload succeeds) and every delete of it or
   * of its versions, to every principal. A new model version is a new key, served by updating
   * `modelData`. `false` (warned) keeps the object writable by whoever IAM allows, with the
   * served-artifact alert only.
   *
   * @default true
   */
  readonly writeOnceModelArtifact?: boolean;

  /**
   * Serve asynchronous invocations (`InvokeEndpointAsync`) instead of real-time ones: requests and
   * results in `async/<endpoint name>/` of the artifacts bucket, results encrypted with its key,
   * success and error notifications on encrypted, TLS-only topics, autoscaling on the backlog per
   * instance, and an alarm on the age of the oldest queued request. The endpoint then accepts
   * asynchronous invocations only.
   *
   * @default - a real-time endpoint
   */
  readonly asyncInference?: EndpointAsyncInferenceOptions;

  /**
   * Serve from a serverless variant instead of instances: a named opt-out (see
   * `EndpointServerlessOptions` for what it gives up), only with `acceptServerlessRisks: true`.
   * Not combinable with `asyncInference`, `instanceType`, `initialInstanceCount`,
   * `allowSingleInstance`, `encryptionKey`, `autoScaling` or data capture.
   *
   * @default - instance-based, in the environment VPC
   */
  readonly serverless?: EndpointServerlessOptions;
}

/**
 * A private, encrypted, observable real-time SageMaker endpoint that only named callers can invoke.
 *
 * - the model runs with network isolation, in the environment's subnets, with its own security
 *   group (no ingress; HTTPS egress to the VPC endpoints and S3 only)
 * - a model role that can read exactly the model artifact, pull from exactly the image's
 *   repository, write its own logs and captured data, and manage network interfaces only in the
 *   environment VPC
 * - ML storage encrypted with the environment key (omitted, with a note, on NVMe instance types)
 * - 2 instances by default, autoscaling on invocations per instance
 * - data capture of inputs and outputs to the artifacts bucket, encrypted
 * - a pre-created, encrypted, retained log group `/aws/sagemaker/Endpoints/<name>`
 * - alarms on 5XX errors, model latency and memory/disk utilization, to an encrypted topic
 * - callers are granted with `grantInvoke` (customer-managed policies on any role, user or group);
 *   the sagemaker.runtime VPC endpoint admits invocations of the environment's endpoints only, by
 *   principals of this account
 * - optionally asynchronous (`asyncInference`): requests and results under `async/<name>/` of the
 *   artifacts bucket, results encrypted with its key, encrypted TLS-only notification topics,
 *   autoscaling on the backlog; or serverless (`serverless`), a named opt-out that gives up the
 *   VPC, network isolation, data capture and the storage key
 *
 * It is an `aws-cdk-lib/aws-sagemaker` `IEndpoint` (so `apigateway.SagemakerIntegration` takes
 * it), an `ec2.IConnectable` (its security group) and an `iam.IGrantable` (its model role).
 */
export class SecureEndpoint extends Resource implements sagemaker.IEndpoint, ec2.IConnectable, iam.IGrantable {
  /** Tag key that marks the endpoint's resources (value: the endpoint name). */
  public static readonly OWNER_TAG = ENDPOINT_OWNER_TAG;

  /**
   * An endpoint defined elsewhere (another stack, app or tool), by name, in the scope's account
   * and Region. Its `grantInvoke` writes customer-managed policies, as `SecureEndpoint`'s does.
   *
   * @param scope the scope
   * @param id construct ID
   * @param endpointName the endpoint name
   */
  public static fromEndpointName(scope: Construct, id: string, endpointName: string): sagemaker.IEndpoint {
    if (!Token.isUnresolved(endpointName) && !sageMakerNamePattern().test(endpointName)) {
      throw validationError(scope, 'InvalidEndpointName',
        `\`endpointName\` '${endpointName}' of \`SecureEndpoint.fromEndpointName\` must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit, such as 'churn-model-prod'.`);
    }
    const endpointArn = Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: arnResourceName(endpointName) });
    return new ImportedEndpoint(scope, id, endpointArn, endpointName);
  }

  /**
   * An endpoint defined elsewhere (another stack, app or tool), by ARN
   * (`arn:aws:sagemaker:<region>:<account>:endpoint/<name>`).
   *
   * @param scope the scope
   * @param id construct ID
   * @param endpointArn the endpoint ARN
   */
  public static fromEndpointArn(scope: Construct, id: string, endpointArn: string): sagemaker.IEndpoint {
    if (!Token.isUnresolved(endpointArn) && !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:endpoint\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(endpointArn)) {
      throw validationError(scope, 'InvalidEndpointArn',
        `\`endpointArn\` '${endpointArn}' of \`SecureEndpoint.fromEndpointArn\` is not a SageMaker endpoint ARN: use 'arn:aws:sagemaker:<region>:<account>:endpoint/<name>', or \`SecureEndpoint.fromEndpointName\`.`);
    }
    const endpointName = Stack.of(scope).splitArn(endpointArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    return new ImportedEndpoint(scope, id, endpointArn, endpointName);
  }

  /** Name of the endpoint. */
  public readonly endpointName: string;

  /** ARN of the endpoint. */
  public readonly endpointArn: string;

  /** Name of the production variant. */
  public readonly variantName: string = VARIANT_NAME;

  /** The endpoint. */
  public readonly endpoint: sagemaker.CfnEndpoint;

  /** The endpoint configuration. */
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;

  /** The model. */
  public readonly model: sagemaker.CfnModel;

  /** The model's execution role. */
  public readonly role: SageMakerWorkloadRole;

  /**
   * The security group of the model's network interfaces. A serverless endpoint (the `serverless`
   * opt-out) has no network interfaces in the VPC: its group then holds nothing.
   */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The network connections of the model: its security group. */
  public readonly connections: ec2.Connections;

  /** The model's execution role, to which `grant*` methods of other resources add permissions. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** The endpoint's log group, `/aws/sagemaker/Endpoints/<name>`. */
  public readonly logGroup: logs.LogGroup;

  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;

  /** The alarms: 5XX errors, model latency, memory and disk utilization. */
  public readonly alarms: cloudwatch.Alarm[];

  /**
   * The EventBridge rule that notifies `alarmTopic` when the served model artifact is overwritten
   * or deleted (S3 `Object Created` / `Object Deleted` of its key): every new instance, from
   * autoscaling or a replaced host, loads the object that is there then.
   */
  public readonly servedArtifactRule: events.Rule;

  /** The environment's sagemaker.runtime interface endpoint, through which callers in the VPC invoke. */
  public readonly runtimeVpcEndpoint: ec2.IInterfaceVpcEndpoint;

  /** Key prefix of the captured data in the artifacts bucket, when data capture is on. */
  public readonly dataCapturePrefix?: string;

  /** The environment. */
  public readonly environment: ISageMakerEnvironment;

  /** The topic SageMaker notifies when an asynchronous inference succeeds (with `asyncInference`). */
  public readonly asyncSuccessTopic?: sns.ITopic;

  /** The topic SageMaker notifies when an asynchronous inference fails (with `asyncInference`). */
  public readonly asyncErrorTopic?: sns.ITopic;

  /** Key prefix in the artifacts bucket where callers upload asynchronous requests, `async/<name>/input/` (with `asyncInference`). */
  public readonly asyncInputPrefix?: string;

  /** Key prefix in the artifacts bucket where SageMaker writes asynchronous results, `async/<name>/output/` (with `asyncInference`). */
  public readonly asyncOutputPrefix?: string;

  /** Key prefix in the artifacts bucket where SageMaker writes asynchronous failures, `async/<name>/failure/` (with `asyncInference`). */
  public readonly asyncFailurePrefix?: string;

  /** Whether the endpoint serves from a serverless variant (the `serverless` opt-out). */
  public readonly isServerless: boolean;

  private readonly deploymentTemplate: EndpointDeploymentTemplate;

  constructor(scope: Construct, id: string, props: SecureEndpointProps) {
    super(scope, id);
    const env = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const stack = Stack.of(this);

    this.endpointName = props.endpointName ?? defaultSageMakerName(this);
    const instanceType = props.instanceType ?? 'ml.m5.large';
    const initialCount = props.initialInstanceCount ?? 2;
    const serverless = props.serverless;
    this.isServerless = serverless !== undefined;
    const asyncOptions = props.asyncInference;
    const nvme = !serverless && rejectsVolumeKey(instanceType);
    // Serverless Inference does not support data capture: it is off there (validated and noted).
    const captureEnabled = !serverless && (props.dataCapture?.enabled ?? true);
    const sampling = props.dataCapture?.samplingPercentage ?? 100;
    // CloudFormation cannot double a parameter: with a token count the maximum must be given (checked in validate).
    const maxCapacity = props.autoScaling?.maxCapacity ?? (Token.isUnresolved(initialCount) ? initialCount : initialCount * 2);
    const targetInvocations = props.autoScaling?.targetInvocationsPerInstance ?? 1000;
    const targetBacklog = asyncOptions?.targetBacklogPerInstance ?? 5;
    // What serverless cannot be combined with is named first, before the checks of those props.
    this.validateHostingOptions(props, targetBacklog);
    this.validate(props, instanceType, initialCount, nvme, sampling, maxCapacity, targetInvocations);
    claimSageMakerName(this, NAME_KINDS.endpoint, this.endpointName);

    this.endpointArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: arnResourceName(this.endpointName) });
    const image = props.model.image;
    const modelData = props.model.modelData;

    // Network: the model's interfaces get a group of their own, with no ingress.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: env.network.vpc,
      description: `Endpoint${Token.isUnresolved(this.endpointName) ? '' : ` ${this.endpointName}`}: no ingress; HTTPS to VPC endpoints and S3 only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    // A serverless model is outside the VPC: only the callers' sagemaker.runtime endpoint is needed there.
    const services = serverless ? [SageMakerEndpointService.SAGEMAKER_RUNTIME]
      : [SageMakerEndpointService.SAGEMAKER_RUNTIME, SageMakerEndpointService.LOGS];
    if (image.repository && !serverless) {
      services.push(SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR);
    }
    env.network.requireEndpoints(this.securityGroup, services);
    const runtime = env.network.endpointFor(SageMakerEndpointService.SAGEMAKER_RUNTIME);
    if (!runtime) {
      throw validationError(this, 'NoRuntimeEndpoint',
        'the environment\'s network has no sagemaker.runtime interface endpoint after `requireEndpoints`: pass an `environment` whose network creates or imports one.');
    }
    this.runtimeVpcEndpoint = runtime;
    this.admitInvocationsThrough(runtime);

    // The log group SageMaker writes to, created ahead so that it is encrypted, retained and kept.
    const logGroupName = `/aws/sagemaker/Endpoints/${this.endpointName}`;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      encryptionKey: env.key,
      retention: env.logRetention,
      removalPolicy: env.removalPolicy,
    });
    if (env.removalPolicy !== RemovalPolicy.RETAIN) {
      acknowledge(this.logGroup, `The environment ${env.environmentName} is a sandbox (removalPolicy ${env.removalPolicy}): the endpoint's log group is deleted with the stack by the user's named opt-out.`,
        'SageMakerSecurity-LogGroupRetained');
    }
    allowLogGroupsToUseKey(this, env.key, [logGroupName]);
    acknowledgeImportedLogGroupKey(this.logGroup.node.defaultChild as logs.CfnLogGroup, env.key.keyArn);

    // The model role.
    this.role = new SageMakerWorkloadRole(this, 'Role', { description: `Execution role of the model of endpoint ${this.endpointName}` });
    // SageMaker downloads the model and writes captured data with it, possibly from its own side:
    // the buckets' VPC-endpoint restriction exempts it (network isolation keeps it from the container).
    Tags.of(this.role).add(EXECUTION_ROLE_TAG, env.environmentName);
    this.grantPrincipal = this.role;
    this.grantModelArtifact(modelData);
    if (props.writeOnceModelArtifact ?? true) {
      this.protectServedArtifact(modelData);
    } else {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:ServedModelWritable',
        '`writeOnceModelArtifact` is false: whoever IAM allows can overwrite or delete the model this endpoint serves, and new instances load what is there (only the served-artifact alert reports it). Keep the default and publish each version under a new key.');
    }
    if (image.repository) {
      image.repository.grantPull(this.role);
      acknowledge(this.role, 'ecr:GetAuthorizationToken supports no resource-level permissions; image pulls are limited to the model image repository.', 'AwsSolutions-IAM5[Resource::*]');
    }
    this.grantLogsAndMetrics(logGroupName);
    if (!serverless) {
      this.grantNetworkInterfaces();
    }
    if (captureEnabled) {
      this.dataCapturePrefix = `datacapture/${this.endpointName}/`;
      env.artifactsBucket.grantWrite(this.role, this.dataCapturePrefix);
    }

    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;
    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      // Serverless Inference supports neither (its opt-out acknowledges the findings).
      enableNetworkIsolation: serverless ? undefined : true,
      vpcConfig: serverless ? undefined : { subnets: subnetIds, securityGroupIds: [this.securityGroup.securityGroupId] },
      primaryContainer: {
        image: image.imageUri,
        modelDataUrl: `s3://${modelData.bucket.bucketName}/${modelData.key}`,
        environment: props.model.environment,
      },
    });
    // CreateModel checks that SageMaker can assume the role.
    this.model.node.addDependency(this.role);

    const storageKey = nvme || serverless ? undefined : (props.encryptionKey ?? env.key);
    let asyncConfig: AsyncInferenceSettings | undefined;
    if (asyncOptions) {
      asyncConfig = this.configureAsyncInference(asyncOptions);
      this.asyncInputPrefix = asyncConfig.inputPrefix;
      this.asyncOutputPrefix = asyncConfig.outputPrefix;
      this.asyncFailurePrefix = asyncConfig.failurePrefix;
      this.asyncSuccessTopic = asyncConfig.successTopic;
      this.asyncErrorTopic = asyncConfig.errorTopic;
    }
    const serverlessConfig = serverless
      ? { memorySizeInMb: serverless.memorySizeInMb ?? 2048, maxConcurrency: serverless.maxConcurrency ?? 20 } : undefined;
    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      kmsKeyId: storageKey?.keyArn,
      productionVariants: [serverlessConfig ? {
        variantName: VARIANT_NAME,
        modelName: this.model.attrModelName,
        serverlessConfig,
      } : {
        variantName: VARIANT_NAME,
        modelName: this.model.attrModelName,
        instanceType,
        initialInstanceCount: initialCount,
        initialVariantWeight: 1,
      }],
      asyncInferenceConfig: asyncConfig?.cfn,
      dataCaptureConfig: captureEnabled ? {
        enableCapture: true,
        initialSamplingPercentage: sampling,
        destinationS3Uri: env.artifactsBucket.s3UrlForPrefix(this.dataCapturePrefix!),
        // The bucket policy only admits uploads under the bucket's own key.
        kmsKeyId: env.artifactsBucket.encryptionKey.keyArn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
      } : undefined,
    });
    this.deploymentTemplate = {
      imageUri: image.imageUri,
      containerEnvironment: props.model.environment,
      subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      instanceType,
      initialInstanceCount: initialCount,
      volumeKmsKeyArn: storageKey?.keyArn,
      dataCaptureConfig: captureEnabled ? {
        EnableCapture: true,
        InitialSamplingPercentage: sampling,
        DestinationS3Uri: env.artifactsBucket.s3UrlForPrefix(this.dataCapturePrefix!),
        KmsKeyId: env.artifactsBucket.encryptionKey.keyArn,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      } : undefined,
      asyncInferenceConfig: asyncConfig?.api,
      serverlessConfig: serverlessConfig
        ? { MemorySizeInMB: serverlessConfig.memorySizeInMb, MaxConcurrency: serverlessConfig.maxConcurrency } : undefined,
    };
    if (nvme) {
      Annotations.of(this).addInfo(
        `instance type ${instanceType} has local NVMe storage, which is hardware-encrypted; CreateEndpointConfig rejects a KMS key for it, so the endpoint config has none.`,
      );
      acknowledge(this.endpointConfig,
        `Instance type ${instanceType} has only local NVMe instance storage, which AWS encrypts in hardware (XTS-AES-256); CreateEndpointConfig rejects KmsKeyId for such types, so setting a key would fail the deployment.`,
        'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured',
        'NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured',
        'PCI.DSS.321-SageMakerEndpointConfigurationKMSKeyConfigured',
      );
    }
    if (Token.isUnresolved(instanceType)) {
      // The user chose a token type (warned above): whether it has local NVMe storage is known at deploy time only.
      acknowledge(this.endpointConfig,
        '`instanceType` is a token, so whether it has local NVMe storage (which rejects KmsKeyId) is known only at deploy time; the endpoint config keeps the storage key (encrypted by default) and the token choice is warned at synth (cdk-secure-sagemaker:EndpointInstanceTypeToken).',
        'SageMakerSecurity-EndpointConfigNoKMSKeyOnNVMe');
    }

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName: this.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
    });
    // The policies and the log group must exist before the instances start.
    this.endpoint.node.addDependency(this.role, this.logGroup);
    Tags.of(this).add(ENDPOINT_OWNER_TAG, this.endpointName);

    if (!serverless) {
      this.addAutoScaling(initialCount, maxCapacity,
        asyncOptions ? { backlogPerInstance: targetBacklog } : { invocationsPerInstance: targetInvocations });
    }
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic();
    this.alarms = this.addAlarms(props.alarms ?? {}, asyncOptions);
    this.letAlarmsNotify(this.alarmTopic, props.alarmTopic !== undefined);
    this.servedArtifactRule = this.watchServedArtifact(modelData, props.alarmTopic !== undefined);

    // A count known only at deployment may be 1: with allowSingleInstance that is accepted like a literal 1.
    if (initialCount === 1 || (props.allowSingleInstance && Token.isUnresolved(initialCount))) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:EndpointSingleInstance',
        message: `allowSingleInstance is set and initialInstanceCount is ${initialCount === 1 ? '1' : 'a token that may be 1'}: the endpoint has no redundancy; an instance or Availability Zone failure makes it unavailable until SageMaker replaces the instance.`,
        on: this.endpointConfig,
        reason: 'A single instance was allowed explicitly with the `allowSingleInstance` prop of SecureEndpoint, which warns at synth time; availability, not confidentiality or integrity, is reduced.',
        findings: ['SageMakerSecurity-EndpointConfigMultiInstance'],
      });
    }
    if (serverless) {
      this.optOutOfInstances(serverless);
    } else if (!captureEnabled) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:EndpointNoDataCapture',
        'dataCapture.enabled is false: there is no record of the requests and responses of this endpoint for model monitoring or incident investigation.',
      );
    }
  }

  /**
   * What a new model version must repeat (for `SecureModelPromotion`).
   *
   * @internal
   */
  public _deploymentTemplate(): EndpointDeploymentTemplate {
    return this.deploymentTemplate;
  }

  /** A reference to this endpoint, for L1 constructs that take an `IEndpointRef`. */
  public get endpointRef(): sagemakerRefs.EndpointReference {
    return { endpointArn: this.endpointArn };
  }

  /**
   * Lets `grantee` invoke this endpoint, and no other: `sagemaker:InvokeEndpoint` on this
   * endpoint's ARN. Any role, user or group gets the statement in a customer-managed policy
   * attached to it (never an inline policy), so the compliance packs accept grants to a Lambda
   * function, an imported role or a user. For conditions and streaming, see
   * `grantInvokeWithOptions`.
   *
   * Callers inside the VPC also need a network path to the sagemaker.runtime endpoint: see
   * `allowInvokeFrom`.
   *
   * @param grantee who may invoke
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvokeWithOptions(grantee, {});
  }

  /**
   * `grantInvoke` with options: `InvokeEndpointWithResponseStream` too (`responseStreaming`), and
   * only through given VPC endpoints (`vpcEndpoints`).
   *
   * @param grantee who may invoke
   * @param options conditions and variants
   */
  public grantInvokeWithOptions(grantee: iam.IGrantable, options: InvokeOptions): iam.Grant {
    const isAsync = this.asyncInputPrefix !== undefined;
    if (isAsync && options.responseStreaming) {
      throw validationError(this, 'StreamingOnAsyncEndpoint',
        '`responseStreaming` of `grantInvokeWithOptions` is set on an asynchronous endpoint: it accepts InvokeEndpointAsync only, and its results are in S3. Drop `responseStreaming`.');
    }
    // An asynchronous endpoint accepts asynchronous invocations only.
    const actions = isAsync ? INVOKE_ENDPOINT_ASYNC
      : [...perms.SAGEMAKER_INVOKE_ENDPOINT, ...(options.responseStreaming ? perms.SAGEMAKER_INVOKE_ENDPOINT_STREAM : [])];
    const endpoints = options.vpcEndpoints ?? [];
    const invoke = grantOnPrincipal({
      grantee,
      actions,
      resourceArns: [this.endpointArn],
      conditions: endpoints.length > 0 ? { StringEquals: { 'aws:SourceVpce': endpoints.map((e) => e.vpcEndpointId) } } : undefined,
    });
    if (!isAsync) {
      return invoke;
    }
    // InvokeEndpointAsync takes an InputLocation that SageMaker reads with the model role: the
    // caller uploads the request there and reads the result (or failure) where the response says.
    const bucket = this.environment.artifactsBucket;
    return invoke
      .combine(bucket.grantWrite(grantee, this.asyncInputPrefix!))
      .combine(bucket.grantRead(grantee, this.asyncOutputPrefix!))
      .combine(bucket.grantRead(grantee, this.asyncFailurePrefix!));
  }

  /**
   * Lets workloads in `consumer`'s security groups reach the environment's sagemaker.runtime
   * endpoint on HTTPS, and nothing else: an egress rule from each of the consumer's groups to the
   * endpoint's security group, and the matching ingress rule, both created in the consumer's
   * stack when it is another one. IAM permission still comes from `grantInvoke`.
   *
   * @param consumer the calling workload
   */
  public allowInvokeFrom(consumer: ec2.IConnectable): void {
    consumer.connections.allowTo(this.runtimeVpcEndpoint, ec2.Port.tcp(443),
      `HTTPS to the sagemaker.runtime endpoint, to invoke SageMaker endpoint ${Token.isUnresolved(this.endpointName) ? 'of the environment' : this.endpointName}`);
  }

  /**
   * A metric of this endpoint's variant in the `AWS/SageMaker` namespace (dimensions
   * `EndpointName` and `VariantName`).
   *
   * @param metricName the metric, such as 'Invocations'
   * @param props statistic, period and other options
   * @default - sum over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', metricName, props);
  }

  /**
   * Number of requests sent to the endpoint.
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', props);
  }

  /**
   * Number of invocations per instance (what autoscaling tracks).
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricInvocationsPerInstance(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('InvocationsPerInstance', props);
  }

  /**
   * Number of requests the model answered with a 4XX status.
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', props);
  }

  /**
   * Number of requests the model answered with a 5XX status.
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', props);
  }

  /**
   * Time the model took to respond, in microseconds.
   *
   * @param props metric options
   * @default - average over 5 minutes
   */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'Average', ...props });
  }

  /**
   * Time SageMaker added to the model's latency, in microseconds.
   *
   * @param props metric options
   * @default - average over 5 minutes
   */
  public metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('OverheadLatency', { statistic: 'Average', ...props });
  }

  /**
   * CPU utilization of the instances, in percent (of one core: up to 100 times the cores).
   *
   * @param props metric options
   * @default - average over 5 minutes
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric(INSTANCE_METRICS_NAMESPACE, 'CPUUtilization', { statistic: 'Average', ...props });
  }

  /**
   * Memory utilization of the instances, in percent.
   *
   * @param props metric options
   * @default - average over 5 minutes
   */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric(INSTANCE_METRICS_NAMESPACE, 'MemoryUtilization', { statistic: 'Average', ...props });
  }

  /**
   * Disk utilization of the instances, in percent.
   *
   * @param props metric options
   * @default - average over 5 minutes
   */
  public metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric(INSTANCE_METRICS_NAMESPACE, 'DiskUtilization', { statistic: 'Average', ...props });
  }

  /**
   * Age of the oldest request in the queue of an asynchronous endpoint, in seconds (`AWS/SageMaker`,
   * dimension `EndpointName` only).
   *
   * @param props metric options
   * @default - maximum over 5 minutes
   */
  public metricApproximateAgeOfOldestRequest(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetric('ApproximateAgeOfOldestRequest', { statistic: 'Maximum', ...props });
  }

  /**
   * Requests queued or in process per instance of an asynchronous endpoint (what its autoscaling
   * tracks; `AWS/SageMaker`, dimension `EndpointName` only).
   *
   * @param props metric options
   * @default - average over 5 minutes
   */
  public metricApproximateBacklogSizePerInstance(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetric('ApproximateBacklogSizePerInstance', { statistic: 'Average', ...props });
  }

  private endpointMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName },
      period: Duration.minutes(5),
      ...props,
    });
  }

  private variantMetric(namespace: string, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: VARIANT_NAME },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  private validate(props: SecureEndpointProps, instanceType: string, initialCount: number, nvme: boolean,
    sampling: number, maxCapacity: number, targetInvocations: number): void {
    const name = this.endpointName;
    if (Token.isUnresolved(name)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:EndpointNameToken',
        '`endpointName` is a token: SageMaker writes endpoint ARNs in lowercase and the grants, alarms and log group use the name as it resolves, so it must resolve to a lowercase name (letters, digits, hyphens, at most 63). Pass a literal name to have it checked at synth time.');
    } else if (!sageMakerNamePattern().test(name)) {
      throw validationError(this, 'InvalidEndpointName',
        `\`endpointName\` '${name}' must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit. Use a name such as 'churn-model-prod'.`);
    }
    if (!props.model || !props.model.image) {
      throw validationError(this, 'MissingModelImage', '`model.image` is required: pass `EndpointImage.fromEcrRepository(repository, tag)` or `EndpointImage.fromDlc(uri)`.');
    }
    if (!props.model.modelData) {
      throw validationError(this, 'MissingModelData',
        '`model.modelData` is required: pass `ModelData.fromBucket(bucket, key)` or `ModelData.fromTrainingOutput(bucket, prefix, jobName)` naming the model.tar.gz to serve.');
    }
    const key = props.model.modelData.key;
    if (!Token.isUnresolved(key) && (key.length === 0 || key.endsWith('/') || key.startsWith('/') || /[*?]/.test(key))) {
      throw validationError(this, 'InvalidModelDataKey',
        `\`model.modelData\` key '${key}' must name one object (the compressed model artifact), such as 'models/churn/v3/model.tar.gz': no wildcards, no leading '/', not a prefix.`);
    }
    const image = props.model.image;
    if (image.tagOrDigest !== undefined && !Token.isUnresolved(image.tagOrDigest)
      && !isEcrTagOrDigest(image.tagOrDigest)) {
      throw validationError(this, 'InvalidImageTag',
        `\`model.image\`: image tag '${image.tagOrDigest}' of \`EndpointImage.fromEcrRepository\` is neither an ECR tag nor a 'sha256:<64 hex>' digest.`);
    }
    if (!image.repository && !Token.isUnresolved(image.imageUri) && !isEcrImageUri(image.imageUri)) {
      throw validationError(this, 'InvalidImageUri',
        `\`model.image\`: \`EndpointImage.fromDlc\` URI '${image.imageUri}' is not an ECR image URI with a tag or digest (at most 255 characters), such as '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker'.`);
    }
    const containerEnv = Object.entries(props.model.environment ?? {});
    if (containerEnv.length > 100) {
      throw validationError(this, 'TooManyEnvironmentVariables', `\`model.environment\` has ${containerEnv.length} variables: CreateModel accepts at most 100.`);
    }
    for (const [variable, value] of containerEnv) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$/.test(variable)) {
        throw validationError(this, 'InvalidEnvironmentVariable',
          `\`model.environment\` variable name '${variable}' is rejected by CreateModel: use 1-1024 letters, digits and '_', not starting with a digit, such as 'MODEL_SERVER_WORKERS'.`);
      }
      if (!Token.isUnresolved(value) && value.length > 1024) {
        throw validationError(this, 'InvalidEnvironmentValue', `\`model.environment\` value of '${variable}' has ${value.length} characters: CreateModel accepts at most 1024.`);
      }
    }
    validateWorkloadInstanceType(this, instanceType, {
      examples: ['ml.m5.large', 'ml.c6i.xlarge', 'ml.g5.xlarge'],
      tokenWarning: { id: 'cdk-secure-sagemaker:EndpointInstanceTypeToken', keyRejectedBy: 'the endpoint config gets the storage key, which CreateEndpointConfig rejects' },
    });
    if (nvme && props.encryptionKey) {
      throw validationError(this, 'KmsKeyOnNvmeInstanceType',
        `\`encryptionKey\` is set but \`instanceType\` '${instanceType}' has local NVMe storage: CreateEndpointConfig rejects a KMS key for such types (their storage is hardware-encrypted), so the deployment would fail. Drop \`encryptionKey\`, or use a type without local storage such as 'ml.m5.large'.`);
    }
    if (!Token.isUnresolved(initialCount)) {
      if (!Number.isInteger(initialCount) || initialCount < 1) {
        throw validationError(this, 'InvalidInstanceCount',
          `\`initialInstanceCount\` is ${initialCount}: use a whole number of at least 2 (or 1 with \`allowSingleInstance\`).`);
      }
      if (initialCount === 1 && !props.allowSingleInstance) {
        throw validationError(this, 'SingleInstance',
          '`initialInstanceCount` is 1: a single instance has no redundancy across Availability Zones. Use 2 or more, or set `allowSingleInstance: true` to accept the risk.');
      }
    }
    if (!Token.isUnresolved(sampling) && (!Number.isInteger(sampling) || sampling < 1 || sampling > 100)) {
      throw validationError(this, 'InvalidSamplingPercentage',
        `\`dataCapture.samplingPercentage\` is ${sampling}: use a whole number from 1 to 100, or set \`dataCapture.enabled: false\`.`);
    }
    if (Token.isUnresolved(initialCount) && props.autoScaling?.maxCapacity === undefined) {
      throw validationError(this, 'MaxCapacityNeeded',
        '`autoScaling.maxCapacity` is required when `initialInstanceCount` is a token: the default (twice the initial count) cannot be computed at synth time. Pass `autoScaling.maxCapacity`.');
    }
    if (!Token.isUnresolved(maxCapacity)
      && (!Number.isInteger(maxCapacity) || maxCapacity < 1 || (!Token.isUnresolved(initialCount) && maxCapacity < initialCount))) {
      throw validationError(this, 'InvalidMaxCapacity',
        `\`autoScaling.maxCapacity\` is ${maxCapacity}: use a whole number no smaller than \`initialInstanceCount\` (${initialCount}), which is the autoscaling minimum.`);
    }
    if (!Token.isUnresolved(targetInvocations) && (!Number.isFinite(targetInvocations) || targetInvocations <= 0)) {
      throw validationError(this, 'InvalidScalingTarget',
        `\`autoScaling.targetInvocationsPerInstance\` is ${targetInvocations}: use a positive number of invocations per instance per minute.`);
    }
    const alarms = props.alarms ?? {};
    const errors = alarms.serverErrors;
    if (errors !== undefined && !Token.isUnresolved(errors) && (!Number.isInteger(errors) || errors < 1)) {
      throw validationError(this, 'InvalidAlarmThreshold', `\`alarms.serverErrors\` is ${errors}: use a whole number of at least 1.`);
    }
    const pct = alarms.utilizationPercent;
    if (pct !== undefined && !Token.isUnresolved(pct) && (!(pct > 0) || pct > 100)) {
      throw validationError(this, 'InvalidAlarmThreshold', `\`alarms.utilizationPercent\` is ${pct}: use a percentage above 0 and at most 100.`);
    }
    if (alarms.modelLatency?.isUnresolved()) {
      throw validationError(this, 'ModelLatencyToken',
        '`alarms.modelLatency` is a token: the alarm threshold is in microseconds and CloudFormation cannot convert a parameter. Pass a literal duration such as `Duration.millis(500)`.');
    }
    if (alarms.modelLatency && alarms.modelLatency.toMilliseconds({ integral: false }) <= 0) {
      throw validationError(this, 'InvalidAlarmThreshold', '`alarms.modelLatency` must be longer than 0.');
    }
  }

  /** Checks of `asyncInference` and `serverless`, and of what they cannot be combined with. */
  private validateHostingOptions(props: SecureEndpointProps, targetBacklog: number): void {
    const a = props.asyncInference;
    if (a) {
      const n = a.maxConcurrentInvocationsPerInstance;
      if (n !== undefined && !Token.isUnresolved(n) && (!Number.isInteger(n) || n < 1 || n > 1000)) {
        throw validationError(this, 'InvalidAsyncConcurrency',
          `\`asyncInference.maxConcurrentInvocationsPerInstance\` is ${n}: use a whole number from 1 to 1000, or leave it out to let SageMaker choose.`);
      }
      if (!Token.isUnresolved(targetBacklog) && (!Number.isFinite(targetBacklog) || targetBacklog <= 0)) {
        throw validationError(this, 'InvalidBacklogTarget',
          `\`asyncInference.targetBacklogPerInstance\` is ${targetBacklog}: use a positive number of queued requests per instance, such as 5.`);
      }
      const responseIn = a.includeInferenceResponseIn ?? [];
      if (new Set(responseIn).size !== responseIn.length) {
        throw validationError(this, 'DuplicateResponseTopic', '`asyncInference.includeInferenceResponseIn` names a topic twice: list each of SUCCESS_NOTIFICATION_TOPIC and ERROR_NOTIFICATION_TOPIC at most once.');
      }
      if (a.oldestRequestAge?.isUnresolved()) {
        throw validationError(this, 'OldestRequestAgeToken', '`asyncInference.oldestRequestAge` is a token: the alarm threshold is in seconds and must be known at synth time. Pass a literal duration such as `Duration.minutes(30)`.');
      }
      if (a.oldestRequestAge && a.oldestRequestAge.toSeconds({ integral: false }) < 1) {
        throw validationError(this, 'InvalidAlarmThreshold', '`asyncInference.oldestRequestAge` must be at least one second.');
      }
    }
    const s = props.serverless;
    if (!s) {
      return;
    }
    if (s.acceptServerlessRisks !== true) {
      throw validationError(this, 'ServerlessRisksNotAccepted',
        '`serverless` runs the model outside the environment VPC, without network isolation, data capture or a customer managed storage key. Set `serverless.acceptServerlessRisks: true` to accept that, or leave `serverless` out for an instance-based endpoint.');
    }
    const conflicts = ([
      ['asyncInference', props.asyncInference], ['instanceType', props.instanceType], ['initialInstanceCount', props.initialInstanceCount],
      ['allowSingleInstance', props.allowSingleInstance], ['encryptionKey', props.encryptionKey], ['autoScaling', props.autoScaling],
    ] as const).filter(([, v]) => v !== undefined).map(([k]) => `\`${k}\``);
    if (conflicts.length > 0) {
      throw validationError(this, 'ServerlessConflict',
        `\`serverless\` cannot be combined with ${conflicts.join(', ')}: a serverless variant has no instances, no storage key and no asynchronous mode. Drop ${conflicts.length > 1 ? 'them' : 'it'}, or drop \`serverless\`.`);
    }
    if (props.alarms?.utilizationPercent !== undefined) {
      throw validationError(this, 'ServerlessConflict', '`alarms.utilizationPercent` is set with `serverless`: a serverless endpoint publishes no instance memory or disk metrics. Drop it, or drop `serverless`.');
    }
    if (props.dataCapture?.enabled === true || props.dataCapture?.samplingPercentage !== undefined) {
      throw validationError(this, 'DataCaptureOnServerless', '`dataCapture` is set with `serverless`: Serverless Inference does not support data capture. Drop `dataCapture` (or set `enabled: false`), or drop `serverless`.');
    }
    const mem = s.memorySizeInMb;
    if (mem !== undefined && !Token.isUnresolved(mem) && (!Number.isInteger(mem) || mem < 1024 || mem > 6144 || mem % 1024 !== 0)) {
      throw validationError(this, 'InvalidServerlessMemory', `\`serverless.memorySizeInMb\` is ${mem}: use 1024, 2048, 3072, 4096, 5120 or 6144.`);
    }
    const conc = s.maxConcurrency;
    if (conc !== undefined && !Token.isUnresolved(conc) && (!Number.isInteger(conc) || conc < 1 || conc > 200)) {
      throw validationError(this, 'InvalidServerlessConcurrency', `\`serverless.maxConcurrency\` is ${conc}: use a whole number from 1 to 200.`);
    }
  }

  /**
   * Asynchronous inference: the model role reads the input prefix, writes the output and failure
   * prefixes (with the artifacts bucket's key, which its policy requires of uploads) and publishes
   * to the two topics only.
   */
  private configureAsyncInference(options: EndpointAsyncInferenceOptions): AsyncInferenceSettings {
    const env = this.environment;
    const stack = Stack.of(this);
    const base = `async/${this.endpointName}/`;
    const inputPrefix = `${base}input/`;
    const outputPrefix = `${base}output/`;
    const failurePrefix = `${base}failure/`;
    const bucket = env.artifactsBucket;
    // SageMaker reads the request at InputLocation with the execution role, and writes the result with it.
    bucket.grantRead(this.role, inputPrefix);
    bucket.grantWrite(this.role, outputPrefix);
    bucket.grantWrite(this.role, failurePrefix);
    const successTopic = this.encryptedTopic('AsyncSuccessTopic', `Asynchronous inference successes of SageMaker endpoint ${this.endpointName}`);
    const errorTopic = this.encryptedTopic('AsyncErrorTopic', `Asynchronous inference failures of SageMaker endpoint ${this.endpointName}`);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PublishToOwnAsyncTopicsOnly',
      actions: perms.SNS_PUBLISH,
      resources: [successTopic.topicArn, errorTopic.topicArn],
    }));
    // Publishing to an encrypted topic needs the key, through SNS ("Encryption at rest", Amazon SNS Developer Guide).
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EncryptAsyncNotificationsThroughSnsOnly',
      actions: perms.KMS_FOR_ENCRYPTED_SNS_PUBLISHERS,
      resources: [env.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` } },
    }));
    const responseIn = options.includeInferenceResponseIn;
    const keyArn = bucket.encryptionKey.keyArn;
    const output = {
      s3OutputPath: bucket.s3UrlForPrefix(outputPrefix),
      s3FailurePath: bucket.s3UrlForPrefix(failurePrefix),
      // The bucket policy only admits uploads under the bucket's own key (the environment key for its buckets).
      kmsKeyId: keyArn,
      notificationConfig: {
        successTopic: successTopic.topicArn,
        errorTopic: errorTopic.topicArn,
        includeInferenceResponseIn: responseIn && responseIn.length > 0 ? responseIn : undefined,
      },
    };
    const concurrency = options.maxConcurrentInvocationsPerInstance;
    return {
      inputPrefix,
      outputPrefix,
      failurePrefix,
      successTopic,
      errorTopic,
      cfn: {
        outputConfig: output,
        clientConfig: concurrency !== undefined ? { maxConcurrentInvocationsPerInstance: concurrency } : undefined,
      },
      api: {
        OutputConfig: {
          S3OutputPath: output.s3OutputPath,
          S3FailurePath: output.s3FailurePath,
          KmsKeyId: keyArn,
          NotificationConfig: {
            SuccessTopic: successTopic.topicArn,
            ErrorTopic: errorTopic.topicArn,
            ...(output.notificationConfig.includeInferenceResponseIn
              ? { IncludeInferenceResponseIn: output.notificationConfig.includeInferenceResponseIn } : {}),
          },
        },
        ...(concurrency !== undefined ? { ClientConfig: { MaxConcurrentInvocationsPerInstance: concurrency } } : {}),
      },
    };
  }

  /** The serverless opt-out: warned with what it gives up, and the findings it causes acknowledged with that reason. */
  private optOutOfInstances(serverless: EndpointServerlessOptions): void {
    const given = 'the model runs outside the environment VPC (no subnets, no security group, no VPC endpoint policies or flow logs) and without network isolation, '
      + 'there is no data capture and no Model Monitor, its storage is not encrypted with a customer managed key (KmsKeyId is not set), '
      + 'and SageMaker manages its capacity (no instance count across Availability Zones, no autoscaling policy, no memory or disk alarms)';
    Annotations.of(this).addWarningV2('cdk-secure-sagemaker:EndpointServerless',
      `\`serverless\` is set (${serverless.memorySizeInMb ?? 2048} MB, up to ${serverless.maxConcurrency ?? 20} concurrent invocations): ${given}. Use it only for models that serve no sensitive data.`);
    const reason = `Serverless inference was chosen explicitly with the \`serverless\` prop of SecureEndpoint and \`acceptServerlessRisks: true\`, which warns at synth time: ${given}. Serverless Inference supports no VPC configuration, network isolation or data capture.`;
    acknowledge(this.endpointConfig, reason,
      'SageMakerSecurity-EndpointConfigKMSKey',
      'SageMakerSecurity-EndpointConfigNoServerlessVariant',
      'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured',
      'NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured',
      'PCI.DSS.321-SageMakerEndpointConfigurationKMSKeyConfigured');
    acknowledge(this.model, reason, 'SageMakerSecurity-ModelInVPC', 'SageMakerSecurity-ModelNetworkIsolation');
    Annotations.of(this).addInfo('the endpoint is serverless: data capture is off (Serverless Inference does not support it), so `dataCapturePrefix` is undefined.');
  }

  /** Exactly the model artifact: one object, decrypted only through S3 for that bucket. */
  private grantModelArtifact(modelData: ModelData): void {
    const bucket = modelData.bucket;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTheModelArtifactOnly',
      actions: perms.S3_MODEL_ARTIFACT_READ,
      resources: [bucket.bucket.arnForObjects(modelData.key)],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptTheModelArtifactThroughS3',
      actions: perms.KMS_DECRYPT,
      resources: [bucket.encryptionKey.keyArn],
      conditions: {
        StringEquals: {
          'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com`,
          'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
        },
      },
    }));
  }

  /**
   * The served object is write-once: the bucket policy denies every write without
   * `If-None-Match: *` (which S3 refuses once the object exists) and every delete of the object or
   * of its versions, to every principal (the bucket's own auto-delete handler of a sandbox apart).
   * A new model is a new key, served by updating the endpoint; nobody can change what new instances
   * load ("Enforce conditional writes on Amazon S3 buckets", Amazon S3 User Guide).
   */
  private protectServedArtifact(modelData: ModelData): void {
    const bucket = modelData.bucket.bucket;
    const object = bucket.arnForObjects(modelData.key);
    const autoDelete = autoDeleteProviderRoleArn(bucket);
    const exempt = autoDelete ? { ArnNotLike: { 'aws:PrincipalArn': [autoDelete] } } : {};
    const id = this.node.addr.slice(0, 10);
    const overwrite = new iam.PolicyStatement({
      sid: `ServedModelWriteOnce${id}`,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [object],
      conditions: {
        Null: { 's3:if-none-match': 'true' },
        // The parts of a multipart upload carry no conditional header; its completion does.
        StringNotEquals: { 's3:ObjectCreationOperation': ['CreateMultipartUpload', 'UploadPart', 'UploadPartCopy'] },
        ...exempt,
      },
    });
    const removal = new iam.PolicyStatement({
      sid: `ServedModelKept${id}`,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: perms.S3_OBJECT_DELETE,
      resources: [object],
      conditions: Object.keys(exempt).length ? exempt : undefined,
    });
    if (!bucket.addToResourcePolicy(overwrite).statementAdded) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:ServedModelNotProtected',
        `the bucket of \`modelData\` is imported, so its policy cannot be changed here and the served object stays writable by whoever IAM allows. Add these statements to its bucket policy: ${statementText(this, overwrite)} ${statementText(this, removal)}`);
      return;
    }
    bucket.addToResourcePolicy(removal);
  }

  /** Container logs in the pre-created group, and instance metrics in SageMaker's namespace. */
  private grantLogsAndMetrics(logGroupName: string): void {
    const stack = Stack.of(this);
    const groupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const streamArn = `${groupArn}:log-stream:*`;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: [groupArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: perms.LOGS_WRITE_STREAMS, resources: [streamArn] }));
    acknowledgeScopedWildcards(this.role, [streamArn],
      `Log streams of this endpoint only: SageMaker names them '<variant>/<instance id>' in ${logGroupName}; the role may create streams and put events there, not read or delete.`);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EndpointInstanceMetricsOnly',
      actions: perms.CLOUDWATCH_PUT_METRIC_DATA,
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } },
    }));
    acknowledge(this.role, 'cloudwatch:PutMetricData supports no resource-level permissions; it is limited by condition to the /aws/sagemaker/Endpoints namespace.', 'AwsSolutions-IAM5[Resource::*]');
  }

  /** Network interfaces of the model: only in the environment VPC, subnets and the endpoint's group. */
  private grantNetworkInterfaces(): void {
    grantVpcNetworkInterfaces(this.role, this.environment.network, this.securityGroup, {
      create: 'ModelNetworkInterfacesUseEnvironmentSubnetsAndEndpointGroup',
      inVpc: 'ModelNetworkInterfacesInEnvironmentVpc',
      describe: 'DescribeNetworkForVpcModel',
    }, 'Network interfaces that SageMaker creates for a VPC model get their IDs at run time; the statement is limited by condition to the environment VPC, and creation to the environment subnets and the endpoint security group.');
    // One reason per wildcard statement: the template carries them merged, per rule.
    acknowledge(this.role, 'ec2:Describe* calls for VPC models support no resource-level permissions (read-only).', 'AwsSolutions-IAM5[Resource::*]');
  }

  private addAutoScaling(minCapacity: number, maxCapacity: number,
    target: { readonly invocationsPerInstance?: number; readonly backlogPerInstance?: number }): void {
    // Without RoleARN, Application Auto Scaling uses its service-linked role for SageMaker.
    const scalable = new appscaling.CfnScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: 'sagemaker',
      resourceId: `endpoint/${this.endpointName}/variant/${VARIANT_NAME}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity,
      maxCapacity,
    });
    scalable.node.addDependency(this.endpoint);
    // Asynchronous endpoints publish no invocation metrics: they scale on their queue instead
    // ("Autoscale an asynchronous endpoint", Amazon SageMaker AI Developer Guide).
    const backlog = target.backlogPerInstance;
    new appscaling.CfnScalingPolicy(this, 'ScalingPolicy', {
      policyName: `${this.endpointName}-${backlog !== undefined ? 'backlog' : 'invocations'}-per-instance`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: scalable.ref,
      targetTrackingScalingPolicyConfiguration: backlog !== undefined ? {
        targetValue: backlog,
        customizedMetricSpecification: {
          metricName: 'ApproximateBacklogSizePerInstance',
          namespace: 'AWS/SageMaker',
          dimensions: [{ name: 'EndpointName', value: this.endpointName }],
          statistic: 'Average',
        },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      } : {
        targetValue: target.invocationsPerInstance!,
        predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
  }

  private createAlarmTopic(): sns.Topic {
    return this.encryptedTopic('AlarmTopic', `Alarms of SageMaker endpoint ${this.endpointName}`);
  }

  /** A topic of this endpoint: encrypted with the environment key, TLS-only. */
  private encryptedTopic(id: string, displayName: string): sns.Topic {
    return new sns.Topic(this, id, { displayName, masterKey: this.environment.key, enforceSSL: true });
  }

  private addAlarms(options: EndpointAlarmOptions, asyncOptions?: EndpointAsyncInferenceOptions): cloudwatch.Alarm[] {
    const latency = options.modelLatency ?? Duration.seconds(1);
    const pct = options.utilizationPercent ?? 90;
    const alarms = [
      new cloudwatch.Alarm(this, 'ServerErrorsAlarm', {
        alarmName: this.alarmName('server-errors'),
        alarmDescription: `Endpoint ${this.endpointName} returned 5XX errors (Invocation5XXErrors).`,
        metric: this.metricInvocation5XXErrors(),
        threshold: options.serverErrors ?? 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'ModelLatencyAlarm', {
        alarmName: this.alarmName('model-latency'),
        alarmDescription: `Average model latency of endpoint ${this.endpointName} is above ${latency.toHumanString()}.`,
        metric: this.metricModelLatency(),
        // ModelLatency is reported in microseconds.
        threshold: latency.toMilliseconds({ integral: false }) * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      // Serverless endpoints have no instances of their own: no instance metrics.
      ...(this.isServerless ? [] : [['MemoryUtilization', this.metricMemoryUtilization()], ['DiskUtilization', this.metricDiskUtilization()]] as const)
        .map(([m, metric]) => new cloudwatch.Alarm(this, `${m}Alarm`, {
          alarmName: this.alarmName(m === 'MemoryUtilization' ? 'memory-utilization' : 'disk-utilization'),
          alarmDescription: `Average ${m} of the instances of endpoint ${this.endpointName} is above ${pct}%.`,
          metric,
          threshold: pct,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.MISSING,
        })),
    ];
    if (asyncOptions) {
      // The minimum capacity is the initial count (at least 1), so HasBacklogWithoutCapacity never
      // fires here; a queue that stalls shows in the age of its oldest request.
      const age = asyncOptions.oldestRequestAge ?? Duration.minutes(30);
      alarms.push(new cloudwatch.Alarm(this, 'OldestRequestAgeAlarm', {
        alarmName: this.alarmName('oldest-request-age'),
        alarmDescription: `The oldest queued request of asynchronous endpoint ${this.endpointName} is older than ${age.toHumanString()} (ApproximateAgeOfOldestRequest).`,
        metric: this.metricApproximateAgeOfOldestRequest({ period: Duration.minutes(1) }),
        threshold: age.toSeconds({ integral: false }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }
    const action = new cwActions.SnsAction(this.alarmTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
    }
    return alarms;
  }

  /** `sagemaker-endpoint-<endpoint name>-<what>`: fixed, so policies can name the alarms without a reference. */
  private alarmName(what: string): string {
    return `${ALARM_NAME_PREFIX}${this.endpointName}-${what}`;
  }

  /**
   * ARNs of this endpoint's alarms, for policies of `target`. They are built from the alarm names
   * (no reference to the alarms), so a topic or key in another stack gets no dependency on this
   * one; only when the endpoint name is a token, and `target` in another stack, is the pattern of
   * every endpoint alarm used instead (the token would otherwise be a cross-stack reference).
   */
  private alarmArnsFor(target: IConstruct): string[] {
    const stack = Stack.of(this);
    const arn = (name: string) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    if (Token.isUnresolved(this.endpointName) && Stack.of(target) !== stack) {
      return [arn(`${ALARM_NAME_PREFIX}*`)];
    }
    return this.alarms.map((a) => arn((a.node.defaultChild as cloudwatch.CfnAlarm).alarmName!));
  }

  /** The topic-policy statement that lets `service` publish to `topic` for the given sources of this account only. */
  private publishStatement(topic: sns.ITopic, service: 'cloudwatch' | 'events', sid: string, sourceArns: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(`${service}.amazonaws.com`)],
      actions: perms.SNS_PUBLISH,
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': sourceArns },
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      },
    });
  }

  /**
   * A topic policy replaces SNS's default one, which is what lets CloudWatch publish: so the topic
   * admits CloudWatch for exactly this endpoint's alarms, and its key lets CloudWatch use it. What
   * cannot be written (an imported topic or key) is given in a warning.
   */
  private letAlarmsNotify(topic: sns.ITopic, userTopic: boolean): void {
    const publish = this.publishStatement(topic, 'cloudwatch',
      userTopic ? `AllowCloudWatchAlarmsOf${Names.uniqueId(this)}` : 'AllowCloudWatchAlarmsOfTheEndpoint', this.alarmArnsFor(topic));
    const hadPolicy = topic.node.tryFindChild('Policy') !== undefined;
    if (!topic.addToResourcePolicy(publish).statementAdded) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:AlarmTopicPolicyNotManaged',
        `\`alarmTopic\` is imported, so its topic policy cannot be changed here. If it has a topic policy (which replaces SNS's default one), the alarms of this endpoint notify only if it contains: ${statementText(this, publish)}`);
    } else if (userTopic && !hadPolicy) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:AlarmTopicPolicyCreated',
        '`alarmTopic` had no topic policy: the statement that lets this endpoint\'s alarms publish now creates one, which replaces SNS\'s default policy. Other AWS services that publish to this topic must be allowed in it explicitly (`topic.addToResourcePolicy`).');
    }
    const key = topic.masterKey;
    if (key) {
      allowServiceToEncryptWith(this, key, 'cloudwatch');
    } else if (userTopic && !(topic instanceof sns.Topic)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:AlarmTopicKeyUnknown',
        `\`alarmTopic\` is imported without its key: if it is encrypted with a customer managed key, the key policy must let CloudWatch use it, or the alarms never notify: ${statementText(this, serviceDeliveryStatement(this, 'cloudwatch'))}. Pass \`keyArn\` to \`Topic.fromTopicAttributes\` to have this checked.`);
    }
  }

  /**
   * Model integrity: S3 sends the events of the environment's buckets to EventBridge, and this
   * rule notifies the alarm topic when the served artifact's key is written or deleted. The topic
   * admits EventBridge for this rule only (`aws:SourceArn`, `aws:SourceAccount`), and its key
   * (when it is in this app) lets EventBridge use it.
   */
  private watchServedArtifact(modelData: ModelData, userTopic: boolean): events.Rule {
    const stack = Stack.of(this);
    const rule = new events.Rule(this, 'ServedArtifactRule', {
      description: `Model integrity: the artifact that SageMaker endpoint ${Token.isUnresolved(this.endpointName) ? '' : `${this.endpointName} `}serves was overwritten or deleted; new instances load the new object`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: [modelData.bucket.bucketName] }, object: { key: [modelData.key] } },
      },
    });
    const topic = this.alarmTopic;
    rule.addTarget({
      bind: () => ({
        arn: topic.topicArn,
        input: events.RuleTargetInput.fromText(
          `Model integrity (SageMaker endpoint ${this.endpointName}): ${events.EventField.fromPath('$.detail-type')} for the served artifact s3://${modelData.bucket.bucketName}/${modelData.key} ` +
          `by ${events.EventField.fromPath('$.detail.requester')} from ${events.EventField.fromPath('$.detail.source-ip-address')} at ${events.EventField.time}. ` +
          'New endpoint instances load this object: check who wrote it, restore the reviewed version and update the endpoint.'),
      }),
    });
    // The rule's ARN names it exactly when the topic is in this stack; a topic of another stack
    // admits the rules of this account (a reference would make its stack depend on this one).
    const sameStack = Stack.of(topic) === stack;
    const publish = this.publishStatement(topic, 'events', userTopic ? `AllowServedArtifactRuleOf${Names.uniqueId(this)}` : 'AllowServedArtifactRule',
      [sameStack ? rule.ruleArn : stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' })]);
    if (!topic.addToResourcePolicy(publish).statementAdded) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:ArtifactRuleTopicPolicyNotManaged',
        `\`alarmTopic\` is imported, so its topic policy cannot be changed here. If it has a topic policy, the served-artifact alert of this endpoint notifies only if it contains: ${statementText(this, publish)}`);
    }
    const key = topic.masterKey;
    if (key) {
      allowServiceToEncryptWith(this, key, 'events');
    }
    if (!(modelData.bucket instanceof SecureBucket)) {
      Annotations.of(this).addInfo(
        'The model artifact is in a bucket of another app or stack: the served-artifact alert fires only if that bucket sends its events to EventBridge (every SecureBucket of an environment does).');
    }
    return rule;
  }

  /**
   * Lets the sagemaker.runtime interface endpoint carry invocations of this endpoint by principals
   * of the perimeter. The first endpoint narrows the endpoint's policy from every endpoint of the
   * account to this one (everything else through the VPC endpoint is then refused); later ones add
   * their ARN to the same statement.
   */
  private admitInvocationsThrough(vpcEndpoint: ec2.IInterfaceVpcEndpoint): void {
    if (!(vpcEndpoint instanceof ec2.InterfaceVpcEndpoint)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:RuntimeEndpointPolicyNotManaged',
        `the environment's sagemaker.runtime interface endpoint is imported, so its endpoint policy cannot be changed here: it must allow sagemaker:InvokeEndpoint on this endpoint (${Token.isUnresolved(this.endpointName) ? 'its ARN' : `endpoint/${arnResourceName(this.endpointName)}`}) for the callers, or invocations through the VPC are refused.`);
      return;
    }
    if (Token.isUnresolved(this.endpointName) && Stack.of(vpcEndpoint) !== Stack.of(this)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:RuntimeEndpointPolicyTokenName',
        '`endpointName` is a token and the sagemaker.runtime interface endpoint is in another stack: the endpoint policy cannot name this endpoint without a cross-stack reference, so it is not added there. Pass a literal `endpointName`.');
      return;
    }
    const policy = InterfaceEndpointPolicy.of(vpcEndpoint);
    if (!policy) {
      // Created without a perimeter (EndpointPerimeter.open(), warned there): nothing to narrow.
      return;
    }
    policy.admitInvocationsOf(this.endpointArn);
  }
}

/** Lets CloudWatch alarms (or EventBridge rules) use `key`, or warns with the statement an imported key needs. */
function allowServiceToEncryptWith(endpoint: SecureEndpoint, key: kms.IKey, service: 'cloudwatch' | 'events'): void {
  const missing = allowDeliveriesToUseKey(key, service);
  if (missing) {
    Annotations.of(endpoint).addWarningV2(service === 'cloudwatch' ? 'cdk-secure-sagemaker:AlarmTopicKeyNotManaged' : 'cdk-secure-sagemaker:ArtifactRuleTopicKeyNotManaged',
      `the key of the alarm topic is imported, so its key policy cannot be changed here: the ${service === 'cloudwatch' ? 'alarms notify' : 'served-artifact alert notifies'} only if it contains ${statementText(endpoint, missing)}`);
  }
}

/** A statement as JSON, for warnings that ask the user to add it. */
function statementText(scope: IConstruct, statement: iam.PolicyStatement): string {
  return JSON.stringify(Stack.of(scope).resolve(statement.toStatementJson()));
}

/** An endpoint defined elsewhere, from `SecureEndpoint.fromEndpointName` / `fromEndpointArn`. */
class ImportedEndpoint extends Resource implements sagemaker.IEndpoint {
  constructor(scope: Construct, id: string, public readonly endpointArn: string, public readonly endpointName: string) {
    super(scope, id, { environmentFromArn: endpointArn });
  }

  public get endpointRef(): sagemakerRefs.EndpointReference {
    return { endpointArn: this.endpointArn };
  }

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return grantOnPrincipal({ grantee, actions: perms.SAGEMAKER_INVOKE_ENDPOINT, resourceArns: [this.endpointArn] });
  }
}

/** What `asyncInference` adds: prefixes, topics, and the config in CloudFormation and API shapes. */
interface AsyncInferenceSettings {
  readonly inputPrefix: string;
  readonly outputPrefix: string;
  readonly failurePrefix: string;
  readonly successTopic: sns.Topic;
  readonly errorTopic: sns.Topic;
  readonly cfn: sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty;
  readonly api: Record<string, unknown>;
}
