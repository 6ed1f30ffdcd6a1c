import { CfnResource, IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { Control, CONTROLS, RULE_ID_PREFIX } from './controls';
import { TemplateSource, templateFilesOf } from './rules/template-source';

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

  /** The rules of the pack, one per control of the catalogue, evaluated on the templates of the current pass. */
  private readonly rules: ReadonlyArray<{ readonly control: Control; readonly rule: (node: CfnResource) => NagRuleCompliance }>;
  /** Synthesized template files of the current `validate` call, by stack construct path. */
  private templateFiles?: ReadonlyMap<string, string>;
  /** The templates read during one validation pass (or one `checkResource` call outside a pass). */
  private source?: TemplateSource;

  /**
   * @param scope The app (or other scope) the pack is added to. Only needed with `writeSuppressionsToCloudFormation`.
   * @param props Standard cdk-nag pack options: verbose explanations, acknowledgements written to the template.
   */
  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.name = RULE_ID_PREFIX;
    this.packName = RULE_ID_PREFIX;
    this.rules = CONTROLS.map((control) => ({
      control,
      rule: Object.defineProperty((node: CfnResource) => this.source!.evaluate(control, node), 'name', { value: control.id }),
    }));
  }

  /**
   * Entry point called by the CDK validation framework, after the templates are written: the rules
   * read the resources from the synthesized templates.
   *
   * @param context the templates and construct tree of the app being validated
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    this.templateFiles = templateFilesOf(context.stackTemplates ?? []);
    try {
      return super.validate(context);
    } finally {
      this.templateFiles = undefined;
    }
  }

  /**
   * Validates a construct tree directly (in tests: no synthesis needed). Each stack's template is
   * read once per call.
   *
   * @param scope the construct tree to validate
   */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.source = new TemplateSource(this.templateFiles);
    try {
      return super.validateScope(scope);
    } finally {
      this.source = undefined;
    }
  }

  /**
   * Applies every rule of the pack to one CloudFormation resource.
   *
   * @param node the CfnResource to check
   */
  protected checkResource(node: CfnResource): void {
    const outsideAPass = this.source === undefined;
    if (outsideAPass) {
      this.source = new TemplateSource();
    }
    try {
      for (const { control, rule } of this.rules) {
        this.applyRule({ ruleSuffixOverride: control.id, info: control.info, explanation: control.explanation, level: control.level, rule, node });
      }
    } finally {
      if (outsideAPass) {
        this.source = undefined;
      }
    }
  }
}
