/**
 * Figures of the consumer apps (test/consumers/*.ts): per stack, resources, template bytes and
 * interface endpoints created and reused; synth time of the whole app (packs included).
 * `npx ts-node --prefer-ts-exts bench/consumers.ts` prints a Markdown table; it is not a test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ISageMakerEnvironment, SageMakerEnvironment } from '../lib';

const DIR = path.join(__dirname, '..', 'test', 'consumers');

function newApp(): App {
  return new App({
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true, '@aws-cdk/core:validationReportPrettyPrint': false },
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-consumers-')),
  });
}

const rows: string[] = [
  '| app | stack | resources | template KB | endpoints created | endpoints reused | synth (app) |',
  '|---|---|---:|---:|---:|---:|---:|',
];
for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.ts')).sort()) {
  const name = file.replace(/\.ts$/, '');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const build = (require(path.join(DIR, name)) as { build: (app: App) => App }).build;
  const app = build(newApp());
  const started = process.hrtime.bigint();
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const envs: ISageMakerEnvironment[] = app.node.findAll().filter((c): c is SageMakerEnvironment => c instanceof SageMakerEnvironment);
  for (const stack of assembly.stacksRecursively) {
    const text = fs.readFileSync(path.join(stack.assembly.directory, stack.templateFile), 'utf-8');
    const resources = Object.keys(JSON.parse(text).Resources ?? {}).length;
    const mine = envs.filter((e) => Stack.of(e).artifactId === stack.id);
    const created = mine.reduce((n, e) => n + e.network.createdEndpointServiceNames.length, 0);
    const reused = mine.reduce((n, e) => n + e.network.reusedEndpointServiceNames.length, 0);
    rows.push(`| ${name} | ${stack.hierarchicalId} | ${resources} | ${(Buffer.byteLength(text) / 1024).toFixed(0)} | ${mine.length ? created : '–'} | ${mine.length ? reused : '–'} | ${ms.toFixed(0)} ms |`);
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
