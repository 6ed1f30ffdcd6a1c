import { CfnResource } from 'aws-cdk-lib';
import { IApplyRule, NagMessageLevel, NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import {
  DomainDockerAccessDisabled,
  DomainHomeEfsRetained,
  DomainIdleShutdown,
  DomainKMSKey,
  DomainSecurityGroups,
  DomainSourceIdentity,
  DomainVpcOnly,
  UserProfileOwnRole,
  EndpointConfigDataCaptureEncrypted,
  EndpointConfigKMSKey,
  EndpointConfigMultiInstance,
  EndpointConfigNoKMSKeyOnNVMe,
  JobDefinitionInterContainerEncryption,
  JobDefinitionKmsKeys,
  JobDefinitionMaxRuntime,
  JobDefinitionNetworkIsolation,
  JobDefinitionVpc,
  KMSKeyRetained,
  LogGroupRetained,
  ModelInVPC,
  ModelNetworkIsolation,
  NotebookCurrentPlatform,
  NotebookIMDSv2,
  NotebookLifecycleConfigAttached,
  NotebookNitroInstanceType,
  NotebookRootAccessDisabled,
  S3BucketKeyEnabled,
  S3BucketRetained,
  VPCInterfaceEndpointPrivateDNS,
  VPCNoInternetPath,
  VPCS3GatewayEndpointPolicy,
} from './rules';

/**
 * cdk-nag rule pack for the security baseline of SageMaker workloads built with this library.
 *
 * Rule IDs are `SageMakerSecurity-<RuleName>` (for example `SageMakerSecurity-S3BucketKeyEnabled`);
 * RULES.md lists every rule with its level, cause and sources. The pack complements the generic
 * cdk-nag packs (AwsSolutions, HIPAA, NIST, PCI): it checks what those packs do not, such as S3 Bucket
 * Keys, retention of data, keys and logs, a VPC with no path to the internet, and hardened SageMaker
 * notebook instances (no root access, IMDSv2 only, the current Amazon Linux 2023 platform, a lifecycle
 * configuration, a Nitro instance type).
 *
 * Run it as a policy validation plugin, and acknowledge a finding (with a reason) on the construct
 * that owns it:
 *
 * ```ts
 * declare const app: App;
 * declare const bucket: s3.Bucket;
 *
 * Validations.of(app).addPlugins(new SageMakerSecurityChecks(app));
 * Validations.of(bucket).acknowledge({ id: 'SageMakerSecurity-S3BucketRetained', reason: 'Scratch bucket, rebuilt by the pipeline.' });
 * ```
 *
 * In tests, `new SageMakerSecurityChecks().validateScope(stack)` returns the report directly.
 */
export class SageMakerSecurityChecks extends NagPack {
  /**
   * Name of the plugin shown in the validation report. Also the prefix of every rule ID.
   */
  public readonly name: string;

  /**
   * @param scope The app (or other scope) the pack is added to. Only needed with `writeSuppressionsToCloudFormation`.
   * @param props Standard cdk-nag pack options: verbose explanations, acknowledgements written to the template.
   */
  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.name = 'SageMakerSecurity';
    this.packName = 'SageMakerSecurity';
  }

  /**
   * Applies every rule of the pack to one CloudFormation resource.
   *
   * @param node the CfnResource to check
   */
  protected checkResource(node: CfnResource): void {
    this.checkS3(node);
    this.checkKms(node);
    this.checkLogs(node);
    this.checkVpc(node);
    this.checkSageMaker(node);
    this.checkSageMakerHosting(node);
    this.checkJobDefinitions(node);
    this.checkStudio(node);
  }

  /**
   * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker pipelines.
   * @param node the CfnResource to check
   */
  private checkJobDefinitions(node: CfnResource): void {
    const scope = 'A createTrainingJob/createProcessingJob task of a Step Functions state machine, or a Training/Processing step of a SageMaker pipeline,';
    const unreadable = ' Definitions that cannot be read at synth time (S3 locations, JSONata expressions, ".$" paths) cannot be proven safe and are flagged.';
    this.applyRule({
      info: `${scope} has no VpcConfig with subnets and security groups, or its definition cannot be read at synth time.`,
      explanation:
        'A job outside a VPC runs on a network SageMaker manages, where its containers can reach the internet and the VPC endpoint policies, '
        + 'flow logs and security groups of your network do not apply.' + unreadable,
      level: NagMessageLevel.ERROR,
      rule: JobDefinitionVpc,
      node,
    });
    this.applyRule({
      info: `${scope} does not set EnableNetworkIsolation to true (the API default is false), or its definition cannot be read at synth time.`,
      explanation:
        'Network isolation stops the training or processing container from making any network call: third-party code and models in the '
        + 'container cannot send data out or download anything, while SageMaker still moves the input and output data.' + unreadable,
      level: NagMessageLevel.ERROR,
      rule: JobDefinitionNetworkIsolation,
      node,
    });
    this.applyRule({
      info: `${scope} does not set EnableInterContainerTrafficEncryption to true (the API default is false), or its definition cannot be read at synth time.`,
      explanation:
        'Instances of a distributed job exchange model parameters and training data over the network. Inter-container traffic encryption '
        + 'protects that traffic in transit; the small cost in training time is the price of not sending data in the clear.' + unreadable,
      level: NagMessageLevel.ERROR,
      rule: JobDefinitionInterContainerEncryption,
      node,
    });
    this.applyRule({
      info: `${scope} does not encrypt its output and its storage volumes with a fixed KMS key (the volume key may be omitted only for instance types with local NVMe storage), or its definition cannot be read at synth time.`,
      explanation:
        'Without an output key SageMaker writes model artifacts with the default S3 encryption, and without a volume key the ML storage '
        + 'volumes use an AWS managed key: access to the data then no longer depends on access to your customer managed key.' + unreadable,
      level: NagMessageLevel.ERROR,
      rule: JobDefinitionKmsKeys,
      node,
    });
    this.applyRule({
      info: `${scope} has no literal StoppingCondition.MaxRuntimeInSeconds (1 to 2419200 seconds for training), or its definition cannot be read at synth time.`,
      explanation:
        'A maximum runtime bounds the cost of a stuck or hijacked job (GPU instances cost tens of dollars an hour) and the time a '
        + 'compromised container can run with the job role.' + unreadable,
      level: NagMessageLevel.ERROR,
      rule: JobDefinitionMaxRuntime,
      node,
    });
  }

  /**
   * Amazon S3: data and model buckets.
   * @param node the CfnResource to check
   */
  private checkStudio(node: CfnResource): void {
    const rules: Array<{ rule: IApplyRule['rule']; info: string; explanation: string; level?: NagMessageLevel }> = [
      {
        rule: DomainVpcOnly,
        info: 'The SageMaker Studio domain does not have AppNetworkAccessType VpcOnly (the default, PublicInternetOnly, gives every app internet access).',
        explanation: 'With PublicInternetOnly, Studio apps reach the internet through a VPC that SageMaker manages, outside the controls of your VPC: '
          + 'notebook code can download unvetted packages and send data anywhere. VpcOnly routes all app traffic through your subnets, security groups and VPC endpoints.',
      },
      {
        rule: DomainKMSKey,
        info: 'The SageMaker Studio domain has no customer managed KMS key (KmsKeyId) for its home EFS file system, or the key cannot be proven at synth time.',
        explanation: 'The home EFS file system holds every user\'s notebooks, data extracts and credentials files. Without KmsKeyId it is encrypted with an AWS managed key, '
          + 'whose use you cannot restrict or audit through a key policy.',
      },
      {
        rule: DomainSecurityGroups,
        info: 'The SageMaker Studio domain sets no security groups for its apps (DefaultUserSettings.SecurityGroups), or one that cannot be proven at synth time.',
        explanation: 'In VpcOnly mode the security groups of the domain decide what Studio apps can reach: they should allow only traffic within the domain, NFS to the home EFS and HTTPS to the VPC endpoints.',
      },
      {
        rule: DomainHomeEfsRetained,
        info: 'The SageMaker Studio domain is not retained: DeletionPolicy is not Retain (or RetainExceptOnCreate), or UpdateReplacePolicy is not Retain.',
        explanation: 'Deleting or replacing the domain orphans or deletes its home EFS file system with every user\'s work; CloudFormation has no property for the home EFS RetentionPolicy of DeleteDomain, '
          + 'so the domain itself must be retained and deleted deliberately.',
      },
      {
        rule: DomainIdleShutdown,
        info: 'The SageMaker Studio domain does not turn on idle shutdown for JupyterLab apps (DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement ENABLED).',
        explanation: 'Without idle shutdown, JupyterLab apps keep running, and billing, on their instances until a user stops them; forgotten GPU instances are a common source of cost incidents.',
      },
      {
        rule: DomainDockerAccessDisabled,
        info: 'The SageMaker Studio domain enables Docker access (DomainSettings.DockerSettings.EnableDockerAccess ENABLED), or the setting cannot be proven at synth time.',
        explanation: 'With Docker access, users can build and run arbitrary container images in their apps, with the app\'s network access and execution role credentials, outside the images the platform team vetted.',
      },
      {
        rule: DomainSourceIdentity,
        info: 'The SageMaker Studio domain does not set DomainSettings.ExecutionRoleIdentityConfig to USER_PROFILE_NAME.',
        explanation: 'With USER_PROFILE_NAME, SageMaker sets the user profile name as the source identity of every session of the execution role, so CloudTrail records which user made each call '
          + 'even when a role is shared; without it, calls show only the role.',
      },
      {
        rule: UserProfileOwnRole,
        level: NagMessageLevel.WARN,
        info: 'The SageMaker Studio user profile has no execution role of its own: UserSettings.ExecutionRole is absent (the domain default role) or the same as another user profile\'s in the stack.',
        explanation: 'A role shared by several users gives each of them the permissions of all of them, and CloudTrail shows one role for all their calls. One role per user keeps every action attributable and every grant individual.',
      },
    ];
    for (const r of rules) {
      this.applyRule({ info: r.info, explanation: r.explanation, level: r.level ?? NagMessageLevel.ERROR, rule: r.rule, node });
    }
  }

  private checkS3(node: CfnResource): void {
    this.applyRule({
      info: 'The S3 bucket does not use SSE-KMS (or DSSE-KMS) default encryption with an S3 Bucket Key on every encryption rule.',
      explanation:
        'Buckets holding training data and model artifacts should be encrypted with SSE-KMS under a customer managed key, so that access to the data also '
        + 'requires access to the key. S3 Bucket Keys let S3 use a short-lived bucket-level key instead of calling AWS KMS for every object, which cuts '
        + 'KMS request volume and cost by up to 99% and removes most of the per-object KMS events from CloudTrail.',
      level: NagMessageLevel.ERROR,
      rule: S3BucketKeyEnabled,
      node,
    });
    this.applyRule({
      info: 'The S3 bucket is not retained: DeletionPolicy is not Retain (or RetainExceptOnCreate), or UpdateReplacePolicy is not Retain.',
      explanation:
        'Training data and model artifacts are generally not reproducible. A bucket that CloudFormation may delete on stack deletion or replacement '
        + 'can take that data with it; retain the bucket and delete it deliberately when it is no longer needed.',
      level: NagMessageLevel.ERROR,
      rule: S3BucketRetained,
      node,
    });
  }

  /**
   * AWS KMS: customer managed keys.
   * @param node the CfnResource to check
   */
  private checkKms(node: CfnResource): void {
    this.applyRule({
      info: 'The KMS key is not retained: DeletionPolicy is not Retain (or RetainExceptOnCreate), or UpdateReplacePolicy is not Retain.',
      explanation:
        'Once a KMS key is deleted, every S3 object, EBS/EFS volume, log group and model artifact encrypted with it is permanently unreadable. '
        + 'The pending-deletion window only delays that loss, so the key itself must be retained when the stack is deleted or the key replaced.',
      level: NagMessageLevel.ERROR,
      rule: KMSKeyRetained,
      node,
    });
  }

  /**
   * Amazon CloudWatch Logs: log groups.
   * @param node the CfnResource to check
   */
  private checkLogs(node: CfnResource): void {
    this.applyRule({
      info: 'The CloudWatch Logs log group is not retained: DeletionPolicy is not Retain (or RetainExceptOnCreate), or UpdateReplacePolicy is not Retain.',
      explanation:
        'Logs of notebooks, training jobs, endpoints and VPC flow logs are audit evidence. Deleting the log group with the stack destroys that evidence '
        + 'exactly when an investigation may need it; retain the log group and let its retention period expire the events.',
      level: NagMessageLevel.ERROR,
      rule: LogGroupRetained,
      node,
    });
  }

  /**
   * Amazon VPC: network isolation and VPC endpoints.
   * @param node the CfnResource to check
   */
  private checkVpc(node: CfnResource): void {
    this.applyRule({
      info: 'The resource creates or uses a path to the internet (internet, egress-only or carrier gateway, public NAT gateway, or a route to one).',
      explanation:
        'SageMaker workloads built with this library must have no route to the internet: data leaves the VPC only through VPC endpoints, whose policies '
        + 'control where it can go. An internet or NAT gateway is an uncontrolled exfiltration path and lets code in notebooks, training jobs and '
        + 'containers download unvetted packages and models.',
      level: NagMessageLevel.WARN,
      rule: VPCNoInternetPath,
      node,
    });
    this.applyRule({
      info: 'The S3 gateway VPC endpoint has no endpoint policy, or its policy allows access to any bucket.',
      explanation:
        'Without an endpoint policy (or with Resource "*" / "arn:aws:s3:::*" or NotResource), the S3 gateway endpoint lets any principal in the VPC '
        + 'read from and write to any bucket in any AWS account, which is a data exfiltration path that bypasses the missing internet route. Restrict '
        + 'the policy to the buckets the workload needs, or pin aws:ResourceAccount / aws:ResourceOrgID to your account or organization.',
      level: NagMessageLevel.ERROR,
      rule: VPCS3GatewayEndpointPolicy,
      node,
    });
    this.applyRule({
      info: 'The interface VPC endpoint does not have private DNS enabled.',
      explanation:
        'AWS SDKs and the SageMaker runtime inside the VPC use the public service hostnames. Without private DNS those names resolve to public '
        + 'addresses, so calls bypass the endpoint: they fail in a VPC with no internet path, or leave the VPC where one exists.',
      level: NagMessageLevel.ERROR,
      rule: VPCInterfaceEndpointPrivateDNS,
      node,
    });
  }

  /**
   * Amazon SageMaker: notebook instances.
   * @param node the CfnResource to check
   */
  private checkSageMaker(node: CfnResource): void {
    this.applyRule({
      info: 'The SageMaker notebook instance does not have RootAccess set to Disabled (CloudFormation defaults to Enabled).',
      explanation:
        'With root access, every notebook user can change the instance configuration, disable the controls installed by the lifecycle '
        + 'configuration, install arbitrary software and read everything on the instance. Lifecycle configurations still run as root when '
        + 'root access is disabled, so the library can set up the instance without handing root to its users.',
      level: NagMessageLevel.ERROR,
      rule: NotebookRootAccessDisabled,
      node,
    });
    this.applyRule({
      info: 'The SageMaker notebook instance does not require IMDSv2: InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion is not 2 (the default is 1).',
      explanation:
        'The instance metadata service hands out the credentials of the notebook execution role. IMDSv1 answers any request that reaches '
        + '169.254.169.254, so a server-side request forgery in notebook code, an open proxy or a misconfigured firewall can leak those '
        + 'credentials; IMDSv2 requires a session token obtained with a PUT request first.',
      level: NagMessageLevel.ERROR,
      rule: NotebookIMDSv2,
      node,
    });
    this.applyRule({
      info: 'The SageMaker notebook instance does not set PlatformIdentifier to notebook-al2023-v1 (Amazon Linux 2023).',
      explanation:
        'Amazon Linux 1 and the notebook-al2-v1/v2 platforms are deprecated, and Amazon Linux 2 notebook instances (including notebook-al2-v3) '
        + 'can no longer be created or restarted from 1 July 2026, so they stop receiving security fixes and cannot be recovered. The '
        + 'default used when PlatformIdentifier is omitted has changed over time; pin the current platform explicitly.',
      level: NagMessageLevel.ERROR,
      rule: NotebookCurrentPlatform,
      node,
    });
    this.applyRule({
      info: 'The SageMaker notebook instance has no lifecycle configuration (LifecycleConfigName is absent, empty or a parameter).',
      explanation:
        'This library enforces idle auto-stop and secure SageMaker SDK defaults through a lifecycle configuration. Without one, an idle '
        + 'instance keeps running (and billing), and jobs started from the notebook do not pick up the secure defaults.',
      level: NagMessageLevel.ERROR,
      rule: NotebookLifecycleConfigAttached,
      node,
    });
    this.applyRule({
      info: 'The SageMaker notebook instance type is not built on the AWS Nitro System (ml.t2, ml.m4, ml.c4, ml.p2 and ml.p3 are not), or does not resolve.',
      explanation:
        'Instances built on the AWS Nitro System offload virtualization to dedicated hardware under a minimal hypervisor, with no '
        + 'interactive operator access to the host. The older Xen-based families do not, and service control policies that allow only '
        + 'Nitro instance types reject them.',
      level: NagMessageLevel.ERROR,
      rule: NotebookNitroInstanceType,
      node,
    });
  }

  /**
   * Amazon SageMaker: models and endpoint configs of real-time endpoints.
   * @param node the CfnResource to check
   */
  private checkSageMakerHosting(node: CfnResource): void {
    this.applyRule({
      info: 'The SageMaker model does not have EnableNetworkIsolation set to true (CreateModel defaults to false).',
      explanation:
        'Without network isolation the inference container can make outbound calls: a compromised or malicious model image can exfiltrate '
        + 'inference data or download code. With isolation SageMaker still fetches the model artifact and image for the container, which '
        + 'itself has no network access.',
      level: NagMessageLevel.ERROR,
      rule: ModelNetworkIsolation,
      node,
    });
    this.applyRule({
      info: 'The SageMaker model has no VpcConfig with subnets and security groups.',
      explanation:
        'A model without VpcConfig runs its containers in a network that SageMaker manages, outside your security groups, flow logs and '
        + 'VPC endpoint policies. Run models in your private subnets with a security group that has no ingress.',
      level: NagMessageLevel.ERROR,
      rule: ModelInVPC,
      node,
    });
    this.applyRule({
      info: 'The SageMaker endpoint config has no KmsKeyId, and not every instance-based variant uses an instance type with local NVMe storage.',
      explanation:
        'The ML storage volumes of endpoint instances hold the model and may hold inference data; encrypt them with a customer managed key '
        + 'so that access also requires the key. Instance types with local NVMe storage are the exception: their storage is '
        + 'hardware-encrypted and CreateEndpointConfig rejects a key for them.',
      level: NagMessageLevel.ERROR,
      rule: EndpointConfigKMSKey,
      node,
    });
    this.applyRule({
      info: 'The SageMaker endpoint config sets KmsKeyId with an instance type that has local NVMe storage (or an instance type that does not resolve).',
      explanation:
        'CreateEndpointConfig rejects a KMS key for instance types with local NVMe storage (ml.g5, ml.m5d, ml.p4d, ...), so the deployment '
        + 'fails. Their instance storage is encrypted in hardware; omit KmsKeyId for them.',
      level: NagMessageLevel.ERROR,
      rule: EndpointConfigNoKMSKeyOnNVMe,
      node,
    });
    this.applyRule({
      info: 'The SageMaker endpoint config captures inference data without DataCaptureConfig.KmsKeyId.',
      explanation:
        'Captured requests and responses are often the most sensitive data of a workload. Without a key SageMaker encrypts them with the '
        + 'account\'s AWS managed S3 key, which every principal with S3 access to the prefix can use; encrypt them with a customer managed key.',
      level: NagMessageLevel.ERROR,
      rule: EndpointConfigDataCaptureEncrypted,
      node,
    });
    this.applyRule({
      info: 'A production variant of the SageMaker endpoint config starts with fewer than 2 instances (or a count that does not resolve).',
      explanation:
        'SageMaker spreads the instances of a variant over Availability Zones. With one instance, an instance or zone failure makes the '
        + 'endpoint unavailable until a replacement is ready (Security Hub SageMaker.4 / AWS Config sagemaker-endpoint-config-prod-instance-count).',
      level: NagMessageLevel.WARN,
      rule: EndpointConfigMultiInstance,
      node,
    });
  }
}
