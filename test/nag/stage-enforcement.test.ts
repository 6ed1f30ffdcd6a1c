import * as fs from 'fs';
import * as path from 'path';
import { App, Errors, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT } from 'aws-cdk-lib/cx-api';
import { SageMakerCompliance } from '../../lib';
import { buildStageApp, dataResource, IGW_RULE } from '../fixtures/stage/stage-app';
import { collectFindings, Finding, newTestApp, TEST_CONTEXT, withCloudFormationValidation } from '../helpers/compliance';

const BUCKET = 'Prod/Eu/Data/Bucket/Resource';
const GATE_RULE = 'SageMakerCompliance-FindingsInNestedStages';

/** Rule IDs of the findings at `at`, sorted. */
function rulesAt(findings: Finding[], at: string): string[] {
  return findings.filter((f) => f.path === at).map((f) => f.rule).sort();
}

/** An app as the CLI runs it: the CLI, not the app, decides from the report whether synthesis failed. */
function cliLikeApp(): App {
  const app = newTestApp();
  app.node.setContext(FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT, false);
  return app;
}

interface ReportViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly severity: string;
  readonly violatingConstructs: { readonly constructPath: string }[];
}

function gateViolations(app: App): ReportViolation[] {
  withCloudFormationValidation(() => app.synth());
  const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf-8'));
  return report.pluginReports
    .filter((r: { pluginName: string }) => r.pluginName === 'SageMakerCompliance')
    .flatMap((r: { violations: ReportViolation[] }) => r.violations);
}

describe('a stack inside a Stage (CDK Pipelines)', () => {
  test('a finding in a stage nested in a stage fails app.synth(), naming the rule and the path', () => {
    const app = buildStageApp(newTestApp(), false);
    expect(() => app.synth()).toThrow(/AwsSolutions-S1[\s\S]*Prod\/Eu\/Data\/Bucket/);
  });

  test('the compliant twin synthesizes, and the acknowledgement is written into the nested template', () => {
    const app = buildStageApp(newTestApp(), true);
    expect(() => app.synth()).not.toThrow();
    expect(collectFindings(app)).toEqual([]);
    const igw = dataResource(app);
    const template = Template.fromStack(Stack.of(igw));
    expect(template.toJSON().Resources[Stack.of(igw).getLogicalId(igw)].Metadata.cdk_nag.rules_to_suppress)
      .toEqual([{ id: IGW_RULE, reason: expect.stringMatching(/egress VPC/) }]);
  });

  test('the test helper sees the findings of nested assemblies', () => {
    const findings = collectFindings(buildStageApp(newTestApp(), false));
    expect(rulesAt(findings, BUCKET)).toEqual(expect.arrayContaining([
      'AwsSolutions-S1', 'AwsSolutions-S10', 'SageMakerSecurity-S3BucketKeyEnabled', 'PCI.DSS.321-S3DefaultEncryptionKMS',
    ]));
  });

  test('applyTo on the app covers stages at any depth', () => {
    const app = newTestApp();
    const deep = new Stage(new Stage(new Stage(app, 'A'), 'B'), 'C');
    new s3.Bucket(new Stack(deep, 'S'), 'Bucket');
    SageMakerCompliance.applyTo(app);
    expect(rulesAt(collectFindings(app), 'A/B/C/S/Bucket/Resource')).toContain('AwsSolutions-S1');
  });

  test('applyTo on a stage checks that stage (nested stages included) and nothing outside it', () => {
    const app = newTestApp();
    const prod = new Stage(app, 'Prod');
    new s3.Bucket(new Stack(new Stage(prod, 'Eu'), 'Data'), 'Bucket');
    new s3.Bucket(new Stack(app, 'Outside'), 'Bucket');
    SageMakerCompliance.applyTo(prod);
    const findings = collectFindings(app);
    expect(rulesAt(findings, BUCKET)).toContain('AwsSolutions-S1');
    expect(findings.filter((f) => !f.path.startsWith('Prod/'))).toEqual([]);
  });

  test('applyTo twice on the same scope registers the packs once', () => {
    const app = newTestApp();
    new s3.Bucket(new Stack(new Stage(app, 'Prod'), 'Data'), 'Bucket');
    const first = SageMakerCompliance.applyTo(app);
    expect(SageMakerCompliance.applyTo(app)).toBe(first);
    const findings = collectFindings(app);
    const s1 = findings.filter((f) => f.rule === 'AwsSolutions-S1');
    expect(s1.map((f) => f.path)).toEqual(['Prod/Data/Bucket/Resource']);
  });

  test('applyTo again with other options is a validation error naming the fix', () => {
    const app = newTestApp();
    SageMakerCompliance.applyTo(app);
    let error: unknown;
    try {
      SageMakerCompliance.applyTo(app, { pciDss321: false });
    } catch (e) {
      error = e;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/already called.*pciDss321=true, .*pciDss321=false.*Call it once/);
  });

  test('a stage with packs of its own is checked by those only, with its own options', () => {
    const app = newTestApp();
    const prod = new Stage(app, 'Prod');
    new s3.Bucket(new Stack(prod, 'Data'), 'Bucket');
    new s3.Bucket(new Stack(app, 'Top'), 'Bucket');
    SageMakerCompliance.applyTo(app);
    SageMakerCompliance.applyTo(prod, { pciDss321: false });
    const findings = collectFindings(app);
    const inProd = rulesAt(findings, 'Prod/Data/Bucket/Resource');
    expect(inProd).toContain('AwsSolutions-S1');
    expect(inProd.filter((r) => r.startsWith('PCI'))).toEqual([]);
    expect(new Set(inProd).size).toBe(inProd.length);
    expect(rulesAt(findings, 'Top/Bucket/Resource')).toContain('PCI.DSS.321-S3DefaultEncryptionKMS');
  });
});

describe('when the CLI handles the validation report', () => {
  // The CLI sets failSynthOnValidationErrors to false and keeps only the findings of the stacks it
  // selected; `cdk synth` selects none inside a stage. The gate's findings name no construct, so
  // the CLI keeps them (see stage-enforcement-cli.test.ts for the real CLI).
  test('the gate repeats each finding of a nested stage as a fatal violation the CLI cannot filter out', () => {
    const gate = gateViolations(buildStageApp(cliLikeApp(), false));
    expect(gate.length).toBeGreaterThan(0);
    expect(gate.every((v) => v.ruleName === GATE_RULE && v.severity === 'fatal')).toBe(true);
    expect(gate.every((v) => v.violatingConstructs.length === 1 && v.violatingConstructs[0].constructPath === '')).toBe(true);
    expect(gate.map((v) => v.description)).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^AwsSolutions-S1 \\(error\\) at ${BUCKET}`)),
    ]));
  });

  test('the gate adds nothing for a compliant app, nor for findings in top-level stacks', () => {
    expect(gateViolations(buildStageApp(cliLikeApp(), true))).toEqual([]);
    const app = cliLikeApp();
    new s3.Bucket(new Stack(app, 'Top'), 'Bucket');
    SageMakerCompliance.applyTo(app);
    expect(gateViolations(app)).toEqual([]);
  });

  test('the gate sees the packs of an app registered after those of a stage', () => {
    const app = cliLikeApp();
    const prod = new Stage(app, 'Prod');
    new Stack(prod, 'Data');
    new s3.Bucket(new Stack(new Stage(app, 'Dev'), 'Data'), 'Bucket');
    SageMakerCompliance.applyTo(prod);
    SageMakerCompliance.applyTo(app);
    expect(gateViolations(app).map((v) => v.description)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^AwsSolutions-S1 \(error\) at Dev\/Data\/Bucket\/Resource/),
    ]));
  });

  test('an app synthesized outside the CLI gets no gate findings (it fails on the packs\' own)', () => {
    const app = new App({ context: TEST_CONTEXT, outdir: newTestApp().outdir });
    buildStageApp(app, false);
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    const report = fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf-8');
    expect(report).not.toContain(GATE_RULE);
  });
});
