import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { validationError } from './errors';
import { ManagedPolicyPacker } from './policy-size';
import { setAcknowledgementScope } from './wildcards';

/**
 * A grantee that stands for every role carrying one shared customer-managed policy (the users of
 * a Studio domain, the notebooks of an environment, a notebook and its job role): statements
 * granted to it land in that policy (or the policies of a packer), and acknowledgements of their
 * wildcards on it. It has no principal of its own, so a
 * grant that would need one (a resource policy, across accounts) fails with `notAPrincipal`
 * instead of naming nobody.
 */
export class SharedPolicyPrincipal implements iam.IPrincipal {
  public readonly assumeRoleAction = 'sts:AssumeRole';
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly principalAccount: string | undefined;

  /**
   * @param owner the construct that owns the policy (errors are reported on it)
   * @param policy the shared policy, or a packer of policies (statements then go to the policy with room)
   * @param notAPrincipal the message (code and text) for a grant that needs a principal
   */
  constructor(
    private readonly owner: IConstruct,
    private readonly policy: iam.ManagedPolicy | ManagedPolicyPacker,
    private readonly notAPrincipal: { readonly code: string; readonly message: string },
  ) {
    this.principalAccount = Stack.of(owner).account;
    // A packer's policies are created beside it, under its parent: acknowledgements go there.
    setAcknowledgementScope(this, policy instanceof ManagedPolicyPacker ? policy.node.scope! : policy);
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    throw validationError(this.owner, this.notAPrincipal.code, this.notAPrincipal.message);
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (this.policy instanceof ManagedPolicyPacker) {
      return { statementAdded: true, policyDependable: this.policy.add(statement) };
    }
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
