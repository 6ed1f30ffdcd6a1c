import * as crypto from 'crypto';
import { Annotations, ArnFormat, Duration, Lazy, Names, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { analyzerImageUri } from './analyzer-image';
import { HOURLY, scheduleIntervalSeconds } from './schedule-expression';
import type { SecureEndpoint } from '../endpoint/secure-endpoint';
import type { ISageMakerEnvironment, ISecureBucket } from '../environment/interfaces';
import { allowDeliveriesToUseKey } from '../environment/key-policy';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge } from '../private/acknowledge';
import { validateWholeSeconds } from '../private/durations';
import { validationError } from '../private/errors';
import { managedPolicyGrantee } from '../private/grants';
import { hasLocalNvmeStorage, validateWorkloadInstanceType } from '../private/instance-types';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { defaultSageMakerName, sageMakerNamePattern } from '../private/names';
import * as perms from '../private/perms';
import { ENVIRONMENT_TAG, EXECUTION_ROLE_TAG } from '../private/tags';
import { grantVpcNetworkInterfaces } from '../private/vpc-access';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/** MonitoringStoppingCondition.MaxRuntimeInSeconds: 1 to 86400 (Amazon SageMaker API Reference). */
const MAX_RUNTIME_LIMIT_SECONDS = 86_400;

/**
 * On an hourly schedule, model quality (and bias) jobs may run at most 1800 seconds, data quality
 * (and explainability) 3600 ("MonitoringStoppingCondition", Amazon SageMaker API Reference).
 */
const MODEL_QUALITY_HOURLY_MAX_SECONDS = 1800;

/** Schedule names are `<prefix>-data-quality` / `<prefix>-model-quality`, at most 63 characters. */
const MAX_PREFIX_LENGTH = 48;

/** Where the built-in analyzer reads the captured data and writes its reports, in the container. */
const CAPTURE_LOCAL_PATH = '/opt/ml/processing/input/endpoint';
const OUTPUT_LOCAL_PATH = '/opt/ml/processing/output';

/** Monitoring executions run as processing jobs, which log to this group. */
const PROCESSING_LOG_GROUP = '/aws/sagemaker/ProcessingJobs';

/**
 * The namespaces the built-in analyzer publishes its metrics in for real-time endpoints ("CloudWatch
 * Metrics", Model Monitor, Amazon SageMaker AI Developer Guide): feature statistics and drift of a
 * data quality job, and accuracy, precision... of a model quality job.
 */
const DATA_METRICS_NAMESPACE = 'aws/sagemaker/Endpoints/data-metrics';
const MODEL_METRICS_NAMESPACE = 'aws/sagemaker/Endpoints/model-metrics';

/** The EventBridge event of a monitoring execution: it runs as a processing job. */
const PROCESSING_JOB_EVENT = 'SageMaker Processing Job State Change';

/**
 * The baseline a data quality job compares the captured data with: `constraints.json` and
 * `statistics.json` in the environment's artifacts bucket. A baselining job writes them: a
 * processing job running the same analyzer image on the training data set, with the environment
 * `dataset_format` (such as `{"csv": {"header": true}}`), `dataset_source`
 * (`/opt/ml/processing/input/baseline_dataset_input`, where the data set is mounted) and
 * `output_path` (`/opt/ml/processing/output`, uploaded to the baseline prefix), which is what
 * `DefaultModelMonitor.suggest_baseline` of the SageMaker Python SDK starts. Review the suggested
 * constraints before monitoring with them. Give either both keys or the prefix that holds both files.
 */
export interface MonitoringBaseline {
  /**
   * Object key of the baseline constraints (`constraints.json`), such as
   * `model-monitor/baselines/churn/constraints.json`: a key, not an `s3://` URL, no wildcards.
   *
   * @default - `<prefix>constraints.json`
   */
  readonly constraintsKey?: string;

  /**
   * Object key of the baseline statistics (`statistics.json`).
   *
   * @default - `<prefix>statistics.json`
   */
  readonly statisticsKey?: string;

  /**
   * Key prefix (ending in `/`) under which a baselining job wrote `constraints.json` and
   * `statistics.json`.
   *
   * @default - none: both keys are given
   */
  readonly prefix?: string;
}

/**
 * The machine learning problem a model quality job evaluates.
 */
export enum ModelQualityProblemType {
  /** Two classes: accuracy, precision, recall, F1, AUC... */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A number: MAE, MSE, RMSE, R². */
  REGRESSION = 'Regression',
}

/**
 * Model quality monitoring: the endpoint's predictions merged with ground truth labels that you
 * upload later ("Ingest Ground Truth Labels and Merge Them With Predictions", Model Monitor).
 */
export interface ModelQualityMonitoringOptions {
  /** The problem type of the model. */
  readonly problemType: ModelQualityProblemType;

  /**
   * Key prefix of the ground truth labels (JSON lines under `<prefix>yyyy/mm/dd/hh/`), in
   * `groundTruthBucket`. The monitoring role reads this prefix and nothing else of the bucket.
   */
  readonly groundTruthPrefix: string;

  /**
   * The bucket of the ground truth labels.
   *
   * @default - the environment's data bucket
   */
  readonly groundTruthBucket?: ISecureBucket;

  /**
   * Where the prediction is in the captured output: an index for CSV (`'0'`) or a JSONPath.
   * Required for regression and multiclass problems, and for binary problems without
   * `probabilityAttribute`.
   *
   * @default - none
   */
  readonly inferenceAttribute?: string;

  /**
   * Where the probability is in the captured output (binary classification).
   *
   * @default - none
   */
  readonly probabilityAttribute?: string;

  /**
   * The threshold above which a probability counts as the positive class (binary
   * classification with `probabilityAttribute`).
   *
   * @default - none
   */
  readonly probabilityThreshold?: number;

  /**
   * Object key of the model quality baseline constraints (`constraints.json` of a model quality
   * baselining job) in the artifacts bucket.
   *
   * @default - no baseline: metrics are published, no constraint is checked
   */
  readonly constraintsKey?: string;

  /**
   * Stop each model quality execution after this long; at most the schedule interval, and 30
   * minutes on an hourly schedule.
   *
   * @default Duration.minutes(30)
   */
  readonly maxRuntime?: Duration;

  /**
   * Start of the captured data an execution evaluates, this long before its scheduled time (ground
   * truth usually arrives late).
   *
   * @default - the last interval
   */
  readonly startTimeOffset?: Duration;

  /**
   * End of the captured data an execution evaluates, this long before its scheduled time.
   *
   * @default - the scheduled time
   */
  readonly endTimeOffset?: Duration;
}

/**
 * Properties of a `SecureModelMonitor`.
 */
export interface SecureModelMonitorProps {
  /** The endpoint to monitor; its data capture must be on (the default). */
  readonly endpoint: SecureEndpoint;

  /** The data quality baseline, in the environment's artifacts bucket. */
  readonly baseline: MonitoringBaseline;

  /**
   * ML instance type of the monitoring jobs; Nitro types without local NVMe storage only (the
   * volume is always encrypted with the environment key).
   *
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;

  /**
   * Size of the ML storage volume of the monitoring jobs, in GB (1 to 16384).
   *
   * @default 30
   */
  readonly volumeSizeInGb?: number;

  /**
   * When the monitoring jobs run (UTC): `cron(0 * ? * * *)` (hourly), `cron(0 H ? * * *)`
   * (daily), or `cron(0 H/N ? * * *)` (every N hours).
   *
   * @default 'cron(0 * ? * * *)' - hourly
   */
  readonly scheduleExpression?: string;

  /**
   * Stop each data quality execution after this long; at most the schedule interval.
   *
   * @default Duration.hours(1)
   */
  readonly maxRuntime?: Duration;

  /**
   * Prefix of the monitoring schedules' names (`<prefix>-data-quality`, `<prefix>-model-quality`)
   * and of the alert rule: 1-48 letters, digits and single hyphens.
   *
   * @default - the endpoint name when it has at most 48 characters, else derived from the construct path
   */
  readonly scheduleNamePrefix?: string;

  /**
   * Also monitor model quality against ground truth labels.
   *
   * @default - data quality only
   */
  readonly modelQuality?: ModelQualityMonitoringOptions;
}

/**
 * Amazon SageMaker Model Monitor on a `SecureEndpoint`'s captured data, with the same controls as
 * the library's jobs.
 *
 * - a data quality job definition (and a model quality one with `modelQuality`) running the
 *   Region's prebuilt analyzer image: network isolation, inter-container traffic encryption, the
 *   environment's subnets and its own security group (HTTPS to S3 only, no ingress), volume and
 *   reports encrypted with the environment key, a maximum runtime within the schedule interval;
 *   CloudWatch metrics published
 * - a monitoring schedule per job definition, created after the endpoint
 * - a monitoring role that reads only the endpoint's capture prefix, the baseline objects (and the
 *   ground truth prefix), writes only its report prefixes, uses the key through S3 only (and lets
 *   SageMaker create grants for the volumes), writes only processing-job log streams and metrics in
 *   the Model Monitor namespaces, and attaches network interfaces only in the environment subnets
 *   with its group
 * - an EventBridge rule on the executions that find violations or fail, to the endpoint's alarm
 *   topic (whose policy admits exactly this rule)
 *
 * New customer access to Model Monitor closed on 30 July 2026 ("Amazon SageMaker Model Monitor
 * availability change"): the schedules deploy only in accounts that used it before.
 */
export class SecureModelMonitor extends Resource implements ec2.IConnectable, iam.IGrantable {
  /** The largest `maxRuntime` CreateDataQualityJobDefinition accepts, in seconds (24 hours). */
  public static readonly MAX_RUNTIME_LIMIT_SECONDS = MAX_RUNTIME_LIMIT_SECONDS;

  /** The CloudWatch namespace of the data quality metrics (feature statistics, baseline drift). */
  public static readonly DATA_METRICS_NAMESPACE = DATA_METRICS_NAMESPACE;

  /** The CloudWatch namespace of the model quality metrics (accuracy, precision, MAE...). */
  public static readonly MODEL_METRICS_NAMESPACE = MODEL_METRICS_NAMESPACE;

  /** The data quality job definition. */
  public readonly dataQualityJobDefinition: sagemaker.CfnDataQualityJobDefinition;

  /** The data quality monitoring schedule. */
  public readonly dataQualitySchedule: sagemaker.CfnMonitoringSchedule;

  /** The model quality job definition, with `modelQuality`. */
  public readonly modelQualityJobDefinition?: sagemaker.CfnModelQualityJobDefinition;

  /** The model quality monitoring schedule, with `modelQuality`. */
  public readonly modelQualitySchedule?: sagemaker.CfnMonitoringSchedule;

  /** The role the monitoring jobs run as. */
  public readonly role: SageMakerWorkloadRole;

  /** The security group of the monitoring jobs. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The monitoring jobs' security group. */
  public readonly connections: ec2.Connections;

  /** The monitoring role. */
  public readonly grantPrincipal: iam.IPrincipal;

  /**
   * The EventBridge rule that notifies the endpoint's alarm topic when an execution of a schedule
   * completes with violations (`ExitMessage` starting with `CompletedWithViolations`) or fails.
   */
  public readonly violationsRule: events.Rule;

  /** Key prefix of every report in the artifacts bucket: `model-monitor/<endpoint name>/`. */
  public readonly reportsPrefix: string;

  /** S3 URL of `reportsPrefix`. */
  public readonly reportsS3Url: string;

  /** Prefix of the schedule names. */
  public readonly scheduleNamePrefix: string;

  /** The environment (the endpoint's). */
  public readonly environment: ISageMakerEnvironment;

  private readonly endpoint: SecureEndpoint;

  constructor(scope: Construct, id: string, props: SecureModelMonitorProps) {
    super(scope, id);
    if (!props.endpoint) {
      throw validationError(this, 'MissingEndpoint', '`endpoint` is required: pass the `SecureEndpoint` whose captured data the jobs analyse.');
    }
    const endpoint = props.endpoint;
    this.endpoint = endpoint;
    const env = endpoint.environment;
    this.environment = env;
    const capturePrefix = endpoint.dataCapturePrefix;
    if (capturePrefix === undefined) {
      throw validationError(this, 'EndpointDataCaptureDisabled',
        `\`endpoint\` ${endpoint.node.path} has data capture off (\`dataCapture.enabled: false\`): Model Monitor analyses the captured requests and responses. Turn data capture on (remove \`dataCapture.enabled: false\`).`);
    }

    const endpointName = endpoint.endpointName;
    this.scheduleNamePrefix = props.scheduleNamePrefix
      ?? (!Token.isUnresolved(endpointName) && endpointName.length <= MAX_PREFIX_LENGTH
        ? endpointName.toLowerCase()
        : defaultSageMakerName(this, MAX_PREFIX_LENGTH));
    const instanceType = props.instanceType ?? 'ml.m5.xlarge';
    const volumeSizeInGb = props.volumeSizeInGb ?? 30;
    const scheduleExpression = props.scheduleExpression ?? HOURLY;
    const baseline = this.baselineKeys(props.baseline);
    this.validate(props, instanceType, volumeSizeInGb);
    const interval = scheduleIntervalSeconds(this, scheduleExpression);
    const maxRuntimeSeconds = this.maxRuntimeSeconds('maxRuntime', props.maxRuntime, Duration.hours(1), interval, undefined);
    const mq = props.modelQuality;
    if (mq) {
      this.validateModelQuality(mq);
    }
    const mqMaxRuntimeSeconds = mq
      ? this.maxRuntimeSeconds('modelQuality.maxRuntime', mq.maxRuntime, Duration.minutes(30), interval, MODEL_QUALITY_HOURLY_MAX_SECONDS)
      : undefined;

    const dqScheduleName = `${this.scheduleNamePrefix}-data-quality`;
    const mqScheduleName = `${this.scheduleNamePrefix}-model-quality`;
    claimSageMakerName(this, NAME_KINDS.monitoringSchedule, dqScheduleName);
    if (mq) {
      claimSageMakerName(this, NAME_KINDS.monitoringSchedule, mqScheduleName);
    }

    this.reportsPrefix = `model-monitor/${endpointName}/`;
    const artifacts = env.artifactsBucket;
    this.reportsS3Url = artifacts.s3UrlForPrefix(this.reportsPrefix);
    const key = env.key;
    const imageUri = analyzerImageUri(this);
    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;

    // Network: a group of the monitoring jobs' own, no ingress, HTTPS to S3 through the gateway.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: env.network.vpc,
      description: `Model Monitor jobs${Token.isUnresolved(endpointName) ? '' : ` of endpoint ${endpointName}`}: no ingress; HTTPS to S3 only`,
      allowAllOutbound: false,
    });
    this.connections = this.securityGroup.connections;
    env.network.allowS3Through(this.securityGroup);

    // The monitoring role.
    this.role = new SageMakerWorkloadRole(this, 'Role', { description: `Execution role of the Model Monitor jobs of endpoint ${endpointName}` });
    // SageMaker reads the captured data and writes the reports with it, possibly from its own side:
    // the buckets' VPC-endpoint restriction exempts it, as for training and model roles.
    Tags.of(this.role).add(EXECUTION_ROLE_TAG, env.environmentName);
    this.grantPrincipal = this.role;
    artifacts.grantRead(this.role, capturePrefix);
    this.grantBaselineObjects([baseline.constraints, baseline.statistics, ...(mq?.constraintsKey ? [mq.constraintsKey] : [])]);
    const dqReports = `${this.reportsPrefix}data-quality/reports/`;
    artifacts.grantWrite(this.role, dqReports);
    const mqReports = `${this.reportsPrefix}model-quality/reports/`;
    if (mq) {
      (mq.groundTruthBucket ?? env.dataBucket).grantRead(this.role, mq.groundTruthPrefix);
      // The ground truth merge job writes the merged data there, and the analysis job reads it back.
      artifacts.grantRead(this.role, mqReports);
      artifacts.grantWrite(this.role, mqReports);
    }
    this.grantRoleBasics(mq ? [DATA_METRICS_NAMESPACE, MODEL_METRICS_NAMESPACE] : [DATA_METRICS_NAMESPACE]);

    const jobCommon = {
      roleArn: this.role.roleArn,
      jobResources: { clusterConfig: { instanceType, instanceCount: 1, volumeSizeInGb, volumeKmsKeyId: key.keyArn } },
      networkConfig: {
        enableNetworkIsolation: true,
        enableInterContainerTrafficEncryption: true,
        vpcConfig: { securityGroupIds: [this.securityGroup.securityGroupId], subnets: subnetIds },
      },
    };
    const output = (prefix: string) => ({
      kmsKeyId: key.keyArn,
      monitoringOutputs: [{ s3Output: { localPath: OUTPUT_LOCAL_PATH, s3Uri: artifacts.s3UrlForPrefix(prefix).replace(/\/$/, ''), s3UploadMode: 'EndOfJob' } }],
    });

    const dqProps: sagemaker.CfnDataQualityJobDefinitionProps = {
      ...jobCommon,
      dataQualityAppSpecification: { imageUri, environment: { publish_cloudwatch_metrics: 'Enabled' } },
      dataQualityBaselineConfig: {
        constraintsResource: { s3Uri: this.objectUrl(baseline.constraints) },
        statisticsResource: { s3Uri: this.objectUrl(baseline.statistics) },
      },
      dataQualityJobInput: {
        endpointInput: { endpointName, localPath: CAPTURE_LOCAL_PATH, s3InputMode: 'File', s3DataDistributionType: 'FullyReplicated' },
      },
      dataQualityJobOutputConfig: output(dqReports),
      stoppingCondition: { maxRuntimeInSeconds: maxRuntimeSeconds },
    };
    this.dataQualityJobDefinition = new sagemaker.CfnDataQualityJobDefinition(this, 'DataQualityJobDefinition', {
      ...dqProps,
      jobDefinitionName: this.jobDefinitionName('dq', dqProps, () => this.dataQualityJobDefinition.tags.renderTags()),
    });
    this.dataQualitySchedule = this.schedule('DataQualitySchedule', dqScheduleName, 'DataQuality',
      this.dataQualityJobDefinition.jobDefinitionName!, this.dataQualityJobDefinition, scheduleExpression);

    if (mq) {
      const mqProps: sagemaker.CfnModelQualityJobDefinitionProps = {
        ...jobCommon,
        modelQualityAppSpecification: { imageUri, problemType: mq.problemType, environment: { publish_cloudwatch_metrics: 'Enabled' } },
        modelQualityBaselineConfig: mq.constraintsKey ? { constraintsResource: { s3Uri: this.objectUrl(mq.constraintsKey) } } : undefined,
        modelQualityJobInput: {
          endpointInput: {
            endpointName,
            localPath: CAPTURE_LOCAL_PATH,
            s3InputMode: 'File',
            s3DataDistributionType: 'FullyReplicated',
            inferenceAttribute: mq.inferenceAttribute,
            probabilityAttribute: mq.probabilityAttribute,
            probabilityThresholdAttribute: mq.probabilityThreshold,
            startTimeOffset: mq.startTimeOffset ? isoOffset(mq.startTimeOffset) : undefined,
            endTimeOffset: mq.endTimeOffset ? isoOffset(mq.endTimeOffset) : undefined,
          },
          groundTruthS3Input: { s3Uri: (mq.groundTruthBucket ?? env.dataBucket).s3UrlForPrefix(mq.groundTruthPrefix) },
        },
        modelQualityJobOutputConfig: output(mqReports),
        stoppingCondition: { maxRuntimeInSeconds: mqMaxRuntimeSeconds! },
      };
      this.modelQualityJobDefinition = new sagemaker.CfnModelQualityJobDefinition(this, 'ModelQualityJobDefinition', {
        ...mqProps,
        jobDefinitionName: this.jobDefinitionName('mq', mqProps, () => this.modelQualityJobDefinition!.tags.renderTags()),
      });
      this.modelQualitySchedule = this.schedule('ModelQualitySchedule', mqScheduleName, 'ModelQuality',
        this.modelQualityJobDefinition.jobDefinitionName!, this.modelQualityJobDefinition, scheduleExpression);
    }

    Tags.of(this).add(ENVIRONMENT_TAG, env.environmentName);
    this.violationsRule = this.alertOnViolations();
  }

  /**
   * Lets `grantee` read every report of this endpoint's monitors (`reportsPrefix` of the artifacts
   * bucket, decrypting through S3 only).
   *
   * @param grantee who may read the reports
   */
  public grantReadReports(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.environment.artifactsBucket;
    acknowledgeScopedWildcards(grantee, [bucket.bucket.arnForObjects(`${this.reportsPrefix}*`)],
      `Objects under the Model Monitor report prefix '${this.reportsPrefix}'; the trailing wildcard is the only way to name every execution's reports, and no other prefix or bucket is granted.`);
    return bucket.grantRead(managedPolicyGrantee(grantee), this.reportsPrefix);
  }

  /**
   * `<prefix>-<kind>-<hash of the definition>`. A schedule names its job definition by name, which
   * a job definition's `Ref` does not return (it returns the ARN); and every change of a job
   * definition replaces it, which a fixed name would make fail. A name that changes with the
   * definition gives both.
   */
  private jobDefinitionName(kind: string, definition: object, tags: () => unknown): string {
    return Lazy.string({
      produce: () => {
        // Tags too (applied by Tags.of once the tree is built): changing them replaces the definition as well.
        const text = JSON.stringify(Stack.of(this).resolve([definition, tags()]));
        const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 8);
        return `${this.scheduleNamePrefix}-${kind}-${hash}`;
      },
    });
  }

  private schedule(id: string, name: string, type: string, jobDefinitionName: string, jobDefinition: Construct,
    expression: string): sagemaker.CfnMonitoringSchedule {
    const schedule = new sagemaker.CfnMonitoringSchedule(this, id, {
      monitoringScheduleName: name,
      endpointName: this.endpoint.endpointName,
      monitoringScheduleConfig: {
        monitoringJobDefinitionName: jobDefinitionName,
        monitoringType: type,
        scheduleConfig: { scheduleExpression: expression },
      },
    });
    // The endpoint must exist (and be in service) before a schedule can name it, and the role's
    // policies before the first execution.
    schedule.node.addDependency(this.endpoint.endpoint, this.role, jobDefinition);
    return schedule;
  }

  /** The keys of the data quality baseline. */
  private baselineKeys(baseline: MonitoringBaseline | undefined): { constraints: string; statistics: string } {
    if (!baseline) {
      throw validationError(this, 'MissingBaseline', '`baseline` is required: pass `{ prefix }` where a baselining job wrote constraints.json and statistics.json, or `{ constraintsKey, statisticsKey }`.');
    }
    const { prefix, constraintsKey, statisticsKey } = baseline;
    if (prefix !== undefined) {
      if (constraintsKey !== undefined || statisticsKey !== undefined) {
        throw validationError(this, 'AmbiguousBaseline', '`baseline` has both `prefix` and a key: pass either `prefix` or `constraintsKey` and `statisticsKey`.');
      }
      this.checkKey('baseline.prefix', prefix, true);
      return { constraints: `${prefix}constraints.json`, statistics: `${prefix}statistics.json` };
    }
    if (constraintsKey === undefined || statisticsKey === undefined) {
      throw validationError(this, 'IncompleteBaseline', '`baseline` needs both `constraintsKey` and `statisticsKey` (or `prefix`): the data quality job compares with both files.');
    }
    this.checkKey('baseline.constraintsKey', constraintsKey, false);
    this.checkKey('baseline.statisticsKey', statisticsKey, false);
    return { constraints: constraintsKey, statistics: statisticsKey };
  }

  /** A key (or prefix) of the artifacts bucket: no URL, no wildcard, no leading '/'. */
  private checkKey(prop: string, value: string, prefix: boolean): void {
    if (Token.isUnresolved(value)) return;
    const bad = value.length === 0 || /^s3:\/\//i.test(value) || /[*?]/.test(value) || value.startsWith('/') || (prefix ? !value.endsWith('/') : value.endsWith('/'));
    if (bad) {
      throw validationError(this, 'InvalidBaselineKey',
        `\`${prop}\` '${value}' must be ${prefix ? "a key prefix ending in '/', such as 'model-monitor/baselines/churn/'" : "the key of one object, such as 'model-monitor/baselines/churn/constraints.json'"} in the environment's artifacts bucket: not an s3:// URL, no wildcards, no leading '/'. The monitoring role may read exactly these objects.`);
    }
  }

  private objectUrl(key: string): string {
    return `s3://${this.environment.artifactsBucket.bucketName}/${key}`;
  }

  private validate(props: SecureModelMonitorProps, instanceType: string, volumeSizeInGb: number): void {
    const prefix = this.scheduleNamePrefix;
    if (!Token.isUnresolved(prefix) && !sageMakerNamePattern(MAX_PREFIX_LENGTH).test(prefix)) {
      throw validationError(this, 'InvalidScheduleNamePrefix',
        `\`scheduleNamePrefix\` '${prefix}' must be 1-${MAX_PREFIX_LENGTH} letters, digits and single hyphens, starting and ending with a letter or digit, so that '<prefix>-model-quality' fits the 63 characters of a monitoring schedule name.`);
    }
    validateWorkloadInstanceType(this, instanceType, { examples: ['ml.m5.xlarge', 'ml.m5.large', 'ml.c5.xlarge'] });
    if (Token.isUnresolved(instanceType)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:MonitorInstanceTypeToken',
        '`instanceType` is a token: the monitoring jobs always get the volume key, which SageMaker rejects for types with local NVMe storage (ml.*d.*, ml.g5...), and the Nitro check cannot run. Pass a literal type to have it checked at synth time.');
    } else if (hasLocalNvmeStorage(instanceType)) {
      throw validationError(this, 'LocalNvmeInstanceType',
        `\`instanceType\` '${instanceType}' has local NVMe storage, for which SageMaker rejects a volume key; the monitoring jobs always encrypt their volume with the environment key. Use a type without local storage, such as 'ml.m5.xlarge'.`);
    }
    if (!Token.isUnresolved(volumeSizeInGb) && (!Number.isInteger(volumeSizeInGb) || volumeSizeInGb < 1 || volumeSizeInGb > 16384)) {
      throw validationError(this, 'InvalidVolumeSize', `\`volumeSizeInGb\` is ${volumeSizeInGb}: monitoring jobs accept whole numbers from 1 to 16384. Set \`volumeSizeInGb\` in that range.`);
    }
    if (props.scheduleExpression !== undefined && Token.isUnresolved(props.scheduleExpression)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:MonitorScheduleToken',
        '`scheduleExpression` is a token: whether SageMaker accepts it, and whether `maxRuntime` fits its interval, is known only at deployment. Pass a literal expression to have both checked at synth time.');
    }
  }

  /**
   * The max runtime of one job kind in seconds: whole seconds, 1 to 86400, at most the schedule
   * interval (and `hourlyMax` on an hourly schedule).
   */
  private maxRuntimeSeconds(prop: string, given: Duration | undefined, fallback: Duration, interval: number | undefined,
    hourlyMax: number | undefined): number {
    validateWholeSeconds(this, prop, given, {
      code: 'InvalidMaxRuntime',
      min: 1,
      max: MAX_RUNTIME_LIMIT_SECONDS,
      outOfRange: (seconds) => `\`${prop}\` is ${seconds} seconds: monitoring jobs accept whole seconds from 1 to ${MAX_RUNTIME_LIMIT_SECONDS} (24 hours).`,
    });
    const seconds = (given ?? fallback).toSeconds();
    if (interval !== undefined && !Token.isUnresolved(seconds)) {
      const limit = interval === 3600 && hourlyMax !== undefined ? hourlyMax : interval;
      if (seconds > limit) {
        throw validationError(this, 'MaxRuntimeOverInterval',
          `\`${prop}\` is ${seconds} seconds but the schedule runs every ${interval} seconds: SageMaker accepts a maximum runtime of at most ${limit} seconds for it ("MonitoringStoppingCondition": it cannot exceed the frequency of the job${limit !== interval ? '; model quality jobs on an hourly schedule at most 1800' : ''}). Shorten \`${prop}\` or run the schedule less often.`);
      }
    }
    return seconds;
  }

  private validateModelQuality(mq: ModelQualityMonitoringOptions): void {
    if (!mq.problemType) {
      throw validationError(this, 'ModelQualityProblemTypeMissing', '`modelQuality.problemType` is required: pass a `ModelQualityProblemType`.');
    }
    const gt = mq.groundTruthPrefix;
    if (gt === undefined || (!Token.isUnresolved(gt) && (gt.length === 0 || /^s3:\/\//i.test(gt) || /[*?]/.test(gt) || gt.startsWith('/') || !gt.endsWith('/')))) {
      throw validationError(this, 'InvalidGroundTruthPrefix',
        `\`modelQuality.groundTruthPrefix\` ${gt === undefined ? 'is required' : `'${gt}' is not a key prefix`}: pass the key prefix (ending in '/', no s3:// URL or wildcards) under which you upload the ground truth labels, such as 'ground-truth/churn/'.`);
    }
    const needsInference = mq.problemType !== ModelQualityProblemType.BINARY_CLASSIFICATION || mq.probabilityAttribute === undefined;
    if (needsInference && mq.inferenceAttribute === undefined) {
      throw validationError(this, 'ModelQualityInferenceAttributeMissing',
        `\`modelQuality.inferenceAttribute\` is required for ${mq.problemType}${mq.problemType === ModelQualityProblemType.BINARY_CLASSIFICATION ? ' without `probabilityAttribute`' : ''}: pass where the prediction is in the captured output ('0' for the first CSV column, or a JSONPath such as 'predicted_label').`);
    }
    if (mq.probabilityAttribute !== undefined && mq.problemType === ModelQualityProblemType.BINARY_CLASSIFICATION
      && mq.inferenceAttribute === undefined && mq.probabilityThreshold === undefined) {
      throw validationError(this, 'ModelQualityThresholdMissing',
        '`modelQuality.probabilityThreshold` is required with `probabilityAttribute` and no `inferenceAttribute`: the job turns probabilities into labels with it. Pass a threshold such as 0.5.');
    }
    const t = mq.probabilityThreshold;
    if (t !== undefined && !Token.isUnresolved(t) && !(t >= 0 && t <= 1)) {
      throw validationError(this, 'InvalidProbabilityThreshold', `\`modelQuality.probabilityThreshold\` is ${t}: use a probability from 0 to 1.`);
    }
    for (const [prop, offset] of [['startTimeOffset', mq.startTimeOffset], ['endTimeOffset', mq.endTimeOffset]] as const) {
      const seconds = offset && !offset.isUnresolved() ? offset.toSeconds({ integral: false }) : undefined;
      if (offset && (seconds === undefined || seconds <= 0 || !Number.isInteger(seconds))) {
        throw validationError(this, 'InvalidTimeOffset', `\`modelQuality.${prop}\` must be a literal whole number of seconds above 0 (it is written as an ISO 8601 duration before the scheduled time, such as '-PT2H').`);
      }
    }
    if (mq.startTimeOffset && mq.endTimeOffset && mq.startTimeOffset.toSeconds() <= mq.endTimeOffset.toSeconds()) {
      throw validationError(this, 'InvalidTimeOffset', '`modelQuality.startTimeOffset` must be longer than `endTimeOffset`: the window starts before it ends.');
    }
  }

  /** Exactly the baseline objects, decrypted only through S3 for the artifacts bucket. */
  private grantBaselineObjects(keys: string[]): void {
    const bucket = this.environment.artifactsBucket;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTheBaselineObjectsOnly',
      actions: perms.S3_MODEL_ARTIFACT_READ,
      resources: keys.map((k) => bucket.bucket.arnForObjects(k)),
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListTheBaselineObjectsOnly',
      actions: perms.S3_BUCKET_LIST,
      resources: [bucket.bucketArn],
      conditions: { StringEquals: { 's3:prefix': keys } },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptTheBaselineThroughS3',
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

  /** Logs, metrics, volume key grants and VPC network interfaces of the monitoring jobs. */
  private grantRoleBasics(namespaces: string[]): void {
    const stack = Stack.of(this);
    const role = this.role;
    // Monitoring executions are processing jobs named by SageMaker: their streams are only known
    // to be in the processing jobs' group.
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: PROCESSING_LOG_GROUP, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const streamArn = `${logGroupArn}:log-stream:*`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ProcessingLogGroup', actions: ['logs:CreateLogGroup'], resources: [logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ProcessingLogStreamsOnly', actions: perms.LOGS_WRITE_STREAMS, resources: [streamArn] }));
    acknowledgeScopedWildcards(role, [streamArn],
      `Log streams in ${PROCESSING_LOG_GROUP} only: SageMaker names the processing jobs of monitoring executions itself (not after the schedule), so no narrower stream name is known; the role may create streams and put events there, not read or delete.`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ModelMonitorMetricsNamespaceOnly',
      actions: perms.CLOUDWATCH_PUT_METRIC_DATA,
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': namespaces } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'VolumeKeyGrantsForSageMakerOnly',
      actions: perms.KMS_SAGEMAKER_GRANTS,
      resources: [this.environment.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `sagemaker.${stack.region}.amazonaws.com` },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }));
    grantVpcNetworkInterfaces(role, this.environment.network, this.securityGroup, {
      create: 'MonitorNetworkInterfacesUseEnvironmentSubnetsAndMonitorGroup',
      inVpc: 'MonitorNetworkInterfacesInEnvironmentVpc',
      describe: 'DescribeNetworkForVpcMonitoringJobs',
    }, 'Network interfaces that SageMaker creates for VPC monitoring jobs get their IDs at run time; the statement is limited by condition to the environment VPC, and creation to the environment subnets and the monitor security group.');
    acknowledge(role, 'ec2:Describe* calls for VPC monitoring jobs support no resource-level permissions (read-only).', 'AwsSolutions-IAM5[Resource::*]');
    acknowledge(role, `cloudwatch:PutMetricData supports no resource-level permissions; it is limited by condition to the Model Monitor namespaces ${namespaces.join(', ')}.`, 'AwsSolutions-IAM5[Resource::*]');
  }

  /**
   * Executions run as processing jobs, and SageMaker sends "SageMaker Processing Job State Change"
   * events for them with the fields of DescribeProcessingJob: `MonitoringScheduleArn` names the
   * schedule, and `ExitMessage` is what the container wrote to /opt/ml/output/message ("Save and
   * Access Metadata Information About Your Processing Job"), which a Model Monitor container starts
   * with `CompletedWithViolations` when it found violations (the execution status SageMaker
   * reports as CompletedWithViolations; the processing job itself is Completed).
   * The topic admits this rule only (`aws:SourceArn`, `aws:SourceAccount`); its key, when in this
   * app, lets EventBridge use it.
   */
  private alertOnViolations(): events.Rule {
    const schedules = [this.dataQualitySchedule, ...(this.modelQualitySchedule ? [this.modelQualitySchedule] : [])];
    const literalPrefix = !Token.isUnresolved(this.scheduleNamePrefix);
    const ruleName = literalPrefix ? `${this.scheduleNamePrefix}-monitor-alerts` : undefined;
    const endpointName = this.endpoint.endpointName;
    const rule = new events.Rule(this, 'ViolationsRule', {
      ruleName,
      description: `Model Monitor${Token.isUnresolved(endpointName) ? '' : ` of endpoint ${endpointName}`}: an execution found violations of the baseline, or failed`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: [PROCESSING_JOB_EVENT],
        detail: {
          MonitoringScheduleArn: schedules.map((s) => s.attrMonitoringScheduleArn),
          $or: [
            { ProcessingJobStatus: ['Failed', 'Stopped'] },
            { ExitMessage: [{ prefix: 'CompletedWithViolations' }] },
          ],
        },
      },
    });
    const topic = this.endpoint.alarmTopic;
    rule.addTarget({
      bind: () => ({
        arn: topic.topicArn,
        input: events.RuleTargetInput.fromText(
          `Model Monitor (SageMaker endpoint ${endpointName}): monitoring execution ${events.EventField.fromPath('$.detail.ProcessingJobName')} of ` +
          `${events.EventField.fromPath('$.detail.MonitoringScheduleArn')} ended ${events.EventField.fromPath('$.detail.ProcessingJobStatus')}: ` +
          `${events.EventField.fromPath('$.detail.ExitMessage')} ${events.EventField.fromPath('$.detail.FailureReason')} ` +
          `Reports (constraint_violations.json) are under ${this.reportsS3Url}.`),
      }),
    });

    // The rule's name is fixed, so its ARN is written without a reference (a topic of another stack
    // gets no dependency on this one); a token prefix names the rule by reference in this stack, or
    // every rule of the account for a topic elsewhere.
    const topicStack = Stack.of(topic);
    const ruleArn = ruleName
      ? topicStack.formatArn({ service: 'events', resource: 'rule', resourceName: ruleName })
      : topicStack === Stack.of(this) ? rule.ruleArn : topicStack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' });
    const publish = new iam.PolicyStatement({
      sid: `AllowModelMonitorAlertsOf${Names.uniqueId(this)}`.slice(0, 100),
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: perms.SNS_PUBLISH,
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': [ruleArn] },
        StringEquals: { 'aws:SourceAccount': topicStack.account },
      },
    });
    if (!topic.addToResourcePolicy(publish).statementAdded) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:MonitorTopicPolicyNotManaged',
        `the endpoint's \`alarmTopic\` is imported, so its topic policy cannot be changed here. If it has a topic policy, the Model Monitor alerts notify only if it contains: ${JSON.stringify(Stack.of(this).resolve(publish.toStatementJson()))}`);
    }
    const key = topic.masterKey;
    if (key) {
      letEventBridgeUse(this, key);
    }
    return rule;
  }
}

/** Lets EventBridge use the alarm topic's key for its deliveries, or warns with the statement an imported key needs. */
function letEventBridgeUse(monitor: SecureModelMonitor, key: kms.IKey): void {
  const missing = allowDeliveriesToUseKey(key, 'events');
  if (missing) {
    Annotations.of(monitor).addWarningV2('cdk-secure-sagemaker:MonitorTopicKeyNotManaged',
      `the key of the endpoint's alarm topic is imported, so its key policy cannot be changed here: the Model Monitor alerts notify only if it contains ${JSON.stringify(Stack.of(monitor).resolve(missing.toStatementJson()))}`);
  }
}

/** A negative ISO 8601 duration, `-PT<n>H` for whole hours, else `-PT<n>S`. */
function isoOffset(offset: Duration): string {
  const seconds = offset.toSeconds();
  return seconds % 3600 === 0 ? `-PT${seconds / 3600}H` : `-PT${seconds}S`;
}
