import {
  App,
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT } from 'aws-cdk-lib/cx-api';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
} from 'cdk-nag';
import { Construct, IConstruct } from 'constructs';
import { writeAcknowledgementsIntoTemplates } from './acknowledgement-writer';
import { AcknowledgingControlTowerPlugin } from './control-tower';
import { SageMakerSecurityChecks } from './sagemaker-security-checks';
import { validationError } from '../private/errors';

/**
 * Which rule packs `SageMakerCompliance.applyTo` registers.
 */
export interface SageMakerComplianceOptions {
  /**
   * Register cdk-nag's AwsSolutions pack.
   *
   * @default true
   */
  readonly awsSolutions?: boolean;

  /**
   * Register cdk-nag's HIPAA Security pack.
   *
   * @default true
   */
  readonly hipaaSecurity?: boolean;

  /**
   * Register cdk-nag's NIST 800-53 rev 5 pack.
   *
   * @default true
   */
  readonly nist80053R5?: boolean;

  /**
   * Register cdk-nag's PCI DSS 3.2.1 pack.
   *
   * @default true
   */
  readonly pciDss321?: boolean;

  /**
   * AWS Control Tower's proactive controls, as a validation plugin: pass
   * `new CfnGuardValidator()` from `@cdklabs/cdk-validator-cfnguard` (install it yourself; it
   * bundles the CloudFormation Guard binary and the controls). The controls judge each template as
   * written; the few that the library's resources do not meet by design (each listed with its
   * reason in docs/acknowledgements.md) are acknowledged on those resources in the template's
   * metadata (`cdk-secure-sagemaker:control-tower`), and every other violation fails the synth.
   * Stacks in nested stages are judged in-process; under the CLI, only the stacks it selects.
   *
   * @default - Control Tower's controls are not run
   */
  readonly controlTower?: IPolicyValidationPlugin;

  /**
   * Print each rule's explanation with its finding.
   *
   * @default false
   */
  readonly verbose?: boolean;
}

/**
 * Registers the compliance packs this library is proven against on an app or stage:
 * cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1, and our own
 * `SageMakerSecurityChecks`, with acknowledgements written into the templates.
 *
 * Any unacknowledged finding fails synthesis, also for stacks inside a `Stage` (the CDK
 * Pipelines pattern) at any depth: `cdk synth` reports only the findings of the stacks it
 * selects, and by default it selects none inside a stage, so a gate of ours fails synthesis
 * with every finding located in a nested stage listed. Set the context key
 * `@aws-cdk/core:validateAgainstDefaultRules` to `true` (in `cdk.json`) so that aws-cdk-lib's
 * CloudFormation Validate findings fail synthesis too.
 */
export class SageMakerCompliance {
  /**
   * Registers the packs on `scope`, which must be an `App` or a `Stage`.
   *
   * The packs check every construct under `scope`, nested stages included, except the stages
   * that have packs of their own (an `applyTo` on them). Calling `applyTo` again on the same
   * scope with the same options returns the packs already registered.
   *
   * @param scope the app or stage to check
   * @param options which packs to register
   * @returns the registered packs
   */
  public static applyTo(scope: IConstruct, options: SageMakerComplianceOptions = {}): NagPack[] {
    if (!Stage.isStage(scope)) {
      throw validationError(
        scope,
        'NotAStage',
        `\`SageMakerCompliance.applyTo\` needs an App or a Stage (validation plugins are registered per stage), got ${scope.node.path || 'the root'}. Pass your \`App\`.`,
      );
    }
    const key = optionsKey(options);
    const existing = registrationOf(scope);
    if (existing) {
      if (existing.optionsKey !== key) {
        throw validationError(
          scope,
          'ComplianceAlreadyApplied',
          `\`SageMakerCompliance.applyTo\` was already called on ${scope.node.path || 'the app'} with other options (${existing.optionsKey}, now ${key}). Call it once per app or stage, with the options you want.`,
        );
      }
      return existing.packs;
    }

    const props = { verbose: options.verbose ?? false };
    const packs: NagPack[] = [new SageMakerSecurityChecks(scope, props)];
    if (options.awsSolutions ?? true) {
      packs.push(new AwsSolutionsChecks(scope, props));
    }
    if (options.hipaaSecurity ?? true) {
      packs.push(new HIPAASecurityChecks(scope, props));
    }
    if (options.nist80053R5 ?? true) {
      packs.push(new NIST80053R5Checks(scope, props));
    }
    if (options.pciDss321 ?? true) {
      packs.push(new PCIDSS321Checks(scope, props));
    }
    // Each acknowledgement is written into the templates once, where it applies. Aspects stop at
    // stage boundaries: each nested stage gets the writer too.
    for (const c of scope.node.findAll()) {
      if (Stage.isStage(c)) {
        writeAcknowledgementsIntoTemplates(c);
      }
    }

    // Plugins added to the app after the gate run after it: the gate runs those itself.
    const afterGate = scope === scope.node.root && hasGate(scope);
    const plugins = packs.map((pack) => new StageScopedPack(pack, scope, afterGate));
    setRegistration(scope, { optionsKey: key, packs, plugins });
    Validations.of(scope).addPlugins(...plugins);
    if (options.controlTower) {
      Validations.of(scope).addPlugins(new AcknowledgingControlTowerPlugin(options.controlTower));
    }
    addNestedStageGate(scope);
    return packs;
  }

  private constructor() {}
}

/** What `applyTo` left on a stage: kept on the construct itself, so one tree never sees another's. */
interface Registration {
  readonly optionsKey: string;
  readonly packs: NagPack[];
  readonly plugins: StageScopedPack[];
}

const REGISTRATION_ID = 'SageMakerComplianceRegistration';

/** What `applyTo` registered on a stage, kept in a child of that stage (no resources). */
class ComplianceRegistration extends Construct {
  constructor(stage: Stage, public readonly registration: Registration) {
    super(stage, REGISTRATION_ID);
  }
}

function registrationOf(c: IConstruct): Registration | undefined {
  const child = c.node.tryFindChild(REGISTRATION_ID);
  return child instanceof ComplianceRegistration ? child.registration : undefined;
}

function setRegistration(stage: Stage, registration: Registration): void {
  new ComplianceRegistration(stage, registration);
}

function optionsKey(o: SageMakerComplianceOptions): string {
  const on = (v: boolean | undefined) => v ?? true;
  return [
    `awsSolutions=${on(o.awsSolutions)}`,
    `hipaaSecurity=${on(o.hipaaSecurity)}`,
    `nist80053R5=${on(o.nist80053R5)}`,
    `pciDss321=${on(o.pciDss321)}`,
    `verbose=${o.verbose ?? false}`,
    `controlTower=${o.controlTower?.name ?? 'off'}`,
  ].join(', ');
}

/**
 * A pack as registered on a stage. cdk-nag's `validate` walks the whole app whatever the stage it
 * was registered on; this checks the stage's own constructs (nested stages included) minus the
 * nested stages that have packs of their own, so no finding is reported twice or by the wrong
 * stage's packs. The last report is kept for the nested-stage gate.
 */
class StageScopedPack implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];
  public lastReport?: PolicyValidationPluginReport;

  constructor(private readonly pack: NagPack, private readonly stage: Stage, public readonly runsAfterGate: boolean) {
    this.name = pack.name;
    this.version = pack.version;
    this.ruleIds = pack.ruleIds;
  }

  public validate(_context: IPolicyValidationContext): PolicyValidationPluginReport {
    const reports = regionsOf(this.stage).map((region) => this.pack.validateScope(region));
    const report = reports.length === 1 ? reports[0] : mergeReports(reports);
    this.lastReport = report;
    return report;
  }
}

/** The subtrees a stage's packs check: the stage, cut where a nested stage has packs of its own. */
function regionsOf(stage: Stage): IConstruct[] {
  const owners = stage.node.findAll().filter((c) => c !== stage && Stage.isStage(c) && registrationOf(c) !== undefined);
  if (owners.length === 0) {
    return [stage];
  }
  const regions: IConstruct[] = [];
  const visit = (c: IConstruct) => {
    if (!owners.some((o) => o.node.scopes.includes(c))) {
      regions.push(c);
      return;
    }
    for (const child of c.node.children) {
      if (!owners.includes(child)) {
        visit(child);
      }
    }
  };
  visit(stage);
  return regions;
}

function mergeReports(reports: PolicyValidationPluginReport[]): PolicyValidationPluginReport {
  const byRule = new Map<string, PolicyViolation>();
  for (const r of reports) {
    for (const v of r.violations) {
      const seen = byRule.get(v.ruleName);
      byRule.set(v.ruleName, seen ? { ...seen, violatingResources: [...seen.violatingResources, ...v.violatingResources] } : v);
    }
  }
  return { success: reports.every((r) => r.success), violations: [...byRule.values()] };
}

/** The rule the gate reports under. */
const GATE_RULE = 'SageMakerCompliance-FindingsInNestedStages';

/**
 * Registered once on the app, after the packs, so it runs after them. When the CLI handles the
 * validation report (it sets `@aws-cdk/core:failSynthOnValidationErrors` to false) it keeps only
 * the findings of the stacks it selected, and `cdk synth` selects no stack inside a stage: the
 * packs' findings there would be written to `validation-report.json` and nowhere else, with exit
 * code 0. The gate then repeats each of those findings as a fatal violation on a resource with no
 * construct path (the CLI keeps those whatever the selection; fatal ones cannot be acknowledged:
 * acknowledge the finding itself), so synthesis fails with each rule ID and path listed. Only our
 * packs' findings are repeated; the app's own failure path (in-process synth, older CLIs) already
 * reports every stack, so the gate stays silent there.
 */
class NestedStageGate implements IPolicyValidationPlugin {
  public readonly name = 'SageMakerCompliance';

  constructor(private readonly app: App) {}

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const fail = this.app.node.tryGetContext(FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT);
    if (fail !== false && fail !== 'false') {
      // The app fails synthesis itself with every stack's findings: nothing to add.
      return { success: true, violations: [] };
    }
    const all = this.app.node.findAll();
    const plugins = all.flatMap((c) => (Stage.isStage(c) ? registrationOf(c)?.plugins ?? [] : []));
    const reports = plugins.map((p) => ({ name: p.name, report: p.runsAfterGate ? p.validate(context) : p.lastReport }));
    // A pack whose stage has no stack did not run: never read a report of an earlier synthesis.
    plugins.forEach((p) => (p.lastReport = undefined));
    const nestedStages = all.filter((c) => c !== this.app && Stage.isStage(c)).map((s) => `${s.node.path}/`);
    const violations: PolicyViolation[] = [];
    for (const { name, report } of reports) {
      if (!report || report.success) {
        continue;
      }
      for (const v of report.violations) {
        for (const r of v.violatingResources) {
          const at = r.constructPath ?? '';
          if (nestedStages.some((stage) => at.startsWith(stage))) {
            violations.push({
              ruleName: GATE_RULE,
              severity: 'fatal',
              description: `${v.ruleName} (${v.severity ?? 'error'}) at ${at}, in a stack inside a Stage (the CLI reports those only if it selects the stack): ${v.description}`,
              fix: `Fix the resource, or acknowledge '${name}::${v.ruleName}' on it with a reason (Validations.of(construct).acknowledge).`,
              // No construct path: the CLI keeps such a resource whatever stacks it selected.
              violatingResources: [{ locations: [] }],
            });
          }
        }
      }
    }
    return { success: violations.length === 0, violations };
  }
}

const GATE_ID = 'SageMakerComplianceNestedStageGate';

/** Marks an app that runs the nested-stage gate: a child of the app (no resources). */
class GateRegistration extends Construct {}

/** Whether the app already runs the nested-stage gate. */
function hasGate(c: IConstruct): boolean {
  return c.node.tryFindChild(GATE_ID) instanceof GateRegistration;
}

function addNestedStageGate(scope: Stage): void {
  const root = scope.node.root;
  // Only an app runs validation plugins; a stage synthesized on its own runs none.
  if (!App.isApp(root)) {
    return;
  }
  if (hasGate(root)) {
    return;
  }
  new GateRegistration(root, GATE_ID);
  Validations.of(root).addPlugins(new NestedStageGate(root));
}
