import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct, IConstruct } from 'constructs';
import { acknowledge } from './acknowledge';

/**
 * Acknowledges the AwsSolutions-IAM5 findings for exactly these wildcard resources (and no
 * others) on `scope` (a role, a policy, or any construct above the policies that hold them), with
 * the reason a reviewer needs: the wildcard is a key-prefix or log-stream suffix, not a blanket grant.
 *
 * The finding IDs are computed the way cdk-nag computes them (`Resource::<flattened ARN>`), so an
 * unrelated wildcard on the same scope still shows up.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  const stack = Stack.of(scope);
  const ids = resources
    .map((r) => flattenCfnReference(stack.resolve(r)))
    .filter((flat) => flat.includes('*'))
    .map((flat) => `AwsSolutions-IAM5[Resource::${flat}]`);
  if (ids.length > 0) {
    acknowledge(scope, reason, ...ids);
  }
}

/** The same, on the principal that received a grant (nothing to do for non-construct principals). */
export function acknowledgeScopedWildcards(grantee: iam.IGrantable, resources: string[], reason: string): void {
  const principal = grantee.grantPrincipal;
  if (Construct.isConstruct(principal)) {
    acknowledgeWildcardResources(principal, resources, reason);
  }
}
