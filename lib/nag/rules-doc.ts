import { NagMessageLevel } from 'cdk-nag';
import { Checklist, CHECKLISTS, ChecklistRow, coverageOf } from './checklists';
import { Control, CONTROLS, ControlSection, ruleIdOf } from './controls';

/**
 * RULES.md, generated from the control catalogue (lib/nag/controls): the rule pack, the reviewer
 * report and this document read the same controls. Internal: not exported from the package.
 */

/** The command that rewrites RULES.md. */
export const RULES_DOC_COMMAND = 'npx ts-node --prefer-ts-exts projenrc/rules-doc.ts';

const HEADER = `# SageMakerSecurity rule pack

<!-- Generated from the control catalogue (lib/nag/controls) by \`${RULES_DOC_COMMAND}\`. Do not edit by hand. -->

\`SageMakerSecurityChecks\` is a [cdk-nag](https://github.com/cdklabs/cdk-nag) v3 rule pack with the checks this
library relies on and the generic packs (AwsSolutions, HIPAA Security, NIST 800-53, PCI DSS) do not make.
\`SageMakerCompliance.applyTo(app)\` runs it together with those four packs. Every rule ID is \`SageMakerSecurity-<RuleName>\`.

Run the pack as a policy validation plugin. Every unacknowledged finding is listed in the validation report and
fails \`cdk synth\`, warnings included (a cdk-nag v3 pack reports failure on any violation); the level only sets the
severity shown in the report:

\`\`\`ts
import { App, Validations } from 'aws-cdk-lib';
import { SageMakerSecurityChecks } from 'cdk-secure-sagemaker';

const app = new App();
// ... stacks ...
Validations.of(app).addPlugins(new SageMakerSecurityChecks(app));
\`\`\`

In unit tests, \`new SageMakerSecurityChecks().validateScope(stack)\` returns the report
(\`{ success, violations: [{ ruleName, severity, violatingResources: [{ constructPath }] }] }\`) without synthesizing.
Pass \`{ verbose: true }\` as the second constructor argument to add each rule's explanation to its findings.

When a finding is a deliberate exception (the "How to fix" of a rule does not apply), acknowledge it on the
construct that owns it (or any of its parents), with a reason a reviewer can act on:

\`\`\`ts
Validations.of(scratchBucket).acknowledge({
  id: 'SageMakerSecurity-S3BucketRetained',
  reason: 'Scratch bucket for intermediate features; rebuilt from the raw data bucket by the pipeline.',
});
\`\`\`

How the rules read the template:

- Rules evaluate the resource as CloudFormation will receive it (at synth, the written template), so escape hatches
  (\`addPropertyOverride\`, \`addOverride\`) count exactly like construct properties.
- A value that cannot be resolved at synth time (a \`CfnParameter\`, \`Fn::If\`, \`Fn::Select\`, an unknown \`Ref\`) is
  **non-compliant**, never a pass: the rule cannot prove the resource is safe.
- The reviewer report (\`cdk-secure-sagemaker report <cdk.out>\`) runs the same check of each rule on the synthesized
  templates: its rows that name a rule, and its list of the pack's findings, always agree with the pack.`;

const LEVEL: Record<string, string> = { [NagMessageLevel.ERROR]: 'Error', [NagMessageLevel.WARN]: 'Warning' };

const code = (types: readonly string[]) => types.map((t) => `\`${t}\``).join(', ');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** RULES.md, from the catalogue and the checklist mapping (lib/nag/checklists.ts). */
export function renderRulesMarkdown(controls: readonly Control[] = CONTROLS, checklists: readonly Checklist[] = CHECKLISTS): string {
  const out: string[] = [HEADER, '', '## Rules', ''];
  out.push('| Rule ID | Level | Resource types | Row of the reviewer report |', '| --- | --- | --- | --- |');
  for (const c of controls) {
    out.push(`| ${ruleIdOf(c)} | ${LEVEL[c.level]} | ${cell(code(c.resourceTypes))} | ${cell(reportRow(c))} |`);
  }
  out.push('');
  const sections: ControlSection[] = [];
  for (const c of controls) {
    if (!sections.includes(c.section)) sections.push(c.section);
  }
  for (const section of sections) {
    out.push(`## ${section.title}`, '');
    if (section.intro) out.push(section.intro, '');
    for (const c of controls.filter((x) => x.section === section)) {
      out.push(`### ${ruleIdOf(c)}`, '');
      out.push(`**Level:** ${LEVEL[c.level]}. **Resources:** ${code(c.resourceTypes)}. **Report row:** ${reportRow(c)}.`, '');
      out.push(`**What it checks:** ${c.doc.cause}`, '');
      out.push(`**Why:** ${c.explanation}`, '');
      out.push(`**How to fix:** ${c.doc.fix}`, '');
      out.push(`**Sources:** ${c.doc.sources}`, '');
    }
  }
  out.push(...renderChecklists(checklists));
  return out.join('\n');
}

const CHECKLISTS_INTRO = `Every check of the public SageMaker checklists, and what enforces it at synth time: a rule of this pack, a rule of the generic
cdk-nag packs that \`SageMakerCompliance.applyTo\` runs with it (AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1), or the reason
a template cannot show it (run-time state, an account setting, a resource outside CloudFormation). A few checks a template could show are
deliberately not rules; the table says why. The mapping is data (lib/nag/checklists.ts), and a test asserts that every rule it names exists
and is tested with a compliant and a non-compliant resource.`;

const COVERAGE_TEXT = {
  'rule': 'by rules of this pack',
  'pack': 'by generic cdk-nag packs only',
  'not-checkable': 'not checkable in a template',
  'not-enforced': 'checkable, deliberately not a rule',
};

/** The four checklist tables. */
function renderChecklists(checklists: readonly Checklist[]): string[] {
  const out = ['## Public SageMaker checklists', '', CHECKLISTS_INTRO, ''];
  for (const list of checklists) {
    const counts = Object.entries(COVERAGE_TEXT)
      .map(([kind, text]) => [list.rows.filter((r) => coverageOf(r) === kind).length, text] as const)
      .filter(([n]) => n > 0)
      .map(([n, text]) => `${n} ${text}`);
    out.push(`### ${list.title}`, '', `${list.source} ${list.rows.length} checks: ${counts.join(', ')}.`, '');
    out.push('| Check | Title | Enforced by |', '| --- | --- | --- |');
    for (const row of list.rows) {
      out.push(`| \`${row.id}\` | ${cell(row.title)} | ${cell(coverageCell(row))} |`);
    }
    out.push('');
  }
  return out;
}

function coverageCell(row: ChecklistRow): string {
  const parts: string[] = [];
  if (row.rules?.length) parts.push(row.rules.join(', '));
  if (row.packRules?.length) parts.push(`${row.rules?.length ? 'and ' : ''}cdk-nag ${row.packRules.join(', ')}`);
  if (row.notCheckable) parts.push(`not checkable in a template: ${row.notCheckable}`);
  if (row.notEnforced) parts.push(`checkable, not a rule of this pack: ${row.notEnforced}`);
  if (row.note) parts.push(`(${row.note})`);
  return parts.join(' ');
}

function reportRow(c: Control): string {
  return c.report ? `"${c.report.label}"` : '(findings list)';
}
