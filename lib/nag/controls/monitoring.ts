import { NagMessageLevel } from 'cdk-nag';
import { isPlainObject, isProvable, isTrue, referencedId, render } from './cfn-values';
import { Control, ControlSubject, fail, judge, Observation, pass } from './control';
import { isLocalNvmeType, isNonEmptyList } from './job-definitions';
import { MONITORING_SECTION } from './sections';
import { TemplateView } from './template';

/**
 * SageMaker Model Monitor resources: the four monitoring job definitions and monitoring schedules,
 * which either hold a job definition inline (`MonitoringScheduleConfig.MonitoringJobDefinition`)
 * or run one by name (`MonitoringScheduleConfig.MonitoringJobDefinitionName`). Internal.
 */

export const DATA_QUALITY_JOB_DEFINITION = 'AWS::SageMaker::DataQualityJobDefinition';
export const MODEL_QUALITY_JOB_DEFINITION = 'AWS::SageMaker::ModelQualityJobDefinition';
export const MODEL_BIAS_JOB_DEFINITION = 'AWS::SageMaker::ModelBiasJobDefinition';
export const MODEL_EXPLAINABILITY_JOB_DEFINITION = 'AWS::SageMaker::ModelExplainabilityJobDefinition';
export const MONITORING_SCHEDULE = 'AWS::SageMaker::MonitoringSchedule';

/** The output configuration property of each job definition type. */
const OUTPUT_CONFIG: Record<string, string> = {
  [DATA_QUALITY_JOB_DEFINITION]: 'DataQualityJobOutputConfig',
  [MODEL_QUALITY_JOB_DEFINITION]: 'ModelQualityJobOutputConfig',
  [MODEL_BIAS_JOB_DEFINITION]: 'ModelBiasJobOutputConfig',
  [MODEL_EXPLAINABILITY_JOB_DEFINITION]: 'ModelExplainabilityJobOutputConfig',
};

/** The job definition types. */
export const MONITORING_JOB_DEFINITION_TYPES = Object.keys(OUTPUT_CONFIG);

/** Every type the monitoring controls check. */
export const MONITORING_TYPES = [...MONITORING_JOB_DEFINITION_TYPES, MONITORING_SCHEDULE];

/** The settings of a monitoring job, wherever its resource keeps them. */
interface MonitoringJob {
  readonly network: { [key: string]: any };
  readonly output: { [key: string]: any } | undefined;
  readonly cluster: { [key: string]: any };
  readonly stopping: { [key: string]: any } | undefined;
  /** How the schedule's job was found, for the observation's detail (`through job definition X: `). */
  readonly via: string;
}

const objectOr = (value: unknown): { [key: string]: any } => (isPlainObject(value) ? value : {});

function definitionJob(type: string, p: { [key: string]: any }, via: string): MonitoringJob {
  const resources = objectOr(p.JobResources);
  return {
    network: objectOr(p.NetworkConfig),
    output: isPlainObject(p[OUTPUT_CONFIG[type]]) ? p[OUTPUT_CONFIG[type]] : undefined,
    cluster: objectOr(resources.ClusterConfig),
    stopping: isPlainObject(p.StoppingCondition) ? p.StoppingCondition : undefined,
    via,
  };
}

/** The job definition resource of the template a schedule runs by name: by `Ref`/`Fn::GetAtt`, or by a literal `JobDefinitionName`. */
function referencedDefinition(name: unknown, template: TemplateView): [string, { [key: string]: any }] | undefined {
  const id = referencedId(name);
  if (id !== undefined) {
    const r = template.resource(id);
    return r && MONITORING_JOB_DEFINITION_TYPES.includes(r.Type) ? [id, r] : undefined;
  }
  if (typeof name !== 'string' || name === '') {
    return undefined;
  }
  for (const type of MONITORING_JOB_DEFINITION_TYPES) {
    const found = template.resourcesOfType(type).find(([, r]) => r.Properties?.JobDefinitionName === name);
    if (found) return found;
  }
  return undefined;
}

/**
 * The monitoring job of a job definition or schedule, or the reason it cannot be read: a schedule
 * whose configuration does not resolve, or that runs a job definition this template does not hold.
 */
export function monitoringJobOf(subject: ControlSubject): MonitoringJob | string {
  const p = subject.properties;
  if (subject.type !== MONITORING_SCHEDULE) {
    return definitionJob(subject.type, p, '');
  }
  const config = p.MonitoringScheduleConfig;
  if (!isPlainObject(config)) {
    return 'MonitoringScheduleConfig does not resolve: the job settings cannot be confirmed';
  }
  const inline = config.MonitoringJobDefinition;
  if (isPlainObject(inline)) {
    const resources = objectOr(inline.MonitoringResources);
    return {
      network: objectOr(inline.NetworkConfig),
      output: isPlainObject(inline.MonitoringOutputConfig) ? inline.MonitoringOutputConfig : undefined,
      cluster: objectOr(resources.ClusterConfig),
      stopping: isPlainObject(inline.StoppingCondition) ? inline.StoppingCondition : undefined,
      via: '',
    };
  }
  if (inline !== undefined) {
    return 'MonitoringJobDefinition does not resolve: the job settings cannot be confirmed';
  }
  const found = referencedDefinition(config.MonitoringJobDefinitionName, subject.template);
  if (!found) {
    return `the schedule runs job definition ${render(config.MonitoringJobDefinitionName) || '(none)'}, which this template does not define: its settings cannot be confirmed`;
  }
  const [id, resource] = found;
  return definitionJob(resource.Type, objectOr(resource.Properties), `through job definition ${id}: `);
}

const SCOPE = 'A SageMaker Model Monitor job definition (data quality, model quality, model bias, model explainability) or monitoring schedule';
const UNREADABLE = ' A schedule that runs a job definition this template does not define cannot be proven safe and is flagged.';
const FIX_SCHEDULE = ' A schedule is judged by its inline `MonitoringJobDefinition`, or by the job definition of the template it runs by name.';

/** A control over monitoring jobs: `checkJob` is what it observes on the job of one resource. */
function monitoringControl(control: Omit<Control, 'resourceTypes' | 'check' | 'section'>, checkJob: (job: MonitoringJob, template: TemplateView) => Observation[]): Control {
  return {
    ...control,
    resourceTypes: MONITORING_TYPES,
    section: MONITORING_SECTION,
    check: (subject) => {
      const job = monitoringJobOf(subject);
      return typeof job === 'string' ? [fail(job)] : checkJob(job, subject.template).map((o) => ({ ...o, detail: `${job.via}${o.detail}` }));
    },
  };
}

const MONITOR_SOURCES_NETWORK = 'Amazon SageMaker API Reference, [MonitoringNetworkConfig](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MonitoringNetworkConfig.html)';

/**
 * Monitoring jobs run with network isolation: `NetworkConfig.EnableNetworkIsolation` is `true`.
 * Absent (the API default is false), false or unresolvable is non-compliant.
 */
export const MONITORING_JOB_NETWORK_ISOLATION = monitoringControl({
  id: 'MonitoringJobNetworkIsolation',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} does not set NetworkConfig.EnableNetworkIsolation to true (the API default is false), or its job definition cannot be read.`,
  explanation: 'Monitoring jobs read captured inference data and ground truth. Without network isolation their container can make outbound calls and send that '
    + 'data anywhere; with isolation SageMaker still moves the input and output data and no AWS credentials reach the container.' + UNREADABLE,
  doc: {
    cause: 'A monitoring job definition or schedule whose `NetworkConfig.EnableNetworkIsolation` (schedule: `MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig`) '
      + 'is not `true`.',
    fix: 'Set `networkConfig: { enableNetworkIsolation: true }` on the job definition (or on the schedule\'s inline `monitoringJobDefinition`).' + FIX_SCHEDULE,
    sources: 'Security Hub [SageMaker.11] SageMaker data quality job definitions should have network isolation enabled, [SageMaker.12] ... model bias job definitions ..., '
      + '[SageMaker.14] SageMaker monitoring schedules should have network isolation enabled, [SageMaker.20] ... model explainability job definitions ..., [SageMaker.25] ... '
      + 'model quality job definitions ... (AWS Config `sagemaker-data-quality-job-isolation`, `sagemaker-model-bias-job-isolation`, `sagemaker-monitoring-schedule-isolation`, '
      + `\`sagemaker-model-explainability-job-network-isolation\`, \`sagemaker-model-quality-job-definition-isolation\`); ${MONITOR_SOURCES_NETWORK}.`,
  },
  report: { label: 'Network isolation' },
}, ({ network }) => [judge(isTrue(network.EnableNetworkIsolation), 'EnableNetworkIsolation true',
  `EnableNetworkIsolation ${network.EnableNetworkIsolation === undefined ? 'not set' : render(network.EnableNetworkIsolation)}: the monitoring container can make outbound calls`)]);

/**
 * Monitoring jobs encrypt the traffic between their instances:
 * `NetworkConfig.EnableInterContainerTrafficEncryption` is `true`, whatever the instance count.
 */
export const MONITORING_JOB_INTER_CONTAINER_ENCRYPTION = monitoringControl({
  id: 'MonitoringJobInterContainerEncryption',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} does not set NetworkConfig.EnableInterContainerTrafficEncryption to true (the API default is false), or its job definition cannot be read.`,
  explanation: 'A monitoring job on more than one instance sends the data it analyses between its containers; without inter-container encryption that traffic is '
    + 'in the clear. The rule asks for it whatever the instance count, so that scaling a definition out never starts sending data unencrypted.' + UNREADABLE,
  doc: {
    cause: 'A monitoring job definition or schedule whose `NetworkConfig.EnableInterContainerTrafficEncryption` is not `true` (also with one instance: stricter than '
      + 'Security Hub SageMaker.15, which skips single-instance model bias jobs).',
    fix: 'Set `networkConfig: { enableInterContainerTrafficEncryption: true }` on the job definition (or on the schedule\'s inline `monitoringJobDefinition`).' + FIX_SCHEDULE,
    sources: 'Security Hub [SageMaker.9] SageMaker data quality job definitions should have inter-container traffic encryption enabled, [SageMaker.10] ... model explainability ..., '
      + '[SageMaker.13] ... model quality ..., [SageMaker.15] ... model bias ..., [SageMaker.22] SageMaker monitoring schedules should have inter-container traffic encryption enabled; '
      + `Checkov CKV_AWS_369; ${MONITOR_SOURCES_NETWORK}.`,
  },
  report: { label: 'Inter-container encryption' },
}, ({ network }) => [judge(isTrue(network.EnableInterContainerTrafficEncryption), 'EnableInterContainerTrafficEncryption true',
  `EnableInterContainerTrafficEncryption ${network.EnableInterContainerTrafficEncryption === undefined ? 'not set' : render(network.EnableInterContainerTrafficEncryption)}: `
  + 'traffic between instances is not encrypted')]);

/** Monitoring jobs run in a VPC: `NetworkConfig.VpcConfig` with subnets and security groups. */
export const MONITORING_JOB_VPC = monitoringControl({
  id: 'MonitoringJobVpc',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} has no NetworkConfig.VpcConfig with subnets and security groups, or its job definition cannot be read.`,
  explanation: 'A monitoring job outside a VPC runs on a network SageMaker manages, where the VPC endpoint policies, flow logs and security groups of your network '
    + 'do not apply to its access to the captured data.' + UNREADABLE,
  doc: {
    cause: 'A monitoring job definition or schedule without `NetworkConfig.VpcConfig` with at least one subnet and one security group.',
    fix: 'Set `networkConfig.vpcConfig: { subnets, securityGroupIds }` with the private subnets and a security group of the environment.' + FIX_SCHEDULE,
    sources: 'Project seed guidance: no internet path; Amazon SageMaker AI Developer Guide, [Give SageMaker AI processing jobs access to resources in your Amazon VPC]'
      + '(https://docs.aws.amazon.com/sagemaker/latest/dg/process-vpc.html) (monitoring jobs run as processing jobs).',
  },
  report: { label: 'Network: VPC subnets' },
}, ({ network }) => {
  const vpc = network.VpcConfig;
  return [judge(isPlainObject(vpc) && isNonEmptyList(vpc.Subnets) && isNonEmptyList(vpc.SecurityGroupIds),
    `subnets ${render(vpc?.Subnets)}, security groups ${render(vpc?.SecurityGroupIds)}`,
    isPlainObject(vpc) ? 'VpcConfig without subnets and security groups that can be proven' : 'no VpcConfig: the job runs outside your VPC')];
});

/**
 * Monitoring jobs encrypt their reports and volumes with a customer managed key: the output
 * `KmsKeyId` and `ClusterConfig.VolumeKmsKeyId` resolve to a key (a literal, or a reference to a
 * resource); the volume key may be absent only for a literal instance type with local NVMe storage.
 */
export const MONITORING_JOB_KMS_KEYS = monitoringControl({
  id: 'MonitoringJobKmsKeys',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} does not encrypt its output and its storage volume with a KMS key that can be proven at synth time, or its job definition cannot be read.`,
  explanation: 'Monitoring reports and the volume of the monitoring instances hold statistics and samples of the captured inference data. Without keys SageMaker uses '
    + 'the bucket default and an AWS managed volume key, so access to the data no longer depends on access to your customer managed key.' + UNREADABLE,
  doc: {
    cause: 'No output key (`<Kind>JobOutputConfig.KmsKeyId`; schedule: `MonitoringOutputConfig.KmsKeyId`) or no volume key (`JobResources.ClusterConfig.VolumeKmsKeyId`; '
      + 'schedule: `MonitoringResources.ClusterConfig.VolumeKmsKeyId`) that resolves at synth time (a parameter or `Fn::If` is flagged). The volume key may be absent only for a literal '
      + 'instance type with local NVMe storage.',
    fix: 'Set `kmsKeyId` on the job output configuration and `volumeKmsKeyId` on the cluster configuration to the environment key.' + FIX_SCHEDULE,
    sources: 'Checkov CKV_AWS_367 (model artifacts) and CKV_AWS_368 (storage volume) for data quality job definitions; Amazon SageMaker API Reference, '
      + '[MonitoringOutputConfig](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MonitoringOutputConfig.html) and '
      + '[MonitoringClusterConfig](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MonitoringClusterConfig.html).',
  },
  report: { label: 'KMS key (monitoring volume), KMS key (output)' },
}, ({ output, cluster }, template) => {
  const volumeLabel = 'KMS key (monitoring volume)';
  const volume = isProvable(cluster.VolumeKmsKeyId, template)
    ? pass(`VolumeKmsKeyId ${render(cluster.VolumeKmsKeyId)}`, { label: volumeLabel })
    : judge(cluster.VolumeKmsKeyId === undefined && isLocalNvmeType(cluster.InstanceType), `no VolumeKmsKeyId: ${render(cluster.InstanceType)} uses local NVMe storage, hardware-encrypted`,
      cluster.VolumeKmsKeyId === undefined ? 'no VolumeKmsKeyId: the monitoring volume uses an AWS managed key' : `VolumeKmsKeyId ${render(cluster.VolumeKmsKeyId) || 'empty'}: not a key that can be proven`,
      { label: volumeLabel });
  const key = output?.KmsKeyId;
  const out = judge(isProvable(key, template), `output KmsKeyId ${render(key)}`,
    key === undefined ? 'no output KmsKeyId: monitoring reports use the bucket default' : `output KmsKeyId ${render(key) || 'empty'}: not a key that can be proven`,
    { label: 'KMS key (output)' });
  return [volume, out];
});

/** Monitoring jobs have a literal maximum runtime: `StoppingCondition.MaxRuntimeInSeconds`, a whole number from 1 to 86,400. */
export const MONITORING_JOB_MAX_RUNTIME = monitoringControl({
  id: 'MonitoringJobMaxRuntime',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} has no literal StoppingCondition.MaxRuntimeInSeconds from 1 to 86400 seconds, or its job definition cannot be read.`,
  explanation: 'A maximum runtime bounds the cost of a stuck monitoring job and the time a compromised container can run with the job role. It must also fit the '
    + 'schedule (at most 3,600 s for hourly data quality and explainability schedules, 1,800 s for hourly model quality and bias schedules).' + UNREADABLE,
  doc: {
    cause: 'No literal whole `StoppingCondition.MaxRuntimeInSeconds` from 1 to 86,400 (schedule: under `MonitoringJobDefinition`).',
    fix: 'Set `stoppingCondition: { maxRuntimeInSeconds }` to a literal number of seconds that fits the schedule frequency.' + FIX_SCHEDULE,
    sources: 'Amazon SageMaker API Reference, [MonitoringStoppingCondition](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MonitoringStoppingCondition.html).',
  },
  report: { label: 'Max runtime' },
}, ({ stopping }) => {
  const seconds = stopping?.MaxRuntimeInSeconds;
  const ok = typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 1 && seconds <= 86_400;
  return [judge(ok, `${seconds} s`, seconds === undefined ? 'no StoppingCondition.MaxRuntimeInSeconds' : `MaxRuntimeInSeconds ${render(seconds)}: not a literal number of seconds from 1 to 86400`)];
});
