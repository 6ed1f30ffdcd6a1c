import { Annotations, ArnFormat, Aws, Duration, Lazy, RemovalPolicy, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EndpointModel } from '../endpoint/secure-endpoint';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import { ISageMakerEnvironment, ISecureBucket } from '../environment/interfaces';
import { SageMakerEnvironment } from '../environment/sagemaker-environment';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge, optOut } from '../private/acknowledge';
import { validateWholeSeconds } from '../private/durations';
import { isEcrImageUri, isEcrTagOrDigest } from '../private/ecr-images';
import { validationError } from '../private/errors';
import { managedPolicyGrantee } from '../private/grants';
import { rejectsVolumeKey, validateWorkloadInstanceType } from '../private/instance-types';
import { jobTagErrors, JobTagging, tagsOfJobs, validateUserJobTags } from '../private/job-tags';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { arnResourceName, defaultSageMakerName, sageMakerNamePattern } from '../private/names';
import * as perms from '../private/perms';
import {
  ENVIRONMENT_TAG, EXECUTION_ROLE_TAG, TRANSFORM_OWNER_TAG,
} from '../private/tags';
import { grantVpcNetworkInterfaces } from '../private/vpc-access';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/** The EventBridge rule Step Functions manages for `createTransformJob.sync` (aws-cdk-lib's SageMakerCreateTransformJob grants the same). */
const SYNC_EVENT_RULE = 'StepFunctionsGetEventsForSageMakerTransformJobsRule';

/** Job names are at most 63 characters; default execution names (UUIDs) are 36, plus a hyphen. */
const MAX_PREFIX_LENGTH = 26;

/** CreateTransformJob's `MaxPayloadInMB` range (0: chunked encoding, for containers that support it). */
const MAX_PAYLOAD_LIMIT_MB = 100;

/** `ModelClientConfig` ranges: seconds per invocation, and retries of a failed invocation. */
const MAX_INVOCATION_TIMEOUT_SECONDS = 3600;
const MAX_INVOCATION_RETRIES = 3;

/** The longest `maxRuntime` accepted (28 days, the training jobs' bound): a bound on the wait, not a SageMaker limit. */
const MAX_RUNTIME_LIMIT_SECONDS = 2_419_200;

/** The field of the execution input that `TransformJobInput.suffixFromExecutionInput` reads. */
const INPUT_SUFFIX_FIELD = 'inputSuffix';

/** How the input objects are split into records (`TransformInput.SplitType`). */
export enum TransformSplitType {
  /** Each object is one record. */
  NONE = 'None',
  /** Lines (newline-delimited records, such as CSV or JSON Lines). */
  LINE = 'Line',
  /** RecordIO records. */
  RECORD_IO = 'RecordIO',
  /** TFRecord records. */
  TF_RECORD = 'TFRecord',
}

/** Compression of the input objects (`TransformInput.CompressionType`). */
export enum TransformCompressionType {
  /** Not compressed. */
  NONE = 'None',
  /** gzip. */
  GZIP = 'Gzip',
}

/** How many records go into one request to the container (`BatchStrategy`). */
export enum TransformBatchStrategy {
  /** As many records as fit in `maxPayloadInMb`. */
  MULTI_RECORD = 'MultiRecord',
  /** One record per request. */
  SINGLE_RECORD = 'SingleRecord',
}

/** How the results of one input object are assembled (`TransformOutput.AssembleWith`). */
export enum TransformAssembleWith {
  /** Concatenated as returned. */
  NONE = 'None',
  /** One line per record. */
  LINE = 'Line',
}

/** What the output records are joined with (`DataProcessing.JoinSource`). */
export enum TransformJoinSource {
  /** The prediction only. */
  NONE = 'None',
  /** The input record joined with its prediction. */
  INPUT = 'Input',
}

/**
 * The data a transform job reads: a prefix of a `SecureBucket`. The model role may read this
 * prefix and no other.
 */
export interface TransformJobInput {
  /** The bucket: a `SecureBucket`, or one imported with `SecureBucket.fromBucketAttributes`. */
  readonly bucket: ISecureBucket;

  /** Key prefix, such as `datasets/churn/scoring/`; no wildcards. */
  readonly prefix: string;

  /**
   * Read `<prefix><inputSuffix>` instead of the whole prefix, where `inputSuffix` is a field of
   * the execution input (`{"inputSuffix": "2026-12-02/"}`). The model role still reads only
   * `prefix`, so an execution input cannot reach other data; an execution without the field fails.
   *
   * @default false - every run reads the whole prefix
   */
  readonly suffixFromExecutionInput?: boolean;

  /**
   * MIME type of the data (`text/csv`, `application/jsonlines`, ...), sent to the container with each request.
   *
   * @default - none
   */
  readonly contentType?: string;

  /**
   * How objects are split into records.
   *
   * @default - SageMaker's default (`None`: each object is one record)
   */
  readonly splitType?: TransformSplitType;

  /**
   * Compression of the objects.
   *
   * @default - SageMaker's default (`None`)
   */
  readonly compressionType?: TransformCompressionType;
}

/**
 * Filters and the join of input and prediction (`DataProcessing`), JSONPath expressions as
 * SageMaker documents them ("Associate Prediction Results with Input Records").
 */
export interface TransformDataProcessing {
  /**
   * JSONPath selecting the part of each input record sent to the model, such as `$[1:]`.
   *
   * @default - the whole record
   */
  readonly inputFilter?: string;

  /**
   * JSONPath selecting the part of the (joined) output written, such as `$[0,-1]`.
   *
   * @default - the whole output
   */
  readonly outputFilter?: string;

  /**
   * Join each input record with its prediction.
   *
   * @default - SageMaker's default (`None`)
   */
  readonly joinSource?: TransformJoinSource;
}

/**
 * Properties of a `SecureTransformJob`.
 */
export interface SecureTransformJobProps {
  /**
   * The environment (network, key, buckets) of the jobs and their model.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * The model: inference container image and model artifact (the same `EndpointImage` and
   * `ModelData` a `SecureEndpoint` takes). The construct creates the SageMaker model from it, in
   * the environment's VPC, with network isolation.
   */
  readonly model: EndpointModel;

  /** The data each run transforms. */
  readonly input: TransformJobInput;

  /**
   * Prefix of every transform job name (the rest is the Step Functions execution name), of the
   * output keys and of the roles' permissions: 1-26 letters, digits and single hyphens.
   *
   * @default - derived from the construct path
   */
  readonly jobNamePrefix?: string;

  /**
   * ML instance type; only types on the AWS Nitro System are accepted. Types with local NVMe
   * storage (`ml.g5`, `ml.p4d`, `ml.*d.*`, ...) get no volume key: their storage is
   * hardware-encrypted and SageMaker rejects a volume key for them. So the type must be known at
   * synth time (not a token).
   *
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;

  /**
   * Number of instances.
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * Key prefix in the environment's artifacts bucket where runs write their results (always the
   * artifacts bucket: pass a key prefix, not an `s3://` URL). Each run writes under
   * `<outputPrefix><job name>/`, and the model role may write under `<outputPrefix><jobNamePrefix>-`
   * and nowhere else.
   *
   * @default - `transform/<jobNamePrefix>/`
   */
  readonly outputPrefix?: string;

  /**
   * MIME type of the results (`TransformOutput.Accept`), such as `text/csv`.
   *
   * @default - none: the container decides
   */
  readonly accept?: string;

  /**
   * How the results of one input object are assembled.
   *
   * @default - SageMaker's default (`None`)
   */
  readonly assembleWith?: TransformAssembleWith;

  /**
   * How many records go into one request to the container.
   *
   * @default - SageMaker's default for the container
   */
  readonly batchStrategy?: TransformBatchStrategy;

  /**
   * Largest payload of one request to the container, in MB: a whole number from 0 to 100 (0
   * streams with chunked encoding, for containers that support it).
   *
   * @default - SageMaker's default (6 MB)
   */
  readonly maxPayloadInMb?: number;

  /**
   * Parallel requests to each instance: a whole number, 0 or more (0 lets SageMaker ask the
   * container's execution-parameters).
   *
   * @default - SageMaker's default (1, or the container's execution-parameters)
   */
  readonly maxConcurrentTransforms?: number;

  /**
   * Timeout of one request to the container (`ModelClientConfig.InvocationsTimeoutInSeconds`),
   * 1 second to 1 hour.
   *
   * @default - SageMaker's default
   */
  readonly invocationsTimeout?: Duration;

  /**
   * Retries of a failed request to the container (`ModelClientConfig.InvocationsMaxRetries`), 0 to 3.
   *
   * @default - SageMaker's default
   */
  readonly invocationsMaxRetries?: number;

  /**
   * Stop waiting for a run after this long (the task's `TimeoutSeconds`): the execution fails
   * with `States.Timeout`. CreateTransformJob itself has no stopping condition (the only bound
   * SageMaker enforces is the per-request `invocationsTimeout`); Step Functions tries to stop a
   * `.sync` job whose task ends early, and the state machine role may stop its own jobs, but
   * that is best effort: check for jobs still `InProgress` after a timeout. At most 28 days.
   *
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;

  /**
   * Input and output filters, and the join of each input record with its prediction.
   *
   * @default - none
   */
  readonly dataProcessing?: TransformDataProcessing;

  /**
   * Tags every job this state machine starts carries, and the model. Include the tag keys your
   * `SageMakerGuardrails` require (`requiredTags`), or the guardrails deny the jobs.
   *
   * Jobs always carry the ownership tag (`secure-sagemaker:transform-job` = the job name prefix)
   * and the environment tag (`secure-sagemaker:environment` = the environment name), and also
   * every tag applied with `Tags.of(...)` to this construct or a scope above it; a key given here
   * wins over a `Tags.of` tag with the same key.
   *
   * @default - the ownership and environment tags, and the `Tags.of` tags
   */
  readonly tags?: Record<string, string>;

  /**
   * Let the model container make network calls (turns network isolation of the model off). The
   * container then reaches whatever the VPC reaches (the endpoints, S3 through the gateway), and
   * data can leave through them; warned about at synth time.
   *
   * @default false
   */
  readonly allowInternetForContainer?: boolean;
}

/**
 * SageMaker batch transform that runs isolated, encrypted and least-privileged, started as a Step
 * Functions execution (CloudFormation has no transform-job resource).
 *
 * - a SageMaker model (`AWS::SageMaker::Model`) in the environment's subnets with its own security
 *   group and network isolation: CreateTransformJob has no VPC, isolation or inter-container
 *   encryption field of its own, the job takes them from the model
 * - a state machine whose single task calls `createTransformJob.sync`; the job name is
 *   `<jobNamePrefix>-<execution name>`, so reruns never collide; results go to
 *   `<outputPrefix><job name>/` encrypted with the environment key, and the volumes too (no volume
 *   key for local-NVMe instance types)
 * - a model role (customer-managed policy) that reads only the model artifact and the input
 *   prefix, writes only its jobs' results, uses the key through S3 only, writes only its jobs' log
 *   streams and pulls only the given ECR repository
 * - a state machine role that can create only jobs of this prefix, with this model, these keys,
 *   this instance type and the ownership tag; describe and stop only those, and manage only the
 *   EventBridge rule `.sync` needs (no iam:PassRole: CreateTransformJob names no role); all events
 *   logged to an encrypted log group, X-Ray tracing on
 */
export class SecureTransformJob extends Resource implements ec2.IConnectable, iam.IGrantable {
  /** Tag key on every job the construct starts and on its model (value: the job name prefix). */
  public static readonly OWNER_TAG = TRANSFORM_OWNER_TAG;

  /** Tag key on every job the construct starts (value: the environment name). */
  public static readonly ENVIRONMENT_TAG = ENVIRONMENT_TAG;

  /** The field of the execution input that `TransformJobInput.suffixFromExecutionInput` reads. */
  public static readonly INPUT_SUFFIX_FIELD = INPUT_SUFFIX_FIELD;

  /** The state machine; start an execution to run one transform job. */
  public readonly stateMachine: sfn.StateMachine;

  /** The SageMaker model the jobs run. */
  public readonly model: sagemaker.CfnModel;

  /** Role the model (and so every transform job) runs as. */
  public readonly modelRole: SageMakerWorkloadRole;

  /** Role of the state machine. */
  public readonly stateMachineRole: SageMakerWorkloadRole;

  /** Security group of the model's network interfaces. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The model security group, for `connections.allowTo(...)` to what the jobs must reach. */
  public readonly connections: ec2.Connections;

  /** The model role: grants to the transform job (`bucket.grantRead(job, ...)`) land on it. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** Log group of the state machine executions. */
  public readonly logGroup: logs.ILogGroup;

  /** Prefix of every transform job name. */
  public readonly jobNamePrefix: string;

  /** Key prefix of the results in the artifacts bucket. */
  public readonly outputPrefix: string;

  /** The environment. */
  public readonly environment: ISageMakerEnvironment;

  /** The instance type of the jobs. */
  public readonly instanceType: string;

  /** Whether the jobs' volumes are encrypted with the environment key (false for local-NVMe instance types). */
  public readonly volumeKeyApplied: boolean;

  constructor(scope: Construct, id: string, props: SecureTransformJobProps) {
    super(scope, id);
    const env = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const stack = Stack.of(this);

    this.jobNamePrefix = props.jobNamePrefix ?? defaultSageMakerName(this, MAX_PREFIX_LENGTH);
    this.outputPrefix = props.outputPrefix ?? `transform/${this.jobNamePrefix}/`;
    this.instanceType = props.instanceType ?? 'ml.m5.xlarge';
    const instanceCount = props.instanceCount ?? 1;
    this.validate(props, instanceCount);
    // Jobs are named '<prefix>-<execution>' and the roles act on '<prefix>-*': claimed with the hyphen.
    claimSageMakerName(this, NAME_KINDS.transformJobPrefix, `${this.jobNamePrefix}-`);
    const maxRuntimeSeconds = (props.maxRuntime ?? Duration.hours(24)).toSeconds();

    const key = env.key;
    this.volumeKeyApplied = !rejectsVolumeKey(this.instanceType);
    const isolation = !props.allowInternetForContainer;
    const image = props.model.image;
    const modelData = props.model.modelData;

    // Network: the model's interfaces get a group of their own, with no ingress.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: env.network.vpc,
      // The prefix only when literal: cdk-nag cannot read a reference in a security group description.
      description: `Transform jobs${Token.isUnresolved(this.jobNamePrefix) ? '' : ` ${this.jobNamePrefix}`}: no ingress; HTTPS to S3${image.repository ? ' and ECR endpoints' : ''}`,
      allowAllOutbound: false,
    });
    this.connections = this.securityGroup.connections;
    if (image.repository) {
      env.network.requireEndpoints(this.securityGroup, [SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR]);
    } else {
      env.network.allowS3Through(this.securityGroup);
    }

    // The model role: SageMaker uses it to download the model, read the input and write the results.
    this.modelRole = new SageMakerWorkloadRole(this, 'ModelRole', { description: `Execution role of the model of transform jobs ${this.jobNamePrefix}` });
    // Only SageMaker assumes it, for jobs in the VPC: the buckets' VPC-endpoint restriction exempts it.
    Tags.of(this.modelRole).add(EXECUTION_ROLE_TAG, env.environmentName);
    this.grantPrincipal = this.modelRole;
    this.grantModelArtifact(props.model);
    props.input.bucket.grantRead(this.modelRole, props.input.prefix);
    // Each run writes under `<outputPrefix><job name>/`, every job name starts with `<jobNamePrefix>-`.
    env.artifactsBucket.grantWrite(this.modelRole, `${this.outputPrefix}${this.jobNamePrefix}-`);
    this.grantModelRoleBasics(image.repository !== undefined);
    if (image.repository) {
      image.repository.grantPull(this.modelRole);
    }

    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;
    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.modelRole.roleArn,
      enableNetworkIsolation: isolation,
      vpcConfig: { subnets: subnetIds, securityGroupIds: [this.securityGroup.securityGroupId] },
      primaryContainer: {
        image: image.imageUri,
        modelDataUrl: `s3://${modelData.bucket.bucketName}/${modelData.key}`,
        environment: props.model.environment,
      },
    });
    // CreateModel checks that SageMaker can assume the role.
    this.model.node.addDependency(this.modelRole);
    // The model is created with the jobs' tags too: guardrails that require tags judge CreateModel as well.
    for (const [tagKey, tagValue] of Object.entries(props.tags ?? {})) {
      Tags.of(this.model).add(tagKey, tagValue);
    }

    // The state machine role and the state machine.
    this.stateMachineRole = new SageMakerWorkloadRole(this, 'StateMachineRole', {
      description: `Runs transform jobs ${this.jobNamePrefix} from Step Functions`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    this.grantStateMachineRole();

    const jobName = `States.Format('${this.jobNamePrefix}-{}', $$.Execution.Name)`;
    const artifacts = env.artifactsBucket.bucketName;
    const input = props.input;
    const dataSource = input.suffixFromExecutionInput
      ? { 'S3DataType': 'S3Prefix', 'S3Uri.$': `States.Format('s3://${input.bucket.bucketName}/${input.prefix}{}', $.${INPUT_SUFFIX_FIELD})` }
      : { S3DataType: 'S3Prefix', S3Uri: input.bucket.s3UrlForPrefix(input.prefix) };
    const processing = props.dataProcessing;
    const clientConfig = {
      ...(props.invocationsTimeout ? { InvocationsTimeoutInSeconds: props.invocationsTimeout.toSeconds() } : {}),
      ...(props.invocationsMaxRetries !== undefined ? { InvocationsMaxRetries: props.invocationsMaxRetries } : {}),
    };
    // Rendered late, once Tags.of(...) has tagged the state machine: the jobs carry the same tags.
    const jobTags = Lazy.any({ produce: () => tagsOfJobs(this.stateMachine, this.tagging, props.tags ?? {}) });
    const parameters: Record<string, unknown> = {
      'TransformJobName.$': jobName,
      'ModelName': this.model.attrModelName,
      'TransformInput': {
        DataSource: { S3DataSource: dataSource },
        ...(input.contentType !== undefined ? { ContentType: input.contentType } : {}),
        ...(input.splitType !== undefined ? { SplitType: input.splitType } : {}),
        ...(input.compressionType !== undefined ? { CompressionType: input.compressionType } : {}),
      },
      'TransformOutput': {
        // SageMaker writes to this path as given (it does not add the job name, as training does).
        'S3OutputPath.$': `States.Format('s3://${artifacts}/${this.outputPrefix}${this.jobNamePrefix}-{}', $$.Execution.Name)`,
        'KmsKeyId': key.keyArn,
        ...(props.accept !== undefined ? { Accept: props.accept } : {}),
        ...(props.assembleWith !== undefined ? { AssembleWith: props.assembleWith } : {}),
      },
      'TransformResources': {
        InstanceType: this.instanceType,
        InstanceCount: instanceCount,
        ...(this.volumeKeyApplied ? { VolumeKmsKeyId: key.keyArn } : {}),
      },
      ...(props.batchStrategy !== undefined ? { BatchStrategy: props.batchStrategy } : {}),
      ...(props.maxPayloadInMb !== undefined ? { MaxPayloadInMB: props.maxPayloadInMb } : {}),
      ...(props.maxConcurrentTransforms !== undefined ? { MaxConcurrentTransforms: props.maxConcurrentTransforms } : {}),
      ...(Object.keys(clientConfig).length > 0 ? { ModelClientConfig: clientConfig } : {}),
      ...(processing && (processing.inputFilter !== undefined || processing.outputFilter !== undefined || processing.joinSource !== undefined) ? {
        DataProcessing: {
          ...(processing.inputFilter !== undefined ? { InputFilter: processing.inputFilter } : {}),
          ...(processing.outputFilter !== undefined ? { OutputFilter: processing.outputFilter } : {}),
          ...(processing.joinSource !== undefined ? { JoinSource: processing.joinSource } : {}),
        },
      } : {}),
      'Tags': jobTags,
    };
    const task = new sfn.CustomState(this, 'Transform', {
      stateJson: {
        Type: 'Task',
        Comment: `Runs transform job ${this.jobNamePrefix}-<execution name> and waits for it`,
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createTransformJob.sync`,
        TimeoutSeconds: maxRuntimeSeconds,
        Parameters: parameters,
      },
    });

    this.logGroup = env.createLogGroup(this, 'StateMachineLogs', `transform/${this.jobNamePrefix}`);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(task),
      role: this.stateMachineRole,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: `Secure SageMaker batch transform ${this.jobNamePrefix}`,
    });
    // The policies and the model must exist before an execution can start.
    this.stateMachine.node.addDependency(this.stateMachineRole, this.model);
    acknowledge(this.stateMachineRole,
      'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, Describe*) and X-Ray trace upload support no resource-level permissions; they are the actions AWS documents for state machine logging and tracing.',
      'AwsSolutions-IAM5[Resource::*]');

    Tags.of(this).add(TRANSFORM_OWNER_TAG, this.jobNamePrefix);
    Tags.of(this).add(ENVIRONMENT_TAG, env.environmentName);
    this.node.addValidation({ validate: () => jobTagErrors(this, this.stateMachine, this.tagging, props.tags ?? {}) });

    if (!this.volumeKeyApplied) {
      Annotations.of(this).addInfo(
        `instanceType ${this.instanceType} has local NVMe storage: SageMaker rejects a volume key for it, so VolumeKmsKeyId is omitted. ` +
        'The instance store is encrypted by the hardware (XTS-AES-256); results are still encrypted with the environment key.');
    }
    if (props.allowInternetForContainer) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:TransformNetworkIsolationOff',
        message: 'allowInternetForContainer is set: network isolation of the model is off, so the transform container can make network calls to whatever the VPC reaches (S3 through the gateway endpoint, the interface endpoints) and data can leave through them.',
        on: this.model,
        reason: 'Network isolation was turned off explicitly with the `allowInternetForContainer` prop of SecureTransformJob, which warns at synth time; the model still runs in the environment VPC, which has no internet route.',
        findings: ['SageMakerSecurity-ModelNetworkIsolation'],
      });
    }
  }

  /**
   * Lets `grantee` start a transform run (`states:StartExecution` on this state machine only).
   *
   * @param grantee who may start runs
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(managedPolicyGrantee(grantee));
  }

  /**
   * Lets `grantee` read the results of every run (the output prefix of the artifacts bucket,
   * through S3 with the environment key).
   *
   * @param grantee who may read the results
   */
  public grantReadOutputs(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.environment.artifactsBucket;
    // The grant lands in a managed policy under the grantee's role: acknowledged there, by the role.
    acknowledgeScopedWildcards(grantee, [bucket.bucket.arnForObjects(`${this.outputPrefix}*`)],
      `Objects under the output prefix '${this.outputPrefix}' of transform jobs ${this.jobNamePrefix}; the trailing wildcard is the only way to name every run's results, and no other prefix or bucket is granted.`);
    return bucket.grantRead(managedPolicyGrantee(grantee), this.outputPrefix);
  }

  /**
   * Applies `policy` to what the construct owns that holds no data: the state machine and the
   * model (a definition; the artifact stays in its bucket). The log group follows the
   * environment's `removalPolicy`; the roles and the security group are deleted with the stack.
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.stateMachine.applyRemovalPolicy(policy);
    this.model.applyRemovalPolicy(policy);
  }

  /**
   * Name of the transform job an execution runs.
   *
   * @param executionName the Step Functions execution name
   */
  public transformJobName(executionName: string): string {
    return `${this.jobNamePrefix}-${executionName}`;
  }

  /**
   * The S3 URL under which an execution writes its results (`<input key>.out` for every input object).
   *
   * @param executionName the Step Functions execution name (the job is `<jobNamePrefix>-<executionName>`)
   */
  public outputS3Url(executionName: string): string {
    return `${this.environment.artifactsBucket.s3UrlForPrefix(this.outputPrefix)}${this.transformJobName(executionName)}/`;
  }

  /** Who this construct's jobs are, for their tags. */
  private get tagging(): JobTagging {
    return { kind: 'transform', api: 'CreateTransformJob', ownerTag: TRANSFORM_OWNER_TAG, jobNamePrefix: this.jobNamePrefix, environmentName: this.environment.environmentName };
  }

  private validate(props: SecureTransformJobProps, instanceCount: number): void {
    this.validateModel(props);
    const prefix = this.jobNamePrefix;
    if (!Token.isUnresolved(prefix) && !sageMakerNamePattern(MAX_PREFIX_LENGTH).test(prefix)) {
      throw validationError(this, 'InvalidJobNamePrefix',
        `\`jobNamePrefix\` '${prefix}' must be 1-${MAX_PREFIX_LENGTH} letters, digits and single hyphens, starting and ending with a letter or digit, so that '<prefix>-<execution id>' fits the 63 characters of a transform job name.`);
    }
    validateWorkloadInstanceType(this, this.instanceType, {
      examples: ['ml.m5.xlarge', 'ml.c5.2xlarge', 'ml.g5.xlarge'],
      tokenWarning: { id: 'cdk-secure-sagemaker:TransformInstanceTypeToken', keyRejectedBy: 'the jobs get the volume key, which SageMaker rejects' },
    });
    if (!Token.isUnresolved(instanceCount) && (!Number.isInteger(instanceCount) || instanceCount < 1)) {
      throw validationError(this, 'InvalidInstanceCount', `\`instanceCount\` is ${instanceCount}: use a whole number of instances, 1 or more.`);
    }
    const out = this.outputPrefix;
    if (!Token.isUnresolved(out) && (/^s3:\/\//i.test(out) || /[*?'{}\\]/.test(out) || out.startsWith('/') || out.length === 0 || !out.endsWith('/'))) {
      throw validationError(this, 'InvalidOutputPrefix',
        `\`outputPrefix\` '${out}' must be a key prefix in the environment's artifacts bucket ending in '/', without wildcards, quotes or braces, such as 'predictions/churn/': results never go to another bucket, and the model role may write under this prefix only.`);
    }
    this.validateInput(props.input);
    const payload = props.maxPayloadInMb;
    if (payload !== undefined && !Token.isUnresolved(payload) && (!Number.isInteger(payload) || payload < 0 || payload > MAX_PAYLOAD_LIMIT_MB)) {
      throw validationError(this, 'InvalidMaxPayload',
        `\`maxPayloadInMb\` is ${payload}: CreateTransformJob accepts whole numbers from 0 to ${MAX_PAYLOAD_LIMIT_MB} (MB). Set \`maxPayloadInMb\` in that range, at least the size of one record.`);
    }
    const concurrent = props.maxConcurrentTransforms;
    if (concurrent !== undefined && !Token.isUnresolved(concurrent) && (!Number.isInteger(concurrent) || concurrent < 0)) {
      throw validationError(this, 'InvalidMaxConcurrentTransforms',
        `\`maxConcurrentTransforms\` is ${concurrent}: CreateTransformJob accepts a whole number, 0 or more (0 lets SageMaker ask the container).`);
    }
    validateWholeSeconds(this, 'invocationsTimeout', props.invocationsTimeout, {
      code: 'InvalidInvocationsTimeout',
      min: 1,
      max: MAX_INVOCATION_TIMEOUT_SECONDS,
      outOfRange: (seconds) => `\`invocationsTimeout\` is ${seconds} seconds: CreateTransformJob accepts whole seconds from 1 to ${MAX_INVOCATION_TIMEOUT_SECONDS}. Set it in that range.`,
    });
    const retries = props.invocationsMaxRetries;
    if (retries !== undefined && !Token.isUnresolved(retries) && (!Number.isInteger(retries) || retries < 0 || retries > MAX_INVOCATION_RETRIES)) {
      throw validationError(this, 'InvalidInvocationsMaxRetries',
        `\`invocationsMaxRetries\` is ${retries}: CreateTransformJob accepts whole numbers from 0 to ${MAX_INVOCATION_RETRIES}.`);
    }
    validateWholeSeconds(this, 'maxRuntime', props.maxRuntime, {
      code: 'InvalidMaxRuntime',
      min: 1,
      max: MAX_RUNTIME_LIMIT_SECONDS,
      outOfRange: (seconds) => `\`maxRuntime\` is ${seconds} seconds: use whole seconds from 1 to ${MAX_RUNTIME_LIMIT_SECONDS} (28 days), or split the input into several runs.`,
    });
    validateUserJobTags(this, this.tagging, props.tags);
  }

  /** The model: an image and one artifact object, as `SecureEndpoint` takes them. */
  private validateModel(props: SecureTransformJobProps): void {
    if (!props.model || !props.model.image) {
      throw validationError(this, 'MissingModelImage', '`model.image` is required: pass `EndpointImage.fromEcrRepository(repository, tag)` or `EndpointImage.fromDlc(uri)`.');
    }
    if (!props.model.modelData) {
      throw validationError(this, 'MissingModelData',
        '`model.modelData` is required: pass `ModelData.fromBucket(bucket, key)` or `ModelData.fromTrainingOutput(bucket, prefix, jobName)` naming the model.tar.gz to run.');
    }
    const modelKey = props.model.modelData.key;
    if (!Token.isUnresolved(modelKey) && (modelKey.length === 0 || modelKey.endsWith('/') || modelKey.startsWith('/') || /[*?]/.test(modelKey))) {
      throw validationError(this, 'InvalidModelDataKey',
        `\`model.modelData\` key '${modelKey}' must name one object (the compressed model artifact), such as 'models/churn/v3/model.tar.gz': no wildcards, no leading '/', not a prefix.`);
    }
    const image = props.model.image;
    if (image.tagOrDigest !== undefined && !Token.isUnresolved(image.tagOrDigest) && !isEcrTagOrDigest(image.tagOrDigest)) {
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
          `\`model.environment\` variable name '${variable}' is rejected by CreateModel: use 1-1024 letters, digits and '_', not starting with a digit, such as 'SAGEMAKER_MODEL_SERVER_WORKERS'.`);
      }
      if (!Token.isUnresolved(value) && value.length > 1024) {
        throw validationError(this, 'InvalidEnvironmentValue', `\`model.environment\` value of '${variable}' has ${value.length} characters: CreateModel accepts at most 1024.`);
      }
    }
  }

  private validateInput(input: TransformJobInput): void {
    if (!input || !input.bucket) {
      throw validationError(this, 'MissingInput', '`input` is required: pass `{ bucket, prefix }`, such as `{ bucket: environment.dataBucket, prefix: \'datasets/churn/scoring/\' }`.');
    }
    const p = input.prefix;
    if (!Token.isUnresolved(p) && (p === undefined || p.length === 0 || /[*?]/.test(p) || p.startsWith('/') || /^s3:\/\//i.test(p))) {
      throw validationError(this, 'InvalidInputPrefix',
        `\`input.prefix\` '${p}' is not a key prefix of the bucket. Use a non-empty prefix without wildcards, a leading '/' or 's3://', such as 'datasets/churn/scoring/': the model role may read this prefix only.`);
    }
    if (input.suffixFromExecutionInput && !Token.isUnresolved(p) && /['{}\\]/.test(p)) {
      throw validationError(this, 'InvalidInputPrefix',
        `\`input.prefix\` '${p}' contains a quote, brace or backslash, which the States.Format expression of \`suffixFromExecutionInput\` cannot carry. Rename the prefix, or read the whole prefix.`);
    }
    if (input.contentType !== undefined && !Token.isUnresolved(input.contentType) && input.contentType.length > 256) {
      throw validationError(this, 'InvalidContentType', `\`input.contentType\` has ${input.contentType.length} characters: CreateTransformJob accepts at most 256.`);
    }
  }

  /** Exactly the model artifact: one object, decrypted only through S3 for that bucket. */
  private grantModelArtifact(model: EndpointModel): void {
    const bucket = model.modelData.bucket;
    this.modelRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTheModelArtifactOnly',
      actions: perms.S3_MODEL_ARTIFACT_READ,
      resources: [bucket.bucket.arnForObjects(model.modelData.key)],
    }));
    this.modelRole.addToPrincipalPolicy(new iam.PolicyStatement({
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

  /** What the jobs need to run in the VPC, write their logs and metrics, and encrypt their volumes. */
  private grantModelRoleBasics(ecrImage: boolean): void {
    const stack = Stack.of(this);
    const role = this.modelRole;

    // Logs: only the streams of this construct's jobs (SageMaker names them '<job name>/<instance id>[/data-log]').
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TransformJobs', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const streamArn = `${logGroupArn}:log-stream:${this.jobNamePrefix}-*`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'TransformLogGroup', actions: ['logs:CreateLogGroup'], resources: [logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OwnLogStreamsOnly', actions: perms.LOGS_WRITE_STREAMS, resources: [streamArn] }));
    acknowledgeScopedWildcards(role, [streamArn],
      `Log streams of these transform jobs only: SageMaker names them '<job name>/<instance id>' and every job name starts with '${this.jobNamePrefix}-'; the role may create streams and put events there, not read or delete.`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TransformMetricsNamespaceOnly',
      actions: perms.CLOUDWATCH_PUT_METRIC_DATA,
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TransformJobs' } },
    }));

    // Volume encryption: SageMaker creates grants on the key for the instances' volumes, as the
    // model's role (TransformResources.VolumeKmsKeyId, Amazon SageMaker API Reference).
    if (this.volumeKeyApplied) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'VolumeKeyGrantsForSageMakerOnly',
        actions: perms.KMS_SAGEMAKER_GRANTS,
        resources: [this.environment.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `sagemaker.${stack.region}.amazonaws.com` },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }));
    }

    grantVpcNetworkInterfaces(role, this.environment.network, this.securityGroup, {
      create: 'ModelNetworkInterfacesUseEnvironmentSubnetsAndModelGroup',
      inVpc: 'ModelNetworkInterfacesInEnvironmentVpc',
      describe: 'DescribeNetworkForVpcModel',
    }, 'Network interfaces that SageMaker creates for the instances of VPC transform jobs get their IDs at run time; the statement is limited by condition to the environment VPC, and creation to the environment subnets and the model security group.');
    // One reason per wildcard statement: the template carries them merged, per rule.
    acknowledge(role, 'ec2:Describe* calls for VPC models support no resource-level permissions (read-only).', 'AwsSolutions-IAM5[Resource::*]');
    acknowledge(role, 'cloudwatch:PutMetricData supports no resource-level permissions; it is limited by condition to the /aws/sagemaker/TransformJobs namespace.', 'AwsSolutions-IAM5[Resource::*]');
    if (ecrImage) {
      acknowledge(role, 'ecr:GetAuthorizationToken supports no resource-level permissions; image pulls are limited to the repository of the model image.', 'AwsSolutions-IAM5[Resource::*]');
    }
  }

  /**
   * Create, describe and stop only this construct's jobs. CreateTransformJob sends
   * `sagemaker:ModelArn`, `sagemaker:OutputKmsKeyArn`, `sagemaker:VolumeKmsKeyArn`,
   * `sagemaker:InstanceTypes` and the tag keys (Service Authorization Reference), and authorizes
   * the transform-job resource only: the model is pinned by the `sagemaker:ModelArn` condition.
   */
  private grantStateMachineRole(): void {
    const stack = Stack.of(this);
    const key = this.environment.key;
    const role = this.stateMachineRole;
    const jobArn = stack.formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: `${arnResourceName(this.jobNamePrefix)}-*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateSecureTransformJobsWithThisPrefixOnly',
      actions: ['sagemaker:CreateTransformJob'],
      resources: [jobArn],
      conditions: {
        // The model's Ref is its ARN.
        'ArnEquals': {
          'sagemaker:ModelArn': this.model.ref,
          'sagemaker:OutputKmsKeyArn': key.keyArn,
          ...(this.volumeKeyApplied ? { 'sagemaker:VolumeKmsKeyArn': key.keyArn } : {}),
        },
        'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': [this.instanceType] },
        // ForAllValues passes on a missing key: require it.
        'Null': { 'sagemaker:InstanceTypes': 'false' },
        'StringEquals': { [`aws:RequestTag/${TRANSFORM_OWNER_TAG}`]: this.jobNamePrefix },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagOwnJobsAtCreationOnly',
      actions: ['sagemaker:AddTags'],
      resources: [jobArn],
      conditions: { StringEquals: { 'sagemaker:TaggingAction': 'CreateTransformJob', [`aws:RequestTag/${TRANSFORM_OWNER_TAG}`]: this.jobNamePrefix } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FollowAndStopOwnJobsOnly',
      actions: ['sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:ListTags'],
      resources: [jobArn],
      conditions: { StringEquals: { [`aws:ResourceTag/${TRANSFORM_OWNER_TAG}`]: this.jobNamePrefix } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ManageTheSyncEventRuleOnly',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENT_RULE })],
    }));
    acknowledgeScopedWildcards(role, [jobArn],
      `Transform job names are '${this.jobNamePrefix}-<execution name>', known only when an execution starts; creation is allowed only with this construct's model, the environment key for output and volumes, the configured instance type and the ownership tag, and describe/stop only on jobs carrying that tag.`);
  }
}
