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

/**
 * Characters a reference may grow by between when a statement is added and when the template is
 * written: a reference to a resource of another stack becomes an `Fn::ImportValue` of an export
 * name (`<stack>:ExportsOutputFnGetAtt<LogicalId><hash>...`), about this much longer than the
 * local `Ref` or `Fn::GetAtt` it is estimated as.
 */
const CROSS_STACK_REFERENCE_GROWTH = 60;

/**
 * Estimated size of a statement in a policy document once written, for packing statements into
 * managed policies: its resolved JSON, each reference counted as if it came from another stack.
 */
export function statementSize(stack: Stack, statement: iam.PolicyStatement): number {
  const json = JSON.stringify(stack.resolve(statement.toStatementJson()));
  const references = (json.match(/"(Ref|Fn::GetAtt|Fn::ImportValue)"/g) ?? []).length;
  return json.length + 1 + references * CROSS_STACK_REFERENCE_GROWTH;
}
