import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';

/**
 * Acknowledges the AwsSolutions-IAM5 findings for exactly these wildcard resources (and no
 * others) on the principal that received them, with the reason a reviewer needs: the wildcard is a
 * key-prefix or log-stream suffix, not a blanket grant.
 *
 * The finding IDs are computed the way cdk-nag computes them (`Resource::<flattened ARN>`), so an
 * unrelated wildcard on the same principal still shows up.
 */
export function acknowledgeScopedWildcards(grantee: iam.IGrantable, resources: string[], reason: string): void {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) {
    return;
  }
  const stack = Stack.of(principal);
  const ids = resources
    .map((r) => flattenCfnReference(stack.resolve(r)))
    .filter((flat) => flat.includes('*'))
    .map((flat) => `AwsSolutions-IAM5[Resource::${flat}]`);
  if (ids.length > 0) {
    acknowledge(principal, reason, ...ids);
  }
}
