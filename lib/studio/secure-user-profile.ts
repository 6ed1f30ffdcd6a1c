import { Annotations, CfnResource, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { SecureStudioDomain } from './secure-studio-domain';
import { allowSourceIdentity } from './source-identity';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge } from '../private/acknowledge';
import { validationError } from '../private/errors';
import { managedPolicyGrantee } from '../private/grants';
import { sageMakerNamePattern } from '../private/names';

/** CloudFormation's limit of resources per stack. */
const STACK_RESOURCE_LIMIT = 500;

/** Resources one user profile with its own role costs: the role and the profile. */
const RESOURCES_PER_USER = 2;

/** Must match `SecureStudioDomain.USER_TAG` (kept here too to avoid a runtime import cycle). */
const STUDIO_USER_TAG = 'secure-sagemaker-studio-user';

/** Stacks whose resource count is already checked by one profile in them. */
const checkedStacks = new WeakSet<Stack>();

/**
 * Options of a Studio user.
 */
export interface UserProfileOptions {
  /**
   * An existing execution role for the user instead of a new one. The domain's shared user
   * policies are attached to it too; tag it with `SecureStudioDomain.USER_TAG` = the profile name
   * for the user's S3 prefix to work. Give every user a role of their own: a role shared by two profiles
   * makes their actions indistinguishable in CloudTrail (warned about).
   *
   * @default - a new role carrying only the domain's shared user policies
   */
  readonly role?: iam.IRole;

  /**
   * The IAM Identity Center user name of this user. Required with `StudioAuthMode.SSO`, rejected
   * with `StudioAuthMode.IAM`.
   *
   * @default - none (IAM auth)
   */
  readonly ssoUserName?: string;
}

/**
 * Properties of a `SecureUserProfile`.
 */
export interface SecureUserProfileProps extends UserProfileOptions {
  /** The domain. It may be in another stack of the same app (to spread users over stacks). */
  readonly domain: SecureStudioDomain;

  /** The user profile name: 1-63 letters, digits and hyphens, starting and ending with a letter or digit. */
  readonly userProfileName: string;
}

/**
 * A user of a `SecureStudioDomain`, with an execution role of their own.
 *
 * The role carries only the domain's two shared customer-managed policies (no inline policy and no
 * policy of its own), and a tag with the user profile name that the shared policy uses to scope
 * the user's S3 prefix. So a user costs two CloudFormation resources; each stack is checked at
 * synth time against the 500-resource limit, with a message saying how many users fit.
 * Usually created with `domain.addUserProfile(name)`.
 *
 * A profile is a resource like any other: `connections` are the domain's app security group (the
 * group the user's apps run with), and `grantPrincipal` is the user's role, so
 * `bucket.grantRead(profile)` gives this user, and no other, access.
 */
export class SecureUserProfile extends Resource implements ec2.IConnectable, iam.IGrantable {
  /** The user profile. */
  public readonly userProfile: sagemaker.CfnUserProfile;

  /** The user profile name. */
  public readonly userProfileName: string;

  /** ARN of the user profile (`user-profile/<domainId>/<name>`). */
  public readonly userProfileArn: string;

  /** The user's execution role. */
  public readonly role: iam.IRole;

  /** The domain. */
  public readonly domain: SecureStudioDomain;

  /** The network peers of the user's apps: the domain's app security group (shared by every user of the domain). */
  public readonly connections: ec2.Connections;

  /**
   * The user's role. A role passed with `role` that this library did not create is wrapped so
   * that grants land in customer-managed policies attached to it, not in an inline policy.
   */
  public readonly grantPrincipal: iam.IPrincipal;

  private sharedRoleAcknowledged = false;

  constructor(scope: Construct, id: string, props: SecureUserProfileProps) {
    super(scope, id);
    this.domain = props.domain;
    this.userProfileName = props.userProfileName;
    const name = props.userProfileName;
    if (!Token.isUnresolved(name) && !sageMakerNamePattern().test(name)) {
      throw validationError(this, 'InvalidUserProfileName',
        `\`userProfileName\` '${name}' must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit (pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$). Use a name such as 'alice' or 'data-team-bob'.`);
    }
    const sso = (props.domain.authMode as string) === 'SSO';
    if (sso && !props.ssoUserName) {
      throw validationError(this, 'MissingSsoUserName',
        `user profile '${name}' needs \`ssoUserName\`: the domain uses IAM Identity Center, and each profile must name the Identity Center user it belongs to.`);
    }
    if (!sso && props.ssoUserName) {
      throw validationError(this, 'SsoUserNameWithIam',
        `user profile '${name}' sets \`ssoUserName\` but the domain uses IAM auth. Drop \`ssoUserName\`, or create the domain with \`authMode: StudioAuthMode.SSO\`.`);
    }
    props.domain._registerUserProfile(this);

    let sharedWith: SecureUserProfile[] = [];
    if (props.role) {
      this.role = props.role;
      props.domain.userPolicy.attachToRole(props.role);
      props.domain.dataPolicy.attachToRole(props.role);
      sharedWith = props.domain.userProfiles.filter((p) => p !== this && p.role === props.role);
      if (sharedWith.length > 0) {
        Annotations.of(this).addWarningV2('cdk-secure-sagemaker:StudioSharedRole',
          `user profile '${name}' uses the same role as ${sharedWith.map((p) => `'${p.userProfileName}'`).join(', ')}: CloudTrail can tell them apart only by source identity, and each can do whatever the other can. Give every user a role of their own.`);
      }
    } else {
      const role = new SageMakerWorkloadRole(this, 'Role', {
        description: `Execution role of Studio user ${name} in domain ${props.domain.domainName}`,
      });
      role.addManagedPolicy(props.domain.userPolicy);
      role.addManagedPolicy(props.domain.dataPolicy);
      allowSourceIdentity(role);
      this.role = role;
    }

    this.grantPrincipal = managedPolicyGrantee(this.role).grantPrincipal;
    this.connections = new ec2.Connections({ securityGroups: [props.domain.securityGroup] });

    this.userProfile = new sagemaker.CfnUserProfile(this, 'Resource', {
      domainId: props.domain.domainId,
      userProfileName: name,
      singleSignOnUserIdentifier: sso ? 'UserName' : undefined,
      singleSignOnUserValue: sso ? props.ssoUserName : undefined,
      userSettings: { executionRole: this.role.roleArn },
    });
    this.userProfile.applyRemovalPolicy(props.domain.removalPolicy);
    this.userProfileArn = props.domain.userProfileArn(name);
    Tags.of(this).add(STUDIO_USER_TAG, name);
    for (const profile of sharedWith.length > 0 ? [this, ...sharedWith] : []) {
      profile.acknowledgeSharedRole();
    }

    const stack = Stack.of(this);
    if (!checkedStacks.has(stack)) {
      checkedStacks.add(stack);
      this.node.addValidation({ validate: () => checkStackSize(stack) });
    }
  }

  private acknowledgeSharedRole(): void {
    if (this.sharedRoleAcknowledged) {
      return;
    }
    this.sharedRoleAcknowledged = true;
    acknowledge(this.userProfile,
      'The execution role was passed explicitly with the `role` option and is shared with another user profile; SecureUserProfile warns about it at synth time, and the source identity (user profile name) still tells the users apart in CloudTrail.',
      'SageMakerSecurity-UserProfileOwnRole');
  }
}

/** The error for a stack over the CloudFormation resource limit, with how many users fit. */
function checkStackSize(stack: Stack): string[] {
  const resources = stack.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
  if (resources.length <= STACK_RESOURCE_LIMIT) {
    return [];
  }
  const profiles = stack.node.findAll().filter((c): c is SecureUserProfile => c instanceof SecureUserProfile && Stack.of(c) === stack);
  // A profile costs its own role and itself; a profile given an existing role costs itself only.
  const ownsRole = (p: SecureUserProfile) => p.role instanceof SageMakerWorkloadRole && p.role.node.scope === p;
  const userResources = profiles.reduce((n, p) => n + (ownsRole(p) ? RESOURCES_PER_USER : 1), 0);
  const other = resources.length - userResources;
  const fit = Math.max(0, Math.floor((STACK_RESOURCE_LIMIT - other) / RESOURCES_PER_USER));
  return [
    `stack ${stack.stackName} has ${resources.length} CloudFormation resources, over the limit of ${STACK_RESOURCE_LIMIT}: its ${profiles.length} Studio user profiles take ${userResources} `
    + `(a role and a profile each) and the other ${other} resources leave room for at most ${fit} users. `
    + `Create the other ${profiles.length - fit} users in a second stack of the same app with `
    + '`new SecureUserProfile(otherStack, id, { domain, userProfileName })` (the domain can stay where it is), or pass existing roles with `role` (one resource per user).',
  ];
}
