import { CfnResource, Stack, TagManager } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { INSTANCE_TYPE_ACTIONS, TAGGED_CREATE_ACTIONS } from './guardrail-statements';

/**
 * Synth-time check that the workloads of an app pass the guardrails that watch them: what the
 * instance-type and required-tag deny statements of `guardrail-statements.ts` would deny at
 * runtime, read from the L1 resources the workloads synthesize. Only concrete values are judged
 * (a token may resolve to anything), and only requests the statements really deny: the
 * instance types of CreateNotebookInstance, CreateEndpointConfig, CreateDomain,
 * CreateUserProfile, CreateApp and the jobs, and the tags of the `TAGGED_CREATE_ACTIONS`.
 *
 * The resources are read through the public, typed properties of their L1 classes (what their
 * props and `Tags.of` set). aws-cdk-lib has no public API that renders a resource with its raw
 * overrides (`addPropertyOverride`), so those, and untyped `CfnResource`s, are not judged.
 */

/** The allowlists and required tags of one guardrails, as `guardrail-statements.ts` uses them. */
export interface AgreementInputs {
  readonly guardrailsPath: string;
  readonly notebookInstanceTypes: string[];
  readonly studioInstanceTypes: string[];
  readonly endpointInstanceTypes: string[];
  readonly trainingInstanceTypes: string[];
  readonly requiredTags: string[];
}

type Area = 'notebook' | 'studio' | 'endpoint' | 'training';

const ALLOWLIST_PROP: Record<Area, string> = {
  notebook: 'notebookInstanceTypes',
  studio: 'studioInstanceTypes',
  endpoint: 'endpointInstanceTypes',
  training: 'trainingInstanceTypes',
};

const ALLOWLIST_SID: Record<Area, string> = {
  notebook: 'NotebookTypes',
  studio: 'StudioTypes',
  endpoint: 'EndpointTypes',
  training: 'JobTypes',
};

/** Stands for a token inside a state machine definition string (valid both bare and inside a JSON string). */
const TOKEN_MARK = '-1.23456789e-300';
const TOKEN_MARK_NUMBER = Number(TOKEN_MARK);

function isKnownString(v: unknown): v is string {
  return typeof v === 'string' && !v.includes('${Token[') && !v.includes(TOKEN_MARK) && !v.includes('${');
}

function isResolvedValue(v: unknown): boolean {
  if (typeof v === 'number') return v !== TOKEN_MARK_NUMBER;
  if (typeof v === 'string') return isKnownString(v);
  return false;
}

/** IAM `StringLike`: `*` any characters, `?` one, case-sensitive. */
export function stringLike(value: string, pattern: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** One disagreement: what a workload asks for and what the guardrails deny. */
function typeError(i: AgreementInputs, area: Area, what: string, type: string, action: string): string {
  const allowed = allowlist(i, area);
  return `${what} uses ${type} but SageMakerGuardrails ${i.guardrailsPath} allows only [${allowed.join(', ')}] ` +
    `(its ${ALLOWLIST_SID[area]} statement denies ${action}): add '${type}' (or a pattern such as '${familyPattern(type)}') to \`${ALLOWLIST_PROP[area]}\`, ` +
    'or choose an allowed instance type.';
}

function familyPattern(type: string): string {
  const parts = type.split('.');
  return parts.length === 3 ? `${parts[0]}.${parts[1]}.*` : type;
}

function allowlist(i: AgreementInputs, area: Area): string[] {
  switch (area) {
    case 'notebook': return i.notebookInstanceTypes;
    case 'studio': return i.studioInstanceTypes;
    case 'endpoint': return i.endpointInstanceTypes;
    default: return i.trainingInstanceTypes;
  }
}

function checkTypes(i: AgreementInputs, area: Area, what: string, types: unknown[], action: string, out: string[]): void {
  const allowed = allowlist(i, area);
  if (allowed.some((a) => !isKnownString(a))) return;
  for (const t of new Set(types)) {
    if (isKnownString(t) && !allowed.some((a) => stringLike(t, a))) {
      out.push(typeError(i, area, what, t, action));
    }
  }
}

/** The tag keys of a `Tags: [{Key, Value}]` list, or undefined when they cannot be known at synth time. */
function tagKeys(tags: unknown): string[] | undefined {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) return undefined;
  const keys: string[] = [];
  for (const t of tags) {
    if (t === null || typeof t !== 'object') return undefined;
    // CloudFormation-cased from a template (`Key`), or as `TagManager.renderTags()` gives them (`key`).
    const entry = t as Record<string, unknown>;
    const key = entry.Key ?? entry.key;
    if (!isKnownString(key)) return undefined;
    keys.push(key);
  }
  return keys;
}

function checkTags(i: AgreementInputs, what: string, keys: string[] | undefined, action: string, fix: string, out: string[]): void {
  if (keys === undefined) return;
  i.requiredTags.forEach((tag, index) => {
    if (!keys.includes(tag)) {
      out.push(`${what} lacks the tag '${tag}', which SageMakerGuardrails ${i.guardrailsPath} requires (\`requiredTags\`; its RequiredTag${index + 1} statement denies ${action} without it): ` +
        `${fix}, or remove '${tag}' from \`requiredTags\`.`);
    }
  });
}

/**
 * Every `InstanceType` under a value (Studio app settings, endpoint variants): camel-cased in L1
 * props, CloudFormation-cased in a value given as a token or in a state machine definition.
 */
function instanceTypesIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(instanceTypesIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'InstanceType' || k === 'instanceType' ? [v] : instanceTypesIn(v)));
}

/** The instance type of a production variant: camel-cased in L1 props, CloudFormation-cased when the variant is a token. */
function variantInstanceType(variant: unknown): unknown {
  const v = variant as Record<string, unknown> | null | undefined;
  return v?.instanceType ?? v?.InstanceType;
}

/** The props of a SageMaker resource or state machine that the checks read, resolved; undefined for other resources. */
function judgedProperties(c: CfnResource): Record<string, unknown> | undefined {
  const stack = Stack.of(c);
  const tags = () => (TagManager.isTaggable(c) ? c.tags.renderTags() : undefined);
  let props: Record<string, unknown>;
  if (c instanceof sagemaker.CfnNotebookInstance) {
    props = { InstanceType: c.instanceType, Tags: tags() };
  } else if (c instanceof sagemaker.CfnEndpointConfig) {
    props = { ProductionVariants: c.productionVariants };
  } else if (c instanceof sagemaker.CfnEndpoint || c instanceof sagemaker.CfnModel) {
    props = { Tags: tags() };
  } else if (c instanceof sagemaker.CfnDomain) {
    props = { DefaultUserSettings: c.defaultUserSettings, Tags: tags() };
  } else if (c instanceof sagemaker.CfnUserProfile) {
    props = { UserSettings: c.userSettings };
  } else if (c instanceof sagemaker.CfnApp) {
    props = { ResourceSpec: c.resourceSpec };
  } else if (c instanceof sfn.CfnStateMachine) {
    props = { Definition: c.definition, DefinitionString: c.definitionString };
  } else {
    return undefined;
  }
  return stack.resolve(props) ?? {};
}

const action = (name: string) => `sagemaker:${name}`;
const tagged = (name: string) => TAGGED_CREATE_ACTIONS.includes(action(name));
const TAG_FIX_CFN = 'tag it (`Tags.of(construct).add(key, value)`, the construct\'s tags, or a stack tag)';

/** Every disagreement between the L1 resources of `stack` and the guardrails. */
export function workloadDisagreements(stack: Stack, i: AgreementInputs): string[] {
  const out: string[] = [];
  const stackTags = Object.keys(stack.tags.tagValues());
  for (const c of stack.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || Stack.of(c) !== stack) continue;
    const p = judgedProperties(c);
    if (p === undefined) continue;
    const type = c.cfnResourceType;
    // CloudFormation adds the stack's tags to the resources it creates.
    const cfnTags = () => {
      const keys = tagKeys(p.Tags);
      return keys === undefined ? undefined : [...keys, ...stackTags];
    };
    const path = c.node.path;
    switch (type) {
      case 'AWS::SageMaker::NotebookInstance':
        checkTypes(i, 'notebook', `notebook ${path}`, [p.InstanceType], INSTANCE_TYPE_ACTIONS.notebook[0], out);
        checkTags(i, `notebook ${path}`, cfnTags(), action('CreateNotebookInstance'), TAG_FIX_CFN, out);
        break;
      case 'AWS::SageMaker::EndpointConfig':
        checkTypes(i, 'endpoint', `endpoint config ${path}`,
          Array.isArray(p.ProductionVariants) ? p.ProductionVariants.map(variantInstanceType).filter((t) => t !== undefined) : [],
          INSTANCE_TYPE_ACTIONS.endpoint[0], out);
        break;
      case 'AWS::SageMaker::Endpoint':
        checkTags(i, `endpoint ${path}`, cfnTags(), action('CreateEndpoint'), TAG_FIX_CFN, out);
        break;
      case 'AWS::SageMaker::Model':
        checkTags(i, `model ${path}`, cfnTags(), action('CreateModel'), TAG_FIX_CFN, out);
        break;
      case 'AWS::SageMaker::Domain':
        checkTypes(i, 'studio', `Studio domain ${path}`, instanceTypesIn(p.DefaultUserSettings), action('CreateDomain'), out);
        checkTags(i, `Studio domain ${path}`, cfnTags(), action('CreateDomain'), TAG_FIX_CFN, out);
        break;
      case 'AWS::SageMaker::UserProfile':
        checkTypes(i, 'studio', `Studio user profile ${path}`, instanceTypesIn(p.UserSettings), action('CreateUserProfile'), out);
        break;
      case 'AWS::SageMaker::App':
        checkTypes(i, 'studio', `Studio app ${path}`, instanceTypesIn(p.ResourceSpec), action('CreateApp'), out);
        break;
      case 'AWS::StepFunctions::StateMachine':
        for (const task of sageMakerTasks(definitionOf(p))) {
          checkTask(i, `state machine ${path} (state ${task.state})`, task.api, task.parameters, out);
        }
        break;
      default:
    }
  }
  return out;
}

interface SageMakerTask {
  readonly state: string;
  /** The SageMaker API, e.g. `CreateTrainingJob`. */
  readonly api: string;
  readonly parameters: Record<string, unknown>;
}

/** The state machine definition, with every token replaced by `TOKEN_MARK`; undefined when not readable. */
function definitionOf(p: Record<string, unknown>): unknown {
  if (p.Definition !== null && typeof p.Definition === 'object') return p.Definition;
  const d = p.DefinitionString;
  let text: string;
  if (typeof d === 'string') {
    text = d;
  } else if (d !== null && typeof d === 'object' && Array.isArray((d as any)['Fn::Join']) && (d as any)['Fn::Join'][0] === '') {
    text = ((d as any)['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : TOKEN_MARK)).join('');
  } else {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Every Task state that calls a SageMaker API through the Step Functions optimized integration (any nesting). */
function sageMakerTasks(definition: unknown): SageMakerTask[] {
  const out: SageMakerTask[] = [];
  const walk = (value: unknown, name: string) => {
    if (Array.isArray(value)) {
      value.forEach((v) => walk(v, name));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    if (obj.Type === 'Task' && typeof obj.Resource === 'string') {
      const m = /:states:::sagemaker:([a-zA-Z]+)(\.sync|\.waitForTaskToken)?$/.exec(obj.Resource);
      const parameters = obj.Parameters ?? obj.Arguments;
      if (m && parameters !== null && typeof parameters === 'object') {
        out.push({ state: name, api: m[1].charAt(0).toUpperCase() + m[1].slice(1), parameters: parameters as Record<string, unknown> });
      }
    }
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'States' && v !== null && typeof v === 'object') {
        for (const [stateName, state] of Object.entries(v as Record<string, unknown>)) walk(state, stateName);
      } else if (k !== 'Parameters' && k !== 'Arguments') {
        walk(v, name);
      }
    }
  };
  walk(definition, '');
  return out;
}

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

function checkTask(i: AgreementInputs, what: string, api: string, p: Record<string, unknown>, out: string[]): void {
  const types: unknown[] = [];
  let area: Area | undefined;
  switch (api) {
    case 'CreateTrainingJob':
      area = 'training';
      types.push(get(p, 'ResourceConfig', 'InstanceType'), ...instanceTypesIn(get(p, 'ResourceConfig', 'InstanceGroups')));
      break;
    case 'CreateProcessingJob':
      area = 'training';
      types.push(get(p, 'ProcessingResources', 'ClusterConfig', 'InstanceType'));
      break;
    case 'CreateTransformJob':
      area = 'training';
      types.push(get(p, 'TransformResources', 'InstanceType'));
      break;
    case 'CreateEndpointConfig':
      area = 'endpoint';
      types.push(...(Array.isArray(p.ProductionVariants) ? p.ProductionVariants.map((v: any) => v?.InstanceType) : []));
      break;
    default:
  }
  const kind = api.replace(/^Create/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  if (area) {
    checkTypes(i, area, `${kind} of ${what}`, types.filter((t) => t !== undefined && isResolvedValue(t)), action(api), out);
  }
  if (tagged(api)) {
    // `Tags.$` (a path into the input) is decided at runtime: not judged.
    const keys = 'Tags.$' in p ? undefined : tagKeys(p.Tags);
    checkTags(i, `${kind} of ${what}`, keys, action(api),
      `add it to the \`Tags\` of the ${api} request (SecureTrainingJob: its \`tags\`)`, out);
  }
}
