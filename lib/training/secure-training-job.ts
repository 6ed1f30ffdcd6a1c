import { Annotations, Aws, Duration, Lazy, RemovalPolicy, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TrainingImage } from './training-image';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import { ISageMakerEnvironment, ISecureBucket } from '../environment/interfaces';
import { SageMakerEnvironment } from '../environment/sagemaker-environment';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge, FINDINGS, optOut } from '../private/acknowledge';
import { validateWholeSeconds } from '../private/durations';
import { validationError } from '../private/errors';
import { managedPolicyGrantee } from '../private/grants';
import { rejectsVolumeKey, validateWorkloadInstanceType } from '../private/instance-types';
import { secureJobLaunchConditions } from '../private/job-launch';
import { grantJobRoleBasics } from '../private/job-role';
import { jobTagErrors, JobTagging, tagsOfJobs, validateUserJobTags } from '../private/job-tags';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { arnResourceName, defaultSageMakerName, sageMakerNamePattern } from '../private/names';
import { sdkDefaults } from '../private/sdk-defaults';
import { ENVIRONMENT_TAG, EXECUTION_ROLE_TAG, TRAINING_OWNER_TAG } from '../private/tags';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/** CreateTrainingJob's upper bound for StoppingCondition.MaxRuntimeInSeconds (28 days). */
const MAX_RUNTIME_LIMIT_SECONDS = 2_419_200;

/** The EventBridge rule Step Functions manages for `createTrainingJob.sync`. */
const SYNC_EVENT_RULE = 'StepFunctionsGetEventsForSageMakerTrainingJobsRule';

/** Job names are at most 63 characters; default execution names (UUIDs) are 36, plus a hyphen. */
const MAX_PREFIX_LENGTH = 26;

/** CreateTrainingJob limits: input channels, hyperparameters (tags: lib/private/job-tags). */
const MAX_CHANNELS = 20;
const MAX_HYPERPARAMETERS = 100;

/**
 * A data channel of a training job: a prefix of a `SecureBucket`.
 */
export interface TrainingInput {
  /** Channel name the algorithm reads (`train`, `validation`, ...): letters, digits, `.`, `-`, `_`. */
  readonly channelName: string;

  /** The bucket: a `SecureBucket`, or one imported with `SecureBucket.fromBucketAttributes`. */
  readonly bucket: ISecureBucket;

  /** Key prefix, such as `datasets/churn/train/`; no wildcards. */
  readonly prefix: string;

  /**
   * MIME type of the data (`text/csv`, `application/x-recordio-protobuf`, ...).
   *
   * @default - none: the algorithm decides
   */
  readonly contentType?: string;

  /**
   * Give each instance of a distributed job a different part of the prefix (`ShardedByS3Key`)
   * instead of a full copy.
   *
   * @default false - every instance gets the full prefix (`FullyReplicated`)
   */
  readonly shardByS3Key?: boolean;
}

/**
 * Properties of a `SecureTrainingJob`.
 */
export interface SecureTrainingJobProps {
  /**
   * The environment (network, key, buckets) of the job.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /** The container image to run. */
  readonly image: TrainingImage;

  /**
   * Prefix of every training job name (the rest is the Step Functions execution name), of the
   * output prefix and of the roles' permissions: 1-26 letters, digits and single hyphens.
   *
   * @default - derived from the construct path
   */
  readonly jobNamePrefix?: string;

  /**
   * ML instance type; only types on the AWS Nitro System are accepted. Types with local NVMe
   * storage (`ml.g5`, `ml.p4d`, `ml.*d.*`, ...) get no volume key: their storage is
   * hardware-encrypted and CreateTrainingJob rejects `VolumeKmsKeyId` for them. So the type must
   * be known at synth time (not a token).
   *
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;

  /**
   * Number of instances. More than one means distributed training: the job security group then
   * admits traffic between the instances, which is encrypted unless
   * `allowUnencryptedInterContainerTraffic` (refused with more than one instance).
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * Size of the ML storage volume of each instance, in GB (1 to 16384).
   *
   * @default 30
   */
  readonly volumeSizeInGb?: number;

  /**
   * Stop the job after this long. At most 28 days, the service maximum.
   *
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;

  /**
   * Data channels. The training role may read these prefixes and nothing else.
   *
   * @default - no input channels
   */
  readonly inputs?: TrainingInput[];

  /**
   * Key prefix in the environment's artifacts bucket where runs write their model and output
   * (always the artifacts bucket: pass a key prefix, not an `s3://` URL). Each run writes under
   * `<outputPrefix><job name>/`, and the training role may write under
   * `<outputPrefix><jobNamePrefix>-` and nowhere else: a model published beside the runs (say
   * `<outputPrefix>v1/`) is out of its reach.
   *
   * @default - `training/<jobNamePrefix>/`
   */
  readonly outputPrefix?: string;

  /**
   * Hyperparameters passed to the algorithm.
   *
   * @default - none
   */
  readonly hyperparameters?: Record<string, string>;

  /**
   * Tags every job this state machine starts carries, and that the SDK defaults give the jobs,
   * models and endpoints launched from Python. Include the tag keys your `SageMakerGuardrails`
   * require (`requiredTags`), or the guardrails deny the jobs.
   *
   * Jobs always carry the ownership tag (`secure-sagemaker:training-job` = the job name prefix)
   * and the environment tag (`secure-sagemaker:environment` = the environment name), and also
   * every tag applied with `Tags.of(...)` to this construct or a scope above it (the app, the
   * stack); a key given here wins over a `Tags.of` tag with the same key.
   *
   * @default - the ownership and environment tags, and the `Tags.of` tags
   */
  readonly tags?: Record<string, string>;

  /**
   * Let the training container make network calls (turns network isolation off). The container
   * then reaches whatever the VPC reaches (the endpoints, S3 through the gateway), and code or
   * data can leave through them; warned about at synth time.
   *
   * @default false
   */
  readonly allowInternetForContainer?: boolean;

  /**
   * Turn inter-container traffic encryption off. Only accepted for single-instance jobs, where
   * there is no inter-container traffic; warned about at synth time.
   *
   * @default false
   */
  readonly allowUnencryptedInterContainerTraffic?: boolean;
}

/**
 * A SageMaker training job that runs isolated, encrypted and bounded, started as a Step
 * Functions execution (CloudFormation has no training-job resource).
 *
 * - a state machine whose single task calls `createTrainingJob.sync`; the job name is
 *   `<jobNamePrefix>-<execution name>`, so reruns never collide
 * - every job: in the environment's subnets with its own security group (egress to S3 through the
 *   gateway endpoint, the ECR endpoints for private images, and itself for distributed training),
 *   network isolation, inter-container traffic encryption, volume and output encrypted with the
 *   environment key (no volume key for local-NVMe instance types), a maximum runtime, tags
 * - a training role (customer-managed policy) that reads only the input prefixes, writes only the
 *   output prefix, uses the key through S3 only, writes only its own log streams and pulls only the
 *   given ECR repository
 * - a state machine role that can create only jobs with those settings and this name prefix,
 *   describe and stop only those, pass only the training role and manage only the EventBridge rule
 *   `.sync` needs; all events logged to an encrypted log group, X-Ray tracing on
 * - the same settings published as a SageMaker Python SDK defaults config (an SSM parameter)
 */
export class SecureTrainingJob extends Resource implements ec2.IConnectable, iam.IGrantable {
  /** Tag key on every job the construct starts (value: the job name prefix). */
  public static readonly OWNER_TAG = TRAINING_OWNER_TAG;

  /** Tag key on every job the construct starts (value: the environment name). */
  public static readonly ENVIRONMENT_TAG = ENVIRONMENT_TAG;

  /** The largest `maxRuntime` CreateTrainingJob accepts, in seconds (28 days). */
  public static readonly MAX_RUNTIME_LIMIT_SECONDS = MAX_RUNTIME_LIMIT_SECONDS;

  /** The state machine; start an execution to run one training job. */
  public readonly stateMachine: sfn.StateMachine;

  /** Role the training job runs as. */
  public readonly trainingRole: SageMakerWorkloadRole;

  /** Role of the state machine. */
  public readonly stateMachineRole: SageMakerWorkloadRole;

  /** Security group of the job instances. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** Log group of the state machine executions. */
  public readonly logGroup: logs.ILogGroup;

  /** The job security group, for `connections.allowTo(...)` to what the job must reach. */
  public readonly connections: ec2.Connections;

  /** The training role: grants to the training job (`bucket.grantRead(job, ...)`) land on it. */
  public readonly grantPrincipal: iam.IPrincipal;

  /**
   * The SageMaker Python SDK defaults config (JSON, which is valid YAML) with the same settings, so
   * jobs launched from a notebook or Studio inherit them: an SSM String parameter named
   * `<environment log group prefix>/sdk-defaults/<jobNamePrefix>`.
   */
  public readonly sdkDefaultsParameter: ssm.StringParameter;

  /** Prefix of every training job name. */
  public readonly jobNamePrefix: string;

  /** Key prefix of the outputs in the artifacts bucket. */
  public readonly outputPrefix: string;

  /** S3 URL under which every run writes `<job name>/output/model.tar.gz`. */
  public readonly outputS3Url: string;

  /** The environment. */
  public readonly environment: ISageMakerEnvironment;

  /** The instance type of the jobs. */
  public readonly instanceType: string;

  /** Whether the jobs' volumes are encrypted with the environment key (false for local-NVMe instance types). */
  public readonly volumeKeyApplied: boolean;

  constructor(scope: Construct, id: string, props: SecureTrainingJobProps) {
    super(scope, id);
    const env = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const stack = Stack.of(this);

    this.jobNamePrefix = props.jobNamePrefix ?? defaultSageMakerName(this, MAX_PREFIX_LENGTH);
    this.outputPrefix = props.outputPrefix ?? `training/${this.jobNamePrefix}/`;
    this.instanceType = props.instanceType ?? 'ml.m5.xlarge';
    const instanceCount = props.instanceCount ?? 1;
    this.validate(props, instanceCount);
    // Jobs are named '<prefix>-<execution>' and the roles act on '<prefix>-*': claimed with the
    // hyphen, so that 'churn' and 'churn-v2' overlap while 'a' and 'ab' do not.
    claimSageMakerName(this, NAME_KINDS.trainingJobPrefix, `${this.jobNamePrefix}-`);
    const maxRuntimeSeconds = (props.maxRuntime ?? Duration.hours(24)).toSeconds();

    const key = env.key;
    this.volumeKeyApplied = !rejectsVolumeKey(this.instanceType);
    const outputPath = this.outputPrefix.replace(/\/$/, '');
    this.outputS3Url = env.artifactsBucket.s3UrlForPrefix(this.outputPrefix);
    const isolation = !props.allowInternetForContainer;
    const encryption = !props.allowUnencryptedInterContainerTraffic;

    // Network: the job instances get a group that admits only themselves, and only when distributed.
    this.securityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: env.network.vpc,
      // The prefix only when literal: cdk-nag cannot read a reference in a security group description.
      description: `Training jobs${Token.isUnresolved(this.jobNamePrefix) ? '' : ` ${this.jobNamePrefix}`}: HTTPS to S3${props.image.repository ? ' and ECR endpoints' : ''}${instanceCount > 1 ? ', traffic between the job instances' : ''}`,
      allowAllOutbound: false,
    });
    this.connections = this.securityGroup.connections;
    if (Token.isUnresolved(instanceCount) || instanceCount > 1) {
      this.securityGroup.connections.allowInternally(ec2.Port.allTraffic(), 'Distributed training between the job instances');
      acknowledge(this.securityGroup,
        'The only ingress rule admits the job security group itself: instances of one distributed training job exchange gradients and MPI/NCCL traffic on ports chosen at run time; nothing outside the group can connect.',
        ...FINDINGS.selfReferencingIngress);
    }
    if (props.image.repository) {
      env.network.requireEndpoints(this.securityGroup, [SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR]);
    } else {
      env.network.allowS3Through(this.securityGroup);
    }

    // The training role.
    this.trainingRole = new SageMakerWorkloadRole(this, 'TrainingRole', { description: `Execution role of training jobs ${this.jobNamePrefix}` });
    // Only SageMaker assumes it, for jobs in the VPC: the buckets' VPC-endpoint restriction exempts it.
    Tags.of(this.trainingRole).add(EXECUTION_ROLE_TAG, env.environmentName);
    this.grantPrincipal = this.trainingRole;
    for (const input of props.inputs ?? []) {
      input.bucket.grantRead(this.trainingRole, input.prefix);
    }
    // SageMaker writes each job's output under `<outputPrefix><job name>/`, and every job name
    // starts with `<jobNamePrefix>-`: the role writes its jobs' output only, not the other keys of
    // the prefix (a model published or served from `<outputPrefix>v1/` stays out of its reach).
    env.artifactsBucket.grantWrite(this.trainingRole, `${this.outputPrefix}${this.jobNamePrefix}-`);
    this.grantTrainingRoleBasics(props.image);

    // The state machine role and the state machine.
    this.stateMachineRole = new SageMakerWorkloadRole(this, 'StateMachineRole', {
      description: `Runs training jobs ${this.jobNamePrefix} from Step Functions`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;
    this.grantStateMachineRole(subnetIds, maxRuntimeSeconds, isolation, encryption);

    // Rendered late, once Tags.of(...) has tagged the state machine: the jobs carry the same tags.
    const jobTags = Lazy.any({ produce: () => tagsOfJobs(this.stateMachine, this.tagging, props.tags ?? {}) });
    const parameters: Record<string, unknown> = {
      'TrainingJobName.$': `States.Format('${this.jobNamePrefix}-{}', $$.Execution.Name)`,
      'RoleArn': this.trainingRole.roleArn,
      'AlgorithmSpecification': { TrainingImage: props.image.imageUri, TrainingInputMode: 'File' },
      ...(props.inputs && props.inputs.length > 0 ? {
        InputDataConfig: props.inputs.map((i) => ({
          ChannelName: i.channelName,
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix',
              S3Uri: i.bucket.s3UrlForPrefix(i.prefix),
              S3DataDistributionType: i.shardByS3Key ? 'ShardedByS3Key' : 'FullyReplicated',
            },
          },
          ...(i.contentType ? { ContentType: i.contentType } : {}),
        })),
      } : {}),
      'OutputDataConfig': { S3OutputPath: `s3://${env.artifactsBucket.bucketName}/${outputPath}`, KmsKeyId: key.keyArn },
      'ResourceConfig': {
        InstanceType: this.instanceType,
        InstanceCount: instanceCount,
        VolumeSizeInGB: props.volumeSizeInGb ?? 30,
        ...(this.volumeKeyApplied ? { VolumeKmsKeyId: key.keyArn } : {}),
      },
      'StoppingCondition': { MaxRuntimeInSeconds: maxRuntimeSeconds },
      'VpcConfig': { SecurityGroupIds: [this.securityGroup.securityGroupId], Subnets: subnetIds },
      'EnableNetworkIsolation': isolation,
      'EnableInterContainerTrafficEncryption': encryption,
      ...(props.hyperparameters && Object.keys(props.hyperparameters).length > 0 ? { HyperParameters: props.hyperparameters } : {}),
      'Tags': jobTags,
    };
    const task = new sfn.CustomState(this, 'Train', {
      stateJson: {
        Type: 'Task',
        Comment: `Runs training job ${this.jobNamePrefix}-<execution name> and waits for it`,
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createTrainingJob.sync`,
        Parameters: parameters,
      },
    });

    this.logGroup = env.createLogGroup(this, 'StateMachineLogs', `training/${this.jobNamePrefix}`);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(task),
      role: this.stateMachineRole,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: `Secure SageMaker training ${this.jobNamePrefix}`,
    });
    // The policies must exist before an execution can start.
    this.stateMachine.node.addDependency(this.stateMachineRole);
    acknowledge(this.stateMachineRole,
      'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, Describe*) and X-Ray trace upload support no resource-level permissions; they are the actions AWS documents for state machine logging and tracing.',
      'AwsSolutions-IAM5[Resource::*]');

    // The same settings for the SageMaker Python SDK.
    const defaults = sdkDefaults({
      subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      kmsKeyArn: key.keyArn,
      defaultBucket: env.artifactsBucket.bucketName,
      defaultPrefix: outputPath,
      roleArn: this.trainingRole.roleArn,
      tags: jobTags,
    });
    this.sdkDefaultsParameter = new ssm.StringParameter(this, 'SdkDefaults', {
      parameterName: `${env.logGroupPrefix}/sdk-defaults/${this.jobNamePrefix}`,
      description: `SageMaker Python SDK defaults (config.yaml) of training jobs ${this.jobNamePrefix}`,
      stringValue: stack.toJsonString(defaults),
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
      // A path ('/...'), also when the prefix is a token.
      simpleName: false,
    });

    Tags.of(this).add(TRAINING_OWNER_TAG, this.jobNamePrefix);
    Tags.of(this).add(ENVIRONMENT_TAG, env.environmentName);
    this.node.addValidation({ validate: () => jobTagErrors(this, this.stateMachine, this.tagging, props.tags ?? {}) });

    if (!this.volumeKeyApplied) {
      Annotations.of(this).addInfo(
        `instanceType ${this.instanceType} has local NVMe storage: CreateTrainingJob rejects VolumeKmsKeyId for it, so the volume key is omitted. ` +
        'The instance store is encrypted by the hardware (XTS-AES-256); outputs are still encrypted with the environment key.');
    }
    if (props.allowInternetForContainer) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:TrainingNetworkIsolationOff',
        message: 'allowInternetForContainer is set: network isolation is off, so the training container can make network calls to whatever the VPC reaches (S3 through the gateway endpoint, the interface endpoints) and code or data can leave through them.',
        on: this.stateMachine,
        reason: 'Network isolation was turned off explicitly with the `allowInternetForContainer` prop of SecureTrainingJob, which warns at synth time; the job still runs in the environment VPC, which has no internet route.',
        findings: ['SageMakerSecurity-JobDefinitionNetworkIsolation'],
      });
    }
    if (props.allowUnencryptedInterContainerTraffic) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:TrainingInterContainerEncryptionOff',
        message: 'allowUnencryptedInterContainerTraffic is set: traffic between training containers is not encrypted. Accepted only because the job runs on a single instance; it must be removed before raising instanceCount.',
        on: this.stateMachine,
        reason: 'Inter-container encryption was turned off explicitly with the `allowUnencryptedInterContainerTraffic` prop of SecureTrainingJob, accepted only for single-instance jobs (no traffic between containers) and warned at synth time.',
        findings: ['SageMakerSecurity-JobDefinitionInterContainerEncryption'],
      });
    }
  }

  /**
   * Lets `grantee` start a training run (`states:StartExecution` on this state machine only).
   *
   * @param grantee who may start runs
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(managedPolicyGrantee(grantee));
  }

  /**
   * Lets `grantee` read the outputs of every run (the output prefix of the artifacts bucket,
   * through S3 with the environment key), for example an endpoint's model role.
   *
   * @param grantee who may read the models
   */
  public grantReadOutputs(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.environment.artifactsBucket;
    // The grant lands in a managed policy under the grantee's role: acknowledged there, by the role.
    acknowledgeScopedWildcards(grantee, [bucket.bucket.arnForObjects(`${this.outputPrefix}*`)],
      `Objects under the output prefix '${this.outputPrefix}' of training jobs ${this.jobNamePrefix}; the trailing wildcard is the only way to name every run's model, and no other prefix or bucket is granted.`);
    return bucket.grantRead(managedPolicyGrantee(grantee), this.outputPrefix);
  }

  /**
   * Lets `grantee` read the SDK defaults parameter (`ssm:GetParameter` on it only).
   *
   * @param grantee a notebook or Studio execution role
   */
  public grantReadSdkDefaults(grantee: iam.IGrantable): iam.Grant {
    return this.sdkDefaultsParameter.grantRead(managedPolicyGrantee(grantee));
  }

  /**
   * Applies `policy` to what the construct owns that holds no data: the state machine and the SDK
   * defaults parameter. The log group follows the environment's `removalPolicy`; the roles and the
   * security group are deleted with the stack.
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.stateMachine.applyRemovalPolicy(policy);
    this.sdkDefaultsParameter.applyRemovalPolicy(policy);
  }

  /**
   * Name of the training job an execution runs.
   *
   * @param executionName the Step Functions execution name
   */
  public trainingJobName(executionName: string): string {
    return `${this.jobNamePrefix}-${executionName}`;
  }

  /**
   * The S3 URL of the model artifacts an execution produces, for `ModelDataUrl` of a model.
   *
   * @param executionName the Step Functions execution name (the job is `<jobNamePrefix>-<executionName>`)
   */
  public modelDataUrl(executionName: string): string {
    return `${this.outputS3Url}${this.trainingJobName(executionName)}/output/model.tar.gz`;
  }

  /** Who this construct's jobs are, for their tags. */
  private get tagging(): JobTagging {
    return { kind: 'training', api: 'CreateTrainingJob', ownerTag: TRAINING_OWNER_TAG, jobNamePrefix: this.jobNamePrefix, environmentName: this.environment.environmentName };
  }

  private validate(props: SecureTrainingJobProps, instanceCount: number): void {
    if (!props.image) {
      throw validationError(this, 'MissingTrainingImage',
        '`image` is required: pass `TrainingImage.fromEcrRepository(repository, tag)` for your own image or `TrainingImage.fromDeepLearningContainer(uri)` for an AWS image.');
    }
    const imageProblem = props.image._problem();
    if (imageProblem) {
      throw validationError(this, 'InvalidTrainingImage',
        `\`image\` ${imageProblem}. Use a tag such as 'v1.2' or a digest with \`TrainingImage.fromEcrRepository\`, or the full URI of the AWS Deep Learning Container, e.g. '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311'.`);
    }
    const prefix = this.jobNamePrefix;
    if (!Token.isUnresolved(prefix) && !sageMakerNamePattern(MAX_PREFIX_LENGTH).test(prefix)) {
      throw validationError(this, 'InvalidJobNamePrefix',
        `\`jobNamePrefix\` '${prefix}' must be 1-${MAX_PREFIX_LENGTH} letters, digits and single hyphens, starting and ending with a letter or digit, so that '<prefix>-<execution id>' fits the 63 characters of a training job name.`);
    }
    validateWorkloadInstanceType(this, this.instanceType, {
      examples: ['ml.m5.xlarge', 'ml.g5.xlarge', 'ml.p4d.24xlarge'],
      tokenWarning: { id: 'cdk-secure-sagemaker:TrainingInstanceTypeToken', keyRejectedBy: 'the jobs get the volume key, which CreateTrainingJob rejects' },
    });
    if (!Token.isUnresolved(instanceCount) && (!Number.isInteger(instanceCount) || instanceCount < 1)) {
      throw validationError(this, 'InvalidInstanceCount', `\`instanceCount\` is ${instanceCount}: use a whole number of instances, 1 or more.`);
    }
    const size = props.volumeSizeInGb;
    if (size !== undefined && !Token.isUnresolved(size) && (!Number.isInteger(size) || size < 1 || size > 16384)) {
      throw validationError(this, 'InvalidVolumeSize', `\`volumeSizeInGb\` is ${size}: CreateTrainingJob accepts whole numbers from 1 to 16384. Set \`volumeSizeInGb\` in that range.`);
    }
    validateWholeSeconds(this, 'maxRuntime', props.maxRuntime, {
      code: 'InvalidMaxRuntime',
      min: 1,
      max: MAX_RUNTIME_LIMIT_SECONDS,
      outOfRange: (seconds) => `\`maxRuntime\` is ${seconds} seconds: CreateTrainingJob accepts whole seconds from 1 to ${MAX_RUNTIME_LIMIT_SECONDS} (28 days). Shorten \`maxRuntime\`, or checkpoint and resume in a new run.`,
    });
    const out = this.outputPrefix;
    if (!Token.isUnresolved(out) && (/^s3:\/\//i.test(out) || out.includes('*') || out.includes('?') || out.startsWith('/') || out.length === 0 || !out.endsWith('/'))) {
      throw validationError(this, 'InvalidOutputPrefix',
        `\`outputPrefix\` '${out}' must be a key prefix in the environment's artifacts bucket ending in '/', such as 'models/churn/': outputs never go to another bucket, and the training role may write under this prefix only.`);
    }
    const inputs = props.inputs ?? [];
    if (inputs.length > MAX_CHANNELS) {
      throw validationError(this, 'TooManyChannels', `\`inputs\` has ${inputs.length} channels: CreateTrainingJob accepts at most ${MAX_CHANNELS}. Merge channels that share a prefix.`);
    }
    const channels = new Set<string>();
    for (const input of inputs) {
      if (!Token.isUnresolved(input.channelName) && !/^[A-Za-z0-9.\-_]{1,64}$/.test(input.channelName)) {
        throw validationError(this, 'InvalidChannelName', `\`inputs\` channel name '${input.channelName}' must be 1-64 letters, digits, '.', '-' or '_'.`);
      }
      if (channels.has(input.channelName)) {
        throw validationError(this, 'DuplicateChannel', `\`inputs\` names channel '${input.channelName}' twice. Give each channel its own name.`);
      }
      channels.add(input.channelName);
      if (!Token.isUnresolved(input.prefix) && (input.prefix.length === 0 || /[*?]/.test(input.prefix) || input.prefix.startsWith('/'))) {
        throw validationError(this, 'InvalidChannelPrefix',
          `\`inputs\` channel '${input.channelName}': prefix '${input.prefix}' is not a key prefix. Use a non-empty prefix without wildcards or a leading '/', such as 'datasets/churn/train/'.`);
      }
      if (input.contentType !== undefined && !Token.isUnresolved(input.contentType) && input.contentType.length > 256) {
        throw validationError(this, 'InvalidContentType', `\`inputs\` channel '${input.channelName}' has a content type of ${input.contentType.length} characters: CreateTrainingJob accepts at most 256.`);
      }
    }
    validateUserJobTags(this, this.tagging, props.tags);
    const hyperparameters = Object.entries(props.hyperparameters ?? {});
    if (hyperparameters.length > MAX_HYPERPARAMETERS) {
      throw validationError(this, 'TooManyHyperparameters', `\`hyperparameters\` has ${hyperparameters.length} entries: CreateTrainingJob accepts at most ${MAX_HYPERPARAMETERS}.`);
    }
    for (const [name, value] of hyperparameters) {
      if (name.length > 256 || (!Token.isUnresolved(value) && value.length > 2500)) {
        throw validationError(this, 'InvalidHyperparameter',
          `\`hyperparameters\` entry '${name.slice(0, 40)}' is too long: CreateTrainingJob accepts names of at most 256 characters and values of at most 2500.`);
      }
      // Step Functions reads a field ending in '.$' as a path into the execution input or context.
      if (name.endsWith('.$') && !Token.isUnresolved(value) && !/^(\$|States\.)/.test(value)) {
        throw validationError(this, 'InvalidHyperparameterPath',
          `\`hyperparameters\` name '${name}' ends in '.$', which Step Functions reads as a path: its value must be a path such as '$.epochs' (taken from the execution input), or Step Functions rejects the state machine. Rename the hyperparameter otherwise.`);
      }
    }
    if (props.allowUnencryptedInterContainerTraffic && !Token.isUnresolved(instanceCount) && instanceCount > 1) {
      throw validationError(this, 'UnencryptedDistributedTraining',
        `\`allowUnencryptedInterContainerTraffic\` is set with \`instanceCount\` ${instanceCount}: the instances of a distributed job exchange model and data over the network, which must be encrypted. Drop the opt-out, or train on one instance.`);
    }
  }

  /** What the job needs to run in the VPC, write its logs and metrics, and pull its image. */
  private grantTrainingRoleBasics(image: TrainingImage): void {
    grantJobRoleBasics(this.trainingRole, {
      kind: 'Training',
      environment: this.environment,
      securityGroup: this.securityGroup,
      jobNamePrefix: this.jobNamePrefix,
      volumeKeyApplied: this.volumeKeyApplied,
      repository: image.repository,
      streamsReason: `Log streams of these training jobs only: SageMaker names them '<job name>/algo-<n>-<time>' and every job name starts with '${this.jobNamePrefix}-'; the role may create streams and put events there, not read or delete.`,
      networkReason: 'Network interfaces that SageMaker creates for VPC training jobs get their IDs at run time; the statement is limited by condition to the environment VPC, and creation to the environment subnets and the job security group.',
      imageWhat: 'training image',
    });
  }


  /** Create, describe and stop only this construct's jobs, only with the secure settings. */
  private grantStateMachineRole(subnetIds: string[], maxRuntimeSeconds: number, isolation: boolean, encryption: boolean): void {
    const stack = Stack.of(this);
    const env = this.environment;
    const role = this.stateMachineRole;
    const jobArn = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${arnResourceName(this.jobNamePrefix)}-*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateSecureTrainingJobsWithThisPrefixOnly',
      actions: ['sagemaker:CreateTrainingJob'],
      resources: [jobArn],
      conditions: secureJobLaunchConditions({
        subnetIds,
        securityGroupIds: [this.securityGroup.securityGroupId],
        volumeKmsKeyArn: this.volumeKeyApplied ? env.key.keyArn : undefined,
        outputKmsKeyArn: env.key.keyArn,
        networkIsolation: isolation,
        interContainerEncryption: encryption,
        maxRuntimeSeconds,
        ownerTag: { key: TRAINING_OWNER_TAG, value: this.jobNamePrefix },
      }),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagOwnJobsAtCreationOnly',
      actions: ['sagemaker:AddTags'],
      resources: [jobArn],
      conditions: { StringEquals: { 'sagemaker:TaggingAction': 'CreateTrainingJob', [`aws:RequestTag/${TRAINING_OWNER_TAG}`]: this.jobNamePrefix } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FollowAndStopOwnJobsOnly',
      actions: ['sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:ListTags'],
      resources: [jobArn],
      conditions: { StringEquals: { [`aws:ResourceTag/${TRAINING_OWNER_TAG}`]: this.jobNamePrefix } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassOnlyTheTrainingRole',
      actions: ['iam:PassRole'],
      resources: [this.trainingRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ManageTheSyncEventRuleOnly',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENT_RULE })],
    }));
    acknowledgeScopedWildcards(role, [jobArn],
      `Training job names are '${this.jobNamePrefix}-<execution name>', known only when an execution starts; creation is allowed only with the environment subnets, job security group, KMS key, isolation/encryption settings, a bounded runtime and the ownership tag, and describe/stop only on jobs carrying that tag.`);
  }
}
