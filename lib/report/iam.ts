import { AssemblyStack } from './assembly';
import { asList, friendly, referencedId, render } from './cfn';
import { AccessGrant, GuardrailPolicyReport, RoleReport, ServicePermissions } from './model';

/** Actions whose grants say who may invoke or open a SageMaker resource. */
const ACCESS_ACTIONS = [
  'sagemaker:InvokeEndpoint',
  'sagemaker:InvokeEndpointAsync',
  'sagemaker:InvokeEndpointWithResponseStream',
  'sagemaker:CreatePresignedNotebookInstanceUrl',
  'sagemaker:CreatePresignedDomainUrl',
];
const NETWORK_KEYS = ['aws:sourcevpce', 'aws:sourcevpc', 'aws:sourceip', 'aws:vpcsourceip'];

interface Statement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Statements attached to each role (inline, customer-managed and AWS::IAM::Policy), by role logical ID. */
interface RolePolicies {
  readonly statements: Statement[];
  readonly external: string[];
  /** Customer-managed policies of Deny statements only (guardrails), by logical ID, with their statement count. */
  readonly denyPolicies: Map<string, number>;
}

function statementsByRole(stack: AssemblyStack): Map<string, RolePolicies> {
  const resources = stack.template.Resources ?? {};
  const byRole = new Map<string, RolePolicies>();
  const entry = (roleId: string) => {
    if (!byRole.has(roleId)) byRole.set(roleId, { statements: [], external: [], denyPolicies: new Map() });
    return byRole.get(roleId)!;
  };
  const docStatements = (doc: any): Statement[] => asList(doc?.Statement) as Statement[];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const e = entry(id);
    for (const inline of asList(r.Properties?.Policies) as any[]) e.statements.push(...docStatements(inline.PolicyDocument));
    for (const arn of asList(r.Properties?.ManagedPolicyArns)) {
      const ref = referencedId(arn);
      if (ref && resources[ref]?.Type === 'AWS::IAM::ManagedPolicy') {
        e.statements.push(...docStatements(resources[ref].Properties?.PolicyDocument));
      } else {
        e.external.push(friendly(render(arn)));
      }
    }
  }
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const statements = docStatements(r.Properties?.PolicyDocument);
    // A guardrail is named once per role, not restated among its permissions.
    const guardrail = isGuardrail(r);
    for (const role of asList(r.Properties?.Roles)) {
      const roleId = referencedId(role);
      if (!roleId || resources[roleId]?.Type !== 'AWS::IAM::Role') continue;
      if (guardrail) {
        entry(roleId).denyPolicies.set(id, statements.length);
      } else {
        entry(roleId).statements.push(...statements);
      }
    }
  }
  return byRole;
}

/** Every IAM role of the stack and what it may do, grouped by service, in plain words. */
export function describeRoles(stack: AssemblyStack): RoleReport[] {
  const resources = stack.template.Resources ?? {};
  const reports: RoleReport[] = [];
  for (const [roleId, { statements, external, denyPolicies }] of statementsByRole(stack)) {
    const role = resources[roleId];
    const assumedBy = (asList(role.Properties?.AssumeRolePolicyDocument?.Statement) as any[])
      .flatMap(s => Object.entries(s.Principal ?? {}).flatMap(([kind, v]) => asList(v).map(x => `${kind} ${friendly(render(x))}`)));
    const byService = new Map<string, string[]>();
    for (const s of statements) {
      const actions = asList(s.Action ?? s.NotAction).map(render);
      const service = actions.length && actions.every(a => a.split(':')[0] === actions[0].split(':')[0])
        ? actions[0].split(':')[0] : actions.length ? 'several services' : 'unknown';
      if (!byService.has(service)) byService.set(service, []);
      byService.get(service)!.push(describeStatement(s));
    }
    const permissions: ServicePermissions[] = [...byService.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, list]) => ({ service, statements: [...new Set(list)] }));
    for (const arn of external) permissions.push({ service: 'managed policies', statements: [`everything ${arn} allows (policy not in this template)`] });
    if (permissions.length === 0) permissions.push({ service: 'none', statements: ['no permissions'] });
    if (denyPolicies.size > 0) {
      permissions.push({
        service: 'guardrails',
        statements: [...denyPolicies.entries()].map(([id, n]) => `DENY what ${id} forbids (${n} deny statements, listed under Guardrails)`),
      });
    }
    reports.push({ stack: stack.name, logicalId: roleId, description: role.Properties?.Description, assumedBy, permissions });
  }
  return reports;
}

/** A customer-managed policy of Deny statements only (such as `SageMakerGuardrails`). */
function isGuardrail(r: { Type: string; Properties?: any }): boolean {
  const statements = asList(r.Properties?.PolicyDocument?.Statement) as Statement[];
  return r.Type === 'AWS::IAM::ManagedPolicy' && statements.length > 0 && statements.every((st) => st.Effect === 'Deny');
}

/** Customer-managed policies made of Deny statements only, each described once with the roles that carry it. */
export function guardrailPolicies(stack: AssemblyStack): GuardrailPolicyReport[] {
  const resources = stack.template.Resources ?? {};
  const out: GuardrailPolicyReport[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (!isGuardrail(r)) continue;
    const statements = asList(r.Properties?.PolicyDocument?.Statement) as Statement[];
    out.push({
      stack: stack.name,
      logicalId: id,
      description: r.Properties?.Description,
      statements: statements.map(describeStatement),
      roles: asList(r.Properties?.Roles).map((role) => referencedId(role) ?? friendly(render(role))),
    });
  }
  return out;
}

/** One statement in plain words: "allow read objects under DataBucket/datasets/a/ only if ...". */
export function describeStatement(s: Statement): string {
  const deny = s.Effect === 'Deny';
  const actions = asList(s.Action ?? s.NotAction).map(render);
  const resources = asList(s.Resource ?? s.NotResource).map(r => friendly(render(r)));
  const object = resources.length > 0 && resources.every(r => /^<?[A-Za-z0-9]+(\.Arn)?>?\/.+/.test(r) || /^arn:aws:s3:::.+\/.*/.test(r));
  let what: string;
  if (actions.every(a => a.startsWith('s3:')) && object) {
    const verbs: string[] = [];
    if (actions.some(a => /^s3:Get/.test(a))) verbs.push('read');
    if (actions.some(a => /^s3:(Put|AbortMultipart|ListMultipart)/.test(a))) verbs.push('write');
    if (actions.some(a => /^s3:Delete/.test(a))) verbs.push('delete');
    if (verbs.length === 0) verbs.push(actions.map(words).join(', '));
    what = `${joinWords(verbs)} objects under ${resources.map(prefixOf).join(', ')}`;
  } else {
    const verbs = s.NotAction ? `every action except ${actions.map(words).join(', ')}` : joinWords(actions.map(words));
    const on = resources.length === 0 ? '' : resources.every(r => r === '*') ? ' on any resource'
      : ` on ${s.NotResource ? 'anything except ' : ''}${resources.map(shortArn).join(', ')}`;
    what = `${verbs}${on}`;
  }
  const conditions = describeConditions(s.Condition);
  return `${deny ? 'DENY ' : ''}${what}${conditions ? ` only if ${conditions}` : ''}`;
}

function describeConditions(c: Statement['Condition']): string {
  if (!c) return '';
  const parts: string[] = [];
  for (const [op, kv] of Object.entries(c)) {
    for (const [key, v] of Object.entries(kv ?? {})) {
      const values = asList(v).map(x => friendly(render(x)));
      parts.push(`${key} ${op} ${values.length > 1 ? `[${values.join(', ')}]` : values[0]}`);
    }
  }
  return parts.join('; ');
}

/** "sagemaker:CreateTrainingJob" → "create training job" (service kept for wildcards). */
function words(action: string): string {
  const [service, name] = action.split(':');
  if (!name || name.includes('*')) return action;
  const w = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase();
  return service === 'sagemaker' || service === 's3' ? w : `${service} ${w}`;
}

function joinWords(list: string[]): string {
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

function prefixOf(resource: string): string {
  return resource.replace(/^<([^>.]+)(\.Arn)?>/, '$1').replace(/^arn:aws:s3:::/, '').replace(/\*$/, '');
}

/** `arn:aws:sagemaker:<region>:<account>:endpoint/team-a-churn` → `endpoint team-a-churn`. */
function shortArn(arn: string): string {
  const m = /^arn:[^:]*:([^:]*):[^:]*:[^:]*:(.+)$/.exec(arn);
  if (!m) return arn.replace(/^<([^>.]+)(\.Arn)?>/, '$1');
  const [, service, rest] = m;
  const typed = /^([a-z-]+)[/:](.+)$/.exec(rest);
  return typed ? `${typed[1]} ${typed[2]}` : `${service} ${rest}`;
}

/** Grants of InvokeEndpoint / CreatePresigned*Url and the network conditions they carry. */
export function accessGrants(stack: AssemblyStack): AccessGrant[] {
  const resources = stack.template.Resources ?? {};
  const grants: AccessGrant[] = [];
  for (const [roleId, { statements }] of statementsByRole(stack)) {
    for (const s of statements) {
      if (s.Effect !== 'Allow' || !s.Action) continue;
      for (const action of asList(s.Action).map(render)) {
        const matched = ACCESS_ACTIONS.filter(a => actionMatches(action, a));
        for (const a of matched) {
          const from: string[] = [];
          for (const [op, kv] of Object.entries(s.Condition ?? {})) {
            for (const [key, v] of Object.entries(kv ?? {})) {
              if (!NETWORK_KEYS.includes(key.toLowerCase())) continue;
              const values = asList(v).map(x => {
                const ref = referencedId(x);
                const vpce = ref ? resources[ref] : undefined;
                return vpce?.Type === 'AWS::EC2::VPCEndpoint'
                  ? `VPC endpoint ${serviceShortName(render(vpce.Properties?.ServiceName))} (${ref})` : friendly(render(x));
              });
              from.push(`${key} ${op} ${values.join(', ')}`);
            }
          }
          grants.push({
            stack: stack.name,
            principal: roleId,
            action: a,
            resources: asList(s.Resource).map(r => shortArn(friendly(render(r)))),
            from: from.length ? `only if ${from.join('; ')}` : 'from anywhere (no aws:SourceVpce / aws:SourceIp condition)',
            restricted: from.length > 0,
          });
        }
      }
    }
  }
  return grants;
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return re.test(action);
}

/** `com.amazonaws.<Region>.sagemaker.runtime` → `sagemaker.runtime`. */
export function serviceShortName(serviceName: string): string {
  return serviceName.replace(/^(com\.amazonaws|aws\.sagemaker)\.(<AWS::Region>|<region>|[a-z0-9-]+)\./, (_m, p: string) => p === 'aws.sagemaker' ? 'sagemaker.' : '');
}
