import { NagMessageLevel } from 'cdk-nag';
import { flatten, isPlainObject, isProvable, render } from './cfn-values';
import { Control, fail, judge, pass } from './control';
import { STUDIO_SECTION } from './sections';
import { observeRetention } from './storage';

const DOMAIN = 'AWS::SageMaker::Domain';
/** The CloudFormation type of a Studio user profile. */
export const USER_PROFILE = 'AWS::SageMaker::UserProfile';
const STUDIO_VPC_DOCS = 'Amazon SageMaker AI Developer Guide, [Connect Studio notebooks in a VPC to external resources](https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-and-internet-access.html)';

/**
 * SageMaker Studio domains send all app traffic through the VPC.
 *
 * Compliant only when `AppNetworkAccessType` resolves to `VpcOnly`. An absent value is
 * non-compliant: the API default is `PublicInternetOnly` (internet access through a VPC that
 * SageMaker manages).
 */
export const DOMAIN_VPC_ONLY: Control = {
  id: 'DomainVpcOnly',
  resourceTypes: [DOMAIN],
  level: NagMessageLevel.ERROR,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio domain does not have AppNetworkAccessType VpcOnly (the default, PublicInternetOnly, gives every app internet access).',
  explanation: 'With PublicInternetOnly, Studio apps reach the internet through a VPC that SageMaker manages, outside the controls of your VPC: '
    + 'notebook code can download unvetted packages and send data anywhere. VpcOnly routes all app traffic through your subnets, security groups and VPC endpoints.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain` whose `AppNetworkAccessType` is not `VpcOnly` (absent means the API default `PublicInternetOnly`).',
    fix: 'Use `SecureStudioDomain`, or set `appNetworkAccessType: \'VpcOnly\'` on `CfnDomain` with private subnets and the VPC endpoints Studio needs.',
    sources: `Project seed guidance (Studio VpcOnly); ${STUDIO_VPC_DOCS}.`,
  },
  report: { label: 'Network: VPC only' },
  check: ({ properties: p }) => [judge(p.AppNetworkAccessType === 'VpcOnly', 'AppNetworkAccessType VpcOnly',
    `AppNetworkAccessType ${p.AppNetworkAccessType ? render(p.AppNetworkAccessType) : 'not set (defaults to PublicInternetOnly)'}: apps have a SageMaker-managed internet path`)],
};

/**
 * SageMaker Studio domains encrypt their home EFS file system with a customer managed key.
 *
 * Compliant when `KmsKeyId` is a non-empty literal or a reference to a resource (a key in the
 * stack, an import). Absent, empty, `AWS::NoValue` or a value that could be anything (a
 * parameter, `Fn::If`) is non-compliant: SageMaker then uses an AWS managed key.
 */
export const DOMAIN_KMS_KEY: Control = {
  id: 'DomainKMSKey',
  resourceTypes: [DOMAIN],
  level: NagMessageLevel.ERROR,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio domain has no customer managed KMS key (KmsKeyId) for its home EFS file system, or the key cannot be proven at synth time.',
  explanation: 'The home EFS file system holds every user\'s notebooks, data extracts and credentials files. Without KmsKeyId it is encrypted with an AWS managed key, '
    + 'whose use you cannot restrict or audit through a key policy.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain` without `KmsKeyId`, or with an empty value or one that cannot be proven at synth time (a parameter, `Fn::If`).',
    fix: 'Use `SecureStudioDomain` (the environment key), or set `kmsKeyId` on `CfnDomain` to a key of the stack or a fixed key ARN.',
    sources: 'Project seed guidance (Studio EFS KMS); CreateDomain `KmsKeyId`.',
  },
  report: { label: 'KMS key (EFS)' },
  check: ({ properties: p, template }) => [judge(isProvable(p.KmsKeyId, template), `KmsKeyId ${render(p.KmsKeyId)}`,
    p.KmsKeyId === undefined ? 'no KmsKeyId: the home EFS uses an AWS managed key' : `KmsKeyId ${render(p.KmsKeyId) || 'empty'}: not a key that can be proven at synth time`)],
};

/**
 * SageMaker Studio domains put their apps in security groups of their own.
 *
 * Compliant when `DefaultUserSettings.SecurityGroups` is a non-empty list whose entries all
 * resolve to a literal or a reference (a parameter, `Fn::If` or other value that could be anything
 * is non-compliant). Without it, the domain's apps are not in security groups the owner controls.
 */
export const DOMAIN_SECURITY_GROUPS: Control = {
  id: 'DomainSecurityGroups',
  resourceTypes: [DOMAIN],
  level: NagMessageLevel.ERROR,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio domain sets no security groups for its apps (DefaultUserSettings.SecurityGroups), or one that cannot be proven at synth time.',
  explanation: 'In VpcOnly mode the security groups of the domain decide what Studio apps can reach: they should allow only traffic within the domain, NFS to the home EFS and HTTPS to the VPC endpoints.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain` without `DefaultUserSettings.SecurityGroups`, with an empty list, or with an entry that cannot be proven.',
    fix: 'Use `SecureStudioDomain` (its own security group, reachable through `connections`), or set `defaultUserSettings.securityGroups` on `CfnDomain`.',
    sources: 'Amazon SageMaker AI Developer Guide, [Connect Studio in a VPC to external resources](https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-and-internet-access.html) '
      + '(security group requirements).',
  },
  check: ({ properties: p, template }) => {
    const settings = p.DefaultUserSettings;
    const groups = isPlainObject(settings) ? settings.SecurityGroups : undefined;
    if (!Array.isArray(groups) || groups.length === 0) {
      return [fail('no DefaultUserSettings.SecurityGroups')];
    }
    return [judge(groups.every((g: unknown) => { const f = flatten(g, template); return f.length > 0 && !f.includes('*'); }),
      `security groups ${render(groups)}`, `security groups ${render(groups)}: not all can be proven at synth time`)];
  },
};

/**
 * SageMaker Studio domains (and so their home EFS file system) survive stack deletion and replacement.
 *
 * Compliant only with `DeletionPolicy` Retain (or RetainExceptOnCreate) and `UpdateReplacePolicy`
 * Retain. CloudFormation has no property for the `RetentionPolicy` of DeleteDomain: once
 * CloudFormation deletes the domain, the home EFS with every user's files is no longer managed
 * by anything in the stack.
 */
export const DOMAIN_HOME_EFS_RETAINED: Control = {
  id: 'DomainHomeEfsRetained',
  resourceTypes: [DOMAIN],
  level: NagMessageLevel.ERROR,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio domain is not retained: DeletionPolicy is not Retain (or RetainExceptOnCreate), or UpdateReplacePolicy is not Retain.',
  explanation: 'Deleting or replacing the domain orphans or deletes its home EFS file system with every user\'s work; CloudFormation has no property for the home EFS RetentionPolicy of DeleteDomain, '
    + 'so the domain itself must be retained and deleted deliberately.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain` without `DeletionPolicy` Retain (or RetainExceptOnCreate) and `UpdateReplacePolicy` Retain.',
    fix: 'Keep `SecureStudioDomain`\'s retained domain, or call `applyRemovalPolicy(RemovalPolicy.RETAIN)` on the `CfnDomain`; delete a domain deliberately, after its users\' files are saved.',
    sources: 'DeleteDomain `RetentionPolicy`; project design (data is retained by default).',
  },
  check: observeRetention,
};

/**
 * SageMaker Studio domains shut idle JupyterLab apps down.
 *
 * Compliant only when
 * `DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement`
 * resolves to `ENABLED`; absent (the API default is off) or unresolvable is non-compliant.
 */
export const DOMAIN_IDLE_SHUTDOWN: Control = {
  id: 'DomainIdleShutdown',
  resourceTypes: [DOMAIN],
  level: NagMessageLevel.ERROR,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio domain does not turn on idle shutdown for JupyterLab apps (DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement ENABLED).',
  explanation: 'Without idle shutdown, JupyterLab apps keep running, and billing, on their instances until a user stops them; forgotten GPU instances are a common source of cost incidents.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain` whose `DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement` is not `ENABLED`.',
    fix: 'Use `SecureStudioDomain` (idle shutdown on), or set `LifecycleManagement: \'ENABLED\'` with an `IdleTimeoutInMinutes` under `defaultUserSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings`.',
    sources: 'Amazon SageMaker AI Developer Guide, [Idle shutdown](https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-idle-shutdown.html).',
  },
  check: ({ properties: p }) => {
    const settings = p.DefaultUserSettings;
    const lab = isPlainObject(settings) ? settings.JupyterLabAppSettings : undefined;
    const lifecycle = isPlainObject(lab) ? lab.AppLifecycleManagement : undefined;
    const idle = isPlainObject(lifecycle) ? lifecycle.IdleSettings : undefined;
    return [judge(isPlainObject(idle) && idle.LifecycleManagement === 'ENABLED', 'idle shutdown of JupyterLab apps enabled',
      'idle shutdown of JupyterLab apps not enabled: idle apps keep billing')];
  },
};

/**
 * SageMaker Studio domains do not let users run Docker.
 *
 * Non-compliant when `DomainSettings.DockerSettings.EnableDockerAccess` is `ENABLED` or does not
 * resolve; absent settings are compliant (the API default is `DISABLED`).
 */
export const DOMAIN_DOCKER_ACCESS_DISABLED: Control = {
  id: 'DomainDockerAccessDisabled',
  resourceTypes: [DOMAIN],
  level: NagMessageLevel.ERROR,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio domain enables Docker access (DomainSettings.DockerSettings.EnableDockerAccess ENABLED), or the setting cannot be proven at synth time.',
  explanation: 'With Docker access, users can build and run arbitrary container images in their apps, with the app\'s network access and execution role credentials, '
    + 'outside the images the platform team vetted.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain` whose `DomainSettings.DockerSettings.EnableDockerAccess` is `ENABLED` or cannot be proven (absent is compliant: the API default is `DISABLED`).',
    fix: 'Keep `SecureStudioDomain`\'s default (`allowDockerAccess` opts in, with a warning), or set `EnableDockerAccess: \'DISABLED\'` (or leave it out) on `CfnDomain`.',
    sources: 'Amazon SageMaker AI Developer Guide, [Local mode and Docker in Studio](https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-local.html).',
  },
  report: { label: 'Root (Docker access)' },
  check: ({ properties: p }) => {
    const settings = p.DomainSettings;
    const docker = isPlainObject(settings) ? settings.DockerSettings : undefined;
    const access = isPlainObject(docker) ? docker.EnableDockerAccess : undefined;
    const unresolved = (settings !== undefined && !isPlainObject(settings)) || (docker !== undefined && !isPlainObject(docker));
    if (unresolved) {
      return [fail('DomainSettings.DockerSettings does not resolve: Docker access may be enabled')];
    }
    return [judge(access === undefined || access === 'DISABLED', `EnableDockerAccess ${access ?? 'not set (DISABLED)'}`,
      `EnableDockerAccess ${render(access)}: apps can run containers with root on the host`)];
  },
};

/**
 * SageMaker Studio domains pass the user profile name as the source identity of every session.
 *
 * Compliant only when `DomainSettings.ExecutionRoleIdentityConfig` resolves to
 * `USER_PROFILE_NAME`; absent (the API default `DISABLED`) or unresolvable is non-compliant.
 */
export const DOMAIN_SOURCE_IDENTITY: Control = {
  id: 'DomainSourceIdentity',
  resourceTypes: [DOMAIN],
  level: NagMessageLevel.ERROR,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio domain does not set DomainSettings.ExecutionRoleIdentityConfig to USER_PROFILE_NAME.',
  explanation: 'With USER_PROFILE_NAME, SageMaker sets the user profile name as the source identity of every session of the execution role, so CloudTrail records which user made each call '
    + 'even when a role is shared; without it, calls show only the role.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain` whose `DomainSettings.ExecutionRoleIdentityConfig` is not `USER_PROFILE_NAME`.',
    fix: 'Use `SecureStudioDomain`, or set `domainSettings.executionRoleIdentityConfig: \'USER_PROFILE_NAME\'` on `CfnDomain`; the execution roles\' trust policies must allow `sts:SetSourceIdentity`.',
    sources: 'Project seed guidance (Studio IAM, per-user audit); Amazon SageMaker AI Developer Guide, [Monitoring user resource access from Studio]'
      + '(https://docs.aws.amazon.com/sagemaker/latest/dg/monitor-user-access.html).',
  },
  check: ({ properties: p }) => {
    const settings = p.DomainSettings;
    const config = isPlainObject(settings) ? settings.ExecutionRoleIdentityConfig : undefined;
    return [judge(config === 'USER_PROFILE_NAME', 'ExecutionRoleIdentityConfig USER_PROFILE_NAME',
      `ExecutionRoleIdentityConfig ${config === undefined ? 'not set (DISABLED)' : render(config)}: CloudTrail shows only the role`)];
  },
};

/** The execution role of a user profile, as a comparable string; undefined when it has none of its own. */
function roleOf(properties: unknown): string | undefined {
  const settings = isPlainObject(properties) ? properties.UserSettings : undefined;
  const role = isPlainObject(settings) ? settings.ExecutionRole : undefined;
  if (role === undefined || role === null || role === '' || (isPlainObject(role) && role.Ref === 'AWS::NoValue')) {
    return undefined;
  }
  return JSON.stringify(role);
}

/**
 * Every SageMaker Studio user profile has an execution role of its own.
 *
 * Non-compliant when `UserSettings.ExecutionRole` is absent (the profile then runs as the domain's
 * default role, shared by every such profile) or is the same value (the same reference or literal
 * ARN) as another user profile's in the same template. Profiles in other stacks are not compared.
 */
export const USER_PROFILE_OWN_ROLE: Control = {
  id: 'UserProfileOwnRole',
  resourceTypes: [USER_PROFILE],
  level: NagMessageLevel.WARN,
  section: STUDIO_SECTION,
  info: 'The SageMaker Studio user profile has no execution role of its own: UserSettings.ExecutionRole is absent (the domain default role) or the same as another user profile\'s in the stack.',
  explanation: 'A role shared by several users gives each of them the permissions of all of them, and CloudTrail shows one role for all their calls. '
    + 'One role per user keeps every action attributable and every grant individual.',
  doc: {
    cause: 'An `AWS::SageMaker::UserProfile` without `UserSettings.ExecutionRole` (it then runs as the domain\'s default role), or with the same value as another user profile in the stack.',
    fix: 'Add users with `SecureStudioDomain.addUserProfile` (a `SageMakerWorkloadRole` per user), or give each `CfnUserProfile` its own `userSettings.executionRole`.',
    sources: 'Project seed guidance ("one IAM role per user" for per-user audit in CloudTrail).',
  },
  // One row on the Studio domain, for all of its user profiles.
  report: { label: 'User profiles with own role' },
  check: ({ logicalId, properties, template }) => {
    const own = roleOf(properties);
    if (own === undefined) {
      return [fail('no UserSettings.ExecutionRole: runs as the domain\'s default execution role')];
    }
    const sharing = template.resourcesOfType(USER_PROFILE).filter(([id, r]) => id !== logicalId && roleOf(r.Properties) === own).map(([id]) => id);
    return sharing.length > 0
      ? [fail(`shares its execution role with user profile ${sharing.join(', ')}`)]
      : [pass(`its own execution role ${render(properties.UserSettings.ExecutionRole)}`)];
  },
};
