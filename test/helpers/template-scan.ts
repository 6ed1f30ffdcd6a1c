import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { compliancePacks } from './acknowledgements';

/** One finding of a pack over a template as written. */
export interface TemplateFinding {
  readonly template: string;
  readonly logicalId: string;
  readonly type: string;
  readonly rule: string;
}

interface AckJson { readonly id: string; readonly reason: string }

/**
 * Judges the templates of a synthesized assembly (nested stage assemblies included) as an outside
 * auditor would: each template is read back with `CfnInclude` (so a resource aws-cdk-lib wrote as a
 * raw `CfnResource`, such as a custom-resource handler, becomes a typed L1 like any other), the
 * acknowledgements are taken only from the template's `cdk_nag` metadata (per resource, and the
 * template-wide ones in its `Metadata`), and the five packs run over it. Returns every finding
 * the template does not acknowledge.
 */
export function templateFindings(assembly: CloudAssembly): TemplateFinding[] {
  return templatesOf(assembly).flatMap(({ file, name }) => scanTemplate(file, name));
}

/** One acknowledgement a template carries. */
export interface WrittenAcknowledgement {
  readonly template: string;
  /** The resource it is written on; undefined for one in the template's own `Metadata`. */
  readonly logicalId?: string;
  readonly id: string;
  readonly reason: string;
}

/**
 * The acknowledgements written into the templates that silence nothing there: a rule of one of the
 * five packs, written on a resource the packs (over the template, nothing acknowledged) report no
 * such finding for, or template-wide while no resource has it. Rules of other plugins
 * (CloudFormation Validate) are not judged here.
 */
export function unneededTemplateAcknowledgements(assembly: CloudAssembly): WrittenAcknowledgement[] {
  const out: WrittenAcknowledgement[] = [];
  for (const { file, name } of templatesOf(assembly)) {
    const raw = scanTemplate(file, name, { acknowledged: false });
    for (const ack of writtenAcknowledgements(file, name)) {
      if (!PACK_PREFIXES.some((p) => ack.id.startsWith(`${p}-`))) {
        continue;
      }
      const needed = raw.some((f) => f.rule === ack.id && (ack.logicalId === undefined || f.logicalId === ack.logicalId));
      if (!needed) {
        out.push(ack);
      }
    }
  }
  return out;
}

/** Every acknowledgement written into one template. */
export function writtenAcknowledgements(templateFile: string, name = path.basename(templateFile)): WrittenAcknowledgement[] {
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf-8'));
  const wide: AckJson[] = template.Metadata?.cdk_nag?.rules_to_suppress ?? [];
  return [
    ...wide.map((a) => ({ template: name, ...a })),
    ...Object.entries<any>(template.Resources ?? {}).flatMap(([logicalId, r]) =>
      ((r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as AckJson[]).map((a) => ({ template: name, logicalId, ...a }))),
  ];
}

const PACK_PREFIXES = compliancePacks().map((p) => p.readPackName);

/** Every stack template of an assembly and of its nested (stage) assemblies. */
export function templatesOf(assembly: CloudAssembly): Array<{ file: string; name: string }> {
  return allAssemblies(assembly).flatMap((a) => a.stacks.map((s) => ({ file: path.join(a.directory, s.templateFile), name: s.displayName })));
}

function allAssemblies(assembly: CloudAssembly): CloudAssembly[] {
  return [assembly, ...assembly.nestedAssemblies.flatMap((n) => allAssemblies(n.nestedAssembly))];
}

/** The findings of the five packs over one template file, acknowledged only by its metadata. */
export function scanTemplate(templateFile: string, name = path.basename(templateFile), opts: { acknowledged?: boolean } = {}): TemplateFinding[] {
  const acknowledged = opts.acknowledged ?? true;
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf-8'));
  const app = new App();
  const stack = new Stack(app, 'Audited');
  const included = new CfnInclude(stack, 'Template', { templateFile });
  const wide: AckJson[] = template.Metadata?.cdk_nag?.rules_to_suppress ?? [];
  if (acknowledged && wide.length > 0) {
    Validations.of(stack).acknowledge(...wide);
  }
  for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
    const l1 = included.getResource(logicalId);
    const acks: AckJson[] = resource.Metadata?.cdk_nag?.rules_to_suppress ?? [];
    if (acknowledged && acks.length > 0) {
      Validations.of(l1).acknowledge(...acks);
    }
  }
  const packs = compliancePacks();
  const findings: TemplateFinding[] = [];
  for (const pack of packs) {
    for (const v of pack.validateScope(stack).violations) {
      for (const r of v.violatingResources) {
        const logicalId = r.constructPath?.split('/').pop() ?? '?';
        findings.push({ template: name, logicalId, type: template.Resources?.[logicalId]?.Type ?? '?', rule: v.ruleName });
      }
    }
  }
  return findings;
}
