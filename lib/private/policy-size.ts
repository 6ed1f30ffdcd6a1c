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

/** Room kept below the IAM limit, since sizes are estimated before references resolve. */
const SPLIT_BUDGET = MANAGED_POLICY_SIZE_LIMIT - 400;
/** `{"Statement":[],"Version":"2012-10-17"}` */
const EMPTY_POLICY_SIZE = 40;
/** Default IAM quota of managed policies attached to one role, user or group. */
export const MAX_MANAGED_POLICIES = 10;

/**
 * Packs statements into customer-managed policies under IAM's size limit: a further policy is
 * started (by `newPolicy`, with its index) when the current one would pass the limit, up to
 * `MAX_MANAGED_POLICIES`, past which `tooMany` names the error. Policies are created with their
 * first statement, so an owner without permissions has no empty policy.
 */
export class ManagedPolicyPacker {
  private readonly packed: iam.ManagedPolicy[] = [];
  private currentSize = 0;

  constructor(
    private readonly stack: Stack,
    private readonly newPolicy: (n: number) => iam.ManagedPolicy,
    private readonly tooMany: () => Error,
  ) {}

  /** Adds `statement` to the current policy, or to a new one; returns the policy that holds it. */
  public add(statement: iam.PolicyStatement): iam.ManagedPolicy {
    const size = statementSize(this.stack, statement);
    let policy = this.packed[this.packed.length - 1];
    if (!policy || this.currentSize + size > SPLIT_BUDGET) {
      if (this.packed.length >= MAX_MANAGED_POLICIES) {
        throw this.tooMany();
      }
      policy = this.newPolicy(this.packed.length);
      this.packed.push(policy);
      this.currentSize = EMPTY_POLICY_SIZE;
    }
    policy.addStatements(statement);
    this.currentSize += size;
    return policy;
  }

  /** The policies created so far, in order. */
  public get policies(): iam.ManagedPolicy[] {
    return [...this.packed];
  }
}
