import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { readmeSnippets, Snippet, writeReadmeSnippets } from '../../projenrc/readme-snippets';
import { collectFindings, formatFindings, TEST_CONTEXT } from '../helpers/compliance';

/**
 * Every TypeScript snippet of the README (and docs/architecture.md), as a user would paste it:
 * type-checked against the library's sources, then run and synthesized with the packs it registers
 * (zero unacknowledged findings). A snippet must build its own `App` named `app`.
 *
 * `npm test` writes the snippets as modules (projenrc/readme-snippets.ts) before its
 * `tsc -p tsconfig.dev.json` step, which type-checks them with the library in the same pass.
 * Run alone, or after the README changed, this file writes them itself and type-checks them here.
 */
const ROOT = path.join(__dirname, '..', '..');

/** tsconfig.dev.json, which the test task's tsc step checks. */
function devConfig(): ts.ParsedCommandLine {
  return ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.dev.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
}

/** Type errors of the snippets' own modules (the checker reads what they use from lib/). */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, { ...devConfig().options, noEmit: true });
  return files.flatMap((file) => {
    const source = program.getSourceFile(file)!;
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  }).map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** Whether the modules on disk are the documents' current snippets (written by the test task before tsc). */
function writtenByTheTestTask(snippets: Snippet[]): boolean {
  return snippets.every((s) => fs.existsSync(s.file) && fs.readFileSync(s.file, 'utf-8') === s.source);
}

const SNIPPETS = readmeSnippets(ROOT);

describe('README TypeScript snippets', () => {
  const checkedByTsc = writtenByTheTestTask(SNIPPETS);
  if (!checkedByTsc) {
    writeReadmeSnippets(ROOT);
  }
  const files = SNIPPETS.map((s) => s.file);

  test('the README has TypeScript snippets', () => {
    expect(SNIPPETS.length).toBeGreaterThan(0);
  });

  test('every snippet type-checks against the library', () => {
    if (!checkedByTsc) {
      expect(typeErrors(files)).toEqual([]);
      return;
    }
    // `npm test` wrote these very modules, then its tsc step type-checked them: they are among the
    // files of tsconfig.dev.json, and the test task writes them before it runs tsc.
    const covered = devConfig().fileNames.map((f) => path.resolve(f));
    expect(files.filter((f) => !covered.includes(path.resolve(f)))).toEqual([]);
    const steps = (JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf-8')).tasks.test.steps as Array<{ exec?: string }>)
      .map((step) => step.exec ?? '');
    const write = steps.findIndex((e) => e.includes('projenrc/readme-snippets.ts'));
    const check = steps.findIndex((e) => e.startsWith('tsc -p tsconfig.dev.json'));
    expect([write >= 0, check > write]).toEqual([true, true]);
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
