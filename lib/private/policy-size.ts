import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** IAM limit on the size of one customer-managed policy document (whitespace excluded). */
export const MANAGED_POLICY_SIZE_LIMIT = 6144;

/** IAM limit on the total size of a role's inline policies (whitespace excluded). */
export const INLINE_POLICY_SIZE_LIMIT = 10240;

/**
 * Size of a policy document as IAM counts it (no whitespace). References are counted at the
 * length of their intrinsic functions, which is close to the length of the ARNs they become.
 */
export function policySize(policy: iam.ManagedPolicy | iam.PolicyDocument): number {
  const doc = policy instanceof iam.PolicyDocument ? policy : policy.document;
  const stack = policy instanceof iam.PolicyDocument ? undefined : Stack.of(policy);
  const resolved = stack ? stack.resolve(doc.toJSON()) : doc.toJSON();
  return JSON.stringify(resolved ?? {}).length;
}
