import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { collectFindings, formatFindings, TEST_CONTEXT } from '../helpers/compliance';

/**
 * Every TypeScript snippet of the README, as a user would paste it: type-checked against the
 * library's sources, then run and synthesized with the packs it registers (zero unacknowledged
 * findings). A snippet must build its own `App` named `app`.
 */
const ROOT = path.join(__dirname, '..', '..');
/** The README, and the docs page that holds the longer architecture examples. */
const DOCS = ['README.md', path.join('docs', 'architecture.md')];
const SNIPPETS = DOCS.flatMap((doc) => {
  const text = fs.readFileSync(path.join(ROOT, doc), 'utf-8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({
    name: `${doc} line ${text.slice(0, m.index).split('\n').length + 1}`,
    code: m[1],
  }));
});
const DIR = path.join(ROOT, 'test', '.readme-snippets');

/** The snippet as a module of this repository: the package name points at lib/, `app` is exported. */
function materialize(index: number, code: string): string {
  fs.mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `snippet-${index + 1}.ts`);
  const source = code.replace(/from 'cdk-secure-sagemaker'/g, "from '../../lib'") + '\nexport { app as __app };\n';
  fs.writeFileSync(file, source);
  return file;
}

function typeErrors(files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.dev.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const program = ts.createProgram(files, { ...config.options, noEmit: true, noUnusedLocals: false });
  // Only the snippets' own diagnostics: the checker resolves what they use from lib/ (which the
  // test task's tsc step checks in full) without checking every file of the library again.
  return files.flatMap((file) => {
    const source = program.getSourceFile(file)!;
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  }).map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('README TypeScript snippets', () => {
  const files = SNIPPETS.map((s, i) => materialize(i, s.code));
  afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

  test('the README has TypeScript snippets', () => {
    expect(SNIPPETS.length).toBeGreaterThan(0);
  });

  test('every snippet type-checks against the library', () => {
    expect(typeErrors(files)).toEqual([]);
  });

  test.each(SNIPPETS.map((s, i) => [s.name, i] as const))('%s synthesizes with zero unacknowledged findings', (_name, i) => {
    const saved = { context: process.env.CDK_CONTEXT_JSON, outdir: process.env.CDK_OUTDIR };
    process.env.CDK_CONTEXT_JSON = JSON.stringify(TEST_CONTEXT);
    process.env.CDK_OUTDIR = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-snippet-'));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const app = (require(files[i]) as { __app: App }).__app;
      expect(app).toBeInstanceOf(App);
      expect(formatFindings(collectFindings(app))).toBe('');
    } finally {
      process.env.CDK_CONTEXT_JSON = saved.context;
      process.env.CDK_OUTDIR = saved.outdir;
      if (saved.context === undefined) delete process.env.CDK_CONTEXT_JSON;
      if (saved.outdir === undefined) delete process.env.CDK_OUTDIR;
    }
  });
});
