import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { validateWholeSeconds } from '../private/durations';
import { validationError } from '../private/errors';
import { iamNamePattern } from '../private/names';
import { MANAGED_POLICY_SIZE_LIMIT, ManagedPolicyPacker, MAX_MANAGED_POLICIES, policySize } from '../private/policy-size';

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
 * lands in that managed policy, which reviewers can read, reuse and diff. Policies stay under the
 * IAM limit of 6,144 characters: a further managed policy is started when one is full.
 */
export class SageMakerWorkloadRole extends iam.Role {
  private readonly policyDescription?: string;
  private readonly packer: ManagedPolicyPacker;

  constructor(scope: Construct, id: string, props: SageMakerWorkloadRoleProps = {}) {
    validateRoleProps(scope, props);
    super(scope, id, {
      assumedBy: props.assumedBy ?? new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
      description: props.description,
      roleName: props.roleName,
      // iam.Role compares the duration with its bounds, which a token cannot pass: a token is set on the L1 below.
      maxSessionDuration: props.maxSessionDuration?.isUnresolved() ? undefined : props.maxSessionDuration ?? Duration.hours(1),
    });
    if (props.maxSessionDuration?.isUnresolved()) {
      (this.node.defaultChild as iam.CfnRole).maxSessionDuration = props.maxSessionDuration.toSeconds();
    }
    this.policyDescription = props.description;
    // A child of the role: grants find it there and need no managed-policy adapter for this role.
    this.packer = new ManagedPolicyPacker(this, {
      newPolicy: (n) => {
        const policy = new iam.ManagedPolicy(this, n === 0 ? 'Permissions' : `Permissions${n + 1}`, {
          // Cut to IAM's 1,000 characters once a token description resolves (a reference cannot be cut: the path is used then).
          description: Lazy.string({ produce: () => this.policyDescriptionText(n) }),
        });
        this.addManagedPolicy(policy);
        return policy;
      },
      tooMany: () => validationError(this, 'TooManyPermissions',
        `the permissions of ${this.node.path} need more than ${MAX_MANAGED_POLICIES} managed policies of ${MANAGED_POLICY_SIZE_LIMIT} characters (the default IAM quota per role). ` +
        'Grant fewer, broader prefixes (for example one per team instead of one per dataset) or split the workload into two roles.'),
    });

    // Safety net: the split below works on estimates taken when statements are added.
    this.node.addValidation({
      validate: () => this.packer.policies
        .map((p) => [p, policySize(p)] as const)
        .filter(([, size]) => size > MANAGED_POLICY_SIZE_LIMIT)
        .map(([p, size]) => `the permissions policy ${p.node.path} is ${size} characters, over the IAM limit of ${MANAGED_POLICY_SIZE_LIMIT}. Grant fewer, broader prefixes or split the workload into two roles.`),
    });
  }

  /**
   * Adds a statement to the role's customer-managed policies (never to an inline policy). When
   * the current policy would pass the IAM size limit, a further managed policy is started; a
   * role holds at most 10 of them (the default IAM quota of managed policies per role).
   *
   * @param statement the statement
   */
  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    return { statementAdded: true, policyDependable: this.packer.add(statement) };
  }

  /** The description of the `n`th managed policy, at most 1,000 characters. */
  private policyDescriptionText(n: number): string {
    const resolved = this.policyDescription === undefined ? undefined : Stack.of(this).resolve(this.policyDescription);
    const what = typeof resolved === 'string' ? resolved : this.node.path;
    return `Permissions${n === 0 ? '' : ` (part ${n + 1})`} of: ${what}`.slice(0, 1000);
  }

  /**
   * The customer-managed policies that hold every permission of the role (usually one; created
   * with the first permission, so a role without permissions has no empty policy).
   */
  public get permissionPolicies(): iam.ManagedPolicy[] {
    return this.packer.policies;
  }
}

/**
 * Rejects props that CreateRole would refuse at deployment (`scope` is the parent: the checks run
 * before the role exists).
 */
function validateRoleProps(scope: Construct, props: SageMakerWorkloadRoleProps): void {
  const name = props.roleName;
  if (name !== undefined && !Token.isUnresolved(name) && !iamNamePattern(64).test(name)) {
    throw validationError(scope, 'InvalidRoleName',
      `\`roleName\` '${name}' must be 1-64 letters, digits and _+=,.@- (the IAM role name pattern). Pick a name such as 'ml-training-churn', or leave it out for a generated one.`);
  }
  const description = props.description;
  if (description !== undefined && !Token.isUnresolved(description)
    && (description.length > 1000 || !/^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/.test(description))) {
    throw validationError(scope, 'InvalidRoleDescription',
      `\`description\` must be at most 1000 characters of printable Latin-1 text (IAM refuses others, such as emoji or '€'); it has ${description.length}.`);
  }
  validateWholeSeconds(scope, 'maxSessionDuration', props.maxSessionDuration, {
    code: 'InvalidMaxSessionDuration',
    min: 3600,
    max: 43200,
    outOfRange: (seconds) => `\`maxSessionDuration\` is ${seconds} seconds: IAM accepts whole seconds from 3600 (1 hour) to 43200 (12 hours).`,
  });
}

