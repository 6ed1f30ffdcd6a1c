import { CfnResource } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  IApplyRule,
  NagPack,
  NagRuleCompliance,
  NIST80053R4Checks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { SageMakerSecurityChecks } from './sagemaker-security-checks';

/**
 * A concrete pack class. Every pack implements the same `NagPack` contract; one concrete class
 * stands for them all so that the probe can extend any of them (TypeScript cannot extend a
 * constructor whose instance type has abstract members).
 */
type PackClass = new (...args: any[]) => AwsSolutionsChecks;

/**
 * A pack that, instead of reporting violations, answers "which rule IDs does this resource fail,
 * acknowledged or not" and "which rule IDs does this pack have". It goes through the protected
 * API cdk-nag offers pack authors (`checkResource` calls `applyRule` once per rule), and names
 * findings the way `NagPack.applyRule` does: `<pack>-<rule>`, and `<pack>-<rule>[<finding>]` for
 * rules that return findings; a rule that throws counts as failing, as it does in the pack.
 */
function probing(Base: PackClass) {
  return class FindingProbe extends Base {
    private failed = new Set<string>();
    private applied = new Set<string>();

    /** The rule IDs `node` fails, acknowledgements ignored. */
    public failedBy(node: CfnResource): ReadonlySet<string> {
      this.failed = new Set();
      this.checkResource(node);
      return this.failed;
    }

    /** Every rule ID of the pack (rules are applied to every resource, whatever its type). */
    public ruleIdsOf(node: CfnResource): ReadonlySet<string> {
      this.applied = new Set();
      this.failedBy(node);
      return this.applied;
    }

    protected applyRule(params: IApplyRule): void {
      const ruleId = `${this.packName}-${params.ruleSuffixOverride ?? params.rule.name}`;
      this.applied.add(ruleId);
      try {
        const result = params.rule(params.node);
        if (result === NagRuleCompliance.NON_COMPLIANT) {
          this.failed.add(ruleId);
        } else if (Array.isArray(result)) {
          for (const finding of result) {
            this.failed.add(`${ruleId}[${finding}]`);
          }
        }
      } catch {
        this.failed.add(ruleId);
      }
    }
  };
}

/** The packs whose findings can be placed exactly: cdk-nag's own and this library's. */
const PROBED_PACKS = [
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R4Checks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
  SageMakerSecurityChecks,
] as unknown as PackClass[];

type Probe = NagPack & {
  failedBy(node: CfnResource): ReadonlySet<string>;
  ruleIdsOf(node: CfnResource): ReadonlySet<string>;
};

/**
 * Finding probes for one placement run: each pack is evaluated at most once per resource.
 * Short-lived by design (created per synthesis), so nothing is kept between apps.
 */
export class FindingProbes {
  private readonly probes: Probe[] = PROBED_PACKS.map((P) => new (probing(P))() as unknown as Probe);
  private readonly results = new Map<CfnResource, Map<Probe, ReadonlySet<string>>>();

  /** The probe of the pack a rule ID belongs to (by its `<pack>-` prefix), if it is one of ours or cdk-nag's. */
  public probeFor(ruleId: string): Probe | undefined {
    return this.probes.find((p) => ruleId.startsWith(`${p.readPackName}-`));
  }

  /**
   * Whether `ruleId` fails on `resource`, acknowledgements ignored; `undefined` when the rule
   * belongs to no pack these probes know (a third-party pack, CloudFormation Validate).
   */
  public fails(resource: CfnResource, ruleId: string): boolean | undefined {
    const probe = this.probeFor(ruleId);
    if (!probe) {
      return undefined;
    }
    let perPack = this.results.get(resource);
    if (!perPack) {
      perPack = new Map();
      this.results.set(resource, perPack);
    }
    let failed = perPack.get(probe);
    if (!failed) {
      failed = new Set(probe.failedBy(resource));
      perPack.set(probe, failed);
    }
    return failed.has(ruleId);
  }

  /** Every rule ID of every probed pack, read off one resource (rules are applied to all types). */
  public allRuleIds(resource: CfnResource): string[] {
    return this.probes.flatMap((p) => [...p.ruleIdsOf(resource)]);
  }
}
