import { Annotations, Aws, Duration, Lazy, RemovalPolicy, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
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
import { ENVIRONMENT_TAG, EXECUTION_ROLE_TAG, PROCESSING_OWNER_TAG } from '../private/tags';
import { acknowledgeScopedWildcards } from '../private/wildcards';
import { TrainingImage } from '../training/training-image';

/**
 * CreateProcessingJob's upper bound for StoppingCondition.MaxRuntimeInSeconds (9 days), from the
 * Amazon SageMaker API Reference, ProcessingStoppingCondition.
 */
const MAX_RUNTIME_LIMIT_SECONDS = 777_600;

/**
 * The EventBridge rule Step Functions manages for `createProcessingJob.sync` (AWS Step Functions
 * Developer Guide, "IAM policies for Amazon SageMaker").
 */
const SYNC_EVENT_RULE = 'StepFunctionsGetEventsForSageMakerProcessingJobsRule';

/** Job names are at most 63 characters; default execution names (UUIDs) are 36, plus a hyphen. */
const MAX_PREFIX_LENGTH = 26;

/**
 * CreateProcessingJob limits (Amazon SageMaker API Reference: CreateProcessingJob,
 * ProcessingOutputConfig, ProcessingClusterConfig, AppSpecification): inputs, outputs, instances,
 * container entrypoint and arguments, environment variables (tags: lib/private/job-tags).
 */
const MAX_INPUTS = 10;
const MAX_OUTPUTS = 10;
const MAX_INSTANCE_COUNT = 100;
const MAX_CONTAINER_STRINGS = 100;
const MAX_CONTAINER_STRING_LENGTH = 256;
const MAX_ENVIRONMENT_ENTRIES = 100;
const MAX_ENVIRONMENT_LENGTH = 256;
const MAX_LOCAL_PATH_LENGTH = 256;

/** Where SageMaker mounts processing inputs and collects outputs: LocalPath must be under it. */
const PROCESSING_ROOT = '/opt/ml/processing/';

/** Input and output names: they also name the default local path and the output key. */
const IO_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Environment variable names CreateProcessingJob accepts. */
const ENVIRONMENT_KEY_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * An input of a processing job: a prefix of a `SecureBucket`, downloaded to the container before
 * the job starts.
 */
export interface ProcessingInput {
  /** Name of the input: 1-64 letters, digits, `.`, `-` or `_`, starting with a letter or digit; unique among the inputs. */
  readonly inputName: string;

  /** The bucket: a `SecureBucket`, or one imported with `SecureBucket.fromBucketAttributes`. */
  readonly bucket: ISecureBucket;

  /** Key prefix, such as `datasets/churn/raw/`; no wildcards. */
  readonly prefix: string;

  /**
   * Where the container finds the data: an absolute path under `/opt/ml/processing/`, unique
   * among the inputs and outputs.
   *
   * @default - `/opt/ml/processing/input/<inputName>`
   */
  readonly localPath?: string;

  /**
   * Give each instance of a multi-instance job a different part of the prefix (`ShardedByS3Key`)
   * instead of a full copy.
   *
   * @default false - every instance gets the full prefix (`FullyReplicated`)
   */
  readonly shardByS3Key?: boolean;
}

/**
 * An output of a processing job: a directory of the container that SageMaker uploads to the
 * environment's artifacts bucket, encrypted with the environment key, under
 * `<outputPrefix><job name>/<outputName>/`.
 */
export interface ProcessingOutput {
  /** Name of the output: 1-64 letters, digits, `.`, `-` or `_`, starting with a letter or digit; unique among the outputs. */
  readonly outputName: string;

  /**
   * The directory the container writes the output to: an absolute path under
   * `/opt/ml/processing/`, unique among the inputs and outputs.
   *
   * @default - `/opt/ml/processing/output/<outputName>`
   */
  readonly localPath?: string;

  /**
   * Upload files while the job runs (`Continuous`) instead of once at its end (`EndOfJob`).
   *
   * @default false - uploaded when the job ends
   */
  readonly uploadContinuously?: boolean;
}

/**
 * Properties of a `SecureProcessingJob`.
 */
export interface SecureProcessingJobProps {
  /**
   * The environment (network, key, buckets) of the job.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * The container image to run. `TrainingImage` is the library's generic container image
   * reference (despite its name): `TrainingImage.fromEcrRepository(repository, tag)` for an image
   * of yours (the processing role may pull from that repository only) or
   * `TrainingImage.fromDeepLearningContainer(uri)` for an AWS image such as a SageMaker
   * scikit-learn or Spark processing container (no ECR permission at all).
   */
  readonly image: TrainingImage;

  /**
   * The container's entrypoint (`ContainerEntrypoint`), such as `['python3', '/opt/ml/processing/code/prepare.py']`:
   * at most 100 strings of at most 256 characters.
   *
   * @default - the image's own entrypoint
   */
  readonly containerEntrypoint?: string[];

  /**
   * Arguments passed to the container (`ContainerArguments`): at most 100 strings of at most 256
   * characters.
   *
   * @default - none
   */
  readonly containerArguments?: string[];

  /**
   * Environment variables of the container: at most 100, names of letters, digits and `_` (not
   * starting with a digit), names and values of at most 256 characters. Do not put secrets here:
   * the request, and so the values, are visible in DescribeProcessingJob and the execution history.
   *
   * @default - none
   */
  readonly environmentVariables?: Record<string, string>;

  /**
   * Prefix of every processing job name (the rest is the Step Functions execution name), of the
   * output keys and of the roles' permissions: 1-26 letters, digits and single hyphens.
   *
   * @default - derived from the construct path
   */
  readonly jobNamePrefix?: string;

  /**
   * ML instance type; only types on the AWS Nitro System are accepted. Types with local NVMe
   * storage (`ml.g5`, `ml.p4d`, `ml.*d.*`, ...) get no volume key: their storage is
   * hardware-encrypted and SageMaker rejects `VolumeKmsKeyId` for them. So the type must be known
   * at synth time (not a token).
   *
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;

  /**
   * Number of instances (1 to 100). With more than one, the job security group admits traffic
   * between the instances, which is encrypted unless `allowUnencryptedInterContainerTraffic`
   * (refused with more than one instance).
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
   * Stop the job after this long. At most 9 days (777,600 seconds), the CreateProcessingJob maximum.
   *
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;

  /**
   * Inputs (at most 10). The processing role may read these prefixes and nothing else.
   *
   * @default - no inputs
   */
  readonly inputs?: ProcessingInput[];

  /**
   * Outputs (at most 10), uploaded to the environment's artifacts bucket under
   * `<outputPrefix><job name>/<outputName>/`, encrypted with the environment key.
   *
   * @default - no outputs (the job still sends the output key, which the state machine role requires)
   */
  readonly outputs?: ProcessingOutput[];

  /**
   * Key prefix in the environment's artifacts bucket where runs write their outputs (always the
   * artifacts bucket: pass a key prefix, not an `s3://` URL). Each run writes under
   * `<outputPrefix><job name>/`, and the processing role may write under
   * `<outputPrefix><jobNamePrefix>-` and nowhere else: data published beside the runs (say
   * `<outputPrefix>curated/`) is out of its reach.
   *
   * @default - `processing/<jobNamePrefix>/`
   */
  readonly outputPrefix?: string;

  /**
   * Tags every job this state machine starts carries. Include the tag keys your
   * `SageMakerGuardrails` require (`requiredTags`), or the guardrails deny the jobs.
   *
   * Jobs always carry the ownership tag (`secure-sagemaker:processing-job` = the job name prefix)
   * and the environment tag (`secure-sagemaker:environment` = the environment name), and also
   * every tag applied with `Tags.of(...)` to this construct or a scope above it (the app, the
   * stack); a key given here wins over a `Tags.of` tag with the same key.
   *
   * @default - the ownership and environment tags, and the `Tags.of` tags
   */
  readonly tags?: Record<string, string>;

  /**
   * Let the processing container make network calls (turns network isolation off). The container
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
 * A SageMaker processing job (data preparation, feature engineering, model evaluation) that runs
 * isolated, encrypted and bounded, started as a Step Functions execution.
 *
 * - a state machine whose single task calls `createProcessingJob.sync`; the job name is
 *   `<jobNamePrefix>-<execution name>`, so reruns never collide
 * - every job: in the environment's subnets with its own security group (egress to S3 through the
 *   gateway endpoint, the ECR endpoints for private images, and itself for multi-instance jobs),
 *   network isolation, inter-container traffic encryption, volume and output encrypted with the
 *   environment key (no volume key for local-NVMe instance types), a maximum runtime, tags
 * - a processing role (customer-managed policy) that reads only the input prefixes, writes only its
 *   jobs' output keys, uses the key through S3 only, writes only its own log streams and pulls only
 *   the given ECR repository
 * - a state machine role that can create only jobs with those settings and this name prefix,
 *   describe and stop only those, pass only the processing role and manage only the EventBridge
 *   rule `.sync` needs; all events logged to an encrypted log group, X-Ray tracing on
 *
 * It publishes no SageMaker Python SDK defaults of its own: those of a `SecureTrainingJob` or a
 * notebook already cover processing jobs launched from Python.
 */
export class SecureProcessingJob extends Resource implements ec2.IConnectable, iam.IGrantable {
  /** Tag key on every job the construct starts (value: the job name prefix). */
  public static readonly OWNER_TAG = PROCESSING_OWNER_TAG;

  /** Tag key on every job the construct starts (value: the environment name). */
  public static readonly ENVIRONMENT_TAG = ENVIRONMENT_TAG;

  /** The largest `maxRuntime` CreateProcessingJob accepts, in seconds (9 days). */
  public static readonly MAX_RUNTIME_LIMIT_SECONDS = MAX_RUNTIME_LIMIT_SECONDS;

  /** The state machine; start an execution to run one processing job. */
  public readonly stateMachine: sfn.StateMachine;

  /** Role the processing job runs as. */
  public readonly processingRole: SageMakerWorkloadRole;

  /** Role of the state machine. */
  public readonly stateMachineRole: SageMakerWorkloadRole;

  /** Security group of the job instances. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** Log group of the state machine executions. */
  public readonly logGroup: logs.ILogGroup;

  /** The job security group, for `connections.allowTo(...)` to what the job must reach. */
  public readonly connections: ec2.Connections;

  /** The processing role: grants to the processing job (`bucket.grantRead(job, ...)`) land on it. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** Prefix of every processing job name. */
  public readonly jobNamePrefix: string;

  /** Key prefix of the outputs in the artifacts bucket. */
  public readonly outputPrefix: string;

  /** The environment. */
  public readonly environment: ISageMakerEnvironment;

  /** The instance type of the jobs. */
  public readonly instanceType: string;

  /** Whether the jobs' volumes are encrypted with the environment key (false for local-NVMe instance types). */
  public readonly volumeKeyApplied: boolean;

  constructor(scope: Construct, id: string, props: SecureProcessingJobProps) {
    super(scope, id);
    const env = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const stack = Stack.of(this);

    this.jobNamePrefix = props.jobNamePrefix ?? defaultSageMakerName(this, MAX_PREFIX_LENGTH);
    this.outputPrefix = props.outputPrefix ?? `processing/${this.jobNamePrefix}/`;
    this.instanceType = props.instanceType ?? 'ml.m5.xlarge';
    const instanceCount = props.instanceCount ?? 1;
    this.validate(props, instanceCount);
    // Jobs are named '<prefix>-<execution>' and the roles act on '<prefix>-*': claimed with the
    // hyphen, so that 'prep' and 'prep-v2' overlap while 'a' and 'ab' do not.
    claimSageMakerName(this, NAME_KINDS.processingJobPrefix, `${this.jobNamePrefix}-`);
    const maxRuntimeSeconds = (props.maxRuntime ?? Duration.hours(24)).toSeconds();

    const key = env.key;
    this.volumeKeyApplied = !rejectsVolumeKey(this.instanceType);
    const isolation = !props.allowInternetForContainer;
    const encryption = !props.allowUnencryptedInterContainerTraffic;
    const outputs = props.outputs ?? [];

    // Network: the job instances get a group that admits only themselves, and only with several instances.
    const multiInstance = Token.isUnresolved(instanceCount) || instanceCount > 1;
    this.securityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: env.network.vpc,
      // The prefix only when literal: cdk-nag cannot read a reference in a security group description.
      description: `Processing jobs${Token.isUnresolved(this.jobNamePrefix) ? '' : ` ${this.jobNamePrefix}`}: HTTPS to S3${props.image.repository ? ' and ECR endpoints' : ''}${multiInstance ? ', traffic between the job instances' : ''}`,
      allowAllOutbound: false,
    });
    this.connections = this.securityGroup.connections;
    if (multiInstance) {
      this.securityGroup.connections.allowInternally(ec2.Port.allTraffic(), 'Multi-instance processing between the job instances');
      acknowledge(this.securityGroup,
        'The only ingress rule admits the job security group itself: instances of one multi-instance processing job (Spark, Dask) exchange data on ports chosen at run time; nothing outside the group can connect.',
        ...FINDINGS.selfReferencingIngress);
    }
    if (props.image.repository) {
      env.network.requireEndpoints(this.securityGroup, [SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR]);
    } else {
      env.network.allowS3Through(this.securityGroup);
    }

    // The processing role.
    this.processingRole = new SageMakerWorkloadRole(this, 'ProcessingRole', { description: `Execution role of processing jobs ${this.jobNamePrefix}` });
    // Only SageMaker assumes it, for jobs in the VPC: the buckets' VPC-endpoint restriction exempts it.
    Tags.of(this.processingRole).add(EXECUTION_ROLE_TAG, env.environmentName);
    this.grantPrincipal = this.processingRole;
    for (const input of props.inputs ?? []) {
      input.bucket.grantRead(this.processingRole, input.prefix);
    }
    // SageMaker uploads each job's outputs under `<outputPrefix><job name>/`, and every job name
    // starts with `<jobNamePrefix>-`: the role writes its jobs' outputs only, not the other keys of
    // the prefix (data published from `<outputPrefix>curated/` stays out of its reach).
    if (outputs.length > 0) {
      env.artifactsBucket.grantWrite(this.processingRole, `${this.outputPrefix}${this.jobNamePrefix}-`);
    }
    this.grantProcessingRoleBasics(props.image);

    // The state machine role and the state machine.
    this.stateMachineRole = new SageMakerWorkloadRole(this, 'StateMachineRole', {
      description: `Runs processing jobs ${this.jobNamePrefix} from Step Functions`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;
    this.grantStateMachineRole(subnetIds, maxRuntimeSeconds, isolation, encryption);

    // Rendered late, once Tags.of(...) has tagged the state machine: the jobs carry the same tags.
    const jobTags = Lazy.any({ produce: () => tagsOfJobs(this.stateMachine, this.tagging, props.tags ?? {}) });
    const outputRoot = `s3://${env.artifactsBucket.bucketName}/${this.outputPrefix}${this.jobNamePrefix}-`;
    const parameters: Record<string, unknown> = {
      'ProcessingJobName.$': `States.Format('${this.jobNamePrefix}-{}', $$.Execution.Name)`,
      'RoleArn': this.processingRole.roleArn,
      'AppSpecification': {
        ImageUri: props.image.imageUri,
        ...(props.containerEntrypoint && props.containerEntrypoint.length > 0 ? { ContainerEntrypoint: props.containerEntrypoint } : {}),
        ...(props.containerArguments && props.containerArguments.length > 0 ? { ContainerArguments: props.containerArguments } : {}),
      },
      ...(props.inputs && props.inputs.length > 0 ? {
        ProcessingInputs: props.inputs.map((i) => ({
          InputName: i.inputName,
          S3Input: {
            S3Uri: i.bucket.s3UrlForPrefix(i.prefix),
            LocalPath: i.localPath ?? `${PROCESSING_ROOT}input/${i.inputName}`,
            S3DataType: 'S3Prefix',
            S3InputMode: 'File',
            S3DataDistributionType: i.shardByS3Key ? 'ShardedByS3Key' : 'FullyReplicated',
          },
        })),
      } : {}),
      // Always present, also without outputs: the state machine role requires the output key.
      'ProcessingOutputConfig': {
        Outputs: outputs.map((o) => ({
          OutputName: o.outputName,
          S3Output: {
            // Each run under its own job name: '<outputPrefix><jobNamePrefix>-<execution name>/<output name>'.
            'S3Uri.$': `States.Format('${outputRoot}{}/${o.outputName}', $$.Execution.Name)`,
            'LocalPath': o.localPath ?? `${PROCESSING_ROOT}output/${o.outputName}`,
            'S3UploadMode': o.uploadContinuously ? 'Continuous' : 'EndOfJob',
          },
        })),
        KmsKeyId: key.keyArn,
      },
      'ProcessingResources': {
        ClusterConfig: {
          InstanceCount: instanceCount,
          InstanceType: this.instanceType,
          VolumeSizeInGB: props.volumeSizeInGb ?? 30,
          ...(this.volumeKeyApplied ? { VolumeKmsKeyId: key.keyArn } : {}),
        },
      },
      'StoppingCondition': { MaxRuntimeInSeconds: maxRuntimeSeconds },
      'NetworkConfig': {
        EnableNetworkIsolation: isolation,
        EnableInterContainerTrafficEncryption: encryption,
        VpcConfig: { SecurityGroupIds: [this.securityGroup.securityGroupId], Subnets: subnetIds },
      },
      ...(props.environmentVariables && Object.keys(props.environmentVariables).length > 0 ? { Environment: props.environmentVariables } : {}),
      'Tags': jobTags,
    };
    const task = new sfn.CustomState(this, 'Process', {
      stateJson: {
        Type: 'Task',
        Comment: `Runs processing job ${this.jobNamePrefix}-<execution name> and waits for it`,
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createProcessingJob.sync`,
        Parameters: parameters,
      },
    });

    this.logGroup = env.createLogGroup(this, 'StateMachineLogs', `processing/${this.jobNamePrefix}`);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(task),
      role: this.stateMachineRole,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: `Secure SageMaker processing ${this.jobNamePrefix}`,
    });
    // The policies must exist before an execution can start.
    this.stateMachine.node.addDependency(this.stateMachineRole);
    acknowledge(this.stateMachineRole,
      'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, Describe*) and X-Ray trace upload support no resource-level permissions; they are the actions AWS documents for state machine logging and tracing.',
      'AwsSolutions-IAM5[Resource::*]');

    Tags.of(this).add(PROCESSING_OWNER_TAG, this.jobNamePrefix);
    Tags.of(this).add(ENVIRONMENT_TAG, env.environmentName);
    this.node.addValidation({ validate: () => jobTagErrors(this, this.stateMachine, this.tagging, props.tags ?? {}) });

    if (!this.volumeKeyApplied) {
      Annotations.of(this).addInfo(
        `instanceType ${this.instanceType} has local NVMe storage: SageMaker rejects VolumeKmsKeyId for it, so the volume key is omitted. ` +
        'The instance store is encrypted by the hardware (XTS-AES-256); outputs are still encrypted with the environment key.');
    }
    if (props.allowInternetForContainer) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:ProcessingNetworkIsolationOff',
        message: 'allowInternetForContainer is set: network isolation is off, so the processing container can make network calls to whatever the VPC reaches (S3 through the gateway endpoint, the interface endpoints) and code or data can leave through them.',
        on: this.stateMachine,
        reason: 'Network isolation was turned off explicitly with the `allowInternetForContainer` prop of SecureProcessingJob, which warns at synth time; the job still runs in the environment VPC, which has no internet route.',
        findings: ['SageMakerSecurity-JobDefinitionNetworkIsolation'],
      });
    }
    if (props.allowUnencryptedInterContainerTraffic) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:ProcessingInterContainerEncryptionOff',
        message: 'allowUnencryptedInterContainerTraffic is set: traffic between processing containers is not encrypted. Accepted only because the job runs on a single instance; it must be removed before raising instanceCount.',
        on: this.stateMachine,
        reason: 'Inter-container encryption was turned off explicitly with the `allowUnencryptedInterContainerTraffic` prop of SecureProcessingJob, accepted only for single-instance jobs (no traffic between containers) and warned at synth time.',
        findings: ['SageMakerSecurity-JobDefinitionInterContainerEncryption'],
      });
    }
  }

  /**
   * Lets `grantee` start a processing run (`states:StartExecution` on this state machine only).
   *
   * @param grantee who may start runs
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(managedPolicyGrantee(grantee));
  }

  /**
   * Lets `grantee` read the outputs of every run (the output prefix of the artifacts bucket,
   * through S3 with the environment key), for example a training job's role.
   *
   * @param grantee who may read the outputs
   */
  public grantReadOutputs(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.environment.artifactsBucket;
    // The grant lands in a managed policy under the grantee's role: acknowledged there, by the role.
    acknowledgeScopedWildcards(grantee, [bucket.bucket.arnForObjects(`${this.outputPrefix}*`)],
      `Objects under the output prefix '${this.outputPrefix}' of processing jobs ${this.jobNamePrefix}; the trailing wildcard is the only way to name every run's output, and no other prefix or bucket is granted.`);
    return bucket.grantRead(managedPolicyGrantee(grantee), this.outputPrefix);
  }

  /**
   * Applies `policy` to what the construct owns that holds no data: the state machine. The log
   * group follows the environment's `removalPolicy`; the roles and the security group are deleted
   * with the stack.
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.stateMachine.applyRemovalPolicy(policy);
  }

  /**
   * Name of the processing job an execution runs.
   *
   * @param executionName the Step Functions execution name
   */
  public processingJobName(executionName: string): string {
    return `${this.jobNamePrefix}-${executionName}`;
  }

  /**
   * The S3 URL an output of an execution is uploaded to, for the input of a next step.
   *
   * @param executionName the Step Functions execution name (the job is `<jobNamePrefix>-<executionName>`)
   * @param outputName the name of one of the `outputs`
   */
  public outputUrl(executionName: string, outputName: string): string {
    return `${this.environment.artifactsBucket.s3UrlForPrefix(this.outputPrefix)}${this.processingJobName(executionName)}/${outputName}`;
  }

  /** Who this construct's jobs are, for their tags. */
  private get tagging(): JobTagging {
    return { kind: 'processing', api: 'CreateProcessingJob', ownerTag: PROCESSING_OWNER_TAG, jobNamePrefix: this.jobNamePrefix, environmentName: this.environment.environmentName };
  }

  private validate(props: SecureProcessingJobProps, instanceCount: number): void {
    if (!props.image) {
      throw validationError(this, 'MissingProcessingImage',
        '`image` is required: pass `TrainingImage.fromEcrRepository(repository, tag)` for your own image or `TrainingImage.fromDeepLearningContainer(uri)` for an AWS image.');
    }
    const imageProblem = props.image._problem();
    if (imageProblem) {
      throw validationError(this, 'InvalidProcessingImage',
        `\`image\` ${imageProblem}. Use a tag such as 'v1.2' or a digest with \`TrainingImage.fromEcrRepository\`, or the full URI of the AWS image, e.g. '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'.`);
    }
    const prefix = this.jobNamePrefix;
    if (!Token.isUnresolved(prefix) && !sageMakerNamePattern(MAX_PREFIX_LENGTH).test(prefix)) {
      throw validationError(this, 'InvalidJobNamePrefix',
        `\`jobNamePrefix\` '${prefix}' must be 1-${MAX_PREFIX_LENGTH} letters, digits and single hyphens, starting and ending with a letter or digit, so that '<prefix>-<execution id>' fits the 63 characters of a processing job name.`);
    }
    validateWorkloadInstanceType(this, this.instanceType, {
      examples: ['ml.m5.xlarge', 'ml.c5.2xlarge', 'ml.r5.4xlarge'],
      tokenWarning: { id: 'cdk-secure-sagemaker:ProcessingInstanceTypeToken', keyRejectedBy: 'the jobs get the volume key, which SageMaker rejects' },
    });
    if (!Token.isUnresolved(instanceCount) && (!Number.isInteger(instanceCount) || instanceCount < 1 || instanceCount > MAX_INSTANCE_COUNT)) {
      throw validationError(this, 'InvalidInstanceCount', `\`instanceCount\` is ${instanceCount}: use a whole number of instances from 1 to ${MAX_INSTANCE_COUNT}, the range CreateProcessingJob accepts.`);
    }
    const size = props.volumeSizeInGb;
    if (size !== undefined && !Token.isUnresolved(size) && (!Number.isInteger(size) || size < 1 || size > 16384)) {
      throw validationError(this, 'InvalidVolumeSize', `\`volumeSizeInGb\` is ${size}: CreateProcessingJob accepts whole numbers from 1 to 16384. Set \`volumeSizeInGb\` in that range.`);
    }
    validateWholeSeconds(this, 'maxRuntime', props.maxRuntime, {
      code: 'InvalidMaxRuntime',
      min: 1,
      max: MAX_RUNTIME_LIMIT_SECONDS,
      outOfRange: (seconds) => `\`maxRuntime\` is ${seconds} seconds: CreateProcessingJob accepts whole seconds from 1 to ${MAX_RUNTIME_LIMIT_SECONDS} (9 days). Shorten \`maxRuntime\`, or split the work into several runs.`,
    });
    const out = this.outputPrefix;
    // The prefix is spliced into a States.Format template: no quote, brace or backslash.
    if (!Token.isUnresolved(out) && (/^s3:\/\//i.test(out) || /[*?'{}\\]/.test(out) || out.startsWith('/') || out.length === 0 || !out.endsWith('/'))) {
      throw validationError(this, 'InvalidOutputPrefix',
        `\`outputPrefix\` '${out}' must be a key prefix in the environment's artifacts bucket ending in '/', without wildcards, quotes, braces or backslashes, such as 'features/churn/': outputs never go to another bucket, and the processing role may write under this prefix only.`);
    }
    this.validateContainer(props);
    this.validateInputsAndOutputs(props.inputs ?? [], props.outputs ?? []);
    validateUserJobTags(this, this.tagging, props.tags);
    if (props.allowUnencryptedInterContainerTraffic && !Token.isUnresolved(instanceCount) && instanceCount > 1) {
      throw validationError(this, 'UnencryptedMultiInstanceProcessing',
        `\`allowUnencryptedInterContainerTraffic\` is set with \`instanceCount\` ${instanceCount}: the instances of a multi-instance job exchange data over the network, which must be encrypted. Drop the opt-out, or process on one instance.`);
    }
  }

  /** Entrypoint, arguments and environment variables against the AppSpecification and Environment limits. */
  private validateContainer(props: SecureProcessingJobProps): void {
    for (const [prop, list] of [['containerEntrypoint', props.containerEntrypoint], ['containerArguments', props.containerArguments]] as const) {
      if (list === undefined || Token.isUnresolved(list)) {
        continue;
      }
      if (list.length > MAX_CONTAINER_STRINGS) {
        throw validationError(this, 'TooManyContainerStrings', `\`${prop}\` has ${list.length} entries: CreateProcessingJob accepts at most ${MAX_CONTAINER_STRINGS}. Pass the rest in a file or as environment variables.`);
      }
      const long = list.findIndex((s) => !Token.isUnresolved(s) && s.length > MAX_CONTAINER_STRING_LENGTH);
      if (long >= 0) {
        throw validationError(this, 'ContainerStringTooLong', `\`${prop}\` entry ${long} has ${list[long].length} characters: CreateProcessingJob accepts at most ${MAX_CONTAINER_STRING_LENGTH}. Shorten it, or read the value from a file.`);
      }
    }
    const variables = Object.entries(props.environmentVariables ?? {});
    if (variables.length > MAX_ENVIRONMENT_ENTRIES) {
      throw validationError(this, 'TooManyEnvironmentVariables', `\`environmentVariables\` has ${variables.length} entries: CreateProcessingJob accepts at most ${MAX_ENVIRONMENT_ENTRIES}.`);
    }
    for (const [name, value] of variables) {
      if (!Token.isUnresolved(name) && (!ENVIRONMENT_KEY_PATTERN.test(name) || name.length > MAX_ENVIRONMENT_LENGTH)) {
        throw validationError(this, 'InvalidEnvironmentVariable',
          `\`environmentVariables\` name '${name.slice(0, 40)}' must be at most ${MAX_ENVIRONMENT_LENGTH} letters, digits and '_', not starting with a digit (CreateProcessingJob's rule).`);
      }
      if (!Token.isUnresolved(value) && value.length > MAX_ENVIRONMENT_LENGTH) {
        throw validationError(this, 'InvalidEnvironmentVariable',
          `\`environmentVariables\` value of '${name}' has ${value.length} characters: CreateProcessingJob accepts at most ${MAX_ENVIRONMENT_LENGTH}. Pass larger values as an input.`);
      }
    }
  }

  private validateInputsAndOutputs(inputs: ProcessingInput[], outputs: ProcessingOutput[]): void {
    if (inputs.length > MAX_INPUTS) {
      throw validationError(this, 'TooManyInputs', `\`inputs\` has ${inputs.length} entries: CreateProcessingJob accepts at most ${MAX_INPUTS}. Merge inputs that share a prefix.`);
    }
    if (outputs.length > MAX_OUTPUTS) {
      throw validationError(this, 'TooManyOutputs', `\`outputs\` has ${outputs.length} entries: CreateProcessingJob accepts at most ${MAX_OUTPUTS}. Write related results into one output directory.`);
    }
    const localPaths = new Set<string>();
    const checkLocalPath = (prop: string, name: string, path: string) => {
      if (Token.isUnresolved(path)) {
        return;
      }
      if (!path.startsWith(PROCESSING_ROOT) || path.length === PROCESSING_ROOT.length || path.length > MAX_LOCAL_PATH_LENGTH || path.split('/').includes('..')) {
        throw validationError(this, 'InvalidLocalPath',
          `\`${prop}\` '${name}': localPath '${path}' must be an absolute path under '${PROCESSING_ROOT}' of at most ${MAX_LOCAL_PATH_LENGTH} characters without '..', such as '${PROCESSING_ROOT}${prop === 'inputs' ? 'input' : 'output'}/${name}'.`);
      }
      const normalized = path.replace(/\/+$/, '');
      if (localPaths.has(normalized)) {
        throw validationError(this, 'DuplicateLocalPath', `\`${prop}\` '${name}': localPath '${path}' is used twice. Give every input and output its own directory.`);
      }
      localPaths.add(normalized);
    };
    const names = (prop: string, what: string, list: Array<{ name: string; localPath?: string }>, defaultDir: string) => {
      const seen = new Set<string>();
      for (const { name, localPath } of list) {
        if (!Token.isUnresolved(name) && !IO_NAME_PATTERN.test(name)) {
          throw validationError(this, 'InvalidIoName', `\`${prop}\` ${what} name '${name}' must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit.`);
        }
        if (seen.has(name)) {
          throw validationError(this, 'DuplicateIoName', `\`${prop}\` names ${what} '${name}' twice. Give each ${what} its own name.`);
        }
        seen.add(name);
        checkLocalPath(prop, name, localPath ?? `${PROCESSING_ROOT}${defaultDir}/${name}`);
      }
    };
    names('inputs', 'input', inputs.map((i) => ({ name: i.inputName, localPath: i.localPath })), 'input');
    names('outputs', 'output', outputs.map((o) => ({ name: o.outputName, localPath: o.localPath })), 'output');
    for (const input of inputs) {
      if (!Token.isUnresolved(input.prefix) && (input.prefix.length === 0 || /[*?]/.test(input.prefix) || input.prefix.startsWith('/'))) {
        throw validationError(this, 'InvalidInputPrefix',
          `\`inputs\` input '${input.inputName}': prefix '${input.prefix}' is not a key prefix. Use a non-empty prefix without wildcards or a leading '/', such as 'datasets/churn/raw/'.`);
      }
    }
  }

  /** What the job needs to run in the VPC, write its logs and metrics, and pull its image. */
  private grantProcessingRoleBasics(image: TrainingImage): void {
    grantJobRoleBasics(this.processingRole, {
      kind: 'Processing',
      environment: this.environment,
      securityGroup: this.securityGroup,
      jobNamePrefix: this.jobNamePrefix,
      volumeKeyApplied: this.volumeKeyApplied,
      repository: image.repository,
      streamsReason: `Log streams of these processing jobs only: SageMaker names them '<job name>/algo-<n>-<time>' and every job name starts with '${this.jobNamePrefix}-'; the role may create streams and put events there, not read or delete.`,
      networkReason: 'Network interfaces that SageMaker creates for VPC processing jobs get their IDs at run time; the statement is limited by condition to the environment VPC, and creation to the environment subnets and the job security group.',
      imageWhat: 'processing image',
    });
  }


  /** Create, describe and stop only this construct's jobs, only with the secure settings. */
  private grantStateMachineRole(subnetIds: string[], maxRuntimeSeconds: number, isolation: boolean, encryption: boolean): void {
    const stack = Stack.of(this);
    const env = this.environment;
    const role = this.stateMachineRole;
    const jobArn = stack.formatArn({ service: 'sagemaker', resource: 'processing-job', resourceName: `${arnResourceName(this.jobNamePrefix)}-*` });
    const conditions = secureJobLaunchConditions({
      subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      volumeKmsKeyArn: this.volumeKeyApplied ? env.key.keyArn : undefined,
      outputKmsKeyArn: env.key.keyArn,
      networkIsolation: isolation,
      interContainerEncryption: encryption,
      maxRuntimeSeconds,
      ownerTag: { key: PROCESSING_OWNER_TAG, value: this.jobNamePrefix },
    });
    // CreateProcessingJob also sends sagemaker:InstanceTypes: pin the one instance type (when literal).
    if (!Token.isUnresolved(this.instanceType)) {
      conditions['ForAllValues:StringEquals'] = { ...conditions['ForAllValues:StringEquals'], 'sagemaker:InstanceTypes': [this.instanceType] };
      conditions.Null = { ...conditions.Null, 'sagemaker:InstanceTypes': 'false' };
    }
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateSecureProcessingJobsWithThisPrefixOnly',
      actions: ['sagemaker:CreateProcessingJob'],
      resources: [jobArn],
      conditions,
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagOwnJobsAtCreationOnly',
      actions: ['sagemaker:AddTags'],
      resources: [jobArn],
      conditions: { StringEquals: { 'sagemaker:TaggingAction': 'CreateProcessingJob', [`aws:RequestTag/${PROCESSING_OWNER_TAG}`]: this.jobNamePrefix } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FollowAndStopOwnJobsOnly',
      actions: ['sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:ListTags'],
      resources: [jobArn],
      conditions: { StringEquals: { [`aws:ResourceTag/${PROCESSING_OWNER_TAG}`]: this.jobNamePrefix } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassOnlyTheProcessingRole',
      actions: ['iam:PassRole'],
      resources: [this.processingRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ManageTheSyncEventRuleOnly',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENT_RULE })],
    }));
    acknowledgeScopedWildcards(role, [jobArn],
      `Processing job names are '${this.jobNamePrefix}-<execution name>', known only when an execution starts; creation is allowed only with the environment subnets, job security group, KMS key, isolation/encryption settings, the instance type, a bounded runtime and the ownership tag, and describe/stop only on jobs carrying that tag.`);
  }
}
