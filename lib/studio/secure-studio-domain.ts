import { Annotations, ArnFormat, CfnResource, Duration, Fn, Lazy, RemovalPolicy, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { STUDIO_LIFECYCLE_CONTENT_LIMIT, STUDIO_USER_PLACEHOLDER, studioLifecycleScript } from './lifecycle';
import { allowSourceIdentity } from './source-identity';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import { ISageMakerEnvironment, ISageMakerNetwork } from '../environment/interfaces';
import { SageMakerEnvironment } from '../environment/sagemaker-environment';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { estimatedBase64Length } from '../notebook/lifecycle';
import { PresignedUrlOptions } from '../notebook/secure-notebook';
import { acknowledge, FINDINGS, optOut } from '../private/acknowledge';
import { validationError } from '../private/errors';
import { grantOnPrincipal, managedPolicyGrantee } from '../private/grants';
import { instanceFamily, isNitroInstanceType } from '../private/instance-types';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { arnResourceName, defaultSageMakerName, sageMakerNamePattern } from '../private/names';
import * as perms from '../private/perms';
import { SharedPolicyPrincipal } from '../private/policy-principal';
import { MANAGED_POLICY_SIZE_LIMIT, policySize } from '../private/policy-size';
import { presignedUrlConditions } from '../private/presigned-url';
import { sdkDefaults } from '../private/sdk-defaults';
import { STUDIO_DOMAIN_TAG, STUDIO_USER_TAG, TAG_KEY_PATTERN, TAG_KEY_RULE } from '../private/tags';
import { acknowledgeWildcardResources } from '../private/wildcards';

/** API range of `IdleSettings.IdleTimeoutInMinutes`. */
const MIN_IDLE_MINUTES = 60;
const MAX_IDLE_MINUTES = 525600;

/** CloudFormation's limit of resources per stack. */
const STACK_RESOURCE_LIMIT = 500;

/** Resources one user profile with its own role costs: the role and the profile. */
const RESOURCES_PER_USER = 2;

/** The user profile name pattern of the SageMaker API. */
const PROFILE_NAME_PATTERN = sageMakerNamePattern();

/** The IAM policy variable SageMaker fills with the calling user profile's name. */
const USER_PROFILE_NAME_VARIABLE = '${sagemaker:UserProfileName}';

/** Instance types Studio users may start apps on by default (CPU only; GPU work belongs in jobs). */
const DEFAULT_ALLOWED_INSTANCE_TYPES = [
  'ml.t3.medium', 'ml.t3.large', 'ml.t3.xlarge',
  'ml.m5.large', 'ml.m5.xlarge', 'ml.m5.2xlarge',
  'ml.c5.large', 'ml.c5.xlarge',
];

/**
 * How users sign in to Studio.
 */
export enum StudioAuthMode {
  /** IAM: users open Studio through a presigned URL (`grantPresignedDomainUrl`). */
  IAM = 'IAM',
  /** IAM Identity Center (SSO): every user profile names its Identity Center user. */
  SSO = 'SSO',
}

/**
 * Properties of a `SecureStudioDomain`.
 */
export interface SecureStudioDomainProps {
  /**
   * The environment (network, key, buckets) of the domain.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * Name of the domain (1-63 letters, digits and hyphens).
   *
   * @default - derived from the construct path
   */
  readonly domainName?: string;

  /**
   * How users sign in.
   *
   * @default StudioAuthMode.IAM
   */
  readonly authMode?: StudioAuthMode;

  /**
   * Shut JupyterLab apps down after this long without activity (whole minutes, 60 to 525600).
   * Users may choose a shorter timeout, never a longer one. `Duration.minutes(0)` turns idle
   * shutdown off (warned about). A token (`Duration.minutes(token)`) keeps idle shutdown on, so it
   * must resolve to 60 to 525600.
   *
   * @default Duration.minutes(60)
   */
  readonly idleTimeout?: Duration;

  /**
   * ML instance types users may start apps on (`StringLike` patterns such as `ml.t3.*` are
   * accepted; Nitro families only). `system`, the type of Studio's own default apps, is always
   * allowed. Enforced by an explicit Deny in the shared user policy.
   *
   * @default - ml.t3.medium/large/xlarge, ml.m5.large/xlarge/2xlarge, ml.c5.large/xlarge
   */
  readonly allowedInstanceTypes?: string[];

  /**
   * Instance type of a new JupyterLab space; must be one of `allowedInstanceTypes`.
   *
   * @default 'ml.t3.medium'
   */
  readonly defaultInstanceType?: string;

  /**
   * Tag keys that every `CreateApp` request must carry (an explicit Deny per key when it is
   * missing). The Studio UI does not send tags when it starts apps (domain and profile tags are
   * added after authorization), so set this only when apps are started through the API or SDK
   * with tags.
   *
   * @default - no tag is required
   */
  readonly requiredAppTagKeys?: string[];

  /**
   * Let users share notebooks with their output. Shared output is written to
   * `studio/<domain>/shared-notebooks/` in the artifacts bucket, encrypted with the environment key.
   *
   * @default false
   */
  readonly enableNotebookOutputSharing?: boolean;

  /**
   * Let users run Docker in their apps (local mode, image builds). Containers can then run
   * arbitrary images and reach the same networks as the app; warned about.
   *
   * @default false
   */
  readonly allowDockerAccess?: boolean;

  /**
   * What happens to the domain (and so its home EFS file system with every user's files) and its
   * user profiles when they leave the stack. Anything but `RETAIN` is warned about.
   *
   * @default - the environment's removal policy (RETAIN unless the environment is a sandbox)
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Lines appended to the JupyterLab lifecycle script (runs as the user at each app start).
   *
   * @default - none
   */
  readonly extraLifecycleCommands?: string[];
}

/**
 * A SageMaker Studio domain that only reaches AWS through the VPC, with one audited role per user.
 *
 * - `AppNetworkAccessType: VpcOnly` in the environment's subnets, with a domain security group that
 *   admits only itself (app-to-app traffic) and sends NFS to the home EFS, HTTPS to the interface
 *   endpoints and S3, nothing else
 * - home EFS encrypted with the environment key; the domain (and so its EFS) and user profiles
 *   retained when removed from the stack
 * - IAM auth by default (IAM Identity Center as an option), and the user profile name set as the
 *   source identity of every session (`ExecutionRoleIdentityConfig: USER_PROFILE_NAME`), so
 *   CloudTrail names the user behind every call
 * - JupyterLab as the default app with idle shutdown on, a lifecycle configuration that writes the
 *   SageMaker Python SDK defaults, Docker access disabled and notebook output sharing off
 * - `addUserProfile(name)`: every user gets an execution role of their own, built only from the
 *   domain's shared customer-managed policies (`userPolicy`, `dataPolicy`: so a user costs two
 *   CloudFormation resources, and over 200 users fit in a stack); `userPolicy` denies apps on
 *   instance types that are not allowed
 * - custom tag propagation on: the tags of the domain and of each user profile (those the stack
 *   applies with `Tags.of(...)` included) are added to the SageMaker resources created from Studio
 *
 * A domain is a resource like any other: `connections` are the security group of its apps (so
 * `database.connections.allowDefaultPortFrom(domain)` lets every user's apps reach a database),
 * and `grantPrincipal` stands for every user of the domain: what is granted to it lands in the
 * shared `dataPolicy` that every user role carries (so `bucket.grantRead(domain)` lets every user
 * read). The default execution role is not a grantee: it stays without permissions.
 */
export class SecureStudioDomain extends Resource implements ec2.IConnectable, iam.IGrantable {
  /** Tag key on every user role whose value is the user profile name (the shared policy reads it). */
  public static readonly USER_TAG = STUDIO_USER_TAG;

  /** Tag key that marks the domain's resources and the jobs its users launch (value: the domain name). */
  public static readonly DOMAIN_TAG = STUDIO_DOMAIN_TAG;

  /** The domain. */
  public readonly domain: sagemaker.CfnDomain;

  /** Name of the domain. */
  public readonly domainName: string;

  /** ID of the domain (`d-...`). */
  public readonly domainId: string;

  /** ARN of the domain. */
  public readonly domainArn: string;

  /** How users sign in. */
  public readonly authMode: StudioAuthMode;

  /** The security group of the domain's apps. */
  public readonly securityGroup: ec2.SecurityGroup;

  /**
   * The network peers of the domain: the security group of its apps. Jobs launched from Studio
   * run with network isolation and open no connections, so their group (`jobSecurityGroup`) is
   * not included.
   */
  public readonly connections: ec2.Connections;

  /**
   * Every user of the domain: statements granted to it go into the shared `dataPolicy`, which
   * every user role (created here or passed with `role`) carries. Not a principal of its own:
   * resource policies cannot name it, so grant it resources of this account only.
   */
  public readonly grantPrincipal: iam.IPrincipal;

  /** The security group that jobs launched from Studio use (the SDK defaults name it). */
  public readonly jobSecurityGroup: ec2.SecurityGroup;

  /**
   * The customer-managed policy every user role carries: what a Studio user may do in this domain,
   * scoped to the user's own profile, spaces, apps and S3 prefix through policy variables.
   */
  public readonly userPolicy: iam.ManagedPolicy;

  /**
   * The second customer-managed policy every user role carries: the user's own S3 prefix (and the
   * sharing prefix when sharing is on) and the domain's Studio log streams.
   */
  public readonly dataPolicy: iam.ManagedPolicy;

  /**
   * The domain's default execution role. It has no permissions: a profile created outside this
   * construct without a role of its own can do nothing.
   */
  public readonly defaultRole: SageMakerWorkloadRole;

  /** The JupyterLab lifecycle configuration (SDK defaults). */
  public readonly lifecycleConfig: sagemaker.CfnStudioLifecycleConfig;

  /**
   * The ARN of the domain's lifecycle configuration, in a list: `SageMakerGuardrails` allows it
   * when the domain is one of its `workloads`.
   */
  public readonly lifecycleConfigArns: string[];

  /** The environment. */
  public readonly environment: ISageMakerEnvironment;

  /** Key prefix, in the artifacts bucket, under which each user has `users/<name>/`. */
  public readonly workspacePrefix: string;

  /** The removal policy of the domain and its user profiles. */
  public readonly removalPolicy: RemovalPolicy;

  private readonly profiles = new Map<string, SecureUserProfile>();

  constructor(scope: Construct, id: string, props: SecureStudioDomainProps = {}) {
    super(scope, id);
    const env: ISageMakerEnvironment = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const stack = Stack.of(this);

    this.domainName = props.domainName ?? defaultSageMakerName(this);
    // The lifecycle configuration is '<domain name>-sdk-defaults': this claim covers its name too.
    claimSageMakerName(this, NAME_KINDS.domain, this.domainName);
    this.authMode = props.authMode ?? StudioAuthMode.IAM;
    this.removalPolicy = props.removalPolicy ?? env.removalPolicy;
    const idleMinutes = props.idleTimeout ? this.idleMinutesOf(props.idleTimeout) : MIN_IDLE_MINUTES;
    const allowedInstanceTypes = props.allowedInstanceTypes ?? DEFAULT_ALLOWED_INSTANCE_TYPES;
    const defaultInstanceType = props.defaultInstanceType ?? 'ml.t3.medium';
    this.validate(props, idleMinutes, allowedInstanceTypes, defaultInstanceType);
    this.workspacePrefix = `studio/${this.domainName}/`;

    // Network: apps talk to each other and to their home EFS, and to AWS through the endpoints.
    // Security group descriptions name the domain only when the name is literal (cdk-nag cannot read a reference there).
    const label = Token.isUnresolved(this.domainName) ? '' : ` ${this.domainName}`;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: env.network.vpc,
      description: `Studio domain${label}: traffic within the group, NFS to the home EFS, HTTPS to VPC endpoints and S3`,
      allowAllOutbound: false,
    });
    // Only the ports SageMaker documents between a user's apps (the JupyterServer app and its
    // KernelGateway apps, "Connect Studio notebooks in a VPC to external resources"), not all
    // traffic: users of one domain share the group, so nothing else of one app is open to another.
    this.securityGroup.connections.allowInternally(ec2.Port.tcpRange(8192, 65535), 'Studio apps of the domain: JupyterServer to KernelGateway apps (TCP 8192-65535)');
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    this.allowNfsToHomeEfs(env.network);
    this.jobSecurityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: env.network.vpc,
      description: `Jobs launched from Studio domain${label}: traffic within the group (distributed training) and HTTPS to S3`,
      allowAllOutbound: false,
    });
    this.jobSecurityGroup.connections.allowInternally(ec2.Port.allTraffic(), 'Distributed training between the job instances');
    acknowledge(this.jobSecurityGroup,
      'The only ingress rule admits the job security group itself: instances of one distributed training job exchange gradients and MPI/NCCL traffic on ports chosen at run time; nothing outside the group can connect.',
      ...FINDINGS.selfReferencingIngress);
    env.network.requireEndpoints(this.securityGroup, [
      SageMakerEndpointService.SAGEMAKER_API,
      SageMakerEndpointService.SAGEMAKER_RUNTIME,
      SageMakerEndpointService.STUDIO,
      SageMakerEndpointService.STS,
      SageMakerEndpointService.LOGS,
      SageMakerEndpointService.ECR_API,
      SageMakerEndpointService.ECR_DKR,
    ]);
    env.network.allowS3Through(this.jobSecurityGroup);
    if (env.network.availabilityZoneCount === 1) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:StudioSingleAz',
        'the domain subnets span a single Availability Zone: Studio and every user\'s apps are down when that zone fails. Select subnets in at least two zones.');
    }

    // The default role: no permissions, only for profiles that bring none.
    this.defaultRole = new SageMakerWorkloadRole(this, 'DefaultRole', {
      description: `Default execution role of Studio domain ${this.domainName}: no permissions; every user profile has a role of its own`,
    });
    allowSourceIdentity(this.defaultRole);

    // The shared user policy.
    this.userPolicy = new iam.ManagedPolicy(this, 'UserPolicy', {
      description: `What a user of Studio domain ${this.domainName} may do: own profile, private spaces, apps and S3 prefix only`,
    });
    this.dataPolicy = new iam.ManagedPolicy(this, 'UserDataPolicy', {
      description: `Data of a user of Studio domain ${this.domainName}: own S3 prefix, shared notebooks, the domain's app logs`,
    });
    this.userPolicy.node.addValidation({
      validate: () => {
        const size = policySize(this.userPolicy);
        return size > MANAGED_POLICY_SIZE_LIMIT
          ? [`the shared user policy is ${size} characters, over the IAM limit of ${MANAGED_POLICY_SIZE_LIMIT}. List fewer \`allowedInstanceTypes\` (patterns such as 'ml.m5.*' count once) or fewer \`requiredAppTagKeys\`.`]
          : [];
      },
    });
    this.dataPolicy.node.addValidation({
      validate: () => {
        const size = policySize(this.dataPolicy);
        return size > MANAGED_POLICY_SIZE_LIMIT
          ? [`the shared data policy is ${size} characters, over the IAM limit of ${MANAGED_POLICY_SIZE_LIMIT}: too much was granted to the domain (\`grantPrincipal\`, which every user role carries). Grant prefixes rather than many objects, or grant some of it to the roles of the users who need it (\`profile.role\`).`]
          : [];
      },
    });
    // Every user of the domain as a grantee: statements land in the shared data policy.
    this.grantPrincipal = new SharedPolicyPrincipal(this, this.dataPolicy, {
      code: 'DomainIsNotAPrincipal',
      message: `the users of Studio domain ${this.domainName} have no principal of their own for a resource policy to name: grant the domain resources of its own account (the statements go into its shared \`dataPolicy\`), or grant each user's role (\`profile.role\`).`,
    });

    // Lifecycle configuration: SDK defaults for every JupyterLab app.
    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;
    const defaults = sdkDefaults({
      subnetIds,
      securityGroupIds: [this.jobSecurityGroup.securityGroupId],
      kmsKeyArn: env.key.keyArn,
      defaultBucket: env.artifactsBucket.bucketName,
      defaultPrefix: `${this.workspacePrefix}users/${STUDIO_USER_PLACEHOLDER}/sdk`,
      tags: [{ Key: STUDIO_DOMAIN_TAG, Value: this.domainName }],
      // Jobs and models launched from Studio carry the environment tag too (guardrails may require it).
      environmentName: env.environmentName,
    });
    const script = studioLifecycleScript({
      // One line: the script is written into the template, where it counts toward the 1 MB limit.
      sdkDefaultsJson: JSON.stringify(defaults),
      extraCommands: props.extraLifecycleCommands,
    });
    const length = estimatedBase64Length(script);
    if (length > STUDIO_LIFECYCLE_CONTENT_LIMIT) {
      throw validationError(this, 'LifecycleScriptTooLong',
        `the JupyterLab lifecycle script is about ${length} characters in base64, over the limit of ${STUDIO_LIFECYCLE_CONTENT_LIMIT}. Shorten \`extraLifecycleCommands\`, or move the commands into a script in the user's home and call it.`);
    }
    this.lifecycleConfig = new sagemaker.CfnStudioLifecycleConfig(this, 'LifecycleConfig', {
      studioLifecycleConfigName: Lazy.string({ produce: () => this.lifecycleConfigName() }),
      studioLifecycleConfigAppType: 'JupyterLab',
      studioLifecycleConfigContent: Fn.base64(script),
    });
    this.lifecycleConfigArns = [this.lifecycleConfig.attrStudioLifecycleConfigArn];

    // Sharing: off, or to an encrypted prefix of the artifacts bucket.
    const sharingPrefix = `${this.workspacePrefix}shared-notebooks/`;
    const sharingSettings: sagemaker.CfnDomain.SharingSettingsProperty = props.enableNotebookOutputSharing
      ? { notebookOutputOption: 'Allowed', s3OutputPath: env.artifactsBucket.s3UrlForPrefix(sharingPrefix), s3KmsKeyId: env.key.keyArn }
      : { notebookOutputOption: 'Disabled' };

    // A token timeout keeps idle shutdown on (CloudFormation rejects a value outside 60-525600).
    const idleSettings: sagemaker.CfnDomain.IdleSettingsProperty = Token.isUnresolved(idleMinutes) || idleMinutes > 0
      ? { lifecycleManagement: 'ENABLED', idleTimeoutInMinutes: idleMinutes, minIdleTimeoutInMinutes: MIN_IDLE_MINUTES, maxIdleTimeoutInMinutes: idleMinutes }
      : { lifecycleManagement: 'DISABLED' };

    this.domain = new sagemaker.CfnDomain(this, 'Resource', {
      domainName: this.domainName,
      authMode: this.authMode,
      appNetworkAccessType: 'VpcOnly',
      // The domain's and profiles' tags (stack tags included) reach what users create from Studio,
      // so tags a guardrail requires are there without each user adding them.
      tagPropagation: 'ENABLED',
      vpcId: env.network.vpc.vpcId,
      subnetIds,
      kmsKeyId: env.key.keyArn,
      defaultUserSettings: {
        executionRole: this.defaultRole.roleArn,
        securityGroups: [this.securityGroup.securityGroupId],
        defaultLandingUri: 'studio::',
        studioWebPortal: 'ENABLED',
        jupyterLabAppSettings: {
          appLifecycleManagement: { idleSettings },
          lifecycleConfigArns: [this.lifecycleConfig.attrStudioLifecycleConfigArn],
          defaultResourceSpec: {
            instanceType: defaultInstanceType,
            lifecycleConfigArn: this.lifecycleConfig.attrStudioLifecycleConfigArn,
          },
        },
        sharingSettings,
      },
      domainSettings: {
        securityGroupIds: [this.securityGroup.securityGroupId],
        executionRoleIdentityConfig: 'USER_PROFILE_NAME',
        dockerSettings: { enableDockerAccess: props.allowDockerAccess ? 'ENABLED' : 'DISABLED' },
      },
    });
    this.domain.applyRemovalPolicy(this.removalPolicy);
    this.domainId = this.domain.attrDomainId;
    this.domainArn = stack.formatArn({ service: 'sagemaker', resource: 'domain', resourceName: this.domainId });
    Tags.of(this).add(STUDIO_DOMAIN_TAG, this.domainName);

    this.buildUserPolicy(allowedInstanceTypes, props.requiredAppTagKeys ?? [], props.enableNotebookOutputSharing ? sharingPrefix : undefined);

    // Opt-outs: honoured, warned and acknowledged.
    if (idleMinutes === 0) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:StudioNoIdleShutdown',
        message: 'idleTimeout is 0: JupyterLab apps run (and bill) until their users stop them.',
        on: this.domain,
        reason: 'Idle shutdown was turned off explicitly with `idleTimeout: Duration.minutes(0)` on SecureStudioDomain, which warns at synth time.',
        findings: ['SageMakerSecurity-DomainIdleShutdown'],
      });
    }
    if (props.allowDockerAccess) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:StudioDockerAccess',
        message: 'allowDockerAccess is set: users can run arbitrary container images in their apps, with the app\'s network access and credentials.',
        on: this.domain,
        reason: 'Docker access was enabled explicitly with the `allowDockerAccess` prop of SecureStudioDomain, which warns at synth time.',
        findings: ['SageMakerSecurity-DomainDockerAccessDisabled'],
      });
    }
    if (this.removalPolicy !== RemovalPolicy.RETAIN) {
      const chosenBy = props.removalPolicy !== undefined ? 'the `removalPolicy` prop of SecureStudioDomain' : `the removalPolicy of the sandbox environment ${env.environmentName}`;
      optOut(this, {
        warning: 'cdk-secure-sagemaker:StudioNotRetained',
        message: `removalPolicy is ${this.removalPolicy}: the domain, its user profiles and the home EFS file system with every user's files can be deleted with the stack.`,
        on: this.domain,
        reason: `The removal policy ${this.removalPolicy} was chosen explicitly with ${chosenBy}, which warns at synth time.`,
        findings: ['SageMakerSecurity-DomainHomeEfsRetained'],
      });
    }
    if (props.enableNotebookOutputSharing) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:StudioNotebookSharing',
        `enableNotebookOutputSharing is set: notebook snapshots with their output (which can contain data) are copied to ${sharingPrefix} in the artifacts bucket, encrypted with the environment key, and every user of the domain can read them.`);
    }
  }

  /**
   * Adds a user with an execution role of their own (carrying only the shared `userPolicy` and `dataPolicy`), or with
   * `options.role`.
   *
   * @param userProfileName the user profile name (1-63 letters, digits and hyphens)
   * @param options the user's role and IAM Identity Center user
   */
  public addUserProfile(userProfileName: string, options: UserProfileOptions = {}): SecureUserProfile {
    if (Token.isUnresolved(userProfileName)) {
      throw validationError(this, 'UserProfileNameToken',
        '`userProfileName` is a token, and `addUserProfile` derives the construct ID from the name. Create the profile with `new SecureUserProfile(scope, id, { domain, userProfileName })` instead.');
    }
    return new SecureUserProfile(this, `User-${userProfileName}`, { ...options, domain: this, userProfileName });
  }

  /** The user profiles of this domain, in creation order. */
  public get userProfiles(): SecureUserProfile[] {
    return Array.from(this.profiles.values());
  }

  /**
   * The ARN of a user profile of this domain (`user-profile/<domainId>/<name>`).
   *
   * @param userProfileName the user profile name
   */
  public userProfileArn(userProfileName: string): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'user-profile', resourceName: `${this.domainId}/${arnResourceName(userProfileName)}` });
  }

  /**
   * Lets `grantee` open Studio as `userProfile`: `sagemaker:CreatePresignedDomainUrl` on that
   * profile only, optionally only through given VPC endpoints or from given IP ranges (the
   * conditions also apply to every request made with the URL). IAM auth mode only. Any role,
   * user or group works (imported ones too): the statement lands in a customer-managed policy
   * attached to it, or, for an IAM Identity Center role, in an unattached named policy for the
   * permission set (warned about).
   *
   * @param grantee who may open Studio
   * @param userProfile as which user
   * @param options where from
   */
  public grantPresignedDomainUrl(grantee: iam.IGrantable, userProfile: SecureUserProfile, options: PresignedUrlOptions = {}): iam.Grant {
    if (this.authMode !== StudioAuthMode.IAM) {
      throw validationError(this, 'PresignedUrlNeedsIam',
        '`grantPresignedDomainUrl` works only with `authMode: StudioAuthMode.IAM`: with IAM Identity Center, users sign in through the Identity Center portal and presigned URLs are refused.');
    }
    if (userProfile.domain !== this) {
      throw validationError(this, 'ForeignUserProfile',
        `user profile '${userProfile.userProfileName}' belongs to another domain. Call \`grantPresignedDomainUrl\` on that profile's domain.`);
    }
    return grantOnPrincipal({
      grantee,
      actions: perms.STUDIO_PRESIGNED_DOMAIN_URL,
      resourceArns: [userProfile.userProfileArn],
      conditions: presignedUrlConditions(this, options),
    });
  }

  /**
   * Registers a user profile; fails on a name already taken in this domain.
   * @internal
   */
  public _registerUserProfile(profile: SecureUserProfile): void {
    const name = profile.userProfileName;
    // Names differing only in case share one ARN (SageMaker writes ARNs in lowercase), so grants could not tell them apart.
    const key = Token.isUnresolved(name) ? profile.node.path : name.toLowerCase();
    if (!Token.isUnresolved(name) && this.profiles.has(key)) {
      throw validationError(profile, 'DuplicateUserProfile',
        `user profile '${name}' already exists in Studio domain ${this.domainName} (names differing only in case count as the same: their ARNs are equal). Pick another \`userProfileName\`.`);
    }
    this.profiles.set(key, profile);
  }

  private buildUserPolicy(allowedInstanceTypes: string[], requiredTagKeys: string[], sharingPrefix?: string): void {
    const stack = Stack.of(this);
    const env = this.environment;
    const policy = this.userPolicy;
    const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName });
    const ownProfileArn = arn('user-profile', `${this.domainId}/${USER_PROFILE_NAME_VARIABLE}`);
    const spaces = arn('space', `${this.domainId}/*`);
    const apps = arn('app', `${this.domainId}/*`);
    const ownPrivate = {
      ArnEquals: { 'sagemaker:OwnerUserProfileArn': ownProfileArn },
      StringEquals: { 'sagemaker:SpaceSharingType': 'Private' },
    };

    policy.addStatements(
      new iam.PolicyStatement({ sid: 'DescribeThisDomain', actions: ['sagemaker:DescribeDomain'], resources: [this.domainArn] }),
      new iam.PolicyStatement({ sid: 'DescribeOwnUserProfile', actions: ['sagemaker:DescribeUserProfile'], resources: [ownProfileArn] }),
      new iam.PolicyStatement({ sid: 'ListStudioSpacesAndApps', actions: ['sagemaker:ListApps', 'sagemaker:ListSpaces'], resources: ['*'] }),
      new iam.PolicyStatement({ sid: 'DescribeSpacesOfThisDomain', actions: ['sagemaker:DescribeSpace'], resources: [spaces] }),
      new iam.PolicyStatement({ sid: 'DescribeAppsOfThisDomain', actions: ['sagemaker:DescribeApp'], resources: [apps] }),
      new iam.PolicyStatement({
        sid: 'ManageOwnPrivateSpaces',
        actions: ['sagemaker:CreateSpace', 'sagemaker:UpdateSpace', 'sagemaker:DeleteSpace'],
        resources: [spaces],
        conditions: ownPrivate,
      }),
      new iam.PolicyStatement({
        sid: 'ManageAppsInOwnPrivateSpaces',
        actions: ['sagemaker:CreateApp', 'sagemaker:DeleteApp'],
        resources: [apps],
        conditions: ownPrivate,
      }),
      new iam.PolicyStatement({
        sid: 'TagSpacesAndAppsAtCreation',
        actions: ['sagemaker:AddTags'],
        resources: [spaces, apps],
        conditions: { StringEquals: { 'sagemaker:TaggingAction': ['CreateSpace', 'CreateApp'] } },
      }),
      new iam.PolicyStatement({
        sid: 'AllowedAppInstanceTypesOnly',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:CreateApp'],
        resources: ['*'],
        conditions: { 'ForAnyValue:StringNotLike': { 'sagemaker:InstanceTypes': ['system', ...allowedInstanceTypes.filter((t) => t !== 'system')] } },
      }),
      ...requiredTagKeys.map((key, i) => new iam.PolicyStatement({
        sid: `RequiredAppTag${i + 1}`,
        effect: iam.Effect.DENY,
        actions: ['sagemaker:CreateApp'],
        resources: ['*'],
        conditions: { Null: { [`aws:RequestTag/${key}`]: 'true' } },
      })),
    );

    // Logs of the apps: streams of this domain in SageMaker's Studio log group.
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/studio', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const streamArn = `${logGroupArn}:log-stream:${this.domainId}/*`;
    const data = this.dataPolicy;
    data.addStatements(
      new iam.PolicyStatement({ sid: 'StudioLogGroup', actions: ['logs:CreateLogGroup'], resources: [logGroupArn] }),
      new iam.PolicyStatement({ sid: 'StudioLogStreamsOfThisDomain', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streamArn] }),
    );

    // S3: each user's own prefix, named by the user tag on the role, and the sharing prefix.
    const userPrefix = `${this.workspacePrefix}users/\${aws:PrincipalTag/${STUDIO_USER_TAG}}/`;
    const grantee = this.grantPrincipal;
    // The bucket's grants acknowledge their own prefix wildcards (on the shared policy).
    env.artifactsBucket.grantReadWrite(grantee, userPrefix);
    if (sharingPrefix) {
      env.artifactsBucket.grantReadWrite(grantee, sharingPrefix);
    }

    acknowledgeWildcardResources(policy, ['*'],
      'sagemaker:ListApps and sagemaker:ListSpaces support no resource-level permissions; they list names and status only, and every action on a space or app is limited to the user\'s own private spaces.');
    acknowledgeWildcardResources(policy, [spaces, apps],
      'Space and app names are chosen by users at run time, so the ARNs end in a wildcard within this domain; creating, updating and deleting require the caller to own the private space (sagemaker:OwnerUserProfileArn, SpaceSharingType Private), tagging is limited to creation, and describe is read-only.');
    acknowledgeWildcardResources(data, [streamArn],
      'SageMaker names the log streams of Studio apps after the domain, space and app at run time; the wildcard is limited to this domain\'s streams, and the policy only creates streams and puts events, never reads or deletes.');
  }

  /**
   * NFS from the apps to the home EFS, whose mount targets SageMaker creates in the domain
   * subnets: to the VPC's CIDR when it is known, else to the CIDRs of the domain subnets. A VPC
   * imported with neither (`Vpc.fromVpcAttributes` without `vpcCidrBlock` and subnet CIDRs) gets
   * no rule of ours: SageMaker adds its own security group for NFS to every app (the reason
   * `UserSettings.SecurityGroups` takes one group less than the quota), so Studio still mounts
   * the home file system.
   */
  private allowNfsToHomeEfs(network: ISageMakerNetwork): void {
    const description = 'NFS to the home EFS mount targets that SageMaker creates in the domain subnets';
    const vpcCidr = knownCidr(() => network.vpc.vpcCidrBlock);
    if (vpcCidr !== undefined) {
      this.securityGroup.addEgressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(2049), description);
      return;
    }
    const subnetCidrs = network.vpc.selectSubnets(network.vpcSubnets).subnets.map((s) => knownCidr(() => s.ipv4CidrBlock));
    if (subnetCidrs.length > 0 && subnetCidrs.every((c) => c !== undefined)) {
      for (const cidr of new Set(subnetCidrs as string[])) {
        this.securityGroup.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(2049), description);
      }
      return;
    }
    Annotations.of(this).addInfo(
      'The VPC was imported without `vpcCidrBlock` or subnet CIDRs, so the domain security group has no NFS rule of its own: the apps reach the home EFS through the NFS security group SageMaker adds to them. ' +
      'Pass `vpcCidrBlock` (or the subnets\' `ipv4CidrBlock`) when importing the VPC to have the rule in the template too.');
  }

  /**
   * `<domain name>-sdk-defaults`, cut to 63 characters and not ending in a hyphen (the SageMaker
   * name pattern). A domain name known only at deployment cannot be cut: the name is then derived
   * from the construct path.
   */
  private lifecycleConfigName(): string {
    const resolved = Stack.of(this).resolve(this.domainName);
    const base = typeof resolved === 'string' ? resolved : defaultSageMakerName(this, 50);
    return `${base}-sdk-defaults`.slice(0, 63).replace(/-+$/, '');
  }

  /** The idle timeout in minutes (a token stays a token); a token in another unit cannot be converted. */
  private idleMinutesOf(idleTimeout: Duration): number {
    try {
      return idleTimeout.toMinutes({ integral: false });
    } catch {
      throw validationError(this, 'InvalidIdleTimeout',
        `\`idleTimeout\` ${idleTimeout.toString()} cannot be converted to minutes at synth time: pass a token with \`Duration.minutes(...)\`.`);
    }
  }

  private validate(props: SecureStudioDomainProps, idleMinutes: number, allowed: string[], defaultType: string): void {
    const name = this.domainName;
    if (!Token.isUnresolved(name) && !PROFILE_NAME_PATTERN.test(name)) {
      throw validationError(this, 'InvalidDomainName',
        `\`domainName\` '${name}' must be 1-63 letters, digits and single hyphens, starting and ending with a letter or digit. Use a name such as 'team-a-studio'.`);
    }
    if (props.idleTimeout && !props.idleTimeout.isUnresolved()
      && idleMinutes !== 0 && (!Number.isInteger(idleMinutes) || idleMinutes < MIN_IDLE_MINUTES || idleMinutes > MAX_IDLE_MINUTES)) {
      throw validationError(this, 'InvalidIdleTimeout',
        `\`idleTimeout\` is ${idleMinutes} minutes: Studio accepts whole minutes from ${MIN_IDLE_MINUTES} to ${MAX_IDLE_MINUTES}, or 0 to turn idle shutdown off.`);
    }
    if (allowed.length === 0) {
      throw validationError(this, 'NoAllowedInstanceTypes', '`allowedInstanceTypes` is empty: users could start no app. List at least one type, such as \'ml.t3.medium\'.');
    }
    for (const t of allowed) {
      if (Token.isUnresolved(t) || t === 'system') {
        continue;
      }
      const concrete = t.replace(/\*$/, 'xlarge');
      if (!/^ml\.[a-z0-9-]+\.([a-z0-9]+|\*)$/.test(t) || !instanceFamily(concrete) || !isNitroInstanceType(concrete)) {
        throw validationError(this, 'InvalidAllowedInstanceType',
          `\`allowedInstanceTypes\` entry '${t}' is not an ML instance type (or 'ml.<family>.*' pattern) on the AWS Nitro System. Use types such as 'ml.t3.medium' or 'ml.m5.*'.`);
      }
    }
    if (!Token.isUnresolved(defaultType) && (!/^ml\.[a-z0-9-]+\.[a-z0-9]+$/.test(defaultType) || !isNitroInstanceType(defaultType))) {
      throw validationError(this, 'InvalidDefaultInstanceType',
        `\`defaultInstanceType\` '${defaultType}' is not an ML instance type on the AWS Nitro System (not a pattern, not 'system'): a new JupyterLab space starts on it. Use a type such as 'ml.t3.medium'.`);
    }
    // A token entry may be the default type: then membership cannot be checked at synth time.
    if (!Token.isUnresolved(defaultType) && !allowed.some((t) => Token.isUnresolved(t) || t === defaultType || (t.endsWith('*') && defaultType.startsWith(t.slice(0, -1))))) {
      throw validationError(this, 'DefaultInstanceTypeNotAllowed',
        `\`defaultInstanceType\` '${defaultType}' is not in \`allowedInstanceTypes\`: users could not start their default space. Add it to the list or pick one of ${allowed.join(', ')}.`);
    }
    for (const key of props.requiredAppTagKeys ?? []) {
      if (Token.isUnresolved(key)) {
        throw validationError(this, 'TagKeyToken',
          '`requiredAppTagKeys` has a token: each key becomes an IAM condition key (aws:RequestTag/<key>), which must be known at synth time. Pass literal tag keys.');
      }
      if (!TAG_KEY_PATTERN.test(key)) {
        throw validationError(this, 'InvalidTagKey',
          `\`requiredAppTagKeys\` entry '${key}' is not a valid tag key (${TAG_KEY_RULE}).`);
      }
    }
    for (const entry of props.extraLifecycleCommands ?? []) {
      for (const line of Token.isUnresolved(entry) ? [] : entry.split(/\r?\n/)) {
        if (/^(SDKCONFIG|WHOAMI)$/.test(line.trim())) {
          throw validationError(this, 'ReservedScriptLine',
            `\`extraLifecycleCommands\` line '${line}' is a marker of the generated script (SDKCONFIG, WHOAMI) and would break it. Rename the marker.`);
        }
      }
    }
    if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
      throw validationError(this, 'SnapshotRemovalPolicy',
        '`removalPolicy` is SNAPSHOT, which CloudFormation rejects for Studio domains and user profiles. Use RETAIN (the default), RETAIN_ON_UPDATE_OR_DELETE or DESTROY.');
    }
  }
}

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

    UserProfileResourceCheck.ensure(Stack.of(this));
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

/**
 * The check of one stack's user profiles against CloudFormation's resource limit: once per stack
 * (a child of the stack, found through the tree), however many profiles the stack has.
 */
class UserProfileResourceCheck extends Construct {
  public static readonly ID = 'SecureSageMakerUserProfiles';

  public static ensure(stack: Stack): void {
    if (!stack.node.tryFindChild(UserProfileResourceCheck.ID)) {
      new UserProfileResourceCheck(stack);
    }
  }

  private constructor(stack: Stack) {
    super(stack, UserProfileResourceCheck.ID);
    this.node.addValidation({ validate: () => checkStackSize(stack) });
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

/** The CIDR a getter returns, or undefined when the VPC or subnet was imported without it (the getter throws). */
function knownCidr(get: () => string): string | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}
