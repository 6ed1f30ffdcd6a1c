import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { SageMakerCompliance } from '../../lib';

/** One unacknowledged finding of a pack (or of CloudFormation Validate). */
export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

/**
 * Runs `fn` with aws-cdk-lib's CloudFormation Validate plugin on (test/setup-validation.ts turns
 * it off for plain template assertions), for synths whose validation a test judges.
 */
export function withCloudFormationValidation<T>(fn: () => T): T {
  const previous = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    return fn();
  } finally {
    if (previous === undefined) {
      delete process.env.CDK_VALIDATION;
    } else {
      process.env.CDK_VALIDATION = previous;
    }
  }
}

/** Context every test app uses: CloudFormation Validate findings are errors, as in cdk.json. */
export const TEST_CONTEXT = {
  '@aws-cdk/core:validateAgainstDefaultRules': true,
  '@aws-cdk/core:validationReportPrettyPrint': false,
};

/** A fresh app with the same validation settings as the example's cdk.json, writing to a temp dir. */
export function newTestApp(): App {
  return new App({
    context: TEST_CONTEXT,
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-sagemaker-')),
  });
}

/** A fresh stack in a fresh test app. */
export function newTestStack(id = 'TestStack', props?: StackProps): Stack {
  return new Stack(newTestApp(), id, props);
}

/**
 * Registers AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1 and the SageMakerSecurity
 * pack on the app of `scope`, synthesizes it (CloudFormation Validate runs as errors) and returns
 * every finding that is not acknowledged. An empty list means compliant.
 */
export function unacknowledgedFindings(scope: Stack | App): Finding[] {
  const app = (scope instanceof App ? scope : scope.node.root) as App;
  SageMakerCompliance.applyTo(app);
  return collectFindings(app);
}

/**
 * Synthesizes an app whose packs are already registered and returns its unacknowledged findings
 * (from the validation report the synthesis writes).
 */
export function collectFindings(app: App): Finding[] {
  let synthError: unknown;
  try {
    // Forced: an app a test already synthesized (Template.fromStack) is otherwise served from
    // cache, without running the packs, and would report nothing.
    withCloudFormationValidation(() => app.synth({ force: true }));
  } catch (e) {
    synthError = e;
  }
  const reportFile = path.join(app.outdir, 'validation-report.json');
  if (!fs.existsSync(reportFile)) {
    if (synthError) {
      throw synthError;
    }
    return [];
  }
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf-8'));
  const findings: Finding[] = [];
  for (const pluginReport of report.pluginReports ?? []) {
    for (const v of pluginReport.violations ?? []) {
      for (const c of v.violatingConstructs ?? [{ constructPath: '?' }]) {
        findings.push({
          plugin: pluginReport.pluginName,
          rule: v.ruleName,
          severity: v.severity,
          path: c.constructPath,
          description: v.description,
        });
      }
    }
  }
  if (findings.length === 0 && synthError) {
    throw synthError;
  }
  return findings;
}

/** Findings as readable lines, for assertion messages. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.plugin} ${f.rule} (${f.severity}) at ${f.path}: ${f.description}`).join('\n');
}
