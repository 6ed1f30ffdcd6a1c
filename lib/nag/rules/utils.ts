import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';

/**
 * Shared helpers for the SageMakerSecurity rules. Internal: not exported from the package.
 *
 * Rules read the resource as CloudFormation will receive it (`renderResource`), so property
 * overrides (`addPropertyOverride`, `addOverride`) and CloudFormation-cased raw properties are
 * evaluated exactly like properties set through the L1 constructor.
 */

/** Deletion policies that keep the physical resource when it is removed from the template. */
const RETAINING_DELETION_POLICIES: unknown[] = ['Retain', 'RetainExceptOnCreate'];

/** A resource as it will appear in the synthesized template, with every token resolved. */
export interface RenderedResource {
  /** `Properties`, CloudFormation-cased (empty object when the resource has none). */
  readonly properties: { [key: string]: any };
  /** `DeletionPolicy`, if any. */
  readonly deletionPolicy?: unknown;
  /** `UpdateReplacePolicy`, if any. */
  readonly updateReplacePolicy?: unknown;
}

/** Renders and resolves one resource exactly as it will be written to the template (overrides included). */
export function renderResource(node: CfnResource): RenderedResource {
  const stack = Stack.of(node);
  const rendered = stack.resolve(node._toCloudFormation()) as { Resources?: { [id: string]: any } };
  const resources = rendered?.Resources ?? {};
  const definition = resources[stack.resolve(node.logicalId)] ?? Object.values(resources)[0] ?? {};
  const properties = definition.Properties;
  return {
    properties: isPlainObject(properties) ? properties : {},
    deletionPolicy: definition.DeletionPolicy,
    updateReplacePolicy: definition.UpdateReplacePolicy,
  };
}

/**
 * True only when the resource survives both stack deletion and replacement:
 * `DeletionPolicy` Retain (or RetainExceptOnCreate) and `UpdateReplacePolicy` Retain.
 * A policy given as an intrinsic function cannot be proven and counts as not retained.
 */
export function isRetained(node: CfnResource): boolean {
  const rendered = renderResource(node);
  return RETAINING_DELETION_POLICIES.includes(rendered.deletionPolicy) && rendered.updateReplacePolicy === 'Retain';
}

/** True for a resolved boolean `true` (or the string 'true' CloudFormation also accepts); tokens are not true. */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/** True for a non-null object that is not an array. */
export function isPlainObject(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a `Ref` / `Fn::GetAtt` in a resolved value points at. */
export type RefTarget =
  | { readonly kind: 'pseudo'; readonly name: string }
  | { readonly kind: 'resource'; readonly resource: CfnResource }
  | { readonly kind: 'parameter' }
  | { readonly kind: 'unknown' };

/**
 * Classifies the element a logical ID refers to within the stack of `node`.
 *
 * `unknown` means the ID is not in this stack (a cross-stack reference before synthesis, or a typo).
 */
export function refTarget(node: CfnResource, logicalId: string): RefTarget {
  if (logicalId.startsWith('AWS::')) {
    return { kind: 'pseudo', name: logicalId };
  }
  const stack = Stack.of(node);
  for (const construct of stack.node.findAll()) {
    if (!CfnElement.isCfnElement(construct) || Stack.of(construct) !== stack) {
      continue;
    }
    if (stack.resolve(construct.logicalId) !== logicalId) {
      continue;
    }
    // Only resources and parameters can be the target of a Ref.
    return CfnResource.isCfnResource(construct) ? { kind: 'resource', resource: construct } : { kind: 'parameter' };
  }
  return { kind: 'unknown' };
}

/** The logical ID a resolved `{ Ref }` or `{ 'Fn::GetAtt' }` points at, or undefined for anything else. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!isPlainObject(value) || Object.keys(value).length !== 1) {
    return undefined;
  }
  if (typeof value.Ref === 'string') {
    return value.Ref;
  }
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
    return getAtt[0];
  }
  if (typeof getAtt === 'string') {
    return getAtt.split('.')[0];
  }
  return undefined;
}

/**
 * Renders a resolved CloudFormation value as a string for pattern checks.
 *
 * - literals are kept;
 * - `Fn::Join` and `Fn::Sub` are expanded;
 * - references to resources (`Ref` to a resource, `Fn::GetAtt`, `Fn::ImportValue`) become a
 *   placeholder such as `{Bucket.Arn}` that can never match a wildcard (a deployed resource's
 *   identifier is never `*`);
 * - pseudo parameters become `{AWS_Region}` etc. (no colons, so ARNs still split into their fields);
 * - anything that could hold an arbitrary value (a CfnParameter, `Fn::If`, `Fn::Select`, ...) becomes
 *   `*`, so an unknown value is treated as the widest possible value, never as a narrow one.
 */
export function flattenToString(node: CfnResource, value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (!isPlainObject(value) || Object.keys(value).length !== 1) {
    return '*';
  }
  if ('Ref' in value) {
    return typeof value.Ref === 'string' ? placeholderFor(node, value.Ref) : '*';
  }
  if ('Fn::GetAtt' in value) {
    const getAtt = value['Fn::GetAtt'];
    const parts = Array.isArray(getAtt) ? getAtt : String(getAtt).split('.');
    return parts.every((p: unknown) => typeof p === 'string') ? `{${parts.join('.')}}` : '*';
  }
  if ('Fn::ImportValue' in value) {
    return '{ImportValue}';
  }
  if ('Fn::Join' in value) {
    const join = value['Fn::Join'];
    if (!Array.isArray(join) || join.length !== 2 || typeof join[0] !== 'string' || !Array.isArray(join[1])) {
      return '*';
    }
    return join[1].map((part: unknown) => flattenToString(node, part)).join(join[0]);
  }
  if ('Fn::Sub' in value) {
    return flattenSub(node, value['Fn::Sub']);
  }
  return '*';
}

function flattenSub(node: CfnResource, sub: unknown): string {
  let template: unknown = sub;
  let variables: { [key: string]: unknown } = {};
  if (Array.isArray(sub)) {
    template = sub[0];
    variables = isPlainObject(sub[1]) ? sub[1] : {};
  }
  if (typeof template !== 'string') {
    return '*';
  }
  return template.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) {
      return `\${${name.slice(1)}}`;
    }
    if (name in variables) {
      return flattenToString(node, variables[name]);
    }
    if (name.includes('.') && !name.startsWith('AWS::')) {
      return `{${name}}`;
    }
    return placeholderFor(node, name);
  });
}

function placeholderFor(node: CfnResource, logicalId: string): string {
  if (logicalId === 'AWS::NoValue') {
    return '';
  }
  const target = refTarget(node, logicalId);
  switch (target.kind) {
    case 'pseudo':
      return `{${logicalId.replace(/::/g, '_')}}`;
    case 'parameter':
      // A parameter is chosen at deploy time: it could be anything, including '*'.
      return '*';
    default:
      // A resource in this stack, or (before synthesis) in another stack.
      return `{${logicalId}}`;
  }
}

/** Instance-based variants (serverless ones skipped); undefined when the list does not resolve. */
export function instanceVariants(properties: { [key: string]: any }): Array<{ [key: string]: any }> | undefined {
  const lists = [properties.ProductionVariants, properties.ShadowProductionVariants ?? []];
  if (!lists.every(Array.isArray)) {
    return undefined;
  }
  const variants = lists.flat();
  if (!variants.every(isPlainObject)) {
    return undefined;
  }
  return variants.filter((v) => v.ServerlessConfig === undefined);
}
