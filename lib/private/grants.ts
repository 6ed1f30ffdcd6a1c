import { Annotations, Names, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { validationError } from './errors';
import { MANAGED_POLICY_SIZE_LIMIT, ManagedPolicyPacker, MAX_MANAGED_POLICIES } from './policy-size';
import { setAcknowledgementScope } from './wildcards';

/**
 * True for a principal whose own `addToPrincipalPolicy` writes customer-managed policies only
 * (`SageMakerWorkloadRole`): it packs them itself, with a `ManagedPolicyPacker` child.
 */
function isManagedPolicyPrincipal(principal: iam.IPrincipal): boolean {
  return Construct.isConstruct(principal) && ManagedPolicyPacker.of(principal) !== undefined;
}

/** The identity a grant attaches to: an IAM role, user or group the app can name. */
interface Identity {
  readonly construct: IConstruct;
  readonly roles?: iam.IRole[];
  readonly users?: iam.IUser[];
  readonly groups?: iam.IGroup[];
  /** Display name for messages. */
  readonly label: string;
  /** An IAM Identity Center role: IAM refuses to attach anything to it. */
  readonly identityCenter: boolean;
}

/**
 * True for a role that IAM Identity Center created (`AWSReservedSSO_*`, path
 * `/aws-reserved/sso.amazonaws.com/`): IAM refuses changes to it, so its permissions come from
 * the permission set (inline policy or customer-managed policy references), never from a stack.
 */
export function isIdentityCenterRole(role: iam.IRole): boolean {
  const name = role.roleName;
  const arn = role.roleArn;
  return (!Token.isUnresolved(name) && name.startsWith('AWSReservedSSO_'))
    || (!Token.isUnresolved(arn) && arn.includes('aws-reserved/sso.amazonaws.com/'));
}

function identityOf(principal: iam.IPrincipal): Identity | undefined {
  if (!Construct.isConstruct(principal)) {
    return undefined;
  }
  const p = principal as unknown as Record<string, unknown>;
  if (typeof p.roleArn === 'string' && typeof p.roleName === 'string') {
    const role = principal as unknown as iam.IRole;
    return { construct: principal, roles: [role], label: `role ${principal.node.path}`, identityCenter: isIdentityCenterRole(role) };
  }
  if (typeof p.userArn === 'string' && typeof p.userName === 'string') {
    return { construct: principal, users: [principal as unknown as iam.IUser], label: `user ${principal.node.path}`, identityCenter: false };
  }
  if (typeof p.groupArn === 'string' && typeof p.groupName === 'string') {
    return { construct: principal, groups: [principal as unknown as iam.IGroup], label: `group ${principal.node.path}`, identityCenter: false };
  }
  return undefined;
}

/**
 * The customer-managed policies that hold what this library grants to one identity it did not
 * create. Found through the tree (a child of the identity), so every grant to the same identity
 * shares them.
 */
class GrantsToIdentity extends Construct {
  public static readonly ID = 'SecureSageMakerGrants';

  public static of(identity: Identity): GrantsToIdentity {
    const existing = identity.construct.node.tryFindChild(GrantsToIdentity.ID);
    return existing instanceof GrantsToIdentity ? existing : new GrantsToIdentity(identity);
  }

  private readonly packer: ManagedPolicyPacker;

  private constructor(private readonly identity: Identity) {
    super(identity.construct as Construct, GrantsToIdentity.ID);
    this.packer = new ManagedPolicyPacker(this, {
      newPolicy: (n) => this.newPolicy(n),
      tooMany: () => validationError(this, 'TooManyGrants',
        `the grants of cdk-secure-sagemaker to ${this.identity.label} need more than ${MAX_MANAGED_POLICIES} managed policies of ${MANAGED_POLICY_SIZE_LIMIT} characters. Grant fewer resources to this identity, or give it a role per workload.`),
    });
  }

  public add(statement: iam.PolicyStatement): iam.ManagedPolicy {
    return this.packer.add(statement);
  }

  private newPolicy(n: number): iam.ManagedPolicy {
    const id = n === 0 ? 'Policy' : `Policy${n + 1}`;
    if (this.identity.identityCenter) {
      // IAM refuses to attach policies to Identity Center roles. The policy is created with a
      // fixed name, unattached, for the permission set to reference (customer managed policy reference).
      const policy = new iam.ManagedPolicy(this, id, {
        description: `cdk-secure-sagemaker grants for ${this.identity.label}; reference it from the IAM Identity Center permission set`,
      });
      const name = Names.uniqueResourceName(policy, { maxLength: 128, separator: '-' });
      (policy.node.defaultChild as iam.CfnManagedPolicy).managedPolicyName = name;
      Annotations.of(this.identity.construct).addWarningV2('cdk-secure-sagemaker:IdentityCenterRoleGrant',
        `${this.identity.label} is an IAM Identity Center role, which IAM does not let a stack change: what cdk-secure-sagemaker grants it is written to the customer-managed policy '${name}', which is not attached. ` +
        'Add it to the permission set as a customer managed policy reference (same name, path /) in every account the permission set is provisioned to.');
      return policy;
    }
    return new iam.ManagedPolicy(this, id, {
      description: `cdk-secure-sagemaker grants for ${this.identity.label}`.slice(0, 1000),
      roles: this.identity.roles,
      users: this.identity.users,
      groups: this.identity.groups,
    });
  }
}

/**
 * A principal that forwards to `inner` but writes every statement into customer-managed policies
 * attached to `inner`'s role, user or group, never into an inline policy.
 */
class ManagedPolicyGrantee implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;

  constructor(private readonly inner: iam.IPrincipal, private readonly identity: Identity) {
    // Wildcards granted through this adapter are acknowledged where its policies live.
    setAcknowledgementScope(this, identity.construct);
  }

  public get assumeRoleAction(): string {
    return this.inner.assumeRoleAction;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.inner.policyFragment;
  }

  public get principalAccount(): string | undefined {
    return this.inner.principalAccount;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    return { statementAdded: true, policyDependable: GrantsToIdentity.of(this.identity).add(statement) };
  }
}

/**
 * `grantee` as a grantee whose grants land in customer-managed policies: the library's own roles
 * unchanged, any other role, user or group (imported, created by the user, a Lambda function's
 * role) through policies attached to it, so that HIPAA, NIST and PCI (which reject inline
 * policies) accept the result. Pass the result to aws-cdk-lib grant methods too
 * (`stateMachine.grantStartExecution(managedPolicyGrantee(x))`). Principals that are not IAM
 * identities (service or account principals) are returned as they are.
 */
export function managedPolicyGrantee(grantee: iam.IGrantable): iam.IGrantable {
  const principal = grantee.grantPrincipal;
  if (isManagedPolicyPrincipal(principal) || principal instanceof ManagedPolicyGrantee) {
    return grantee;
  }
  const identity = identityOf(principal);
  return identity ? new ManagedPolicyGrantee(principal, identity) : grantee;
}

/** `iam.Grant.addToPrincipal`, with the statement in a customer-managed policy (see `managedPolicyGrantee`). */
export function grantOnPrincipal(options: iam.GrantOnPrincipalOptions): iam.Grant {
  return iam.Grant.addToPrincipal({ ...options, grantee: managedPolicyGrantee(options.grantee) });
}
