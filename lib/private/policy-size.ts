import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** IAM limit on the size of one customer-managed policy document (whitespace excluded). */
export const MANAGED_POLICY_SIZE_LIMIT = 6144;

/**
 * Size of a managed policy's document as IAM counts it (no whitespace). References are counted at
 * the length of their intrinsic functions, which is close to the length of the ARNs they become.
 */
export function policySize(policy: iam.ManagedPolicy): number {
  return JSON.stringify(Stack.of(policy).resolve(policy.document.toJSON()) ?? {}).length;
}
