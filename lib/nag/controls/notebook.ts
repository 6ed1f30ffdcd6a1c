import { NagMessageLevel } from 'cdk-nag';
import { asList, flatten, isPlainObject, isProvable, referencedId, RefResolver, render } from './cfn-values';
import { Control, fail, judge, notApplicable, pass } from './control';
import { NOTEBOOK_SECTION } from './sections';
import { isNitroInstanceType } from '../../private/instance-types';

const NOTEBOOK = 'AWS::SageMaker::NotebookInstance';

/** The only notebook instance platform that is not deprecated or scheduled for end of support. */
const CURRENT_PLATFORM = 'notebook-al2023-v1';

/**
 * SageMaker notebook instances do not give users root access.
 *
 * Compliant only when `RootAccess` resolves to `Disabled`. CloudFormation's default when the
 * property is omitted is `Enabled`, so an absent value is non-compliant, and so is a value that
 * does not resolve at synth time.
 */
export const NOTEBOOK_ROOT_ACCESS_DISABLED: Control = {
  id: 'NotebookRootAccessDisabled',
  resourceTypes: [NOTEBOOK],
  level: NagMessageLevel.ERROR,
  section: NOTEBOOK_SECTION,
  info: 'The SageMaker notebook instance does not have RootAccess set to Disabled (CloudFormation defaults to Enabled).',
  explanation:
    'With root access, every notebook user can change the instance configuration, disable the controls installed by the lifecycle '
    + 'configuration, install arbitrary software and read everything on the instance. Lifecycle configurations still run as root when '
    + 'root access is disabled, so the library can set up the instance without handing root to its users.',
  doc: {
    cause: 'An `AWS::SageMaker::NotebookInstance` does not have `RootAccess: Disabled`. An absent value is flagged: CloudFormation\'s default is `Enabled`.',
    fix: 'Use `SecureNotebook` (root access is disabled unless `allowRootAccess` is set), or set `rootAccess: \'Disabled\'` on `CfnNotebookInstance`; '
      + 'install software from the lifecycle configuration, which still runs as root.',
    sources: 'Security Hub [SageMaker.3] Users should not have root access to SageMaker notebook instances (AWS Config '
      + '[`sagemaker-notebook-instance-root-access-check`](https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-notebook-instance-root-access-check.html)).',
  },
  report: { label: 'Root access' },
  check: ({ properties: p }) => [judge(p.RootAccess === 'Disabled', 'RootAccess Disabled',
    `RootAccess ${p.RootAccess ? render(p.RootAccess) : 'not set (defaults to Enabled)'}: users can become root`)],
};

/**
 * SageMaker notebook instances require IMDSv2.
 *
 * Compliant only when `InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion`
 * resolves to `'2'` (the number 2 is accepted too). CreateNotebookInstance defaults to `1` (IMDSv1
 * and IMDSv2 both allowed), so an absent configuration is non-compliant, and so is a value that
 * does not resolve at synth time.
 */
export const NOTEBOOK_IMDSV2: Control = {
  id: 'NotebookIMDSv2',
  resourceTypes: [NOTEBOOK],
  level: NagMessageLevel.ERROR,
  section: NOTEBOOK_SECTION,
  info: 'The SageMaker notebook instance does not require IMDSv2: InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion is not 2 (the default is 1).',
  explanation:
    'The instance metadata service hands out the credentials of the notebook execution role. IMDSv1 answers any request that reaches '
    + '169.254.169.254, so a server-side request forgery in notebook code, an open proxy or a misconfigured firewall can leak those '
    + 'credentials; IMDSv2 requires a session token obtained with a PUT request first.',
  doc: {
    cause: 'An `AWS::SageMaker::NotebookInstance` whose `InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion` is not `2` '
      + '(the number `2` is accepted too). An absent configuration is flagged: CreateNotebookInstance defaults to `1`, which allows IMDSv1.',
    fix: 'Use `SecureNotebook`, or set `instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: \'2\' }` on `CfnNotebookInstance`.',
    sources: 'Amazon SageMaker API Reference, [InstanceMetadataServiceConfiguration](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InstanceMetadataServiceConfiguration.html) '
      + '(valid values `1` and `2`); AWS Machine Learning Blog, [Amazon SageMaker Notebook Instances now support configuring and restricting IMDS versions]'
      + '(https://aws.amazon.com/blogs/machine-learning/amazon-sagemaker-notebook-instances-now-support-configuring-and-restricting-imds-versions/).',
  },
  report: { label: 'IMDS' },
  check: ({ properties: p }) => {
    const imds = p.InstanceMetadataServiceConfiguration;
    const version = isPlainObject(imds) ? imds.MinimumInstanceMetadataServiceVersion : undefined;
    return [judge(isPlainObject(imds) && (version === '2' || version === 2), 'IMDSv2 only',
      `MinimumInstanceMetadataServiceVersion ${version !== undefined ? render(version) : 'not set (defaults to 1)'}: IMDSv1 allowed`)];
  },
};

/**
 * SageMaker notebook instances run on the current platform, Amazon Linux 2023 (`notebook-al2023-v1`).
 *
 * Compliant only when `PlatformIdentifier` resolves to `notebook-al2023-v1`. The default applied
 * when the property is omitted has changed over time, so an absent value is non-compliant, and so
 * is a value that does not resolve at synth time.
 */
export const NOTEBOOK_CURRENT_PLATFORM: Control = {
  id: 'NotebookCurrentPlatform',
  resourceTypes: [NOTEBOOK],
  level: NagMessageLevel.ERROR,
  section: NOTEBOOK_SECTION,
  info: 'The SageMaker notebook instance does not set PlatformIdentifier to notebook-al2023-v1 (Amazon Linux 2023).',
  explanation:
    'Amazon Linux 1 and the notebook-al2-v1/v2 platforms are deprecated, and Amazon Linux 2 notebook instances (including notebook-al2-v3) '
    + 'can no longer be created or restarted from 1 July 2026, so they stop receiving security fixes and cannot be recovered. The '
    + 'default used when PlatformIdentifier is omitted has changed over time; pin the current platform explicitly.',
  doc: {
    cause: 'An `AWS::SageMaker::NotebookInstance` whose `PlatformIdentifier` is not `notebook-al2023-v1`. An absent value is flagged: the default applied when it is omitted has changed over time.',
    fix: 'Use `SecureNotebook`, or set `platformIdentifier: \'notebook-al2023-v1\'` on `CfnNotebookInstance`; move conda environments and lifecycle scripts written for '
      + 'Amazon Linux 2 to Amazon Linux 2023 first.',
    sources: 'AWS Config [`sagemaker-notebook-instance-platform-version`](https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-notebook-instance-platform-version.html); '
      + 'Amazon SageMaker AI Developer Guide, [Amazon Linux 2023 notebook instances](https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-al2023.html) and '
      + '[Amazon Linux 2 notebook instances](https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-al2.html).',
  },
  report: { label: 'Platform' },
  check: ({ properties: p }) => {
    const platform = render(p.PlatformIdentifier);
    return [judge(p.PlatformIdentifier === CURRENT_PLATFORM, `PlatformIdentifier ${platform}`,
      platform ? `PlatformIdentifier ${platform}: not the current platform, ${CURRENT_PLATFORM} (Amazon Linux 2023)` : 'no PlatformIdentifier: the default platform is not pinned')];
  },
};

/**
 * SageMaker notebook instances have a lifecycle configuration attached.
 *
 * Compliant when `LifecycleConfigName` is a non-empty string, or is built from references to
 * resources (for example `Fn::GetAtt` of an `AWS::SageMaker::NotebookInstanceLifecycleConfig`'s
 * `NotebookInstanceLifecycleConfigName`, or an `Fn::ImportValue`). Absent, empty, `AWS::NoValue`,
 * or a value that could be anything at deploy time (a CfnParameter, `Fn::If`, `Fn::Select`, ...)
 * is non-compliant.
 */
export const NOTEBOOK_LIFECYCLE_CONFIG_ATTACHED: Control = {
  id: 'NotebookLifecycleConfigAttached',
  resourceTypes: [NOTEBOOK],
  level: NagMessageLevel.ERROR,
  section: NOTEBOOK_SECTION,
  info: 'The SageMaker notebook instance has no lifecycle configuration (LifecycleConfigName is absent, empty or a parameter).',
  explanation:
    'This library enforces idle auto-stop and secure SageMaker SDK defaults through a lifecycle configuration. Without one, an idle '
    + 'instance keeps running (and billing), and jobs started from the notebook do not pick up the secure defaults.',
  doc: {
    cause: 'An `AWS::SageMaker::NotebookInstance` has no `LifecycleConfigName`, or it is empty, `AWS::NoValue`, or a value that cannot be proven at synth time '
      + '(a `CfnParameter`, `Fn::If`, ...). A literal name, a `Ref` / `Fn::GetAtt` to a resource (such as a `CfnNotebookInstanceLifecycleConfig`\'s '
      + '`attrNotebookInstanceLifecycleConfigName`), an `Fn::ImportValue` or an `Fn::Sub` of pseudo parameters is accepted.',
    fix: 'Use `SecureNotebook`, which attaches a lifecycle configuration with idle auto-stop and secure SDK defaults, or attach your own '
      + '`CfnNotebookInstanceLifecycleConfig` by name.',
    sources: 'Amazon SageMaker AI Developer Guide, [Customization of a SageMaker notebook instance using an LCC script](https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-lifecycle-config.html).',
  },
  report: { label: 'Lifecycle configuration' },
  check: ({ properties: p, template }) => [judge(isProvable(p.LifecycleConfigName, template), `LifecycleConfigName ${render(p.LifecycleConfigName)}`,
    p.LifecycleConfigName === undefined ? 'no lifecycle configuration: no idle stop and no SDK defaults'
      : `LifecycleConfigName ${render(p.LifecycleConfigName) || 'empty'}: not a lifecycle configuration that can be proven at synth time`)],
};

/**
 * SageMaker notebook instances use an instance type built on the AWS Nitro System.
 *
 * Compliant only when `InstanceType` resolves to an ML instance type of a Nitro family (so not
 * `ml.t2`, `ml.m4`, `ml.c4`, `ml.p2` or `ml.p3`; `ml.p3dn` is Nitro). A value that does not
 * resolve at synth time is non-compliant.
 */
export const NOTEBOOK_NITRO_INSTANCE_TYPE: Control = {
  id: 'NotebookNitroInstanceType',
  resourceTypes: [NOTEBOOK],
  level: NagMessageLevel.ERROR,
  section: NOTEBOOK_SECTION,
  info: 'The SageMaker notebook instance type is not built on the AWS Nitro System (ml.t2, ml.m4, ml.c4, ml.p2 and ml.p3 are not), or does not resolve.',
  explanation:
    'Instances built on the AWS Nitro System offload virtualization to dedicated hardware under a minimal hypervisor, with no '
    + 'interactive operator access to the host. The older Xen-based families do not, and service control policies that allow only '
    + 'Nitro instance types reject them.',
  doc: {
    cause: 'An `AWS::SageMaker::NotebookInstance` whose `InstanceType` is not an ML instance type built on the AWS Nitro System: `ml.t2`, `ml.m4`, `ml.c4`, `ml.p2` '
      + 'and `ml.p3` (but not `ml.p3dn`) are flagged, and so is a value that does not resolve or is not an `ml.<family>.<size>` type.',
    fix: 'Pick a current family (`ml.t3`, `ml.m5`, `ml.c5`, `ml.g5`, ...) as a literal instance type.',
    sources: 'Project seed guidance: Nitro-only SCP; Amazon EC2 Instance Types Guide, [Instances built on the AWS Nitro System](https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html).',
  },
  check: ({ properties: p }) => [judge(typeof p.InstanceType === 'string' && isNitroInstanceType(p.InstanceType), `${p.InstanceType} (Nitro)`,
    `InstanceType ${render(p.InstanceType) || 'not set'}: not a Nitro instance type`)],
};

const LIFECYCLE_CONFIG = 'AWS::SageMaker::NotebookInstanceLifecycleConfig';

/** Patterns of credentials written into a script: AWS access key IDs, private keys, secret keys and quoted passwords or tokens. */
const SECRET_PATTERNS: Array<[string, RegExp]> = [
  ['an AWS access key ID', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a private key', /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/],
  ['an AWS secret access key', /aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+]{40}/i],
  ['a quoted password or token', /\b(?:password|passwd|secret|token|api_?key)\s*[=:]\s*["'][^"'\s$`{}]{8,}["']/i],
];

/** The text of a lifecycle hook's `Content`: base64 decoded, `Fn::Base64` rendered; undefined when it cannot be read. */
function hookScript(content: unknown, template: RefResolver): string | undefined {
  if (typeof content === 'string') {
    return Buffer.from(content, 'base64').toString('utf-8');
  }
  if (isPlainObject(content) && Object.keys(content).length === 1 && 'Fn::Base64' in content) {
    const inner = content['Fn::Base64'];
    return typeof inner === 'string' ? inner : flattenScript(inner, template);
  }
  return undefined;
}

function flattenScript(value: unknown, template: RefResolver): string | undefined {
  const text = flatten(value, template);
  return text === '*' ? undefined : text;
}

/**
 * SageMaker notebook instance lifecycle configurations hold no credentials: no AWS access key ID,
 * secret access key, private key or quoted password / token in their scripts. A script that cannot
 * be read at synth time is non-compliant.
 */
export const NOTEBOOK_LIFECYCLE_CONFIG_NO_SECRETS: Control = {
  id: 'NotebookLifecycleConfigNoSecrets',
  resourceTypes: [LIFECYCLE_CONFIG],
  level: NagMessageLevel.ERROR,
  section: NOTEBOOK_SECTION,
  info: 'A script of the SageMaker notebook instance lifecycle configuration contains what looks like a credential (access key ID, secret key, private key, quoted password or token), or cannot be read.',
  explanation: 'Lifecycle scripts are readable by everyone who can describe the configuration and are copied onto every instance; a credential in them leaks to all '
    + 'notebook users and to the template. Give the notebook role the access it needs, or read secrets from Secrets Manager at run time.',
  doc: {
    cause: 'An `AWS::SageMaker::NotebookInstanceLifecycleConfig` whose `OnCreate` / `OnStart` `Content` (base64, or `Fn::Base64` of text) contains an AWS access key ID '
      + '(`AKIA` / `ASIA`), an `aws_secret_access_key` value, a private key block or a quoted `password` / `secret` / `token` / `api_key` value of 8 characters or more; '
      + 'content that cannot be read at synth time is flagged.',
    fix: 'Remove the credential from the script; grant the notebook role what it needs, or fetch the secret from AWS Secrets Manager when the script runs.',
    sources: 'Prowler `sagemaker_notebook_instance_no_secrets`; Amazon SageMaker AI Developer Guide, [Customization of a SageMaker notebook instance using an LCC script]'
      + '(https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-lifecycle-config.html).',
  },
  check: ({ properties: p, template }) => {
    const hooks = [...asList(p.OnCreate).map((h) => ['OnCreate', h] as const), ...asList(p.OnStart).map((h) => ['OnStart', h] as const)];
    if (hooks.length === 0) {
      return [pass('no scripts')];
    }
    return hooks.map(([name, hook]) => {
      const script = isPlainObject(hook) ? hookScript(hook.Content, template) : undefined;
      if (script === undefined) {
        return judge(false, '', `${name} content cannot be read at synth time: it cannot be checked for credentials`);
      }
      const found = SECRET_PATTERNS.filter(([, re]) => re.test(script)).map(([what]) => what);
      return judge(found.length === 0, `${name}: no credentials found`, `${name} contains ${found.join(' and ')}`);
    });
  },
};

/**
 * The execution role of a SageMaker notebook instance, when the template defines it, trusts
 * SageMaker only for `sts:AssumeRole` (and `sts:SetSourceIdentity` / `sts:TagSession`): no
 * `Allow` statement of its trust policy has a wildcard action or principal. Not applicable for a
 * role the template does not define (its trust policy is outside the template).
 */
export const NOTEBOOK_ROLE_TRUST_SCOPED: Control = {
  id: 'NotebookRoleTrustScoped',
  resourceTypes: [NOTEBOOK],
  level: NagMessageLevel.ERROR,
  section: NOTEBOOK_SECTION,
  info: 'The trust policy of the SageMaker notebook instance\'s execution role allows a wildcard action or principal, or cannot be read.',
  explanation: 'The notebook role holds the access of every notebook user. A trust policy that allows every action (`*`, `sts:*`) or any principal lets more than '
    + 'SageMaker obtain those credentials.',
  doc: {
    cause: 'An `AWS::SageMaker::NotebookInstance` whose `RoleArn` is a `Ref` / `Fn::GetAtt` of an `AWS::IAM::Role` of the template, where an `Allow` statement of the role\'s '
      + '`AssumeRolePolicyDocument` has an action with a wildcard or a `*` principal, or the document does not resolve. Not applicable to a role defined outside the template.',
    fix: 'Use `SecureNotebook` (its role trusts `sagemaker.amazonaws.com` for `sts:AssumeRole` only), or write the trust policy with explicit actions and the SageMaker service principal.',
    sources: 'Checkov CKV2_AWS_68 Ensure SageMaker notebook instance IAM policy is not overly permissive; IAM User Guide, '
      + '[Modifying a role trust policy](https://docs.aws.amazon.com/IAM/latest/UserGuide/roles-managingrole-editing-console.html).',
  },
  check: ({ properties: p, template }) => {
    const id = referencedId(p.RoleArn);
    const role = id === undefined ? undefined : template.resource(id);
    if (!role || role.Type !== 'AWS::IAM::Role') {
      return [notApplicable('the execution role is defined outside this template')];
    }
    const doc = role.Properties?.AssumeRolePolicyDocument;
    if (!isPlainObject(doc)) {
      return [fail(`the trust policy of ${id} does not resolve`)];
    }
    const statements = asList(doc.Statement);
    const wide = statements.filter((s) => !isPlainObject(s) || (s.Effect === 'Allow' && (
      asList(s.Action).some((a) => flatten(a, template).includes('*'))
      || s.Principal === '*'
      || (isPlainObject(s.Principal) && Object.values(s.Principal).some((v) => asList(v).some((x) => flatten(x, template) === '*'))))));
    return [judge(statements.length > 0 && wide.length === 0, `the trust policy of ${id} names its actions and principals`,
      `the trust policy of ${id} allows a wildcard action or principal`)];
  },
};
