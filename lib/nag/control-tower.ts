import * as fs from 'fs';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';
import { CONTROL_TOWER_METADATA, ControlAcknowledgement } from '../private/acknowledge';

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
