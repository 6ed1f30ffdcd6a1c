import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import {
  KMSKeyRetained,
  LogGroupRetained,
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
  }

  /**
   * Amazon S3: data and model buckets.
   * @param node the CfnResource to check
   */
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
}
