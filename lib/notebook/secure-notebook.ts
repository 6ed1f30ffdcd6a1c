import { Annotations, Duration, Fn, IResource, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IConstruct } from 'constructs';
import {
  estimatedBase64Length,
  LIFECYCLE_CONTENT_LIMIT,
  onCreateScript,
  onStartScript,
} from './lifecycle';
import { acknowledgeNotebookJobArns, notebookJobLaunchStatements, notebookWorkspacePrefix, SharedNotebookPolicies } from './shared-policies';
import { hostOf } from '../environment/dns-firewall';
import { InterfaceEndpointPolicy } from '../environment/endpoint-policy';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import { ISageMakerEnvironment, ISecureBucket } from '../environment/interfaces';
import { SageMakerEnvironment } from '../environment/sagemaker-environment';
import { SageMakerNetwork } from '../environment/sagemaker-network';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge, acknowledgeImportedValue, FINDINGS, optOut } from '../private/acknowledge';
import { validationError } from '../private/errors';
import { grantOnPrincipal } from '../private/grants';
import { validateWorkloadInstanceType } from '../private/instance-types';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { arnResourceName, defaultSageMakerName, sageMakerNamePattern } from '../private/names';
import * as perms from '../private/perms';
import { SharedPolicyPrincipal } from '../private/policy-principal';
import { MANAGED_POLICY_SIZE_LIMIT, ManagedPolicyPacker, MAX_MANAGED_POLICIES } from '../private/policy-size';
import { presignedUrlConditions } from '../private/presigned-url';
import { sdkDefaults } from '../private/sdk-defaults';
import { NOTEBOOK_OWNER_TAG, NOTEBOOK_ROLE_TAGS } from '../private/tags';

/** The only notebook platform that can be created today (Amazon Linux 2023). */
const CURRENT_PLATFORM = 'notebook-al2023-v1';

/**
 * How much a notebook may do with a bucket prefix.
 */
export enum DataAccess {
  /** Read and list the prefix. */
  READ = 'READ',
  /** Read, list, write and delete under the prefix. */
  READ_WRITE = 'READ_WRITE',
}

/**
 * A bucket prefix a notebook (and the jobs it launches) may use.
 */
export interface NotebookDataAccess {
  /** The bucket (created here, or imported with `SecureBucket.fromBucketAttributes`). */
  readonly bucket: ISecureBucket;

  /** Key prefix, such as `datasets/team-a/`; no wildcards. */
  readonly prefix: string;

  /**
   * What the notebook may do there.
   *
   * @default DataAccess.READ
   */
  readonly access?: DataAccess;
}

/**
 * An AWS CodeArtifact repository that pip uses instead of the internet.
 */
export interface NotebookCodeArtifactOptions {
  /** The CodeArtifact domain. */
  readonly domain: string;

  /**
   * The account that owns the domain.
   *
   * @default - this stack's account
   */
  readonly domainOwner?: string;

  /** The repository (with an upstream to PyPI, typically). */
  readonly repository: string;
}

/**
 * Options of `grantPresignedUrl`.
 */
export interface PresignedUrlOptions {
  /**
   * Allow the call only through these interface VPC endpoints (`aws:SourceVpce`), e.g. the
   * SageMaker API endpoint that a bastion or a corporate network reaches.
   *
   * @default - no VPC endpoint condition
   */
  readonly vpcEndpoints?: ec2.IInterfaceVpcEndpoint[];

  /**
   * Allow the call only from these public IP ranges (`aws:SourceIp`, CIDR notation). Does not
   * apply to calls that arrive through a VPC endpoint; use `vpcEndpoints` for those.
   *
   * @default - no IP condition
   */
  readonly sourceIpRanges?: string[];
}

/**
 * Properties of a `SecureNotebook`.
 */
export interface SecureNotebookProps {
  /**
   * The environment (network, key, buckets) of the notebook.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * Name of the notebook instance (1-63 letters, digits and hyphens). Its role's permissions
   * name it, so it is fixed at synth time.
   *
   * @default - derived from the construct path
   */
  readonly notebookName?: string;

  /**
   * ML instance type; only types on the AWS Nitro System are accepted.
   *
   * @default 'ml.t3.medium'
   */
  readonly instanceType?: string;

  /**
   * Size of the encrypted ML storage volume, in GB (5 to 16384).
   *
   * @default 5
   */
  readonly volumeSizeInGb?: number;

  /**
   * The key that encrypts the ML storage volume.
   *
   * @default - the environment's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Bucket prefixes the notebook, and the jobs it launches, may use. The notebook always has its
   * own read/write workspace `notebooks/<name>/` in the artifacts bucket.
   *
   * @default - the workspace only
   */
  readonly dataAccess?: NotebookDataAccess[];

  /**
   * Give users root access on the instance. Root can change the SDK defaults, the auto-stop
   * timer and the network settings of the instance; this is warned about at synth.
   *
   * @default false
   */
  readonly allowRootAccess?: boolean;

  /**
   * Stop the instance after this long without kernel activity. `Duration.minutes(0)` disables
   * auto-stop (warned about).
   *
   * @default Duration.minutes(60)
   */
  readonly idleTimeout?: Duration;

  /**
   * A private pip index (mirror) URL; there is no internet path to PyPI.
   *
   * @default - none
   */
  readonly pipIndexUrl?: string;

  /**
   * A CodeArtifact repository for pip; adds the CodeArtifact interface endpoints and a
   * read-only grant on that repository.
   *
   * @default - none
   */
  readonly codeArtifact?: NotebookCodeArtifactOptions;

  /**
   * Private conda channels (mirror URLs).
   *
   * @default - none
   */
  readonly condaChannels?: string[];

  /**
   * ECR repositories whose images the jobs launched from the notebook may use (adds the ECR
   * interface endpoints).
   *
   * @default - none: jobs use images SageMaker pulls itself (AWS Deep Learning Containers)
   */
  readonly jobImageRepositories?: ecr.IRepository[];

  /**
   * Lines appended to the on-start script (runs as root at every start, 5 minutes at most).
   *
   * @default - none
   */
  readonly extraOnStartCommands?: string[];

  /**
   * Lines appended to the on-create script.
   *
   * @default - none
   */
  readonly extraOnCreateCommands?: string[];
}

/**
 * A SageMaker notebook instance: created with `SecureNotebook`, or one deployed elsewhere
 * (`SecureNotebook.fromNotebookName`) that people in this app should be able to open.
 */
export interface ISecureNotebook extends IResource {
  /** Name of the notebook instance. */
  readonly notebookName: string;

  /** ARN of the notebook instance. */
  readonly notebookArn: string;

  /**
   * Lets `grantee` open this notebook (`CreatePresignedNotebookInstanceUrl` and
   * `DescribeNotebookInstance` on this notebook only), optionally only from given VPC endpoints
   * or IP ranges. The statement goes to a customer-managed policy of `grantee`, never an inline one.
   *
   * @param grantee who may open the notebook
   * @param options where from
   */
  grantPresignedUrl(grantee: iam.IGrantable, options?: PresignedUrlOptions): iam.Grant;
}

/**
 * A SageMaker notebook instance that cannot leak, with a role that can only touch its own data.
 *
 * - in the environment's private subnet, with its own security group (no ingress; HTTPS egress to
 *   the interface endpoints and S3 only); direct internet access disabled
 * - root access disabled, IMDSv2 only, Amazon Linux 2023 platform, Nitro instance types only
 * - ML storage volume encrypted with the environment key
 * - a lifecycle configuration that writes SageMaker Python SDK defaults (VPC, KMS, network isolation,
 *   inter-container encryption, ownership tags), stops the instance when idle and points pip/conda
 *   at private repositories
 * - an execution role (customer-managed policies only) that reads/writes only the prefixes it is
 *   given, may launch training and processing jobs only when they carry the environment's subnets,
 *   security group, KMS key, network isolation and inter-container encryption, and may pass only
 *   its job role
 * - what every notebook may do is in the environment's shared notebook policies, which name the
 *   notebook, its job security group and its job role through tags on its two roles
 *   (`secure-sagemaker-notebook`, `-job-group`, `-job-role`); a notebook adds only the policy of
 *   its `dataAccess` prefixes, which both of its roles carry (11 resources; 40 notebooks fit in
 *   one stack)
 *
 * A notebook is a resource like any other: `connections` are its security group (so
 * `database.connections.allowDefaultPortFrom(notebook)` lets code in the notebook reach a
 * database), and `grantPrincipal` is its execution role (so `bucket.grantRead(notebook)` works).
 */
export class SecureNotebook extends Resource implements ISecureNotebook, ec2.IConnectable, iam.IGrantable {
  /** Tag key that marks the notebook's resources and the jobs it launches (value: the notebook name). */
  public static readonly OWNER_TAG = NOTEBOOK_OWNER_TAG;

  /**
   * A notebook instance deployed elsewhere (another app, or the console), to grant people access to it.
   *
   * @param scope construct scope
   * @param id construct ID
   * @param notebookName name of the notebook instance, in this stack's account and Region
   */
  public static fromNotebookName(scope: Construct, id: string, notebookName: string): ISecureNotebook {
    return new ImportedNotebook(scope, id, notebookName);
  }

  /**
   * The network peers of the notebook: its own security group. Jobs launched from the notebook
   * run with network isolation and open no connections, so their group (`jobSecurityGroup`) is
   * not included.
   */
  public readonly connections: ec2.Connections;

  /** The notebook's execution role: grants to the notebook extend it. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** The notebook instance. */
  public readonly notebook: sagemaker.CfnNotebookInstance;

  /** Name of the notebook instance. */
  public readonly notebookName: string;

  /** ARN of the notebook instance. */
  public readonly notebookArn: string;

  /** The execution role of the notebook. */
  public readonly role: SageMakerWorkloadRole;

  /** The execution role of jobs launched from the notebook (the only role the notebook may pass). */
  public readonly jobRole: SageMakerWorkloadRole;

  /** The notebook's security group. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The security group that jobs launched from the notebook must use. */
  public readonly jobSecurityGroup: ec2.SecurityGroup;

  /** The lifecycle configuration. */
  public readonly lifecycleConfig: sagemaker.CfnNotebookInstanceLifecycleConfig;

  /**
   * The ARNs the notebook's lifecycle configuration is known by (its name as given, and in lower
   * case, as SageMaker writes names in ARNs): `SageMakerGuardrails` allows exactly these when the
   * notebook is one of its `workloads`.
   */
  public readonly lifecycleConfigArns: string[];

  /** The environment. */
  public readonly environment: ISageMakerEnvironment;

  /** Key prefix of the notebook's workspace in the artifacts bucket. */
  public readonly workspacePrefix: string;

  constructor(scope: Construct, id: string, props: SecureNotebookProps = {}) {
    super(scope, id);
    const env: ISageMakerEnvironment = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const stack = Stack.of(this);

    this.notebookName = props.notebookName ?? defaultSageMakerName(this);
    this.validate(props);
    // The lifecycle configuration is named after the notebook: this claim covers its name too.
    claimSageMakerName(this, NAME_KINDS.notebook, this.notebookName);

    const key = props.encryptionKey ?? env.key;
    const instanceType = props.instanceType ?? 'ml.t3.medium';
    const idleMinutes = props.idleTimeout ? props.idleTimeout.toMinutes() : 60;
    this.workspacePrefix = notebookWorkspacePrefix(this.notebookName);
    this.notebookArn = stack.formatArn({ service: 'sagemaker', resource: 'notebook-instance', resourceName: arnResourceName(this.notebookName) });

    // Network: the notebook and its jobs each get a security group without ingress from outside.
    // A security group description cannot be changed in place and AwsSolutions-EC27 must read it: no tokens.
    const described = Token.isUnresolved(this.notebookName) ? '' : ` ${this.notebookName}`;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: env.network.vpc,
      description: `Notebook${described}: no ingress; HTTPS to VPC endpoints and S3 only`,
      allowAllOutbound: false,
    });
    this.jobSecurityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: env.network.vpc,
      description: `Jobs of notebook${described}: traffic within the group (distributed training) and HTTPS to S3`,
      allowAllOutbound: false,
    });
    this.jobSecurityGroup.connections.allowInternally(ec2.Port.allTraffic(), 'Distributed training between the job instances');
    acknowledge(this.jobSecurityGroup,
      'The only ingress rule admits the job security group itself: instances of one distributed training job exchange gradients and MPI/NCCL traffic on ports chosen at run time; nothing outside the group can connect.',
      ...FINDINGS.selfReferencingIngress);
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });

    const services = [
      SageMakerEndpointService.SAGEMAKER_API,
      SageMakerEndpointService.SAGEMAKER_RUNTIME,
      SageMakerEndpointService.NOTEBOOK,
      SageMakerEndpointService.STS,
      SageMakerEndpointService.LOGS,
    ];
    if (props.codeArtifact) {
      services.push(SageMakerEndpointService.CODEARTIFACT_API, SageMakerEndpointService.CODEARTIFACT_REPOSITORIES);
    }
    env.network.requireEndpoints(this.securityGroup, services);
    if (props.jobImageRepositories && props.jobImageRepositories.length > 0) {
      env.network.requireEndpoints(this.jobSecurityGroup, [SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR]);
    } else {
      env.network.allowS3Through(this.jobSecurityGroup);
    }

    // Roles: the notebook's, and the one its jobs run as. What every notebook may do is in the
    // environment's shared notebook policies, which name the notebook through the roles' tags.
    this.role = new SageMakerWorkloadRole(this, 'Role', { description: `Execution role of notebook ${this.notebookName}` });
    this.jobRole = new SageMakerWorkloadRole(this, 'JobRole', { description: `Execution role of jobs launched from notebook ${this.notebookName}` });
    this.grantPrincipal = this.role;
    for (const role of [this.role, this.jobRole]) {
      Tags.of(role).add(NOTEBOOK_ROLE_TAGS.name, this.notebookName);
      Tags.of(role).add(NOTEBOOK_ROLE_TAGS.jobSecurityGroup, this.jobSecurityGroup.securityGroupId);
    }
    Tags.of(this.role).add(NOTEBOOK_ROLE_TAGS.jobRole, this.jobRole.roleName);
    const shared = SharedNotebookPolicies.of(this, env);
    this.role.addManagedPolicy(shared.notebookPolicy);
    this.jobRole.addManagedPolicy(shared.jobPolicy);
    if (key === env.key) {
      this.role.addManagedPolicy(shared.jobLaunchPolicy);
    } else {
      // A key of its own: the launch statement names it (and this notebook's group and job role).
      for (const statement of notebookJobLaunchStatements(this, env, {
        keyArn: key.keyArn,
        jobSecurityGroupId: this.jobSecurityGroup.securityGroupId,
        jobRoleArn: this.jobRole.roleArn,
        notebookName: this.notebookName,
      })) {
        this.role.addToPrincipalPolicy(statement);
      }
      acknowledgeNotebookJobArns(this.role, this);
    }
    if (!Token.isUnresolved(this.notebookName) && arnResourceName(this.notebookName) !== this.notebookName) {
      // The instance ARN has the name in lowercase, the role's tag has it as given.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ThisNotebookOnly',
        actions: ['sagemaker:DescribeNotebookInstance', 'sagemaker:StopNotebookInstance'],
        resources: [this.notebookArn],
      }));
    }
    this.grantDataAccess(props.dataAccess ?? []);
    if (props.jobImageRepositories && props.jobImageRepositories.length > 0) {
      for (const repo of props.jobImageRepositories) {
        repo.grantPull(this.jobRole);
      }
      acknowledge(this.jobRole, 'ecr:GetAuthorizationToken supports no resource-level permissions; image pulls are limited to the repositories in jobImageRepositories.', 'AwsSolutions-IAM5[Resource::*]');
    }
    if (props.codeArtifact) {
      this.grantCodeArtifact(props.codeArtifact);
    }
    // The package mirrors must resolve through the environment's DNS Firewall.
    const mirrors = [props.pipIndexUrl, ...(props.condaChannels ?? [])].filter((u): u is string => u !== undefined).map(hostOf)
      .filter((h): h is string => h !== undefined);
    if (mirrors.length > 0 && env.network instanceof SageMakerNetwork) {
      env.network.allowDnsDomains([...new Set(mirrors)]);
    }

    // Lifecycle configuration: SDK defaults, idle stop, package repositories.
    const subnetIds = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds;
    const defaults = sdkDefaults({
      subnetIds,
      securityGroupIds: [this.jobSecurityGroup.securityGroupId],
      kmsKeyArn: key.keyArn,
      defaultBucket: env.artifactsBucket.bucketName,
      defaultPrefix: `${this.workspacePrefix}sdk`,
      roleArn: this.jobRole.roleArn,
      tags: [{ Key: NOTEBOOK_OWNER_TAG, Value: this.notebookName }],
      // Jobs and models launched from the notebook carry the environment tag too (guardrails may require it).
      environmentName: env.environmentName,
    });
    const scriptOptions = {
      notebookName: this.notebookName,
      idleMinutes: idleMinutes > 0 ? idleMinutes : undefined,
      // One line: the script is written into the template (and counts toward its 1 MB) per notebook.
      sdkDefaultsJson: JSON.stringify(defaults),
      pipIndexUrl: props.pipIndexUrl,
      codeArtifact: props.codeArtifact ? {
        domain: props.codeArtifact.domain,
        domainOwner: props.codeArtifact.domainOwner ?? stack.account,
        repository: props.codeArtifact.repository,
        region: stack.region,
      } : undefined,
      condaChannels: props.condaChannels,
      extraOnStart: props.extraOnStartCommands,
      extraOnCreate: props.extraOnCreateCommands,
    };
    const onStart = onStartScript(scriptOptions);
    const onCreate = onCreateScript(scriptOptions);
    for (const [hook, script] of [['on-start', onStart], ['on-create', onCreate]]) {
      const length = estimatedBase64Length(script);
      if (length > LIFECYCLE_CONTENT_LIMIT) {
        throw validationError(
          this,
          'LifecycleScriptTooLong',
          `the ${hook} lifecycle script is about ${length} characters in base64, over the limit of ${LIFECYCLE_CONTENT_LIMIT}. ` +
          `Shorten \`${hook === 'on-start' ? 'extraOnStartCommands' : 'extraOnCreateCommands'}\`, or move the commands into a script in the workspace prefix and call it.`,
        );
      }
    }
    this.lifecycleConfig = new sagemaker.CfnNotebookInstanceLifecycleConfig(this, 'LifecycleConfig', {
      notebookInstanceLifecycleConfigName: this.notebookName,
      onStart: [{ content: Fn.base64(onStart) }],
      onCreate: [{ content: Fn.base64(onCreate) }],
    });

    const lifecycleArn = (name: string) => Stack.of(this).formatArn({ service: 'sagemaker', resource: 'notebook-instance-lifecycle-config', resourceName: name });
    this.lifecycleConfigArns = Token.isUnresolved(this.notebookName) || this.notebookName === this.notebookName.toLowerCase()
      ? [lifecycleArn(this.notebookName)]
      : [lifecycleArn(this.notebookName), lifecycleArn(this.notebookName.toLowerCase())];

    this.notebook = new sagemaker.CfnNotebookInstance(this, 'Resource', {
      notebookInstanceName: this.notebookName,
      instanceType,
      roleArn: this.role.roleArn,
      subnetId: subnetIds[0],
      securityGroupIds: [this.securityGroup.securityGroupId],
      directInternetAccess: 'Disabled',
      rootAccess: props.allowRootAccess ? 'Enabled' : 'Disabled',
      kmsKeyId: key.keyArn,
      volumeSizeInGb: props.volumeSizeInGb ?? 5,
      platformIdentifier: CURRENT_PLATFORM,
      instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' },
      lifecycleConfigName: this.lifecycleConfig.attrNotebookInstanceLifecycleConfigName,
    });
    // The policies must exist before the instance starts and runs its lifecycle script.
    this.notebook.node.addDependency(this.role, this.jobRole);
    // In a stack of its own, the environment's subnet arrives as an import (Control Tower's rules
    // on notebooks' VPC and internet access cannot follow it).
    acknowledgeImportedValue(this.notebook, subnetIds[0], 'notebook\'s subnet (the environment\'s), with DirectInternetAccess Disabled and the notebook\'s security group', 'CT.SAGEMAKER.PR.1', 'CT.SAGEMAKER.PR.2');
    Tags.of(this).add(NOTEBOOK_OWNER_TAG, this.notebookName);

    if (props.allowRootAccess) {
      optOut(this, {
        warning: 'cdk-secure-sagemaker:NotebookRootAccess',
        message: 'allowRootAccess is set: users of this notebook are root on the instance and can change its SDK defaults, auto-stop and local network settings (Security Hub SageMaker.3).',
        on: this.notebook,
        reason: 'Root access was enabled explicitly with the `allowRootAccess` prop of SecureNotebook, which warns at synth time and shows in the security report.',
        findings: ['SageMakerSecurity-NotebookRootAccessDisabled'],
      });
    }
    if (idleMinutes === 0) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:NotebookNoIdleStop',
        'idleTimeout is 0: the notebook instance runs (and bills) until someone stops it.',
      );
    }
  }

  /**
   * Lets `grantee` open this notebook: `CreatePresignedNotebookInstanceUrl` and
   * `DescribeNotebookInstance` on this notebook only, optionally only from given VPC endpoints or
   * IP ranges. Any role, user or group works (imported ones too): the statement lands in a
   * customer-managed policy attached to it, or, for an IAM Identity Center role (which IAM does
   * not let a stack change), in an unattached named policy for the permission set (warned about).
   *
   * @param grantee who may open the notebook
   * @param options where from
   */
  public grantPresignedUrl(grantee: iam.IGrantable, options: PresignedUrlOptions = {}): iam.Grant {
    return grantPresignedNotebookUrl(this, this.notebookArn, grantee, options);
  }

  private validate(props: SecureNotebookProps): void {
    const name = this.notebookName;
    if (!Token.isUnresolved(name) && !sageMakerNamePattern().test(name)) {
      throw validationError(this, 'InvalidNotebookName',
        `\`notebookName\` '${name}' must be 1-63 letters, digits and single hyphens, starting and ending with a letter or digit. Use a name such as 'team-a-explore'.`);
    }
    if (props.instanceType !== undefined) {
      validateWorkloadInstanceType(this, props.instanceType, { examples: ['ml.t3.medium', 'ml.m5.xlarge', 'ml.g5.xlarge'] });
    }
    const size = props.volumeSizeInGb;
    if (size !== undefined && !Token.isUnresolved(size) && (!Number.isInteger(size) || size < 5 || size > 16384)) {
      throw validationError(this, 'InvalidVolumeSize',
        `\`volumeSizeInGb\` is ${size}: SageMaker accepts whole numbers from 5 to 16384. Set \`volumeSizeInGb\` in that range.`);
    }
    if (props.idleTimeout && !props.idleTimeout.isUnresolved()) {
      const minutes = props.idleTimeout.toMinutes({ integral: false });
      if (minutes !== 0 && (minutes < 10 || minutes > 7 * 24 * 60 || !Number.isInteger(minutes))) {
        throw validationError(this, 'InvalidIdleTimeout',
          `\`idleTimeout\` is ${minutes} minutes: use whole minutes from 10 to 10080 (7 days), or 0 to disable auto-stop.`);
      }
    }
    if (props.pipIndexUrl && !Token.isUnresolved(props.pipIndexUrl) && !props.pipIndexUrl.startsWith('https://')) {
      throw validationError(this, 'InsecurePipIndex', `\`pipIndexUrl\` '${props.pipIndexUrl}' must be an https:// URL: packages fetched over plain HTTP can be tampered with.`);
    }
    for (const c of props.condaChannels ?? []) {
      if (!Token.isUnresolved(c) && !c.startsWith('https://')) {
        throw validationError(this, 'InsecureCondaChannel', `\`condaChannels\` entry '${c}' must be an https:// URL of a private channel (there is no internet path to public channels).`);
      }
    }
    if (props.pipIndexUrl && props.codeArtifact) {
      throw validationError(this, 'TwoPipIndexes', '`pipIndexUrl` and `codeArtifact` both configure pip\'s index. Pass one of them.');
    }
    for (const line of [...(props.extraOnStartCommands ?? []), ...(props.extraOnCreateCommands ?? [])]) {
      if (/^(SDKCONFIG|AUTOSTOP|UNIT|PIPCONF|CONDARC)$/.test(line.trim())) {
        throw validationError(this, 'ReservedScriptLine', `extra lifecycle line '${line}' would end one of the generated here-documents. Rename the marker.`);
      }
    }
  }

  /**
   * The data prefixes of the notebook, for the notebook and its jobs alike: in customer-managed
   * policies of the notebook that both roles carry (one set of statements, not one per role).
   */
  private grantDataAccess(access: NotebookDataAccess[]): void {
    if (access.length === 0) {
      return;
    }
    const scope = new Construct(this, 'DataAccess');
    const packer = new ManagedPolicyPacker(scope, {
      newPolicy: (n) => {
        const policy = new iam.ManagedPolicy(scope, n === 0 ? 'Policy' : `Policy${n + 1}`, {
          description: `Data${n === 0 ? '' : ` (part ${n + 1})`} of notebook ${this.notebookName} and of the jobs it launches`,
        });
        this.role.addManagedPolicy(policy);
        this.jobRole.addManagedPolicy(policy);
        return policy;
      },
      tooMany: () => validationError(this, 'TooManyDataPrefixes',
        `the \`dataAccess\` prefixes of notebook ${this.notebookName} need more than ${MAX_MANAGED_POLICIES} managed policies of ${MANAGED_POLICY_SIZE_LIMIT} characters. Grant fewer, broader prefixes (for example one per team instead of one per dataset).`),
    });
    const grantee = new SharedPolicyPrincipal(this, packer, {
      code: 'NotebookDataIsNotAPrincipal',
      message: `the data policy of notebook ${this.notebookName} has no principal of its own for a resource policy to name: grant the notebook's role (\`notebook.role\`).`,
    });
    for (const d of access) {
      if ((d.access ?? DataAccess.READ) === DataAccess.READ_WRITE) {
        d.bucket.grantReadWrite(grantee, d.prefix);
      } else {
        d.bucket.grantRead(grantee, d.prefix);
      }
    }
  }

  private grantCodeArtifact(c: NotebookCodeArtifactOptions): void {
    const stack = Stack.of(this);
    const owner = c.domainOwner ?? stack.account;
    const domainArn = stack.formatArn({ service: 'codeartifact', resource: 'domain', resourceName: c.domain, account: owner });
    const repoArn = stack.formatArn({ service: 'codeartifact', resource: 'repository', resourceName: `${c.domain}/${c.repository}`, account: owner });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['codeartifact:GetAuthorizationToken'], resources: [domainArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'], resources: [repoArn] }));
    // A domain of another account: the CodeArtifact endpoints' perimeter admits its resources too.
    if (c.domainOwner !== undefined && c.domainOwner !== stack.account) {
      for (const service of [SageMakerEndpointService.CODEARTIFACT_API, SageMakerEndpointService.CODEARTIFACT_REPOSITORIES]) {
        const endpoint = this.environment.network.endpointFor(service);
        if (endpoint) {
          InterfaceEndpointPolicy.of(endpoint)?.admitResourcesOfAccount(c.domainOwner);
        }
      }
    }
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sts:GetServiceBearerToken'],
      resources: ['*'],
      conditions: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } },
    }));
    acknowledge(this.role, 'sts:GetServiceBearerToken supports no resource-level permissions; it is limited by condition to CodeArtifact tokens.', 'AwsSolutions-IAM5[Resource::*]');
  }
}

/** A notebook instance deployed elsewhere: only what its name tells. */
class ImportedNotebook extends Resource implements ISecureNotebook {
  public readonly notebookName: string;
  public readonly notebookArn: string;

  constructor(scope: Construct, id: string, notebookName: string) {
    super(scope, id);
    if (!Token.isUnresolved(notebookName) && !sageMakerNamePattern().test(notebookName)) {
      throw validationError(this, 'InvalidNotebookName',
        `\`notebookName\` '${notebookName}' is not a notebook instance name (1-63 letters, digits and single hyphens, starting and ending with a letter or digit). Pass the name of the deployed notebook instance, not its ARN or URL.`);
    }
    this.notebookName = notebookName;
    this.notebookArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'notebook-instance', resourceName: arnResourceName(notebookName) });
  }

  public grantPresignedUrl(grantee: iam.IGrantable, options: PresignedUrlOptions = {}): iam.Grant {
    return grantPresignedNotebookUrl(this, this.notebookArn, grantee, options);
  }
}

/** The presigned-URL grant of a notebook, in a customer-managed policy of the grantee. */
function grantPresignedNotebookUrl(scope: IConstruct, notebookArn: string, grantee: iam.IGrantable, options: PresignedUrlOptions): iam.Grant {
  return grantOnPrincipal({
    grantee,
    actions: perms.NOTEBOOK_PRESIGNED_URL,
    resourceArns: [notebookArn],
    conditions: presignedUrlConditions(scope, options),
  });
}
