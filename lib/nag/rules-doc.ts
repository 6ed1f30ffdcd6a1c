import { NagMessageLevel } from 'cdk-nag';
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

/** RULES.md, from the catalogue. */
export function renderRulesMarkdown(controls: readonly Control[] = CONTROLS): string {
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
  return out.join('\n');
}

function reportRow(c: Control): string {
  return c.report ? `"${c.report.label}"` : '(findings list)';
}
