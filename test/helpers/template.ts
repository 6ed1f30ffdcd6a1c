import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** Renders a resolved Fn::Join / Fn::Base64 / literal as text, with references as <LogicalId> or <LogicalId.Attr>. */
export function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  if (value?.Ref) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value?.['Fn::Base64']) return render(value['Fn::Base64']);
  return JSON.stringify(value);
}

/**
 * Every statement of the managed policies whose logical ID starts with `logicalIdPrefix`: a role's
 * permissions may be spread over several managed policies (Permissions, Permissions2, ...).
 */
export function statementsOf(stack: Stack, logicalIdPrefix: string): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  const entries = Object.entries(policies).filter(([id]) => id.startsWith(logicalIdPrefix));
  expect(entries.length).toBeGreaterThan(0);
  return entries.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/** `value` with every reference and `Fn::Join` in it rendered as text (`render`), at any depth. */
export function renderedDeep(value: any): any {
  if (Array.isArray(value)) return value.map(renderedDeep);
  if (value && typeof value === 'object') {
    if (value['Fn::Join'] || value.Ref || value['Fn::GetAtt']) return render(value);
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, renderedDeep(x)]));
  }
  return value;
}

/** The statements of the managed policies whose logical ID starts with `logicalIdPrefix`, references rendered as text. */
export function renderedStatements(stack: Stack, logicalIdPrefix: string): any[] {
  return statementsOf(stack, logicalIdPrefix).map(renderedDeep);
}

/** The definition of the stack's only state machine, references rendered as text. */
export function stateMachineDefinition(stack: Stack): any {
  const machines = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
  return JSON.parse(render(machines[0].Properties.DefinitionString));
}

/**
 * `value` with every `${aws:PrincipalTag/<key>}` policy variable replaced by the value of the tag
 * `key` in `tags` (CloudFormation `Tags` of a role: `[{Key, Value}]`), the way IAM fills it in when
 * that role makes a request. A tag value that is a reference is spliced into an `Fn::Join`; a
 * variable whose tag the role lacks stays as it is (IAM then matches nothing with it).
 */
export function withPrincipalTags(value: any, tags: Array<{ Key: string; Value: any }>): any {
  const tagValue = (key: string) => tags.find((t) => t.Key.toLowerCase() === key.toLowerCase())?.Value;
  const splice = (text: string): any[] => {
    const parts: any[] = [];
    let rest = text;
    for (let m = /\$\{aws:PrincipalTag\/([^}]+)\}/.exec(rest); m; m = /\$\{aws:PrincipalTag\/([^}]+)\}/.exec(rest)) {
      const v = tagValue(m[1]);
      parts.push(rest.slice(0, m.index), v === undefined ? m[0] : v);
      rest = rest.slice(m.index + m[0].length);
    }
    parts.push(rest);
    return parts;
  };
  const joined = (parts: any[]): any => {
    const merged: any[] = [];
    for (const p of parts.flatMap((x) => (x?.['Fn::Join'] && x['Fn::Join'][0] === '' ? x['Fn::Join'][1] : [x]))) {
      if (p === '') continue;
      if (typeof p === 'string' && typeof merged[merged.length - 1] === 'string') {
        merged[merged.length - 1] += p;
      } else {
        merged.push(p);
      }
    }
    if (merged.length === 0) return '';
    return merged.length === 1 ? merged[0] : { 'Fn::Join': ['', merged] };
  };
  if (typeof value === 'string') {
    return value.includes('${aws:PrincipalTag/') ? joined(splice(value)) : value;
  }
  if (Array.isArray(value)) return value.map((v) => withPrincipalTags(v, tags));
  if (value && typeof value === 'object') {
    if (value['Fn::Join'] && value['Fn::Join'][0] === '') {
      return joined(value['Fn::Join'][1].flatMap((p: any) => (typeof p === 'string' ? splice(p) : [withPrincipalTags(p, tags)])));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withPrincipalTags(k, tags), withPrincipalTags(v, tags)]));
  }
  return value;
}

/** The logical IDs of the managed policies a role of the template carries (by `ManagedPolicyArns` or the policy's `Roles`). */
export function managedPoliciesOfRole(template: { Resources?: Record<string, any> }, roleId: string): string[] {
  const resources = template.Resources ?? {};
  const role = resources[roleId];
  const attached = (role?.Properties?.ManagedPolicyArns ?? []).map((a: any) => a?.Ref).filter((r: unknown) => typeof r === 'string');
  const listing = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && (r.Properties.Roles ?? []).some((x: any) => x?.Ref === roleId))
    .map(([id]) => id);
  return [...new Set<string>([...attached, ...listing])].filter((id) => resources[id]?.Type === 'AWS::IAM::ManagedPolicy');
}

/**
 * Every statement of the customer-managed policies that the role whose logical ID starts with
 * `roleIdPrefix` carries (its own, and shared ones), with the role's tags filled in for the
 * `${aws:PrincipalTag/...}` variables: what the role may do, as IAM evaluates it.
 */
export function roleStatements(stack: Stack, roleIdPrefix: string): any[] {
  const template = Template.fromStack(stack).toJSON();
  const roles = Object.entries(template.Resources as Record<string, any>).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(roleIdPrefix));
  expect(roles).toHaveLength(1);
  const [roleId, role] = roles[0];
  const policies = managedPoliciesOfRole(template, roleId);
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap((id) => withPrincipalTags([template.Resources[id].Properties.PolicyDocument.Statement].flat(), role.Properties.Tags ?? []));
}
