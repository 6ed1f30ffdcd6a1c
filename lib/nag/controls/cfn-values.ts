/**
 * The one reader of CloudFormation values, shared by the rule pack and the reviewer report.
 * Internal: not exported from the package.
 *
 * Values are read as a template holds them: literals, and intrinsic functions as objects
 * (`{ Ref }`, `{ 'Fn::GetAtt' }`, `{ 'Fn::Join' }`, ...).
 */

/** Deletion policies that keep the physical resource when it is removed from the template. */
const RETAINING_DELETION_POLICIES: unknown[] = ['Retain', 'RetainExceptOnCreate'];

/** What a logical ID stands for in a template. */
export type RefKind = 'pseudo' | 'parameter' | 'resource' | 'unknown';

/** Tells what a logical ID of the template refers to. */
export interface RefResolver {
  /**
   * `pseudo` for `AWS::*`, `resource` or `parameter` for an element of the template, `unknown`
   * for an ID the template does not hold (before synthesis: a resource of another stack).
   */
  refKind(logicalId: string): RefKind;
}

/** True for a literal `true`, or the string 'true' in any case (CloudFormation accepts both); intrinsics are not true. */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/** True for a non-null object that is not an array. */
export function isPlainObject(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a list: CloudFormation lists may also be a single value or token; absent is empty. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A value that is present: not absent, null, empty or `AWS::NoValue`. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '') {
    return false;
  }
  return !(isPlainObject(value) && value.Ref === 'AWS::NoValue');
}

/**
 * True only when the resource survives both stack deletion and replacement: `DeletionPolicy`
 * Retain (or RetainExceptOnCreate) and `UpdateReplacePolicy` Retain. A policy given as an
 * intrinsic function cannot be proven and counts as not retained.
 */
export function isRetainedBy(deletionPolicy: unknown, updateReplacePolicy: unknown): boolean {
  return RETAINING_DELETION_POLICIES.includes(deletionPolicy) && updateReplacePolicy === 'Retain';
}

/** The logical ID a `{ Ref }` or `{ 'Fn::GetAtt' }` (array or dotted form) points at, or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
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
 * Renders a value as text for a reader: intrinsic functions become placeholders such as
 * `<LogicalId>` or `<LogicalId.Attr>` (`Fn::Join` and `Fn::Sub` expanded). For display only:
 * checks use {@link flatten}, which treats a value that could be anything as the widest value.
 */
export function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(render).join(', ');
  if (typeof value === 'object') {
    const v = value as Record<string, any>;
    if ('Ref' in v) return `<${v.Ref}>`;
    if ('Fn::GetAtt' in v) {
      const a = v['Fn::GetAtt'];
      return `<${Array.isArray(a) ? a.join('.') : String(a)}>`;
    }
    if ('Fn::Join' in v && Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'];
      return Array.isArray(parts) ? parts.map(render).join(String(sep)) : render(parts);
    }
    if ('Fn::Sub' in v) {
      const s = Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'][0] : v['Fn::Sub'];
      return String(s).replace(/\$\{([^}!]+)\}/g, '<$1>');
    }
    if ('Fn::Select' in v) return `<select ${render(v['Fn::Select'][1])}[${v['Fn::Select'][0]}]>`;
    if ('Fn::GetAZs' in v) return '<AZs>';
    if ('Fn::ImportValue' in v) return `<import ${render(v['Fn::ImportValue'])}>`;
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * Renders a value as a string for pattern checks.
 *
 * - literals are kept;
 * - `Fn::Join` and `Fn::Sub` are expanded;
 * - references to resources (`Ref` to a resource, `Fn::GetAtt`, `Fn::ImportValue`) become a
 *   placeholder such as `{Bucket.Arn}` that can never match a wildcard (a deployed resource's
 *   identifier is never `*`);
 * - pseudo parameters become `{AWS_Region}` etc. (no colons, so ARNs still split into their fields);
 * - anything that could hold an arbitrary value (a parameter, `Fn::If`, `Fn::Select`, ...) becomes
 *   `*`, so an unknown value is treated as the widest possible value, never as a narrow one.
 */
export function flatten(value: unknown, refs: RefResolver): string {
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
    return typeof value.Ref === 'string' ? placeholderFor(value.Ref, refs) : '*';
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
    return join[1].map((part: unknown) => flatten(part, refs)).join(join[0]);
  }
  if ('Fn::Sub' in value) {
    return flattenSub(value['Fn::Sub'], refs);
  }
  return '*';
}

/** A flattened value that is fixed at synth time: non-empty and free of the `*` an unknown value becomes. */
export function isProvable(value: unknown, refs: RefResolver): boolean {
  const text = flatten(value, refs).trim();
  return text.length > 0 && !text.includes('*');
}

function flattenSub(sub: unknown, refs: RefResolver): string {
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
      return flatten(variables[name], refs);
    }
    if (name.includes('.') && !name.startsWith('AWS::')) {
      return `{${name}}`;
    }
    return placeholderFor(name, refs);
  });
}

function placeholderFor(logicalId: string, refs: RefResolver): string {
  if (logicalId === 'AWS::NoValue') {
    return '';
  }
  switch (refs.refKind(logicalId)) {
    case 'pseudo':
      return `{${logicalId.replace(/::/g, '_')}}`;
    case 'parameter':
      // A parameter is chosen at deploy time: it could be anything, including '*'.
      return '*';
    default:
      // A resource of this template, or (before synthesis) of another stack.
      return `{${logicalId}}`;
  }
}
