import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MANAGED_POLICY_SIZE_LIMIT, policySize } from '../private/policy-size';


/**
 * Properties of a `SageMakerWorkloadRole`.
 */
export interface SageMakerWorkloadRoleProps {
  /**
   * Who may assume the role.
   *
   * @default - SageMaker (`sagemaker.amazonaws.com`), only on behalf of this account (`aws:SourceAccount`)
   */
  readonly assumedBy?: iam.IPrincipal;

  /**
   * What the role is for; shown in IAM and in the security report.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * A physical name for the role.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly roleName?: string;

  /**
   * Maximum session duration.
   *
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * A role for one SageMaker workload whose permissions live in a customer-managed policy of its
 * own, never in inline policies and never in AWS-managed policies.
 *
 * Everything granted to it (`bucket.grantRead(role, prefix)`, `role.addToPrincipalPolicy(...)`)
 * lands in that managed policy, which reviewers can read, reuse and diff, and whose size is
 * checked against the IAM limit of 6,144 characters at synth time.
 */
export class SageMakerWorkloadRole extends iam.Role {
  private readonly policyDescription?: string;
  private permissionsPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: SageMakerWorkloadRoleProps = {}) {
    super(scope, id, {
      assumedBy: props.assumedBy ?? new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
      description: props.description,
      roleName: props.roleName,
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
    });
    this.policyDescription = props.description;

    this.node.addValidation({
      validate: () => {
        if (!this.permissionsPolicy) {
          return [];
        }
        const size = policySize(this.permissionsPolicy);
        if (size > MANAGED_POLICY_SIZE_LIMIT) {
          return [
            `the permissions policy of ${this.node.path} is ${size} characters, over the IAM limit of ${MANAGED_POLICY_SIZE_LIMIT}. ` +
            'Grant fewer, broader prefixes (for example one per team instead of one per dataset) or split the workload into two roles.',
          ];
        }
        return [];
      },
    });
  }

  /**
   * Adds a statement to the role's customer-managed policy (not to an inline policy).
   *
   * @param statement the statement
   */
  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const policy = this.permissions;
    policy.addStatements(statement);
    return { statementAdded: true, policyDependable: policy };
  }

  /**
   * The customer-managed policy that holds every permission of the role, created (and attached)
   * with the first permission so that a role without permissions has no empty policy.
   */
  public get permissions(): iam.ManagedPolicy {
    if (!this.permissionsPolicy) {
      this.permissionsPolicy = new iam.ManagedPolicy(this, 'Permissions', {
        description: this.policyDescription ? `Permissions of: ${this.policyDescription}`.slice(0, 1000) : `Permissions of ${this.node.path}`.slice(0, 1000),
      });
      this.addManagedPolicy(this.permissionsPolicy);
    }
    return this.permissionsPolicy;
  }
}
