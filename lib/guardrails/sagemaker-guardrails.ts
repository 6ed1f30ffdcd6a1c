import { Annotations, AspectPriority, Aspects, CfnResource, Duration, IAspect, Lazy, Names, Stack, Stage, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct, IConstruct } from 'constructs';
import { foreignLifecycleConfigStatements, foreignSecurityGroupsStatement, GuardrailInputs, GuardrailStatement, guardrailStatements, UNGUARDED_ACTIONS } from './guardrail-statements';
import { AgreementInputs, workloadDisagreements } from './workload-agreement';
import { ISageMakerEnvironment } from '../environment/interfaces';
import { SageMakerEnvironment } from '../environment/sagemaker-environment';
import { acknowledge, acknowledgeControls } from '../private/acknowledge';
import { validateWholeSeconds } from '../private/durations';
import { validationError } from '../private/errors';
import { isIdentityCenterRole } from '../private/grants';
import { iamNamePattern, ORGANIZATION_ROOT_ID, ORGANIZATIONAL_UNIT_ID, validateSourceIpRanges } from '../private/names';
import { DeployedPolicySize, MANAGED_POLICY_SIZE_LIMIT, packStatements, SCP_SIZE_LIMIT } from '../private/policy-size';
import { TAG_KEY_PATTERN, TAG_KEY_RULE } from '../private/tags';

/** An account ID, an organizational unit ID or the root ID. */
const SCP_TARGET = new RegExp(`^(\\d{12}|${ORGANIZATIONAL_UNIT_ID}|${ORGANIZATION_ROOT_ID})$`);

/**
 * Properties of `SageMakerGuardrails`.
 */
export interface SageMakerGuardrailsProps {
  /**
   * The environment whose subnets and KMS key the guardrails enforce.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * Guardrails for a whole organization rather than one environment: workloads must still name
   * a volume and an output KMS key, subnets and security groups, but any of them passes unless
   * `subnetIds`, `securityGroupIds` or `additionalKmsKeyArns` pin them. No environment is looked
   * up or created. Use it for service control policies on organizational units and for the
   * policy a StackSet rolls out to every account (see `SageMakerStackSet`).
   *
   * @default false
   */
  readonly organizationWide?: boolean;

  /**
   * Name of the deny policies (`<name>-1`, `<name>-2`...) and the boundary (`<name>-boundary`),
   * so that teams and permission sets in other stacks can attach them by name. IAM names are
   * global to an account: roll a named policy out to one Region per account.
   *
   * @default - generated names
   */
  readonly policyName?: string;

  /**
   * Subnet IDs notebooks, jobs, models, endpoint configs and Studio domains may use (at most 16).
   *
   * @default - the environment's workload subnets; with `organizationWide`, any subnet
   */
  readonly subnetIds?: string[];

  /**
   * Security groups notebooks, jobs, models, endpoint configs and Studio may use. Added to
   * `securityGroupIds`; together at most 16.
   *
   * @default - none
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Security group IDs notebooks, jobs, models, endpoint configs and Studio may use. Added to
   * `securityGroups`; together at most 16. Without any, a security group is still required but
   * any one passes (warned).
   *
   * @default - none
   */
  readonly securityGroupIds?: string[];

  /**
   * Workloads whose security groups (every group of their `connections`, and the
   * `jobSecurityGroup` of a notebook or Studio domain, used by the jobs started from it) the allowlist admits,
   * besides `securityGroups` and `securityGroupIds` (together at most 16). Every `Secure*`
   * workload of this library (`SecureNotebook`, `SecureTrainingJob`, `SecureEndpoint`,
   * `SecureStudioDomain`, `SecureUserProfile`) is an `ec2.IConnectable`; so is any
   * aws-cdk-lib construct with security groups. Add workloads created later with
   * `addWorkload()`; pass them here when you can, so the policies are split with their groups
   * counted.
   *
   * @default - none
   */
  readonly workloads?: ec2.IConnectable[];

  /**
   * Additional KMS key ARNs allowed as output keys, besides the environment's key (at most 4
   * more). With `organizationWide`, the only keys allowed.
   *
   * @default - only the environment's key; with `organizationWide`, any key (but one is required)
   */
  readonly additionalKmsKeyArns?: string[];

  /**
   * Instance types (IAM wildcards allowed, e.g. `ml.t3.*`) notebook instances may use (at most 20).
   *
   * @default SageMakerGuardrails.DEFAULT_NOTEBOOK_INSTANCE_TYPES
   */
  readonly notebookInstanceTypes?: string[];

  /**
   * Instance types Studio domains, user profiles and apps may use (at most 20). `system` (the
   * instance type of the default JupyterServer app) is always added.
   *
   * @default SageMakerGuardrails.DEFAULT_STUDIO_INSTANCE_TYPES
   */
  readonly studioInstanceTypes?: string[];

  /**
   * Instance types endpoint configs may use (at most 20).
   *
   * @default SageMakerGuardrails.DEFAULT_ENDPOINT_INSTANCE_TYPES
   */
  readonly endpointInstanceTypes?: string[];

  /**
   * Instance types training, tuning, processing and transform jobs may use (at most 20).
   *
   * @default SageMakerGuardrails.DEFAULT_TRAINING_INSTANCE_TYPES
   */
  readonly trainingInstanceTypes?: string[];

  /**
   * IPv4/IPv6 CIDR ranges from which presigned notebook and Studio URLs may be created and used
   * (at most 10). Not compatible with calls through a VPC endpoint: list those in
   * `presignedUrlVpcEndpointIds`.
   *
   * @default - no restriction by IP (unless `presignedUrlVpcEndpointIds` is set)
   */
  readonly presignedUrlSourceIps?: string[];

  /**
   * VPC endpoint IDs (`vpce-...`) through which presigned notebook and Studio URLs may be
   * created and used (at most 10).
   *
   * @default - no restriction by VPC endpoint (unless `presignedUrlSourceIps` is set)
   */
  readonly presignedUrlVpcEndpointIds?: string[];

  /**
   * The lifecycle configurations (by ARN; `*` and `?` allowed) that notebook instances and Studio
   * domains, user profiles, spaces and apps may run. A request naming any other is denied, so
   * nobody slips a script into a notebook or into every app of a domain. The configurations of
   * `workloads` (`SecureNotebook`, `SecureStudioDomain`: their `lifecycleConfigArns`) join the
   * list, including workloads added later; at most 10 in all.
   *
   * @default - the lifecycle configurations of `workloads`; none among them: not restricted
   * (creations and changes of lifecycle configurations are still alerted)
   */
  readonly lifecycleConfigArns?: string[];

  /**
   * Tag keys every created SageMaker resource must carry (`aws:RequestTag/<key>`, at most 5).
   *
   * @default - no tag is required
   */
  readonly requiredTags?: string[];

  /**
   * Longest `MaxRuntimeInSeconds` training, tuning and processing jobs may ask for.
   *
   * @default Duration.days(5)
   */
  readonly maxJobRuntime?: Duration;

  /**
   * Also create the permissions-boundary variant (one managed policy: `Allow *` plus every deny).
   * A boundary is a single policy, so it must fit in 6,144 characters: with long allowlists
   * (many required tags, subnets or instance types) turn it off and attach the deny policies.
   *
   * @default true
   */
  readonly permissionsBoundary?: boolean;

  /**
   * Create `AWS::Organizations::Policy` service control policies attached to these targets:
   * account IDs (12 digits), organizational unit IDs (`ou-...`) or the root (`r-...`). Deploy
   * the stack in the organization's management account (or a delegated administrator).
   *
   * @default - no SCP resources; the documents are still available from `scpDocuments()`
   */
  readonly scpTargetIds?: string[];

  /**
   * Actions of `SageMakerGuardrails.UNGUARDED_ACTIONS` to permit anyway (e.g.
   * `sagemaker:CreatePipeline`). Each runs compute, reaches a network, passes a role, shares a
   * resource with other accounts or brings in code or images, and its request carries no condition
   * key the guardrails could judge it by, so they deny it by default. Permit one only after
   * reviewing who may call it: the identity policies are then its only control (warned).
   *
   * @default - every unguarded action is denied
   */
  readonly permitUnguardedActions?: string[];
}

/**
 * Preventive guardrails for SageMaker: one set of deny statements, parameterized by an
 * environment, delivered three ways.
 *
 * 1. `policies`: customer-managed policies (split by service area under the 6,144-character
 *    limit) to attach to human and workload roles (`attachTo(role)`).
 * 2. `permissionsBoundary`: one managed policy allowing everything except what the denies
 *    forbid, for `iam.PermissionsBoundary.of(role).apply(...)`.
 * 3. `scpDocuments()`: service control policies for AWS Organizations, split under the
 *    5,120-character limit, and `AWS::Organizations::Policy` resources when `scpTargetIds` is set.
 *
 * The denies: volume KMS key required and, when given, the environment's; job outputs encrypted
 * with the environment's key; network isolation and inter-container encryption on jobs and
 * models; workloads only in the environment's subnets and allowed security groups; notebooks
 * without direct internet or root access; Studio domains VpcOnly with an encrypted EFS; instance
 * types from allowlists; presigned URLs only from allowed networks; required tags; a job runtime
 * cap.
 */
export class SageMakerGuardrails extends Construct {
  /** Construct ID of the guardrails `SageMakerGuardrails.of(environment)` creates. */
  public static readonly DEFAULT_ID = 'SageMakerGuardrails';

  /** Notebook instance types allowed by default: current Nitro general-purpose and compute families. */
  public static readonly DEFAULT_NOTEBOOK_INSTANCE_TYPES = ['ml.t3.*', 'ml.m5.*', 'ml.m6i.*', 'ml.c5.*', 'ml.r5.*', 'ml.g4dn.*', 'ml.g5.*'];

  /** Studio instance types allowed by default (`system` is always added). */
  public static readonly DEFAULT_STUDIO_INSTANCE_TYPES = ['ml.t3.*', 'ml.m5.*', 'ml.c5.*', 'ml.g4dn.*', 'ml.g5.*'];

  /** Endpoint instance types allowed by default. */
  public static readonly DEFAULT_ENDPOINT_INSTANCE_TYPES = ['ml.m5.*', 'ml.c5.*', 'ml.r5.*', 'ml.g4dn.*', 'ml.g5.*', 'ml.inf2.*'];

  /** Training, tuning, processing and transform instance types allowed by default. */
  public static readonly DEFAULT_TRAINING_INSTANCE_TYPES = ['ml.m5.*', 'ml.c5.*', 'ml.r5.*', 'ml.g4dn.*', 'ml.g5.*', 'ml.p4d.*', 'ml.p5.*'];

  /**
   * SageMaker actions denied unless listed in `permitUnguardedActions`: they run compute, reach a
   * network, pass a role, share a resource with other accounts or bring in code or images, and
   * their requests carry no condition key these guardrails could judge them by.
   */
  public static readonly UNGUARDED_ACTIONS: string[] = [...UNGUARDED_ACTIONS];

  /** Most lifecycle configurations `lifecycleConfigArns` and the workloads may allow together. */
  public static readonly MAX_LIFECYCLE_CONFIGS = 10;

  /** Largest allowlists accepted (they keep every managed policy, the boundary and each SCP under IAM's limits). */
  public static readonly MAX_SUBNETS = 16;
  /** Largest number of allowed security groups. */
  public static readonly MAX_SECURITY_GROUPS = 16;
  /** Largest number of additional KMS keys. */
  public static readonly MAX_ADDITIONAL_KEYS = 4;
  /** Largest instance type allowlist (each of the four). */
  public static readonly MAX_INSTANCE_TYPES = 20;
  /** Largest number of presigned-URL source ranges, and of VPC endpoints. */
  public static readonly MAX_PRESIGNED_URL_SOURCES = 10;
  /** Largest number of required tags. */
  public static readonly MAX_REQUIRED_TAGS = 5;

  /** IAM's size limit of a customer-managed policy (whitespace excluded). */
  public static readonly MANAGED_POLICY_SIZE_LIMIT = MANAGED_POLICY_SIZE_LIMIT;
  /** AWS Organizations' size limit of a service control policy. */
  public static readonly SCP_SIZE_LIMIT = SCP_SIZE_LIMIT;

  /**
   * The guardrails of an environment, created with default props on first use (as a child of
   * the environment). Pass `securityGroupIds` through the constructor instead when you need an
   * allowlist of security groups.
   *
   * @param environment the environment whose subnets and key the guardrails enforce
   */
  public static of(environment: ISageMakerEnvironment): SageMakerGuardrails {
    const existing = environment.node.tryFindChild(SageMakerGuardrails.DEFAULT_ID);
    if (existing) {
      if (!(existing instanceof SageMakerGuardrails)) {
        throw validationError(environment, 'DefaultIdTaken',
          `a construct with the ID '${SageMakerGuardrails.DEFAULT_ID}' already exists under ${environment.node.path} and is not SageMakerGuardrails. Rename it.`);
      }
      return existing;
    }
    return new SageMakerGuardrails(environment, SageMakerGuardrails.DEFAULT_ID, { environment });
  }

  /** The customer-managed deny policies (one per group of service areas, each under 6,144 characters). */
  public readonly policies: iam.ManagedPolicy[];

  /**
   * A permissions boundary: allows everything except what the guardrails deny.
   * Undefined when `permissionsBoundary` is false.
   */
  public readonly permissionsBoundary?: iam.ManagedPolicy;

  /** The `AWS::Organizations::Policy` resources (empty unless `scpTargetIds` is set). */
  public readonly serviceControlPolicies: organizations.CfnPolicy[];

  private readonly statements: GuardrailStatement[];
  private readonly attached = new Set<unknown>();
  private readonly scpGroups: iam.PolicyStatement[][];
  private readonly scpDocs: iam.PolicyDocument[];
  private readonly organizationWide: boolean;
  private readonly fixedSecurityGroupIds: string[];
  private readonly workloadList: ec2.IConnectable[] = [];
  /** The allowed security groups as resolved at synth time (workloads added later included). */
  private readonly securityGroupIdList: string[];
  private readonly fixedLifecycleConfigArns: string[];
  private readonly lifecycleConfigArnList: string[];
  private readonly lifecycleConfigsAtConstruction: boolean;
  /** Whether the ForeignSecurityGroups statement was in the policies when they were split. */
  private readonly securityGroupsAtConstruction: boolean;
  private readonly agreement: AgreementInputs;
  private readonly attachScopes: IConstruct[] = [];
  private finalized = false;

  constructor(scope: Construct, id: string, props: SageMakerGuardrailsProps = {}) {
    super(scope, id);
    if (props.organizationWide && props.environment) {
      throw validationError(this, 'GuardrailsEnvironmentAndOrganization',
        '`organizationWide` and `environment` exclude each other: organization-wide guardrails pin no environment. Drop `environment`, or drop `organizationWide` to pin the guardrails to that environment.');
    }
    const env = props.organizationWide ? undefined : props.environment ?? SageMakerEnvironment.of(this);
    if (props.policyName !== undefined && !Token.isUnresolved(props.policyName) && !iamNamePattern(118).test(props.policyName)) {
      throw validationError(this, 'InvalidGuardrailPolicyName',
        `\`policyName\` '${props.policyName}' is not a valid IAM policy name prefix: use at most 118 of the characters a-z A-Z 0-9 _ + = , . @ - (a suffix such as '-boundary' is added).`);
    }
    this.organizationWide = props.organizationWide ?? false;
    this.fixedSecurityGroupIds = [
      ...(props.securityGroups ?? []).map((sg) => sg.securityGroupId),
      ...(props.securityGroupIds ?? []),
    ];
    (props.workloads ?? []).forEach((w) => this.addWorkload(w));
    this.securityGroupIdList = Lazy.uncachedList({ produce: () => this.currentSecurityGroupIds() });
    this.securityGroupsAtConstruction = this.currentSecurityGroupIds().length > 0;
    this.fixedLifecycleConfigArns = props.lifecycleConfigArns ?? [];
    this.lifecycleConfigArnList = Lazy.uncachedList({ produce: () => this.currentLifecycleConfigArns() });
    this.lifecycleConfigsAtConstruction = this.currentLifecycleConfigArns().length > 0;
    const inputs = this.inputs(env, props);
    this.statements = guardrailStatements(inputs);
    this.agreement = {
      guardrailsPath: this.node.path,
      notebookInstanceTypes: inputs.notebookInstanceTypes,
      studioInstanceTypes: inputs.studioInstanceTypes,
      endpointInstanceTypes: inputs.endpointInstanceTypes,
      trainingInstanceTypes: inputs.trainingInstanceTypes,
      requiredTags: inputs.requiredTags,
    };

    const sizeOf = new DeployedPolicySize(Stack.of(this));
    const managedGroups = packStatements(this.statements.map((s) => s.statement), SageMakerGuardrails.MANAGED_POLICY_SIZE_LIMIT, sizeOf);
    this.policies = managedGroups.map((statements, index) => new iam.ManagedPolicy(this, `DenyPolicy${index + 1}`, {
      managedPolicyName: props.policyName === undefined ? undefined : `${props.policyName}-${index + 1}`,
      description: `SageMaker guardrails (${index + 1}/${managedGroups.length}): denies insecure SageMaker requests`,
      document: new iam.PolicyDocument({ statements }),
    }));

    if (props.permissionsBoundary ?? true) {
      this.permissionsBoundary = this.createBoundary(sizeOf, props.policyName);
    }

    this.scpGroups = packStatements(this.statements.map((s) => s.statement), SageMakerGuardrails.SCP_SIZE_LIMIT, sizeOf);
    this.scpDocs = this.scpGroups.map((statements) => new iam.PolicyDocument({ statements }));
    const targets = props.scpTargetIds ?? [];
    this.validateTargets(targets);
    this.serviceControlPolicies = targets.length === 0 ? [] : this.scpDocs.map((doc, index) =>
      new organizations.CfnPolicy(this, `Scp${index + 1}`, {
        name: `sagemaker-guardrails-${index + 1}-of-${this.scpGroups.length}`,
        description: `SageMaker guardrails (${index + 1}/${this.scpGroups.length}): denies insecure SageMaker requests`,
        type: 'SERVICE_CONTROL_POLICY',
        // Lazy: the statement on workloads' security groups may be added after construction.
        content: Lazy.uncachedAny({ produce: () => doc.toJSON() }),
        targetIds: targets,
      }));

    Aspects.of(this).add(new FinalizeGuardrails(this), { priority: AspectPriority.MUTATING });
    this.node.addValidation({ validate: () => this.validateAtSynth() });
  }

  /**
   * Admits the security groups of a workload created after the guardrails (every group of its
   * `connections`). Every `Secure*` workload of this library is an `ec2.IConnectable`. The
   * groups are read at synth time, so groups the workload gains later count too.
   *
   * @param workload the workload whose security groups the guardrails allow
   */
  public addWorkload(workload: ec2.IConnectable): void {
    if (Construct.isConstruct(workload) && Stack.of(workload) !== Stack.of(this)) {
      // The deny statements would name the workload's security groups: this stack would depend on
      // the workload's, which already depends on the environment's (a cycle, or a hidden coupling).
      throw validationError(this, 'GuardrailsWorkloadInOtherStack',
        `${workload.node.path} is in stack ${Stack.of(workload).node.path}, but SageMakerGuardrails ${this.node.path} is in stack ${Stack.of(this).node.path}: its deny policies would reference the workload's security groups across stacks, and the workload's stack already depends on the environment. ` +
        'Create the guardrails in the workload\'s stack (new SageMakerGuardrails(stack, \'Guardrails\', { environment, workloads: [...] }) there), one per team stack.');
    }
    if (!this.workloadList.includes(workload)) {
      this.workloadList.push(workload);
    }
  }

  /**
   * The deny policy documents (the same statements as `policies`, each under 6,144 characters),
   * for principals whose policies IAM cannot change: put them in an IAM Identity Center
   * permission set (its inline policy, or reference the deny policies by `policyName` as
   * customer managed policies of the permission set).
   */
  public denyPolicyDocuments(): iam.PolicyDocument[] {
    return this.policies.map((p) => p.document);
  }

  /**
   * Applies the permissions boundary to a role this app defines, and attaches the deny policies
   * to it: the boundary is one policy of at most 6,144 characters, so it holds the denies on the
   * requests of the library's workloads (notebooks, Studio, jobs, models, endpoints) and the deny
   * policies hold the rest of the catalogue (unguarded actions, foreign keys, public workforces,
   * inline monitoring jobs and containers). A boundary cannot be set on an imported role
   * (aws-cdk-lib does nothing for it): the call then warns, naming the role, and only the deny
   * policies are attached. Identity Center roles are refused.
   *
   * @param role the role to cap
   */
  public applyPermissionsBoundaryTo(role: iam.IRole): void {
    this.refuseIdentityCenterRole(role, 'applyPermissionsBoundaryTo');
    if (!this.permissionsBoundary) {
      throw validationError(this, 'GuardrailsNoBoundary',
        '`applyPermissionsBoundaryTo` needs the boundary, but these guardrails were created with `permissionsBoundary: false`: attach the deny policies with `attachTo(role)` instead, or set `permissionsBoundary: true`.');
    }
    if (!iam.Role.isRole(role)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:GuardrailsBoundaryOnImportedRole',
        `${roleLabel(role)} is imported: a permissions boundary can only be set where the role is defined, so no boundary is applied to it (aws-cdk-lib silently does nothing for imported roles). ` +
        'The deny policies are attached to it; set the boundary (`policyName`-boundary) in the stack or tool that owns the role if it needs one.');
      this.attachTo(role);
      return;
    }
    iam.PermissionsBoundary.of(role).apply(this.permissionsBoundary);
    this.attachTo(role);
  }

  /** The allowed lifecycle configurations known now: explicit ones, then the workloads'. */
  private currentLifecycleConfigArns(): string[] {
    const arns = [...this.fixedLifecycleConfigArns, ...this.workloadList.flatMap(workloadLifecycleConfigArns)];
    return [...new Set(arns)];
  }

  /** The allowed security group IDs known now: explicit ones, then the workloads'. */
  private currentSecurityGroupIds(): string[] {
    const ids = [...this.fixedSecurityGroupIds, ...this.workloadList.flatMap(workloadSecurityGroupIds)];
    return [...new Set(ids)];
  }

  /** @internal Adds the security-group statement if workloads brought the first groups after construction (run once, at synth). */
  public _finalize(): void {
    if (this.finalized) {
      return;
    }
    this.finalized = true;
    if (!this.lifecycleConfigsAtConstruction && this.currentLifecycleConfigArns().length > 0) {
      // Workloads added after construction brought the first lifecycle configurations.
      foreignLifecycleConfigStatements(this.lifecycleConfigArnList).forEach((late) => this.appendLate(late));
    }
    const ids = this.currentSecurityGroupIds();
    if (ids.length === 0) {
      if (!this.organizationWide) {
        Annotations.of(this).addWarningV2('cdk-secure-sagemaker:GuardrailsAnySecurityGroup',
          'No `workloads`/`securityGroups`/`securityGroupIds`: workloads must name a security group, but any one passes. Pass your notebooks, jobs, endpoints and Studio domain as `workloads` (or `addWorkload()`), or their security groups.');
      }
      return;
    }
    if (this.securityGroupsAtConstruction) {
      return;
    }
    this.appendLate(foreignSecurityGroupsStatement(this.securityGroupIdList));
  }

  /**
   * A statement that workloads added after construction call for, appended last everywhere (so
   * every delivery keeps the same order): the last deny policy and SCP, and the boundary when the
   * statement belongs there.
   */
  private appendLate(late: GuardrailStatement): void {
    this.statements.push(late);
    this.policies[this.policies.length - 1].addStatements(late.statement);
    if (late.inBoundary) {
      this.permissionsBoundary?.addStatements(withoutSid(late.statement));
    }
    this.scpGroups[this.scpGroups.length - 1].push(late.statement);
    this.scpDocs[this.scpDocs.length - 1].addStatements(late.statement);
  }

  private validateAtSynth(): string[] {
    const errors: string[] = [];
    const ids = this.currentSecurityGroupIds();
    const lifecycleConfigs = this.currentLifecycleConfigArns();
    if (lifecycleConfigs.length > SageMakerGuardrails.MAX_LIFECYCLE_CONFIGS) {
      errors.push(`\`lifecycleConfigArns\` and the workloads admit ${lifecycleConfigs.length} lifecycle configurations; at most ${SageMakerGuardrails.MAX_LIFECYCLE_CONFIGS} are accepted so that every guardrail policy stays under IAM's and AWS Organizations' size limits. Share one lifecycle configuration between notebooks, or split the workloads between two guardrails.`);
    }
    if (ids.length > SageMakerGuardrails.MAX_SECURITY_GROUPS) {
      errors.push(`\`workloads\` + \`securityGroups\` + \`securityGroupIds\` admit ${ids.length} security groups; at most ${SageMakerGuardrails.MAX_SECURITY_GROUPS} are accepted so that every guardrail policy stays under IAM's and AWS Organizations' size limits. Share security groups between workloads, or split the workloads between two guardrails.`);
    }
    if (this.workloadList.length > 0) {
      // The policies were split when the guardrails were created: the groups of later workloads must still fit.
      const sizeOf = new DeployedPolicySize(Stack.of(this));
      const limits: Array<[string, iam.PolicyDocument | undefined, number]> = [
        ...this.policies.map((p, i): [string, iam.PolicyDocument, number] => [`deny policy ${i + 1}`, p.document, SageMakerGuardrails.MANAGED_POLICY_SIZE_LIMIT]),
        ['permissions boundary', this.permissionsBoundary?.document, SageMakerGuardrails.MANAGED_POLICY_SIZE_LIMIT],
        ...this.scpDocs.map((d, i): [string, iam.PolicyDocument, number] => [`service control policy ${i + 1}`, d, SageMakerGuardrails.SCP_SIZE_LIMIT]),
      ];
      for (const [name, doc, limit] of limits) {
        const size = doc ? sizeOf.document(doc) : 0;
        if (size > limit) {
          errors.push(`with the security groups of its workloads, the ${name} of these guardrails would be about ${size} characters, over the limit of ${limit}: pass the workloads in \`workloads\` when creating the guardrails (the policies are then split with them counted), share security groups between workloads, or set \`permissionsBoundary: false\`.`);
        }
      }
    }
    for (const stack of this.watchedStacks()) {
      errors.push(...workloadDisagreements(stack, this.agreement));
    }
    return errors;
  }

  /** The stacks whose workloads these guardrails govern: its own, and those of the roles it is attached to. */
  private watchedStacks(): Stack[] {
    const stacks = new Set<Stack>([Stack.of(this)]);
    for (const scope of this.attachScopes) {
      if (!Stage.isStage(scope)) {
        stacks.add(Stack.of(scope));
      }
      for (const c of scope.node.findAll()) {
        if (Stack.isStack(c)) stacks.add(c);
      }
    }
    for (const role of this.attached) {
      if (role instanceof CfnResource || iam.Role.isRole(role)) {
        stacks.add(Stack.of(role as IConstruct));
      }
    }
    return [...stacks];
  }

  private refuseIdentityCenterRole(role: iam.IRole, method: string): void {
    if (isIdentityCenterRole(role)) {
      throw validationError(this, 'GuardrailsIdentityCenterRole',
        `\`${method}\` was given ${roleLabel(role)}, an IAM Identity Center role (aws-reserved/sso.amazonaws.com/): IAM refuses changes to it, so the deployment would fail. ` +
        'Put the deny policies in its permission set instead: the documents of `denyPolicyDocuments()` as the inline policy, or the deny policies by name (`policyName`) as customer managed policies.');
    }
  }

  /**
   * Attaches the deny policies to a role (also works for roles imported by ARN: the policy
   * lists the role).
   *
   * @param role the role to restrict
   */
  public attachTo(role: iam.IRole): void {
    if (this.attached.has(role)) {
      return;
    }
    this.refuseIdentityCenterRole(role, 'attachTo');
    this.attached.add(role);
    // A role of another stack lists the policies itself, so that its stack depends on this one
    // (as it does on the environment) and not the other way round.
    const fromRoleSide = role instanceof iam.Role && Stack.of(role) !== Stack.of(this);
    for (const policy of this.policies) {
      if (fromRoleSide) {
        role.addManagedPolicy(policy);
      } else {
        policy.attachToRole(role);
      }
    }
  }

  /**
   * Attaches the deny policies to every role defined in `scope` (typically the stack): the roles
   * of the library's constructs, roles that aws-cdk-lib creates for them (Step Functions, flow
   * logs, custom resources) and your own, including roles added after this call, and roles
   * imported into `scope` (`iam.Role.fromRoleArn` in the same account, unless imported with
   * `mutable: false`). Roles that already carry the policies are not attached twice. IAM
   * Identity Center roles are skipped with a warning: IAM refuses changes to them, so put
   * `denyPolicyDocuments()` in their permission set.
   *
   * The workloads of the stacks of `scope` are also checked against the guardrails at synth
   * time: an instance type outside an allowlist, or a missing required tag, is an error.
   *
   * @param scope the construct whose roles (at any depth) get the deny policies
   */
  public attachToRolesIn(scope: IConstruct): void {
    this.attachScopes.push(scope);
    Aspects.of(scope).add(new AttachGuardrails(this), { priority: AspectPriority.MUTATING });
  }

  /** @internal An imported role found in a scope of `attachToRolesIn`. */
  public _attachToImportedRole(role: iam.IRole & IConstruct): void {
    if (this.attached.has(role) || role.node.scopes.includes(this)) {
      return;
    }
    if (isIdentityCenterRole(role)) {
      this.attached.add(role);
      Annotations.of(role).addWarningV2('cdk-secure-sagemaker:GuardrailsIdentityCenterRoleSkipped',
        `${roleLabel(role)} is an IAM Identity Center role (aws-reserved/sso.amazonaws.com/): IAM refuses changes to it, so SageMakerGuardrails ${this.node.path} does not attach its deny policies. ` +
        'Put them in the permission set instead: the documents of `denyPolicyDocuments()` as its inline policy, or the deny policies by name (`policyName`) as customer managed policies.');
      return;
    }
    this.attachTo(role);
  }

  /** @internal */
  public _attachToRoleResource(role: CfnResource): void {
    if (this.attached.has(role)) {
      return;
    }
    if (Stack.of(role) !== Stack.of(this)) {
      throw validationError(this, 'GuardrailsL1RoleInOtherStack',
        `the role ${role.node.path} (an L1 resource, such as a custom resource provider's) is in stack ${Stack.of(role).node.path}, but SageMakerGuardrails ${this.node.path} is in stack ${Stack.of(this).node.path}: attaching its policies would make this stack depend on that one. ` +
        'Create a SageMakerGuardrails in that stack and call attachToRolesIn there.');
    }
    this.attached.add(role);
    // A role that is only an L1 resource (e.g. a custom resource provider's): list it by name.
    const imported = iam.Role.fromRoleName(this, `Role${Names.uniqueId(role)}`, role.ref, { mutable: true });
    for (const policy of this.policies) {
      policy.attachToRole(imported);
    }
  }

  /**
   * The service control policy documents as JSON, each under 5,120 characters. Values that are
   * tokens (e.g. subnet IDs of a VPC in this stack) resolve at deployment.
   */
  public scpDocuments(): string[] {
    const stack = Stack.of(this);
    return this.scpDocs.map((doc) => stack.toJsonString(Lazy.uncachedAny({ produce: () => doc.toJSON() })));
  }

  /** The Sids of every deny statement, in order. */
  public get statementIds(): string[] {
    return this.statements.map((s) => s.statement.sid!);
  }

  /**
   * The Sids of the deny statements the permissions boundary holds, in order (it carries them
   * without Sids). The others deny the rest of the SageMaker catalogue from the deny policies
   * and SCPs only (docs/guardrail-coverage.md).
   */
  public get boundaryStatementIds(): string[] {
    return this.statements.filter((s) => s.inBoundary).map((s) => s.statement.sid!);
  }

  private createBoundary(sizeOf: DeployedPolicySize, policyName?: string): iam.ManagedPolicy {
    // No Sids in the boundary: every character counts in a single 6,144-character policy (the
    // deny policies and SCPs carry the same statements with their Sids).
    const allowAll = new iam.PolicyStatement({ actions: ['*'], resources: ['*'] });
    const denies = this.statements.filter((s) => s.inBoundary).map(({ statement: st }) => withoutSid(st));
    const boundaryDoc = new iam.PolicyDocument({ statements: [allowAll, ...denies] });
    const boundarySize = sizeOf.document(boundaryDoc);
    if (boundarySize > SageMakerGuardrails.MANAGED_POLICY_SIZE_LIMIT) {
      throw validationError(this, 'GuardrailsBoundaryTooLarge',
        `the permissions boundary would be about ${boundarySize} characters, over IAM's ${SageMakerGuardrails.MANAGED_POLICY_SIZE_LIMIT} for one policy: shorten the allowlists (fewer required tags, subnets or security groups; instance type wildcards such as 'ml.m5.*'), or set \`permissionsBoundary: false\` and attach the deny policies with \`attachTo(role)\`.`);
    }
    const boundary = new iam.ManagedPolicy(this, 'PermissionsBoundary', {
      managedPolicyName: policyName === undefined ? undefined : `${policyName}-boundary`,
      description: 'SageMaker guardrails as a permissions boundary: everything the identity policies allow, minus insecure SageMaker requests',
      document: boundaryDoc,
    });
    acknowledge(boundary,
      'A permissions boundary only caps permissions and grants none: Allow * on * is the ceiling; the identity policies still grant least privilege, and the deny statements in this boundary remove insecure SageMaker requests.',
      'AwsSolutions-IAM5[Action::*]', 'AwsSolutions-IAM5[Resource::*]',
      'HIPAA.Security-IAMPolicyNoStatementsWithAdminAccess', 'HIPAA.Security-IAMPolicyNoStatementsWithFullAccess',
      'NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess', 'NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess',
      'PCI.DSS.321-IAMPolicyNoStatementsWithAdminAccess', 'PCI.DSS.321-IAMPolicyNoStatementsWithFullAccess');
    acknowledgeControls(boundary.node.defaultChild as CfnResource,
      'A permissions boundary only caps permissions and grants none: Allow * on * is the ceiling, the identity policies grant least privilege, and the boundary\'s deny statements remove insecure SageMaker requests.',
      'CT.IAM.PR.2', 'CT.IAM.PR.3');
    return boundary;
  }

  private inputs(env: ISageMakerEnvironment | undefined, props: SageMakerGuardrailsProps): GuardrailInputs {
    const subnetIds = props.subnetIds ?? (env ? env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds : []);
    const securityGroupIds = this.currentSecurityGroupIds();
    const kmsKeyArns = [...(env ? [env.key.keyArn] : []), ...(props.additionalKmsKeyArns ?? [])];
    const studio = props.studioInstanceTypes ?? SageMakerGuardrails.DEFAULT_STUDIO_INSTANCE_TYPES;
    const inputs: GuardrailInputs = {
      subnetIds,
      // Lazy: the groups of workloads added later join the list.
      securityGroupIds: securityGroupIds.length > 0 ? this.securityGroupIdList : [],
      kmsKeyArns,
      notebookInstanceTypes: props.notebookInstanceTypes ?? SageMakerGuardrails.DEFAULT_NOTEBOOK_INSTANCE_TYPES,
      studioInstanceTypes: studio.includes('system') ? studio : ['system', ...studio],
      endpointInstanceTypes: props.endpointInstanceTypes ?? SageMakerGuardrails.DEFAULT_ENDPOINT_INSTANCE_TYPES,
      trainingInstanceTypes: props.trainingInstanceTypes ?? SageMakerGuardrails.DEFAULT_TRAINING_INSTANCE_TYPES,
      presignedUrlSourceIps: props.presignedUrlSourceIps ?? [],
      presignedUrlVpcEndpointIds: props.presignedUrlVpcEndpointIds ?? [],
      requiredTags: props.requiredTags ?? [],
      maxRuntimeSeconds: this.maxRuntimeSeconds(props.maxJobRuntime),
      permittedUnguardedActions: this.permittedUnguardedActions(props.permitUnguardedActions ?? []),
      // Lazy: the configurations of workloads added later join the list.
      lifecycleConfigArns: this.lifecycleConfigsAtConstruction ? this.lifecycleConfigArnList : [],
    };

    this.checkList('subnetIds', inputs.subnetIds, SageMakerGuardrails.MAX_SUBNETS, /^subnet-[0-9a-f]{8,17}$/, props.subnetIds === undefined ? 0 : 1);
    this.checkList('securityGroups + securityGroupIds', securityGroupIds, SageMakerGuardrails.MAX_SECURITY_GROUPS, /^sg-[0-9a-f]{8,17}$/, 0);
    this.checkList('additionalKmsKeyArns', props.additionalKmsKeyArns ?? [], SageMakerGuardrails.MAX_ADDITIONAL_KEYS, /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/, 0);
    const typePattern = /^(ml\.[a-z0-9*-]+\.[a-z0-9*]+|ml\.[a-z0-9*-]*\*|system)$/;
    this.checkList('notebookInstanceTypes', inputs.notebookInstanceTypes, SageMakerGuardrails.MAX_INSTANCE_TYPES, typePattern, 1);
    this.checkList('studioInstanceTypes', inputs.studioInstanceTypes, SageMakerGuardrails.MAX_INSTANCE_TYPES + 1, typePattern, 1);
    this.checkList('endpointInstanceTypes', inputs.endpointInstanceTypes, SageMakerGuardrails.MAX_INSTANCE_TYPES, typePattern, 1);
    this.checkList('trainingInstanceTypes', inputs.trainingInstanceTypes, SageMakerGuardrails.MAX_INSTANCE_TYPES, typePattern, 1);
    this.checkList('presignedUrlSourceIps', inputs.presignedUrlSourceIps, SageMakerGuardrails.MAX_PRESIGNED_URL_SOURCES, undefined, 0);
    validateSourceIpRanges(this, inputs.presignedUrlSourceIps, 'presignedUrlSourceIps');
    this.checkList('presignedUrlVpcEndpointIds', inputs.presignedUrlVpcEndpointIds, SageMakerGuardrails.MAX_PRESIGNED_URL_SOURCES, /^vpce-[0-9a-f]{8,17}$/, 0);
    for (const tag of inputs.requiredTags) {
      if (Token.isUnresolved(tag)) {
        throw validationError(this, 'GuardrailTagToken',
          '`requiredTags` has a token: each tag key becomes part of a condition key (`aws:RequestTag/<key>`), which must be known at synth time. Pass literal tag keys.');
      }
    }
    this.checkList('requiredTags', inputs.requiredTags, SageMakerGuardrails.MAX_REQUIRED_TAGS, TAG_KEY_PATTERN, 0, TAG_KEY_RULE);
    this.checkList('lifecycleConfigArns', this.fixedLifecycleConfigArns, SageMakerGuardrails.MAX_LIFECYCLE_CONFIGS,
      /^arn:aws[a-z-]*:sagemaker:[a-z0-9*?-]+:(\d{12}|[*?]+):(notebook-instance-lifecycle-config|studio-lifecycle-config)\/.+$/, 0,
      'a lifecycle configuration ARN: arn:aws:sagemaker:<region>:<account>:notebook-instance-lifecycle-config/<name> or ...:studio-lifecycle-config/<name>');
    return inputs;
  }

  /** `permitUnguardedActions`, validated: literal names from `UNGUARDED_ACTIONS` (warned). */
  private permittedUnguardedActions(actions: string[]): string[] {
    for (const a of actions) {
      if (Token.isUnresolved(a)) {
        throw validationError(this, 'GuardrailUnguardedActionToken',
          '`permitUnguardedActions` has a token: the actions decide which statements the policies hold, so they must be known at synth time. Pass literal action names such as \'sagemaker:CreatePipeline\'.');
      }
      if (!UNGUARDED_ACTIONS.includes(a)) {
        const suggestion = UNGUARDED_ACTIONS.find((u) => u.toLowerCase() === a.toLowerCase() || u === `sagemaker:${a}`);
        throw validationError(this, 'GuardrailNotAnUnguardedAction',
          `\`permitUnguardedActions\` has '${a}', which is not one of SageMakerGuardrails.UNGUARDED_ACTIONS${suggestion ? ` (did you mean '${suggestion}'?)` : ''}. ` +
          'Every other SageMaker action is either judged by a guardrail statement or needs none; see docs/guardrail-coverage.md.');
      }
    }
    if (actions.length > 0) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:GuardrailsUnguardedActionsPermitted',
        `these guardrails permit ${[...new Set(actions)].join(', ')}: no condition key lets them judge these requests (their network, role, key or code), so the identity policies that allow them are the only control. Allow them only to the roles that need them.`);
    }
    return [...new Set(actions)];
  }

  /** `maxJobRuntime` in whole seconds (validated before the conversion, which throws on fractions). */
  private maxRuntimeSeconds(runtime: Duration | undefined): number {
    if (runtime === undefined) {
      return Duration.days(5).toSeconds();
    }
    validateWholeSeconds(this, 'maxJobRuntime', runtime, {
      code: 'InvalidMaxJobRuntime',
      min: 1,
      max: 28 * 24 * 3600,
      outOfRange: (seconds) => `\`maxJobRuntime\` is ${seconds} seconds: give whole seconds from 1 to 2419200 (28 days, the largest runtime SageMaker accepts).`,
    });
    return runtime.toSeconds();
  }

  /** Checks the count of a list and, when `pattern` is given, each concrete entry (`rule` says what the pattern accepts). */
  private checkList(prop: string, values: string[], max: number, pattern: RegExp | undefined, min: number, rule?: string): void {
    if (values.length > max) {
      throw validationError(this, 'GuardrailAllowlistTooLong',
        `\`${prop}\` has ${values.length} entries; at most ${max} are accepted so that every guardrail policy stays under IAM's and AWS Organizations' size limits. Use wildcards (e.g. 'ml.m5.*') or fewer entries.`);
    }
    if (values.length < min) {
      throw validationError(this, 'GuardrailAllowlistEmpty', `\`${prop}\` is empty: give at least ${min} entry, or leave it out for the default.`);
    }
    for (const v of values) {
      if (pattern && !Token.isUnresolved(v) && !pattern.test(v)) {
        throw validationError(this, 'GuardrailInvalidValue', `\`${prop}\` has an invalid entry '${v}' (expected ${rule ?? pattern}).`);
      }
    }
  }

  private validateTargets(targets: string[]): void {
    for (const t of targets) {
      if (!Token.isUnresolved(t) && !SCP_TARGET.test(t)) {
        throw validationError(this, 'InvalidScpTarget',
          `\`scpTargetIds\` has '${t}', which is not an account ID (12 digits), an organizational unit ID (ou-xxxx-yyyyyyyy) or a root ID (r-xxxx).`);
      }
    }
  }
}

/** Attaches the guardrails to every role it visits (see `attachToRolesIn`). */
class AttachGuardrails implements IAspect {
  constructor(private readonly guardrails: SageMakerGuardrails) {}

  public visit(node: IConstruct): void {
    if (node instanceof iam.Role) {
      this.guardrails.attachTo(node);
    } else if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::IAM::Role' && !(node.node.scope instanceof iam.Role)) {
      this.guardrails._attachToRoleResource(node);
    } else if (isMutableImportedRole(node)) {
      this.guardrails._attachToImportedRole(node);
    }
  }
}

/** Runs `_finalize` once, at synth, when every workload has been added. */
class FinalizeGuardrails implements IAspect {
  constructor(private readonly guardrails: SageMakerGuardrails) {}

  public visit(node: IConstruct): void {
    if (node === this.guardrails) {
      this.guardrails._finalize();
    }
  }
}

/**
 * The security groups a workload's requests name: its `connections`, and the `jobSecurityGroup`
 * of a notebook or Studio domain (the jobs and models started from it use that group).
 */
function workloadSecurityGroupIds(workload: ec2.IConnectable): string[] {
  const groups = [...workload.connections.securityGroups];
  const job = (workload as unknown as { jobSecurityGroup?: ec2.ISecurityGroup }).jobSecurityGroup;
  if (job && typeof job === 'object' && 'securityGroupId' in job && !groups.includes(job)) {
    groups.push(job);
  }
  return groups.map((sg) => sg.securityGroupId);
}

/** The lifecycle configurations a workload runs (`SecureNotebook`, `SecureStudioDomain`). */
function workloadLifecycleConfigArns(workload: ec2.IConnectable): string[] {
  const arns = (workload as unknown as { lifecycleConfigArns?: unknown }).lifecycleConfigArns;
  return Array.isArray(arns) ? arns.filter((a): a is string => typeof a === 'string') : [];
}

/** The statement without its Sid (the boundary: every character counts). */
function withoutSid(st: iam.PolicyStatement): iam.PolicyStatement {
  return new iam.PolicyStatement({ effect: st.effect, actions: st.actions, resources: st.resources, conditions: st.conditions });
}

function roleLabel(role: iam.IRole): string {
  const name = Token.isUnresolved(role.roleName) ? undefined : role.roleName;
  const construct = (role as Partial<IConstruct>).node?.path;
  return `role ${name ?? construct ?? '(unnamed)'}${name && construct ? ` (${construct})` : ''}`;
}

/**
 * A role imported with `iam.Role.fromRoleArn`/`fromRoleName` that may be changed: not wrapped as
 * immutable (`mutable: false`, or another account, makes aws-cdk-lib wrap it).
 */
function isMutableImportedRole(node: IConstruct): node is iam.IRole & IConstruct {
  const n = node as unknown as Record<string, unknown>;
  if (iam.Role.isRole(node) || !('roleArn' in n && 'roleName' in n && 'attachedPolicies' in n && 'defaultPolicyName' in n)) {
    return false;
  }
  const id = node.node.id;
  const wrapper = id.startsWith('MutableRole') ? node.node.scope?.node.tryFindChild(id.slice('MutableRole'.length)) : undefined;
  return !(wrapper && 'addGrantsToResources' in wrapper);
}
