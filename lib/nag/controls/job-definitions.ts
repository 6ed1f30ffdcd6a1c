import { flatten, isPlainObject, RefResolver } from './cfn-values';
import { ControlSubject, fail, Observation } from './control';
import { hasLocalNvmeStorage } from '../../private/instance-types';

/**
 * The one walker of SageMaker training and processing job requests in Step Functions state machine
 * and SageMaker pipeline definitions, for the JobDefinition* controls (rules and report rows).
 * Internal.
 *
 * - `AWS::StepFunctions::StateMachine`: `DefinitionString` (a literal, or an `Fn::Join` with tokens,
 *   rendered to text with a placeholder per token, then parsed), `Definition` (object form) and
 *   `DefinitionSubstitutions`. Every `Task` state whose `Resource` is
 *   `arn:<partition>:states:::sagemaker:createTrainingJob[.sync]` / `createProcessingJob[.sync]`
 *   (or the `aws-sdk:sagemaker:` form), at any depth (Parallel branches, Map iterators / item
 *   processors), is a job; its request is `Parameters` (JSONPath) or `Arguments` (JSONata).
 * - `AWS::SageMaker::Pipeline`: `PipelineDefinition.PipelineDefinitionBody`; every step of `Type`
 *   `Training` / `Processing` at any depth (condition steps included) is a job; its request is
 *   `Arguments`.
 *
 * A definition that cannot be read at synth time (`DefinitionS3Location`,
 * `PipelineDefinitionS3Location`, a parameter, text that does not parse once tokens are replaced)
 * is unverifiable, and unverifiable is non-compliant.
 */

export const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';
export const PIPELINE = 'AWS::SageMaker::Pipeline';
/** The resource types that define jobs. */
export const JOB_DEFINING_TYPES = [STATE_MACHINE, PIPELINE];

const TASK_RESOURCE = /:states:::(?:aws-sdk:)?sagemaker:(createTrainingJob|createProcessingJob|createHyperParameterTuningJob)(?:\.[A-Za-z]+)?$/;

/** `createTransformJob` tasks: batch transform jobs (their network settings come from the model). */
const TRANSFORM_TASK_RESOURCE = /:states:::(?:aws-sdk:)?sagemaker:createTransformJob(?:\.[A-Za-z]+)?$/;

/** The kind of a SageMaker job. */
export type JobKind = 'training' | 'processing' | 'transform';

/** A job request found in a definition. */
export interface JobRequest {
  readonly kind: JobKind;
  /** The state (state machine) or step (pipeline) name; `(unnamed)` when it has none. */
  readonly name: string;
  /** The request, or undefined when it is dynamic (a JSONata expression, a `Parameters.$` path). */
  readonly request?: { [key: string]: any };
}

/** A job whose request can be read. */
export interface ReadableJob extends JobRequest {
  readonly request: { [key: string]: any };
}

/** What a definition holds: its jobs, or the fact that it cannot be read. */
export type DefinitionJobs = { readonly unverifiable: true } | { readonly unverifiable: false; readonly jobs: JobRequest[] };

/** The jobs of a state machine or pipeline, or undefined for any other resource type. */
export function jobDefinitions(subject: ControlSubject): DefinitionJobs | undefined {
  if (subject.type === STATE_MACHINE) {
    const definition = stateMachineDefinition(subject.properties, subject.template);
    return definition === undefined ? { unverifiable: true } : { unverifiable: false, jobs: stateMachineJobs(definition) };
  }
  if (subject.type === PIPELINE) {
    const definition = pipelineDefinition(subject.properties, subject.template);
    return definition === undefined ? { unverifiable: true } : { unverifiable: false, jobs: pipelineJobs(definition) };
  }
  return undefined;
}

/** The report heading of a job. */
export function jobHeading(subject: ControlSubject, job: JobRequest): string {
  const kind = job.kind === 'training' ? 'Training' : job.kind === 'transform' ? 'Transform' : 'Processing';
  return subject.type === PIPELINE
    ? `${kind} (pipeline ${subject.logicalId}, step ${job.name})`
    : `${kind} (state machine ${subject.logicalId}, state ${job.name})`;
}

/** Report label of the observations that stand for every job control of a job or a definition. */
export const JOB_REQUEST_LABEL = 'Training parameters';

/**
 * The observations of a job control on a state machine or pipeline, each tagged with the job it
 * is about: none without jobs (not applicable), one non-compliant observation for a definition
 * or request that cannot be read, else what `checkJob` observes on each job.
 */
export function observeJobs(subject: ControlSubject, checkJob: (job: ReadableJob) => Observation[]): Observation[] {
  const found = jobDefinitions(subject);
  if (found === undefined) {
    return [];
  }
  if (found.unverifiable) {
    return [fail('the definition cannot be read at synth time (an S3 location, a parameter, or text that does not parse): no job control can be confirmed', {
      label: JOB_REQUEST_LABEL,
      part: { key: '(definition)', name: `Jobs (${subject.type === PIPELINE ? 'pipeline' : 'state machine'} ${subject.logicalId}, definition not readable)` },
    })];
  }
  return found.jobs.flatMap((job, i) => {
    const part = { key: `${i}`, name: jobHeading(subject, job) };
    if (job.request === undefined) {
      return [fail('the request is chosen at run time (a JSONata expression or a ".$" path): no job control can be confirmed', { label: JOB_REQUEST_LABEL, part })];
    }
    return checkJob({ kind: job.kind, name: job.name, request: job.request }).map((o) => ({ ...o, part }));
  });
}

/** The settings the job controls check, wherever each job type keeps them. */
export function jobSettings(job: ReadableJob) {
  const r = job.request;
  if (job.kind === 'transform') {
    // CreateTransformJob: the VPC, network isolation and inter-container settings are the model's; no StoppingCondition.
    const resources = isPlainObject(r.TransformResources) ? r.TransformResources : {};
    return {
      vpcConfig: undefined,
      networkIsolation: undefined,
      interContainerEncryption: undefined,
      outputConfigPresent: true,
      outputKmsKeyId: isPlainObject(r.TransformOutput) ? r.TransformOutput.KmsKeyId : undefined,
      volumeKmsKeyId: resources.VolumeKmsKeyId,
      instanceType: resources.InstanceType,
      maxRuntimeInSeconds: undefined,
    };
  }
  if (job.kind === 'training') {
    return {
      vpcConfig: r.VpcConfig,
      networkIsolation: r.EnableNetworkIsolation,
      interContainerEncryption: r.EnableInterContainerTrafficEncryption,
      outputConfigPresent: true,
      outputKmsKeyId: r.OutputDataConfig?.KmsKeyId,
      volumeKmsKeyId: r.ResourceConfig?.VolumeKmsKeyId,
      instanceType: r.ResourceConfig?.InstanceType,
      maxRuntimeInSeconds: r.StoppingCondition?.MaxRuntimeInSeconds,
    };
  }
  const network = isPlainObject(r.NetworkConfig) ? r.NetworkConfig : {};
  const resources = isPlainObject(r.ProcessingResources) ? r.ProcessingResources : {};
  const cluster = isPlainObject(resources.ClusterConfig) ? resources.ClusterConfig : {};
  return {
    vpcConfig: network.VpcConfig,
    networkIsolation: network.EnableNetworkIsolation,
    interContainerEncryption: network.EnableInterContainerTrafficEncryption,
    outputConfigPresent: r.ProcessingOutputConfig !== undefined,
    outputKmsKeyId: isPlainObject(r.ProcessingOutputConfig) ? r.ProcessingOutputConfig.KmsKeyId : undefined,
    volumeKmsKeyId: cluster.VolumeKmsKeyId,
    instanceType: cluster.InstanceType,
    maxRuntimeInSeconds: isPlainObject(r.StoppingCondition) ? r.StoppingCondition.MaxRuntimeInSeconds : undefined,
  };
}

/** A KMS key given as a fixed value: a non-empty string that is not a parameter (`*`) or a JSONata expression. */
export function isFixedKey(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0 && value !== '*' && !value.includes('*') && !value.trim().startsWith('{%');
}

/** A non-empty list of non-empty values. */
export function isNonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((v) => (typeof v === 'string' ? v.trim().length > 0 && !v.trim().startsWith('{%') : isPlainObject(v)));
}

/** True when the instance type is a literal with local NVMe storage (the volume key is then rejected by SageMaker). */
export function isLocalNvmeType(value: unknown): boolean {
  return typeof value === 'string' && hasLocalNvmeStorage(value);
}

function stateMachineDefinition(props: { [key: string]: any }, refs: RefResolver): unknown {
  const substitutions = isPlainObject(props.DefinitionSubstitutions) ? props.DefinitionSubstitutions : {};
  if (isPlainObject(props.Definition)) {
    return props.Definition;
  }
  if (props.DefinitionString !== undefined) {
    const text = renderJsonText(props.DefinitionString, refs);
    if (text === undefined) {
      return undefined;
    }
    return parse(substitute(text, substitutions, refs));
  }
  return undefined;
}

function pipelineDefinition(props: { [key: string]: any }, refs: RefResolver): unknown {
  const definition = props.PipelineDefinition;
  if (!isPlainObject(definition) || definition.PipelineDefinitionBody === undefined) {
    return undefined;
  }
  const text = renderJsonText(definition.PipelineDefinitionBody, refs);
  return text === undefined ? undefined : parse(text);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Renders a CloudFormation value that holds JSON text. Tokens inside a JSON string become a
 * placeholder such as `{Role.Arn}` (a parameter becomes `*`); tokens outside a string become the
 * placeholder as a JSON string, so the text still parses and the value is never `true` or a number.
 */
function renderJsonText(value: unknown, refs: RefResolver): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (isPlainObject(value) && Array.isArray(value['Fn::Join']) && value['Fn::Join'].length === 2 && typeof value['Fn::Join'][0] === 'string' && Array.isArray(value['Fn::Join'][1])) {
    const [delimiter, parts] = value['Fn::Join'] as [string, unknown[]];
    let text = '';
    let inString = false;
    let escaped = false;
    const appendLiteral = (literal: string) => {
      for (const ch of literal) {
        if (escaped) {
          escaped = false;
        } else if (ch === '\\') {
          escaped = inString;
        } else if (ch === '"') {
          inString = !inString;
        }
      }
      text += literal;
    };
    parts.forEach((part, i) => {
      if (i > 0) {
        appendLiteral(delimiter);
      }
      if (typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean') {
        appendLiteral(String(part));
      } else {
        const placeholder = flatten(part, refs).replace(/["\\]/g, '');
        text += inString ? placeholder : JSON.stringify(placeholder);
      }
    });
    return text;
  }
  if (isPlainObject(value) && 'Fn::Sub' in value) {
    const text = flatten(value, refs);
    return text === '*' ? undefined : text;
  }
  return undefined;
}

/** Applies `DefinitionSubstitutions` (`${name}`) to the definition text. */
function substitute(text: string, substitutions: { [key: string]: unknown }, refs: RefResolver): string {
  return text.replace(/\$\{([^}]+)\}/g, (match, name: string) => {
    if (!(name in substitutions)) {
      return match;
    }
    const value = substitutions[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    return flatten(value, refs).replace(/["\\]/g, '');
  });
}

function stateMachineJobs(definition: unknown): JobRequest[] {
  const jobs: JobRequest[] = [];
  walk(definition, undefined, (o, key) => {
    if (o.Type !== 'Task' || typeof o.Resource !== 'string') {
      return;
    }
    if (TRANSFORM_TASK_RESOURCE.test(o.Resource)) {
      const transform = o.Parameters ?? o.Arguments;
      jobs.push({ kind: 'transform', name: key ?? '(unnamed)', request: isPlainObject(transform) ? transform : undefined });
      return;
    }
    const m = TASK_RESOURCE.exec(o.Resource);
    if (!m) {
      return;
    }
    const request = o.Parameters ?? o.Arguments;
    if (m[1] === 'createHyperParameterTuningJob') {
      jobs.push(...tuningTrainingJobs(key ?? '(unnamed)', request));
      return;
    }
    jobs.push({
      kind: m[1] === 'createTrainingJob' ? 'training' : 'processing',
      name: key ?? '(unnamed)',
      request: isPlainObject(request) ? request : undefined,
    });
  });
  return jobs;
}

/**
 * The training jobs a `createHyperParameterTuningJob` task launches: each of its
 * `TrainingJobDefinition` / `TrainingJobDefinitions[]` carries the fields of a training job request
 * (VpcConfig, EnableNetworkIsolation, EnableInterContainerTrafficEncryption, OutputDataConfig,
 * ResourceConfig, StoppingCondition), so each is judged as one. A request or definition that
 * cannot be read (a JSONata expression, a `.$` path) is a job without a readable request.
 */
function tuningTrainingJobs(name: string, request: unknown): JobRequest[] {
  const unreadable: JobRequest[] = [{ kind: 'training', name, request: undefined }];
  if (!isPlainObject(request)) {
    return unreadable;
  }
  const many = request.TrainingJobDefinitions;
  const definitions: unknown[] = [
    ...(request.TrainingJobDefinition !== undefined ? [request.TrainingJobDefinition] : []),
    ...(Array.isArray(many) ? many : many !== undefined ? [many] : []),
  ];
  if (definitions.length === 0) {
    return unreadable;
  }
  return definitions.map((d, i) => ({
    kind: 'training' as const,
    name: definitions.length > 1 ? `${name} (training job definition ${i + 1})` : name,
    request: isPlainObject(d) ? d : undefined,
  }));
}

function pipelineJobs(definition: unknown): JobRequest[] {
  const jobs: JobRequest[] = [];
  walk(definition, undefined, (o) => {
    const stepName = typeof o.Name === 'string' ? o.Name : '(unnamed)';
    if (o.Type === 'Transform' && 'Arguments' in o) {
      jobs.push({ kind: 'transform', name: stepName, request: isPlainObject(o.Arguments) ? o.Arguments : undefined });
      return;
    }
    if (o.Type === 'Tuning' && 'Arguments' in o) {
      // A Tuning step's Arguments are a CreateHyperParameterTuningJob request: each training job definition is judged as a training job.
      jobs.push(...tuningTrainingJobs(stepName, o.Arguments));
      return;
    }
    if ((o.Type === 'Training' || o.Type === 'Processing') && 'Arguments' in o) {
      jobs.push({
        kind: o.Type === 'Training' ? 'training' : 'processing',
        name: typeof o.Name === 'string' ? o.Name : '(unnamed)',
        request: isPlainObject(o.Arguments) ? o.Arguments : undefined,
      });
    }
  });
  return jobs;
}

/**
 * Visits every object in a parsed definition, at any depth (Parallel branches, Map states,
 * condition steps), with the key it sits under in its parent object (a state's name).
 */
function walk(value: unknown, key: string | undefined, visit: (o: { [key: string]: any }, key: string | undefined) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v) => walk(v, undefined, visit));
  } else if (isPlainObject(value)) {
    visit(value, key);
    Object.entries(value).forEach(([k, v]) => walk(v, k, visit));
  }
}
