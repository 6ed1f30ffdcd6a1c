import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { collectFindings, Finding, formatFindings, newTestApp } from './helpers/compliance';
import { templateFindings, unneededTemplateAcknowledgements } from './helpers/template-scan';

/**
 * Small apps written the way platform and data-science teams write them from the README
 * (test/consumers/*.ts): each synthesizes with every pack registered and has zero unacknowledged
 * findings, and stays within CloudFormation's per-stack limits.
 */
const DIR = path.join(__dirname, 'consumers');
const APPS = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = (name: string): App => (require(path.join(DIR, name)) as { build: (app: App) => App }).build(newTestApp());

/** Every template the synthesis wrote, nested assemblies (stages) included. */
function templatesIn(dir: string): Array<{ file: string; template: { Resources?: Record<string, unknown> }; bytes: number }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return templatesIn(p);
    if (!e.name.endsWith('.template.json')) return [];
    const text = fs.readFileSync(p, 'utf-8');
    return [{ file: e.name, template: JSON.parse(text), bytes: Buffer.byteLength(text) }];
  });
}

test('there are at least ten consumer apps', () => {
  expect(APPS.length).toBeGreaterThanOrEqual(10);
});

describe.each(APPS)('consumer app %s', (name) => {
  let app: App;
  let findings: Finding[];
  beforeAll(() => {
    app = build(name);
    findings = collectFindings(app);
  });

  test('synthesizes with zero unacknowledged findings under all five packs and CloudFormation Validate', () => {
    expect(formatFindings(findings)).toBe('');
  });

  test('the templates as written have zero unacknowledged findings, and every acknowledgement they carry is needed there', () => {
    const assembly = new CloudAssembly(app.outdir);
    expect(templateFindings(assembly)).toEqual([]);
    expect(unneededTemplateAcknowledgements(assembly)).toEqual([]);
  });

  test('every stack stays under 500 resources and 1 MB of template', () => {
    const templates = templatesIn(app.outdir);
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      expect([t.file, Object.keys(t.template.Resources ?? {}).length < 500, t.bytes < 1_000_000]).toEqual([t.file, true, true]);
    }
  });
});

test('the sandbox really tears down: every stateful resource is deleted with the stack', () => {
  const app = build('sandbox-destroy');
  app.synth();
  const [t] = templatesIn(app.outdir);
  const stateful = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::SageMaker::Domain', 'AWS::SageMaker::UserProfile'];
  const resources = Object.values(t.template.Resources ?? {}) as Array<{ Type: string; DeletionPolicy?: string }>;
  for (const type of stateful) {
    const of = resources.filter((r) => r.Type === type);
    expect([type, of.length > 0, of.every((r) => r.DeletionPolicy === 'Delete')]).toEqual([type, true, true]);
  }
});
