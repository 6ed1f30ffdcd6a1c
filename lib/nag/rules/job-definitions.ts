import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { flattenToString, isPlainObject, renderResource } from './utils';
import { hasLocalNvmeStorage } from '../../private/instance-types';

/**
 * Finds the SageMaker training and processing job requests in Step Functions state machine and
 * SageMaker pipeline definitions, for the JobDefinition* rules. Internal.
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

/** A job request found in a definition. */
export interface JobRequest {
  readonly kind: 'training' | 'processing';
  /** The request, or undefined when it is dynamic (a JSONata expression, a `Parameters.$` path). */
  readonly request?: { [key: string]: any };
}

/** What a definition holds: its jobs, or the fact that it cannot be read. */
export type DefinitionJobs = { readonly unverifiable: true } | { readonly unverifiable: false; readonly jobs: JobRequest[] };

const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';
const PIPELINE = 'AWS::SageMaker::Pipeline';
const TASK_RESOURCE = /:states:::(?:aws-sdk:)?sagemaker:(createTrainingJob|createProcessingJob)(?:\.[A-Za-z]+)?$/;

/** The jobs of a state machine or pipeline, or undefined for any other resource type. */
export function jobDefinitions(node: CfnResource): DefinitionJobs | undefined {
  if (node.cfnResourceType === STATE_MACHINE) {
    const definition = stateMachineDefinition(node);
    return definition === undefined ? { unverifiable: true } : { unverifiable: false, jobs: stateMachineJobs(definition) };
  }
  if (node.cfnResourceType === PIPELINE) {
    const definition = pipelineDefinition(node);
    return definition === undefined ? { unverifiable: true } : { unverifiable: false, jobs: pipelineJobs(definition) };
  }
  return undefined;
}

/**
 * Applies `check` to every job request of a state machine or pipeline: NOT_APPLICABLE for other
 * resources and for definitions without SageMaker jobs, NON_COMPLIANT when the definition or a
 * request cannot be read or a request fails the check.
 */
export function checkJobs(node: CfnResource, check: (job: JobRequest & { request: { [key: string]: any } }) => boolean): NagRuleCompliance {
  const found = jobDefinitions(node);
  if (found === undefined) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  if (found.unverifiable) {
    return NagRuleCompliance.NON_COMPLIANT;
  }
  if (found.jobs.length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  for (const job of found.jobs) {
    if (job.request === undefined || !check({ kind: job.kind, request: job.request })) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
  }
  return NagRuleCompliance.COMPLIANT;
}

/** The settings the rules check, wherever each job type keeps them. */
export function jobSettings(job: { kind: 'training' | 'processing'; request: { [key: string]: any } }) {
  const r = job.request;
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

function stateMachineDefinition(node: CfnResource): unknown {
  const props = renderResource(node).properties;
  const substitutions = isPlainObject(props.DefinitionSubstitutions) ? props.DefinitionSubstitutions : {};
  if (isPlainObject(props.Definition)) {
    return props.Definition;
  }
  if (props.DefinitionString !== undefined) {
    const text = renderJsonText(node, props.DefinitionString);
    if (text === undefined) {
      return undefined;
    }
    return parse(substitute(node, text, substitutions));
  }
  return undefined;
}

function pipelineDefinition(node: CfnResource): unknown {
  const definition = renderResource(node).properties.PipelineDefinition;
  if (!isPlainObject(definition) || definition.PipelineDefinitionBody === undefined) {
    return undefined;
  }
  const text = renderJsonText(node, definition.PipelineDefinitionBody);
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
 * Renders a resolved CloudFormation value that holds JSON text. Tokens inside a JSON string become
 * a placeholder such as `{Role.Arn}` (a parameter becomes `*`); tokens outside a string become the
 * placeholder as a JSON string, so the text still parses and the value is never `true` or a number.
 */
function renderJsonText(node: CfnResource, value: unknown): string | undefined {
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
        const placeholder = flattenToString(node, part).replace(/["\\]/g, '');
        text += inString ? placeholder : JSON.stringify(placeholder);
      }
    });
    return text;
  }
  if (isPlainObject(value) && 'Fn::Sub' in value) {
    const text = flattenToString(node, value);
    return text === '*' ? undefined : text;
  }
  return undefined;
}

/** Applies `DefinitionSubstitutions` (`${name}`) to the definition text. */
function substitute(node: CfnResource, text: string, substitutions: { [key: string]: unknown }): string {
  return text.replace(/\$\{([^}]+)\}/g, (match, name: string) => {
    if (!(name in substitutions)) {
      return match;
    }
    const value = substitutions[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    return flattenToString(node, value).replace(/["\\]/g, '');
  });
}

function stateMachineJobs(definition: unknown): JobRequest[] {
  const jobs: JobRequest[] = [];
  walk(definition, (o) => {
    if (o.Type !== 'Task' || typeof o.Resource !== 'string') {
      return;
    }
    const m = TASK_RESOURCE.exec(o.Resource);
    if (!m) {
      return;
    }
    const request = o.Parameters ?? o.Arguments;
    jobs.push({ kind: m[1] === 'createTrainingJob' ? 'training' : 'processing', request: isPlainObject(request) ? request : undefined });
  });
  return jobs;
}

function pipelineJobs(definition: unknown): JobRequest[] {
  const jobs: JobRequest[] = [];
  walk(definition, (o) => {
    if ((o.Type === 'Training' || o.Type === 'Processing') && 'Arguments' in o) {
      jobs.push({ kind: o.Type === 'Training' ? 'training' : 'processing', request: isPlainObject(o.Arguments) ? o.Arguments : undefined });
    }
  });
  return jobs;
}

/** Visits every object in a parsed definition, at any depth (Parallel branches, Map states, condition steps). */
function walk(value: unknown, visit: (o: { [key: string]: any }) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v) => walk(v, visit));
  } else if (isPlainObject(value)) {
    visit(value);
    Object.values(value).forEach((v) => walk(v, visit));
  }
}
