import { NagMessageLevel } from 'cdk-nag';
import { isPlainObject, render } from './cfn-values';
import { Control, judge, notApplicable, Observation, pass } from './control';
import { isFixedKey, isLocalNvmeType, isNonEmptyList, JOB_DEFINING_TYPES, jobSettings, observeJobs, ReadableJob } from './job-definitions';
import { JOBS_SECTION } from './sections';

/** CreateTrainingJob's upper bound for MaxRuntimeInSeconds (28 days). */
const TRAINING_LIMIT = 2_419_200;

const SCOPE = 'A createTrainingJob/createProcessingJob/createTransformJob/createHyperParameterTuningJob task of a Step Functions state machine, or a Training/Processing/Transform/Tuning step of a SageMaker pipeline,';
const UNREADABLE = ' Definitions that cannot be read at synth time (S3 locations, JSONata expressions, ".$" paths) cannot be proven safe and are flagged.';
const ACKNOWLEDGE_UNREADABLE = ' A definition the rule cannot read is reviewed elsewhere: acknowledge the finding with the reason.';

/**
 * What a network or runtime control observes on a transform job: nothing of its own. CreateTransformJob
 * takes the VPC, network isolation and inter-container settings from the model (the ModelInVPC and
 * ModelNetworkIsolation rules check those) and has no StoppingCondition.
 */
const fromTheModel = (what: string): Observation[] => [notApplicable(`transform job: ${what} comes from the model (CreateTransformJob has no such field)`)];

/** A control over the jobs of state machines and pipelines: `checkJob` is what it observes on one job. */
function jobControl(control: Omit<Control, 'resourceTypes' | 'check' | 'section'>, checkJob: (job: ReadableJob) => Observation[]): Control {
  return { ...control, resourceTypes: JOB_DEFINING_TYPES, section: JOBS_SECTION, check: (subject) => observeJobs(subject, checkJob) };
}

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines run in a VPC.
 *
 * Compliant when every `createTrainingJob` / `createProcessingJob` task (and every `Training` /
 * `Processing` pipeline step) sets `VpcConfig` (processing: `NetworkConfig.VpcConfig`) with at least
 * one subnet and one security group. A definition or request that cannot be read at synth time
 * (S3 location, JSONata expression, `.$` path) is non-compliant.
 */
export const JOB_DEFINITION_VPC = jobControl({
  id: 'JobDefinitionVpc',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} has no VpcConfig with subnets and security groups, or its definition cannot be read at synth time.`,
  explanation:
    'A job outside a VPC runs on a network SageMaker manages, where its containers can reach the internet and the VPC endpoint policies, '
    + 'flow logs and security groups of your network do not apply.' + UNREADABLE,
  doc: {
    cause: 'A training job without `VpcConfig` with at least one subnet and one security group (processing: `NetworkConfig.VpcConfig`).',
    fix: 'Use `SecureTrainingJob` in a `SageMakerEnvironment`, or set `VpcConfig: { Subnets, SecurityGroupIds }` in the request (`vpcConfig` of '
      + '`SageMakerCreateTrainingJob`).' + ACKNOWLEDGE_UNREADABLE,
    sources: 'Project seed guidance: no internet path; Amazon SageMaker AI Developer Guide, [Give SageMaker AI training jobs access to resources in your Amazon VPC]'
      + '(https://docs.aws.amazon.com/sagemaker/latest/dg/train-vpc.html).',
  },
  report: { label: 'Network: VPC subnets' },
}, (job) => {
  if (job.kind === 'transform') return fromTheModel('the VPC placement');
  const vpc = jobSettings(job).vpcConfig;
  return [judge(isPlainObject(vpc) && isNonEmptyList(vpc.Subnets) && isNonEmptyList(vpc.SecurityGroupIds),
    `subnets ${render(vpc?.Subnets)}, security groups ${render(vpc?.SecurityGroupIds)}`,
    isPlainObject(vpc) ? 'VpcConfig without subnets and security groups that can be proven' : 'no VpcConfig: the job runs outside your VPC')];
});

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines run with network isolation.
 *
 * Compliant when every job sets `EnableNetworkIsolation` (processing:
 * `NetworkConfig.EnableNetworkIsolation`) to the literal `true`; absent (the API default is false),
 * false, or a value chosen at run time is non-compliant.
 */
export const JOB_DEFINITION_NETWORK_ISOLATION = jobControl({
  id: 'JobDefinitionNetworkIsolation',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} does not set EnableNetworkIsolation to true (the API default is false), or its definition cannot be read at synth time.`,
  explanation:
    'Network isolation stops the training or processing container from making any network call: third-party code and models in the '
    + 'container cannot send data out or download anything, while SageMaker still moves the input and output data.' + UNREADABLE,
  doc: {
    cause: '`EnableNetworkIsolation` (processing: `NetworkConfig.EnableNetworkIsolation`) is not the literal `true`; the API default is false.',
    fix: 'Use `SecureTrainingJob` (isolated unless `allowInternetForContainer` is set), or set `EnableNetworkIsolation: true` in the request.' + ACKNOWLEDGE_UNREADABLE,
    sources: 'Project seed guidance: network isolation for training; Amazon SageMaker AI Developer Guide, [Run training and inference containers in internet-free mode]'
      + '(https://docs.aws.amazon.com/sagemaker/latest/dg/mkt-algo-model-internet-free.html); IAM condition key `sagemaker:NetworkIsolation`.',
  },
  report: { label: 'Network isolation' },
}, (job) => {
  if (job.kind === 'transform') return fromTheModel('network isolation');
  const value = jobSettings(job).networkIsolation;
  return [judge(value === true, 'EnableNetworkIsolation true',
    `EnableNetworkIsolation ${value === undefined ? 'not set' : render(value)}: the container can make outbound calls`)];
});

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines encrypt the traffic between their containers.
 *
 * Compliant when every job sets `EnableInterContainerTrafficEncryption` (processing:
 * `NetworkConfig.EnableInterContainerTrafficEncryption`) to the literal `true`; absent (the API
 * default is false), false, or a value chosen at run time is non-compliant.
 */
export const JOB_DEFINITION_INTER_CONTAINER_ENCRYPTION = jobControl({
  id: 'JobDefinitionInterContainerEncryption',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} does not set EnableInterContainerTrafficEncryption to true (the API default is false), or its definition cannot be read at synth time.`,
  explanation:
    'Instances of a distributed job exchange model parameters and training data over the network. Inter-container traffic encryption '
    + 'protects that traffic in transit; the small cost in training time is the price of not sending data in the clear.' + UNREADABLE,
  doc: {
    cause: '`EnableInterContainerTrafficEncryption` (processing: under `NetworkConfig`) is not the literal `true`; the API default is false.',
    fix: 'Use `SecureTrainingJob` (encrypted unless `allowUnencryptedInterContainerTraffic` is set), or set `EnableInterContainerTrafficEncryption: true` in the request.'
      + ACKNOWLEDGE_UNREADABLE,
    sources: 'Project seed guidance: inter-container traffic encryption; Amazon SageMaker AI Developer Guide, [Protect communications between ML compute instances in a '
      + 'distributed training job](https://docs.aws.amazon.com/sagemaker/latest/dg/train-encrypt.html); IAM condition key `sagemaker:InterContainerTrafficEncryption`.',
  },
  report: { label: 'Inter-container encryption' },
}, (job) => {
  if (job.kind === 'transform') return fromTheModel('inter-container traffic encryption');
  const value = jobSettings(job).interContainerEncryption;
  return [judge(value === true, 'EnableInterContainerTrafficEncryption true',
    `EnableInterContainerTrafficEncryption ${value === undefined ? 'not set' : render(value)}: traffic between instances is not encrypted`)];
});

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines encrypt their output and storage volumes with a customer managed KMS key.
 *
 * Compliant when every job sets the output key (`OutputDataConfig.KmsKeyId`; processing:
 * `ProcessingOutputConfig.KmsKeyId` when it has outputs) and the volume key
 * (`ResourceConfig.VolumeKmsKeyId`; processing: `ProcessingResources.ClusterConfig.VolumeKmsKeyId`)
 * to a fixed key. The volume key may be absent only for a literal instance type with local NVMe
 * storage, which SageMaker refuses a volume key for (its storage is hardware-encrypted).
 */
export const JOB_DEFINITION_KMS_KEYS = jobControl({
  id: 'JobDefinitionKmsKeys',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} does not encrypt its output and its storage volumes with a fixed KMS key (the volume key may be omitted only for instance types with local NVMe storage), `
    + 'or its definition cannot be read at synth time.',
  explanation:
    'Without an output key SageMaker writes model artifacts with the default S3 encryption, and without a volume key the ML storage '
    + 'volumes use an AWS managed key: access to the data then no longer depends on access to your customer managed key.' + UNREADABLE,
  doc: {
    cause: 'No fixed output key (`OutputDataConfig.KmsKeyId`; processing: `ProcessingOutputConfig.KmsKeyId` when it has outputs; transform: `TransformOutput.KmsKeyId`) or no fixed '
      + 'volume key (`ResourceConfig.VolumeKmsKeyId`; processing: `ProcessingResources.ClusterConfig.VolumeKmsKeyId`; transform: `TransformResources.VolumeKmsKeyId`). The volume '
      + 'key may be absent only for a literal instance type with local NVMe storage, which SageMaker refuses one for. Each training job definition of a tuning job is judged as a training job.',
    fix: 'Use `SecureTrainingJob` (the environment key for output and volumes, none for NVMe volumes), or set both keys in the request to a key ARN, not a '
      + 'value chosen at run time.' + ACKNOWLEDGE_UNREADABLE,
    sources: 'Project seed guidance: customer KMS keys everywhere; Amazon SageMaker API Reference, [ResourceConfig](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html) '
      + '(`VolumeKmsKeyId` and instance storage) and [OutputDataConfig](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OutputDataConfig.html).',
  },
  report: { label: 'KMS key (training or processing volume), KMS key (output)' },
}, (job) => {
  const s = jobSettings(job);
  const volumeLabel = `KMS key (${job.kind} volume)`;
  const type = typeof s.instanceType === 'string' ? s.instanceType : render(s.instanceType);
  const volume = isFixedKey(s.volumeKmsKeyId)
    ? pass(`VolumeKmsKeyId ${s.volumeKmsKeyId}`, { label: volumeLabel })
    : judge(s.volumeKmsKeyId === undefined && isLocalNvmeType(s.instanceType), `no VolumeKmsKeyId: ${type} uses local NVMe storage, hardware-encrypted`,
      s.volumeKmsKeyId === undefined ? `no VolumeKmsKeyId: the ${job.kind} volume uses an AWS managed key` : `VolumeKmsKeyId ${render(s.volumeKmsKeyId)}: not a fixed key`,
      { label: volumeLabel });
  const outputKey = job.kind === 'training' ? 'OutputDataConfig.KmsKeyId' : job.kind === 'transform' ? 'TransformOutput.KmsKeyId' : 'ProcessingOutputConfig.KmsKeyId';
  const output = !s.outputConfigPresent
    ? notApplicable('no ProcessingOutputConfig: the job writes no output', { label: 'KMS key (output)' })
    : judge(isFixedKey(s.outputKmsKeyId), `${outputKey} ${s.outputKmsKeyId}`,
      s.outputKmsKeyId === undefined ? `no ${outputKey}: ${job.kind === 'training' ? 'model artifacts' : job.kind === 'transform' ? 'inference results' : 'outputs'} use the bucket default`
        : `${outputKey} ${render(s.outputKmsKeyId)}: not a fixed key`,
      { label: 'KMS key (output)' });
  return [volume, output];
});

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines have a maximum runtime.
 *
 * Compliant when every job sets `StoppingCondition.MaxRuntimeInSeconds` to a literal whole number of
 * seconds, at least 1 (and, for training, at most 2,419,200: 28 days). Absent, or a value chosen at
 * run time, is non-compliant.
 */
export const JOB_DEFINITION_MAX_RUNTIME = jobControl({
  id: 'JobDefinitionMaxRuntime',
  level: NagMessageLevel.ERROR,
  info: `${SCOPE} has no literal StoppingCondition.MaxRuntimeInSeconds (1 to 2419200 seconds for training), or its definition cannot be read at synth time.`,
  explanation:
    'A maximum runtime bounds the cost of a stuck or hijacked job (GPU instances cost tens of dollars an hour) and the time a '
    + 'compromised container can run with the job role.' + UNREADABLE,
  doc: {
    cause: 'No literal whole `StoppingCondition.MaxRuntimeInSeconds` of at least 1 (for training, at most 2,419,200 = 28 days).',
    fix: 'Use `SecureTrainingJob` (a bounded maximum runtime by default), or set `StoppingCondition.MaxRuntimeInSeconds` in the request to a literal number of seconds.'
      + ACKNOWLEDGE_UNREADABLE,
    sources: 'Amazon SageMaker API Reference, [StoppingCondition](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html); IAM condition key `sagemaker:MaxRuntimeInSeconds`.',
  },
  report: { label: 'Max runtime' },
}, (job) => {
  if (job.kind === 'transform') return [notApplicable('transform job: CreateTransformJob has no StoppingCondition (a transform job ends when its input is processed)')];
  const seconds = jobSettings(job).maxRuntimeInSeconds;
  const ok = typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 1 && (job.kind !== 'training' || seconds <= TRAINING_LIMIT);
  return [judge(ok, `${seconds} s (${+(Number(seconds) / 3600).toFixed(2)} h)`,
    seconds === undefined ? 'no StoppingCondition.MaxRuntimeInSeconds (SageMaker default 1 day)' : `MaxRuntimeInSeconds ${render(seconds)}: not a literal number of seconds within the API limits`)];
});
