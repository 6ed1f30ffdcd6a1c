import { CfnElement, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { acknowledge, RuleId } from './acknowledge';
import { flattenCfnReference } from './cfn-reference';

/**
 * Acknowledges the AwsSolutions-IAM5 findings for exactly these wildcard resources (and no
 * others) on `scope` (a role, a policy, or any construct above the policies that hold them), with
 * the reason a reviewer needs: the wildcard is a key-prefix or log-stream suffix, not a blanket grant.
 *
 * The finding IDs are computed the way cdk-nag computes them (`Resource::<flattened ARN>`), so an
 * unrelated wildcard on the same scope still shows up.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  // A reference to another stack's resource is acknowledged late only: its early ID never reaches a template.
  const ids = wildcardFindingIds(scope, resources.filter((r) => !referencesOtherStack(scope, r)));
  if (ids.length > 0) {
    acknowledge(scope, reason, ...ids);
  }
  // A reference to a resource of another stack is an `Fn::ImportValue` by the time the packs run,
  // so its finding ID names the export instead: recompute once references are final (validation
  // runs after cross-stack references are resolved, before the packs) and acknowledge those too.
  scope.node.addValidation({
    validate: () => {
      const late = wildcardFindingIds(scope, resources).filter((id) => !ids.includes(id));
      if (late.length > 0) {
        // Written into the template by the acknowledgement writer, the stack's last validation.
        acknowledge(scope, reason, ...late);
      }
      return [];
    },
  });
}

/** Whether `value` refers (Ref, Fn::GetAtt) to a resource that is not in `scope`'s stack. */
function referencesOtherStack(scope: IConstruct, value: string): boolean {
  const stack = Stack.of(scope);
  const targets: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.Ref === 'string' && !o.Ref.startsWith('AWS::')) targets.push(o.Ref);
      if (Array.isArray(o['Fn::GetAtt'])) targets.push(String(o['Fn::GetAtt'][0]));
      Object.values(o).forEach(walk);
    }
  };
  walk(stack.resolve(value));
  if (targets.length === 0) return false;
  const own = new Set(stack.node.findAll().filter((c): c is CfnElement => c instanceof CfnElement && Stack.of(c) === stack)
    .map((c) => stack.resolve(c.logicalId) as string));
  return targets.some((t) => !own.has(t));
}

function wildcardFindingIds(scope: IConstruct, resources: string[]): RuleId[] {
  const stack = Stack.of(scope);
  return resources
    .map((r) => flattenCfnReference(stack.resolve(r)))
    .filter((flat) => flat.includes('*'))
    .map((flat): RuleId => `AwsSolutions-IAM5[Resource::${flat}]`);
}

const ACKNOWLEDGEMENT_SCOPE = Symbol.for('cdk-secure-sagemaker.acknowledgement-scope');

/**
 * For a principal that is not a construct but writes its statements into `scope` (a shared
 * policy, for instance): acknowledgements of what is granted to it go on `scope`.
 */
export function setAcknowledgementScope(principal: iam.IPrincipal, scope: IConstruct): void {
  Object.defineProperty(principal, ACKNOWLEDGEMENT_SCOPE, { value: scope });
}

/**
 * The same, on the principal that received a grant (or the scope it named with
 * `setAcknowledgementScope`; nothing to do for other non-construct principals).
 */
export function acknowledgeScopedWildcards(grantee: iam.IGrantable, resources: string[], reason: string): void {
  const principal = grantee.grantPrincipal;
  const scope = Construct.isConstruct(principal)
    ? principal
    : (principal as unknown as Record<symbol, IConstruct | undefined>)[ACKNOWLEDGEMENT_SCOPE];
  if (scope) {
    acknowledgeWildcardResources(scope, resources, reason);
  }
}
