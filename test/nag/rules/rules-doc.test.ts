import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { IApplyRule, NagRuleCompliance } from 'cdk-nag';
import { SageMakerSecurityChecks } from '../../../lib/nag';
import { CONTROLS } from '../../../lib/nag/controls';
import * as rules from '../../../lib/nag/rules';
import { renderRulesMarkdown, RULES_DOC_COMMAND } from '../../../lib/nag/rules-doc';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('RULES.md', () => {
  test('is the text generated from the control catalogue', () => {
    const written = fs.readFileSync(path.join(ROOT, 'RULES.md'), 'utf-8');
    const generated = renderRulesMarkdown();
    if (written !== generated) {
      const w = written.split('\n');
      const g = generated.split('\n');
      const line = w.findIndex((l, i) => l !== g[i]);
      throw new Error(`RULES.md differs from the control catalogue (first at line ${line + 1}: ${JSON.stringify(w[line])}, `
        + `expected ${JSON.stringify(g[line])}). Regenerate it: ${RULES_DOC_COMMAND}`);
    }
  });

  test('documents every rule with its cause, explanation, fix and sources', () => {
    const text = renderRulesMarkdown();
    for (const c of CONTROLS) {
      expect(text).toContain(`| SageMakerSecurity-${c.id} |`);
      const section = text.slice(text.indexOf(`### SageMakerSecurity-${c.id}\n`)).split('\n### ')[0];
      for (const part of [c.doc.cause, c.explanation, c.doc.fix, c.doc.sources]) {
        expect(part.length).toBeGreaterThan(20);
        expect(section).toContain(part);
      }
    }
  });
});

describe('the control catalogue', () => {
  test('has one rule per control, in a file named after it, applied by the pack with the catalogue\'s texts and level', () => {
    const ruleFiles = ['ecr', 'kms', 'logs', 's3', 'sagemaker', 'vpc']
      .flatMap((dir) => fs.readdirSync(path.join(ROOT, 'lib', 'nag', 'rules', dir)).filter((f) => /^[A-Z].*\.ts$/.test(f) && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)));
    expect(ruleFiles.sort()).toEqual(CONTROLS.map((c) => c.id).sort());
    expect(Object.keys(rules).sort()).toEqual(CONTROLS.map((c) => c.id).sort());
    for (const [name, rule] of Object.entries(rules)) {
      expect(rule.name).toBe(name);
    }

    const applied: IApplyRule[] = [];
    const pack = new SageMakerSecurityChecks() as unknown as { applyRule(p: IApplyRule): void; checkResource(n: unknown): void };
    pack.applyRule = (p) => applied.push(p);
    pack.checkResource(new sagemaker.CfnModel(new Stack(new App(), 'S'), 'M', { executionRoleArn: 'arn:aws:iam::111122223333:role/m' }));
    expect(applied.map((p) => ({ id: p.ruleSuffixOverride, info: p.info, explanation: p.explanation, level: p.level })))
      .toEqual(CONTROLS.map((c) => ({ id: c.id, info: c.info, explanation: c.explanation, level: c.level })));
  });

  test('a rule called on its own reaches the verdict the pack reaches', () => {
    const stack = new Stack(new App(), 'S');
    const model = new sagemaker.CfnModel(stack, 'M', { executionRoleArn: 'arn:aws:iam::111122223333:role/m', enableNetworkIsolation: true });
    expect(rules.ModelNetworkIsolation(model)).toBe(NagRuleCompliance.COMPLIANT);
    expect(rules.ModelInVPC(model)).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(new SageMakerSecurityChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual(['SageMakerSecurity-ModelInVPC']);
  });
});
