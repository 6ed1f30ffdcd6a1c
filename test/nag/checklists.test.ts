import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, IApplyRule, NagPack, NagRuleCompliance, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { CHECKLIST_FIXTURES, Sample } from './checklist-fixtures';
import { SageMakerSecurityChecks } from '../../lib/nag';
import { AWS_CONFIG_CHECKLIST, CHECKLISTS, CHECKOV_CHECKLIST, coverageOf, PROWLER_CHECKLIST, SECURITY_HUB_CHECKLIST } from '../../lib/nag/checklists';
import { CONTROLS, evaluate, ruleIdOf, subjectOf, templateView } from '../../lib/nag/controls';
import { renderRulesMarkdown } from '../../lib/nag/rules-doc';

const ROOT = path.join(__dirname, '..', '..');

/** Every rule ID the generic packs apply to a resource of one of these types. */
function packRuleIds(types: string[]): Set<string> {
  const ids = new Set<string>();
  for (const Pack of [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks]) {
    const pack = new Pack() as unknown as NagPack & { readPackName: string; applyRule(p: IApplyRule): void; checkResource(n: unknown): void };
    pack.applyRule = (p: IApplyRule) => {
      ids.add(`${pack.readPackName}-${p.ruleSuffixOverride ?? p.rule.name}`);
    };
    const stack = new Stack(new App(), 'Packs');
    types.forEach((type, i) => pack.checkResource(new CfnResource(stack, `R${i}`, { type, properties: {} })));
  }
  return ids;
}

const OUR_RULES = new Map(CONTROLS.map((c) => [ruleIdOf(c), c]));
const rows = CHECKLISTS.flatMap((list) => list.rows.map((row) => [list.title, row] as const));

/** The template of a sample: the subject as `Subject`, the extra resources, and a parameter `Param`. */
function templateOf(type: string, sample: Sample) {
  return {
    Parameters: { Param: { Type: 'String' } },
    Resources: { ...(sample.extra ?? {}), Subject: { Type: sample.type ?? type, Properties: sample.properties } },
  };
}

describe('the public checklists', () => {
  test('have the sizes of the published lists (they cannot shrink silently)', () => {
    expect(SECURITY_HUB_CHECKLIST.rows.map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => `SageMaker.${i + 1}`));
    expect(AWS_CONFIG_CHECKLIST.rows).toHaveLength(33);
    expect(AWS_CONFIG_CHECKLIST.rows.every((r) => r.id.startsWith('sagemaker-'))).toBe(true);
    expect(PROWLER_CHECKLIST.rows).toHaveLength(17);
    expect(PROWLER_CHECKLIST.rows.every((r) => r.id.startsWith('sagemaker_'))).toBe(true);
    expect(CHECKOV_CHECKLIST.rows).toHaveLength(13);
    for (const list of CHECKLISTS) {
      expect(new Set(list.rows.map((r) => r.id)).size).toBe(list.rows.length);
    }
  });

  test.each(rows.map(([list, row]) => [list, row.id, row] as const))('%s %s is enforced, or says why not', (_list, _id, row) => {
    expect(row.title.length).toBeGreaterThan(10);
    const kind = coverageOf(row);
    if (kind === 'rule' || kind === 'pack') {
      expect(row.notCheckable).toBeUndefined();
      expect(row.notEnforced).toBeUndefined();
    } else {
      expect(row.rules ?? []).toEqual([]);
      expect(row.packRules ?? []).toEqual([]);
      expect((row.notCheckable ?? row.notEnforced ?? '').length).toBeGreaterThan(40);
      expect(row.notCheckable !== undefined && row.notEnforced !== undefined).toBe(false);
    }
  });

  test('every rule of this pack that a row names exists in the pack and has a compliant and a non-compliant fixture', () => {
    const named = [...new Set(rows.flatMap(([, row]) => row.rules ?? []))];
    expect(named.length).toBeGreaterThan(15);
    for (const id of named) {
      expect(OUR_RULES.has(id)).toBe(true);
      expect(Object.keys(CHECKLIST_FIXTURES)).toContain(id);
    }
  });

  test('every generic pack rule that a row names is a rule those packs apply', () => {
    const applied = packRuleIds(['AWS::SageMaker::NotebookInstance', 'AWS::SageMaker::EndpointConfig']);
    const named = [...new Set(rows.flatMap(([, row]) => row.packRules ?? []))];
    expect(named.length).toBeGreaterThan(5);
    for (const id of named) {
      expect(applied).toContain(id);
    }
  });

  test('the counts of RULES.md agree with the data, and RULES.md shows every row', () => {
    const text = renderRulesMarkdown();
    for (const list of CHECKLISTS) {
      const ours = list.rows.filter((r) => coverageOf(r) === 'rule').length;
      expect(text).toContain(`${list.rows.length} checks: ${ours} by rules of this pack`);
      for (const row of list.rows) {
        expect(text).toContain(`| \`${row.id}\` | ${row.title.replace(/\|/g, '\\|')} |`);
      }
    }
    expect(fs.readFileSync(path.join(ROOT, 'RULES.md'), 'utf-8')).toContain('## Public SageMaker checklists');
  });
});

describe('rule fixtures', () => {
  const cases = Object.entries(CHECKLIST_FIXTURES).flatMap(([id, f]) => [
    [id, 'compliant', f.type, f.compliant, NagRuleCompliance.COMPLIANT] as const,
    [id, 'non-compliant', f.type, f.nonCompliant, NagRuleCompliance.NON_COMPLIANT] as const,
    ...(f.more ?? []).map(([name, sample, ok]) => [id, name, f.type, sample,
      ok === 'n/a' ? NagRuleCompliance.NOT_APPLICABLE : ok ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT] as const),
  ]);

  test.each(cases)('%s: the %s sample gets its verdict from the control and from the pack', (id, _name, type, sample, verdict) => {
    const control = OUR_RULES.get(id)!;
    expect(control).toBeDefined();
    const template = templateOf(type, sample);
    expect(evaluate(control, subjectOf('Subject', template.Resources.Subject, templateView(template)))).toBe(verdict);

    const stack = new Stack(new App(), 'Fixture');
    new CfnParameter(stack, 'Param').overrideLogicalId('Param');
    for (const [logicalId, r] of Object.entries(template.Resources)) {
      new CfnResource(stack, logicalId, { type: r.Type, properties: r.Properties }).overrideLogicalId(logicalId);
    }
    const flagged = new SageMakerSecurityChecks().validateScope(stack).violations
      .filter((v) => v.ruleName === id)
      .flatMap((v) => v.violatingResources.map((r) => r.constructPath));
    expect(flagged.includes('Fixture/Subject')).toBe(verdict === NagRuleCompliance.NON_COMPLIANT);
  });
});
