import { parse } from 'path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, renderResource } from '../utils';

/**
 * The execution role of every user profile in a stack, rendered once per validation pass: the
 * rule runs once per profile, and a domain can hold hundreds of them.
 */
const cache = new WeakMap<Stack, { readonly size: number; readonly roles: Map<CfnResource, string | undefined> }>();

function roleOf(profile: CfnResource): string | undefined {
  const settings = renderResource(profile).properties.UserSettings;
  const role = isPlainObject(settings) ? settings.ExecutionRole : undefined;
  if (role === undefined || role === null || role === '' || (isPlainObject(role) && role.Ref === 'AWS::NoValue')) {
    return undefined;
  }
  return JSON.stringify(role);
}

function rolesInStack(stack: Stack): Map<CfnResource, string | undefined> {
  const all = stack.node.findAll();
  const cached = cache.get(stack);
  if (cached && cached.size === all.length) {
    return cached.roles;
  }
  const roles = new Map<CfnResource, string | undefined>();
  for (const c of all) {
    if (CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::SageMaker::UserProfile' && Stack.of(c) === stack) {
      roles.set(c, roleOf(c));
    }
  }
  cache.set(stack, { size: all.length, roles });
  return roles;
}

/**
 * Every SageMaker Studio user profile has an execution role of its own.
 *
 * Non-compliant when `UserSettings.ExecutionRole` is absent (the profile then runs as the domain's
 * default role, shared by every such profile) or is the same value (the same reference or literal
 * ARN) as another user profile's in the stack. Profiles in other stacks are not compared.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::UserProfile') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const own = roleOf(node);
    if (own === undefined) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    for (const [profile, role] of rolesInStack(Stack.of(node))) {
      if (profile !== node && role === own) {
        return NagRuleCompliance.NON_COMPLIANT;
      }
    }
    return NagRuleCompliance.COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
