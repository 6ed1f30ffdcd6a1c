/**
 * A small IAM policy evaluator for tests: enough of the documented semantics to prove that a
 * synthesized policy denies what it should and nothing else.
 *
 * Supported: Action/NotAction and Resource/NotResource with `*` and `?` wildcards (actions case-
 * insensitive); operators String(Not)Equals, String(Not)Like, Arn(Not)Equals, Arn(Not)Like, Bool,
 * Null, Numeric(Not)Equals/LessThan/GreaterThan(Equals), IpAddress/NotIpAddress (IPv4), each with
 * `IfExists` and the `ForAnyValue:`/`ForAllValues:` set prefixes.
 *
 * Semantics (IAM User Guide, "Condition operators" and "multivalued context keys"):
 * - all operators of a Condition block, and all keys of an operator, must match (AND); the values
 *   listed for one key are ORed (for negated operators: the request value matches none of them);
 * - a key absent from the request: `...IfExists` matches; `ForAllValues:` matches (vacuously);
 *   `ForAnyValue:` does not; negated single-valued operators (`StringNotEquals`, `ArnNotLike`,
 *   `NotIpAddress`...) match; every other operator does not; `Null` tests exactly this;
 * - a single-valued operator on a key with several request values is an error here (IAM's
 *   behaviour is undefined-ish and our policies must not rely on it);
 * - policy variables (`${aws:PrincipalTag/team}`, `${aws:username}`...) in Resource and in condition
 *   values are filled in from the request's context keys ("Policy variables"); a variable whose
 *   key the request lacks matches nothing; `${*}`, `${?}` and `${$}` are the literal characters.
 */

/** A policy document as JSON, references already substituted. */
export interface PolicyJson {
  readonly Statement: StatementJson[] | StatementJson;
}

/** One statement as JSON. */
export interface StatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

/** A request: action, resource and context keys (absent keys are simply not listed). */
export interface RequestContext {
  readonly action: string;
  readonly resource?: string;
  readonly context?: Record<string, string | string[] | boolean | number>;
}

/** The outcome of evaluating identity-policy statements. */
export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const arr = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function wildcardToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  // `\u0001` marks the next `*` or `?` as a literal character (a filled-in policy variable).
  const body = pattern.split(/(\u0001[*?]|[*?])/).map((part) => {
    if (part === '*') return '.*';
    if (part === '?') return '.';
    const literal = part.startsWith('\u0001') ? part.slice(1) : part;
    return literal.replace(/[.+^${}()|[\]\\/*?]/g, '\\$&');
  }).join('');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

/** Whether an IAM pattern (`*`, `?`) matches a value (actions: case-insensitive). */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  return wildcardToRegExp(pattern, caseInsensitive).test(value);
}

function ipv4Bits(ip: string): string {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`iam-eval: not an IPv4 address: ${ip}`);
  }
  return parts.map((p) => p.toString(2).padStart(8, '0')).join('');
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.includes('/') ? cidr.split('/') : [cidr, '32'];
  const bits = Number(bitsText);
  return ipv4Bits(ip).slice(0, bits) === ipv4Bits(base).slice(0, bits);
}

/** Does one request value match one policy value, for a base operator (without Not)? */
function positiveMatch(base: string, requestValue: string, policyValue: string): boolean {
  switch (base) {
    case 'StringEquals': return requestValue === policyValue;
    case 'StringEqualsIgnoreCase': return requestValue.toLowerCase() === policyValue.toLowerCase();
    case 'StringLike': return wildcardMatch(policyValue, requestValue);
    case 'ArnEquals':
    case 'ArnLike': return wildcardMatch(policyValue, requestValue);
    case 'Bool': return requestValue.toLowerCase() === policyValue.toLowerCase();
    case 'IpAddress': return inCidr(requestValue, policyValue);
    case 'NumericEquals': return Number(requestValue) === Number(policyValue);
    case 'NumericLessThan': return Number(requestValue) < Number(policyValue);
    case 'NumericLessThanEquals': return Number(requestValue) <= Number(policyValue);
    case 'NumericGreaterThan': return Number(requestValue) > Number(policyValue);
    case 'NumericGreaterThanEquals': return Number(requestValue) >= Number(policyValue);
    default: throw new Error(`iam-eval: unsupported condition operator ${base}`);
  }
}

const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
  NotIpAddress: 'IpAddress',
  NumericNotEquals: 'NumericEquals',
};

function lookup(context: RequestContext['context'], key: string): string[] | undefined {
  if (!context) return undefined;
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  if (found === undefined) return undefined;
  const values = arr(context[found] as string | string[]).map(String);
  return values.length === 0 ? undefined : values;
}

/** Evaluates one operator/key pair of a Condition block against the request. */
export function conditionMatches(operatorWithPrefix: string, key: string, policyValues: string[], request: RequestContext): boolean {
  let op = operatorWithPrefix;
  let set: 'any' | 'all' | undefined;
  if (op.startsWith('ForAnyValue:')) { set = 'any'; op = op.slice('ForAnyValue:'.length); }
  if (op.startsWith('ForAllValues:')) { set = 'all'; op = op.slice('ForAllValues:'.length); }
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  const values = lookup(request.context, key);

  if (op === 'Null') {
    if (set) throw new Error('iam-eval: Null takes no set prefix');
    const wantAbsent = policyValues.some((v) => String(v).toLowerCase() === 'true');
    return wantAbsent ? values === undefined : values !== undefined;
  }

  const negatedBase = NEGATED[op];
  const base = negatedBase ?? op;
  if (values === undefined) {
    if (ifExists) return true;
    if (set === 'all') return true;
    if (set === 'any') return false;
    return negatedBase !== undefined;
  }
  // one request value against the policy values: ORed, or "none of them" for a negated operator
  const single = (v: string): boolean => {
    const any = policyValues.some((p) => positiveMatch(base, v, String(p)));
    return negatedBase ? !any : any;
  };
  if (set === 'any') return values.some(single);
  if (set === 'all') return values.every(single);
  if (values.length > 1) {
    throw new Error(`iam-eval: single-valued operator ${operatorWithPrefix} used on multi-valued key ${key}; use ForAnyValue:/ForAllValues:`);
  }
  return single(values[0]);
}

/** Never equal to, nor matched by, any request value: what an unfilled policy variable becomes. */
const UNFILLED = '\u0000unfilled-policy-variable\u0000';

/**
 * `text` with its policy variables filled in from the request context (see the header). Filled-in
 * values are literal: a `*` in a tag value is no wildcard, so it is escaped for the matchers here.
 */
export function fillPolicyVariables(text: string, request: RequestContext, forWildcardMatch: boolean): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === '*' || name === '?' || name === '$') {
      return forWildcardMatch && name !== '$' ? `\u0001${name}` : name;
    }
    const values = lookup(request.context, name);
    if (values === undefined || values.length !== 1) {
      return UNFILLED;
    }
    return forWildcardMatch ? values[0].replace(/[*?]/g, (c) => `\u0001${c}`) : values[0];
  });
}

/** True when the statement applies to the request (action, resource and every condition). */
export function statementMatches(statement: StatementJson, request: RequestContext): boolean {
  const actionHit = (patterns: string[]) => patterns.some((p) => wildcardMatch(p, request.action, true));
  if (statement.Action !== undefined && !actionHit(arr(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionHit(arr(statement.NotAction))) return false;
  const resource = request.resource ?? '*';
  const resourceHit = (patterns: string[]) => patterns.some((p) => wildcardMatch(fillPolicyVariables(p, request, true), resource));
  if (statement.Resource !== undefined && !resourceHit(arr(statement.Resource))) return false;
  if (statement.NotResource !== undefined && resourceHit(arr(statement.NotResource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      const like = /Like|Arn/.test(operator);
      const values = arr(value as string | string[]).map((v) => fillPolicyVariables(String(v), request, like));
      if (!conditionMatches(operator, key, values, request)) return false;
    }
  }
  return true;
}

/** The Sids (or indexes) of the Deny statements that apply to the request. */
export function denyingStatements(policies: PolicyJson[], request: RequestContext): string[] {
  const hits: string[] = [];
  policies.forEach((p, pi) => arr(p.Statement).forEach((s, si) => {
    if (s.Effect === 'Deny' && statementMatches(s, request)) hits.push(s.Sid ?? `${pi}/${si}`);
  }));
  return hits;
}

/** Explicit deny wins; otherwise an applicable Allow allows; otherwise implicit deny. */
export function evaluate(policies: PolicyJson[], request: RequestContext): Decision {
  if (denyingStatements(policies, request).length > 0) return 'ExplicitDeny';
  const allowed = policies.some((p) => arr(p.Statement).some((s) => s.Effect === 'Allow' && statementMatches(s, request)));
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/**
 * Replaces CloudFormation intrinsics with concrete values: `{Ref: X}` → values[X],
 * `{Fn::GetAtt: [X, A]}` → values['X.A'], `Fn::Join`, `Fn::Split`, `Fn::Select`, `Fn::Base64`, `Fn::Sub` (string form), and the pseudo parameters
 * (AWS::Partition → aws, AWS::Region → us-east-1, AWS::AccountId → 111122223333, AWS::URLSuffix).
 * `values` is a map or a function of the key (`X` or `X.A`). An unknown reference throws, so a
 * test never evaluates a half-resolved policy.
 */
export function substituteRefs(value: unknown, values: Record<string, string> | ((key: string) => string | undefined)): any {
  const valueOf = typeof values === 'function' ? values : (key: string) => values[key];
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '111122223333', 'AWS::URLSuffix': 'amazonaws.com',
  };
  if (Array.isArray(value)) return value.map((v) => substituteRefs(v, values));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'Ref') {
    const id = obj.Ref as string;
    const v = pseudo[id] ?? valueOf(id);
    if (v === undefined) throw new Error(`iam-eval: no concrete value for Ref ${id}`);
    return v;
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
    const [id, attr] = obj['Fn::GetAtt'] as [string, string];
    const v = valueOf(`${id}.${attr}`);
    if (v === undefined) throw new Error(`iam-eval: no concrete value for Fn::GetAtt ${id}.${attr}`);
    return v;
  }
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => substituteRefs(p, values)).join(sep);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Base64') {
    return Buffer.from(String(substituteRefs(obj['Fn::Base64'], values)), 'utf8').toString('base64');
  }
  if (keys.length === 1 && keys[0] === 'Fn::Sub' && typeof obj['Fn::Sub'] === 'string') {
    // The string form only: `${AWS::AccountId}`, `${X}` (Ref) and `${X.A}` (GetAtt).
    return (obj['Fn::Sub'] as string).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      const v = pseudo[name] ?? valueOf(name);
      if (v === undefined) throw new Error(`iam-eval: no concrete value for \${${name}} in Fn::Sub`);
      return v;
    });
  }
  if (keys.length === 1 && keys[0] === 'Fn::Split') {
    const [sep, source] = obj['Fn::Split'] as [string, unknown];
    return String(substituteRefs(source, values)).split(sep);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Select') {
    const [index, list] = obj['Fn::Select'] as [number | string, unknown];
    const items = substituteRefs(list, values) as unknown[];
    if (!Array.isArray(items) || items[Number(index)] === undefined) throw new Error(`iam-eval: Fn::Select ${index} out of range`);
    return items[Number(index)];
  }
  if (keys.length === 1 && keys[0].startsWith('Fn::')) throw new Error(`iam-eval: unsupported intrinsic ${keys[0]}`);
  return Object.fromEntries(keys.map((k) => [k, substituteRefs(obj[k], values)]));
}
