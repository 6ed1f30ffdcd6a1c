import * as fs from 'fs';
import { CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';

/**
 * AWS Control Tower's proactive controls (CloudFormation Guard rules, as the
 * `@cdklabs/cdk-validator-cfnguard` plugin runs them) judge the template as written, by resource
 * type: they have no per-resource suppression. The library's resources that do not meet a control
 * by design carry an acknowledgement under this metadata key, with the reason, in the template
 * itself, where an auditor reads it.
 */
export const CONTROL_TOWER_METADATA = 'cdk-secure-sagemaker:control-tower';

/** One acknowledged control on a resource. */
interface ControlAcknowledgement {
  readonly control: string;
  readonly reason: string;
}

/**
 * Records in `resource`'s template metadata that it does not meet the given Control Tower
 * controls (`CT.S3.PR.2`...), and why. Written once per control.
 */
export function acknowledgeControls(resource: CfnResource, reason: string, ...controls: string[]): void {
  const existing: ControlAcknowledgement[] = resource.getMetadata(CONTROL_TOWER_METADATA) ?? [];
  const added = controls.filter((c) => !existing.some((e) => e.control === c)).map((control) => ({ control, reason }));
  if (added.length > 0) {
    resource.addMetadata(CONTROL_TOWER_METADATA, [...existing, ...added]);
  }
}

/** The control a violation reports (`[CT.S3.PR.2]: ...` in its description or fix). */
function controlOf(v: PolicyViolation): string | undefined {
  const text = `${v.description ?? ''} ${v.fix ?? ''}`;
  return /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(text)?.[1];
}

/**
 * Runs a Control Tower plugin and removes, resource by resource, the violations the template
 * acknowledges (metadata `CONTROL_TOWER_METADATA` naming the control). Every other violation is
 * reported as the plugin reported it and fails the synth.
 */
export class AcknowledgingControlTowerPlugin implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];
  /** The violations acknowledged in the last run: control, logical ID, reason. */
  public acknowledged: Array<{ control: string; logicalId: string; reason: string }> = [];

  constructor(private readonly plugin: IPolicyValidationPlugin) {
    this.name = plugin.name;
    this.version = plugin.version;
    this.ruleIds = plugin.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.plugin.validate(context);
    const resources = new Map<string, Record<string, { Metadata?: Record<string, unknown> }>>();
    const resourcesOf = (templatePath: string) => {
      if (!resources.has(templatePath)) {
        resources.set(templatePath, JSON.parse(fs.readFileSync(templatePath, 'utf8')).Resources ?? {});
      }
      return resources.get(templatePath)!;
    };
    this.acknowledged = [];
    const violations: PolicyViolation[] = [];
    for (const v of report.violations) {
      const control = controlOf(v);
      const remaining = v.violatingResources.filter((r) => {
        if (!control || !r.resourceLogicalId) {
          return true;
        }
        const logicalId = r.resourceLogicalId;
        const paths = r.templatePath ? [r.templatePath] : context.templatePaths;
        const acks = paths.flatMap((p) => (resourcesOf(p)[logicalId]?.Metadata?.[CONTROL_TOWER_METADATA] ?? []) as ControlAcknowledgement[]);
        const ack = acks.find((a) => a.control === control);
        if (ack) {
          this.acknowledged.push({ control, logicalId, reason: ack.reason });
        }
        return !ack;
      });
      if (remaining.length > 0) {
        violations.push({ ...v, violatingResources: remaining });
      }
    }
    return { ...report, success: violations.length === 0, violations };
  }
}
