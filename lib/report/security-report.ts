import { readAssembly } from './assembly';
import { resourceControls } from './controls';
import { acknowledgements, baselineCost, optOuts } from './findings';
import { accessGrants, describeRoles, guardrailPolicies } from './iam';
import { SecurityReportData } from './model';
import { networkDiagram } from './network';
import { ruleVerdicts } from './rules';

/** Builds the report of a cloud assembly directory (e.g. cdk.out) from its synthesized templates. */
export function buildReport(assemblyDir: string): SecurityReportData {
  const stacks = readAssembly(assemblyDir);
  const resources = stacks.flatMap(resourceControls);
  const acks = acknowledgements(stacks);
  const rows = resources.flatMap(r => r.controls);
  return {
    assembly: assemblyDir,
    stacks: stacks.map(s => s.name),
    resources,
    roles: stacks.flatMap(describeRoles),
    guardrails: stacks.flatMap(guardrailPolicies),
    access: stacks.flatMap(accessGrants),
    optOuts: optOuts(stacks, acks),
    acknowledgements: acks,
    rules: stacks.flatMap(ruleVerdicts),
    cost: baselineCost(stacks),
    networkDiagram: networkDiagram(stacks),
    summary: { pass: rows.filter(r => r.status === 'PASS').length, fail: rows.filter(r => r.status === 'FAIL').length },
  };
}

/** "N of M SageMakerSecurity rule checks compliant, K finding(s) (A acknowledged)". */
function rulesLine(r: SecurityReportData): string {
  const findings = r.rules.filter(v => !v.compliant);
  const acknowledged = findings.filter(v => v.acknowledgedReason !== undefined).length;
  return `${r.rules.length - findings.length} of ${r.rules.length} SageMakerSecurity rule checks compliant, ${findings.length} finding(s) (${acknowledged} acknowledged)`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const usd = (n: number) => `$${n.toFixed(2)}`;

/** The report as Markdown. */
export function renderMarkdown(r: SecurityReportData): string {
  const out: string[] = [];
  out.push('# SageMaker security report', '');
  out.push(`Cloud assembly: \`${r.assembly}\` — stacks: ${r.stacks.join(', ') || '(none)'}`, '');
  out.push(`**${r.summary.pass} PASS, ${r.summary.fail} FAIL** across ${r.resources.length} SageMaker resource(s); `
    + `${r.acknowledgements.length} acknowledged finding(s), ${r.optOuts.length} opt-out(s); `
    + `baseline ${usd(r.cost.totalMonthlyUsd)}/month (${r.cost.basis.split(' (')[0]}).`, '');

  out.push('## Controls per SageMaker resource', '');
  if (r.resources.length === 0) out.push('No SageMaker resource or training state machine in the assembly.', '');
  for (const res of r.resources) {
    out.push(`### ${res.name}`, '', `\`${res.stack}/${res.logicalId}\` (${res.type})`, '');
    out.push('| Control | Status | Detail | SageMakerSecurity rule |', '|---|---|---|---|');
    for (const c of res.controls) {
      const rules = (c.rules ?? []).map(id => id.replace(/^SageMakerSecurity-/, '')).join(', ') || '(report only)';
      out.push(`| ${cell(c.control)} | ${c.status === 'PASS' ? 'PASS' : '**FAIL**'} | ${cell(c.detail)} | ${rules} |`);
    }
    out.push('');
  }

  out.push('## SageMakerSecurity rules', '');
  const findings = r.rules.filter(v => !v.compliant);
  out.push(`${rulesLine(r)}: the pack's verdicts, from the same checks as the rows above that name a rule, on every resource of the templates.`, '');
  if (findings.length === 0) {out.push('No finding: every rule is compliant on every resource it applies to.', '');} else {
    out.push('| Rule | Level | Resource | Finding | Acknowledged |', '|---|---|---|---|---|');
    for (const v of findings) {
      out.push(`| ${v.ruleId} | ${v.level} | ${cell(r.stacks.length > 1 ? `${v.stack}/${v.logicalId}` : v.logicalId)} | ${cell(v.detail)} | ${cell(v.acknowledgedReason ?? '**no**')} |`);
    }
    out.push('');
  }

  out.push('## Network path', '', '```mermaid', r.networkDiagram, '```', '');

  out.push('## Who may invoke or open what, and from where', '');
  if (r.access.length === 0) {out.push('No grant of InvokeEndpoint, CreatePresignedNotebookInstanceUrl or CreatePresignedDomainUrl.', '');} else {
    out.push('| Principal | Action | Resource | From |', '|---|---|---|---|');
    for (const g of r.access) out.push(`| ${cell(g.principal)} | ${g.action} | ${cell(g.resources.join(', '))} | ${cell(g.restricted ? g.from : `**${g.from}**`)} |`);
    out.push('');
  }

  out.push('## Guardrails', '');
  if (r.guardrails.length === 0) {out.push('No deny-only managed policy (such as SageMakerGuardrails) in the assembly.', '');}
  for (const g of r.guardrails) {
    out.push(`### ${g.logicalId}`, '');
    if (g.description) out.push(`_${g.description}_`, '');
    out.push(`Attached to ${g.roles.length} role(s): ${g.roles.join(', ') || '(none)'}`, '');
    for (const st of g.statements) out.push(`- ${st}`);
    out.push('');
  }

  out.push('## IAM roles', '');
  for (const role of r.roles) {
    out.push(`### ${role.logicalId}`, '');
    if (role.description) out.push(`_${role.description}_`, '');
    out.push(`Assumed by: ${role.assumedBy.join(', ') || '(nobody)'}`, '');
    for (const p of role.permissions) {
      out.push(`- **${p.service}**`);
      for (const s of p.statements) out.push(`  - ${s}`);
    }
    out.push('');
  }

  out.push('## Opt-outs', '');
  if (r.optOuts.length === 0) {out.push('None: no SageMakerSecurity rule is acknowledged and no synth-time warning was raised.', '');} else {
    out.push('| Kind | ID | Reason / message | Where |', '|---|---|---|---|');
    for (const o of r.optOuts) out.push(`| ${o.kind} | ${o.id} | ${cell(o.message)} | ${cell(o.where.join(', '))} |`);
    out.push('');
  }

  out.push('## Acknowledged findings', '');
  if (r.acknowledgements.length === 0) {out.push('None.', '');} else {
    out.push('| Rule | Reason | Resources | Findings |', '|---|---|---|---|');
    for (const a of r.acknowledgements) {
      out.push(`| ${a.ruleId} | ${cell(a.reason)} | ${cell(a.resources.join(', '))} | ${cell(a.findings.map(f => `\`${f}\``).join(', '))} |`);
    }
    out.push('');
  }

  out.push('## Estimated monthly baseline cost', '', `_${r.cost.basis}_`, '');
  out.push('| Item | Quantity | Unit price / month | Monthly |', '|---|---|---|---|');
  for (const l of r.cost.lines) out.push(`| ${cell(l.item)} | ${l.quantity} ${l.unit} | ${usd(l.unitPriceUsd)} | ${usd(l.monthlyUsd)} |`);
  out.push(`| **Total** | | | **${usd(r.cost.totalMonthlyUsd)}** |`, '');
  return out.join('\n');
}

/** The report as a JSON document. */
export function renderJson(r: SecurityReportData): string {
  return JSON.stringify(r, undefined, 2) + '\n';
}

/** A one-screen terminal summary. */
export function renderSummary(r: SecurityReportData, written?: string): string {
  const out: string[] = [];
  out.push(`SageMaker security report: ${r.stacks.length} stack(s), ${r.resources.length} SageMaker resource(s)`);
  out.push(`  Controls: ${r.summary.pass} PASS, ${r.summary.fail} FAIL`);
  for (const res of r.resources) {
    const fails = res.controls.filter(c => c.status === 'FAIL').length;
    out.push(`    ${fails ? 'FAIL' : 'PASS'}  ${res.name} (${res.controls.length - fails}/${res.controls.length})`);
  }
  const failed = r.resources.flatMap(res => res.controls.filter(c => c.status === 'FAIL').map(c => `${res.name}: ${c.control}`));
  for (const f of failed.slice(0, 8)) out.push(`      - ${f}`);
  if (failed.length > 8) out.push(`      ... ${failed.length - 8} more FAIL rows in the report`);
  out.push(`  Rules: ${rulesLine(r)}`);
  const open = r.access.filter(g => !g.restricted).length;
  out.push(`  Roles: ${r.roles.length}; access grants: ${r.access.length} (${open} without a network condition)`);
  // Roles of the templates that carry a deny policy; a policy may also name roles imported from elsewhere.
  const attached = new Set(r.guardrails.flatMap(g => g.roles));
  const guarded = r.roles.filter(role => attached.has(role.logicalId)).length;
  const known = new Set(r.roles.map(role => role.logicalId));
  const imported = [...attached].filter(id => !known.has(id)).length;
  out.push(`  Guardrails: ${r.guardrails.length} deny policy(ies) on ${guarded} of ${r.roles.length} role(s)${imported > 0 ? ` and ${imported} imported role(s)` : ''}`);
  out.push(`  Opt-outs: ${r.optOuts.length}; acknowledged findings: ${r.acknowledgements.length} (rule + reason)`);
  out.push(`  Baseline cost: $${r.cost.totalMonthlyUsd.toFixed(2)}/month (list price, us-east-1, excluding usage)`);
  if (written) out.push(`  Report written to ${written}`);
  return out.join('\n') + '\n';
}
