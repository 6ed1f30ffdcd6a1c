import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The project's pinned CLI (node_modules/.bin/cdk), as a pipeline's synth step runs it. It sets
// failSynthOnValidationErrors to false and reports only the findings of the stacks it selects.
const ROOT = path.join(__dirname, '..', '..');

interface Run {
  readonly status: number | null;
  readonly output: string;
}

function cdkSynth(fixture: string): Promise<Run> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-sagemaker-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
  // Jest's NODE_ENV=test would make the app think it runs in memory.
  delete env.NODE_ENV;
  // The CLI's synth judges CloudFormation Validate findings as `cdk synth` does.
  delete env.CDK_VALIDATION;
  const child = spawn('npx', [
    'cdk', 'synth',
    '--app', `npx ts-node --prefer-ts-exts test/fixtures/stage/${fixture}.ts`,
    '-o', outdir,
    '--no-notices',
    '-c', '@aws-cdk/core:validateAgainstDefaultRules=true',
  ], { cwd: ROOT, env, timeout: 110_000 });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

describe('npx cdk synth with the pinned CLI, stacks inside stages', () => {
  let bad: Run;
  let good: Run;

  // Both at once: each is mostly process start-up and module loading.
  beforeAll(async () => {
    [bad, good] = await Promise.all([cdkSynth('non-compliant-app'), cdkSynth('compliant-app')]);
  }, 120_000);

  test('a finding in a nested stage exits non-zero with the rule ID and path', () => {
    expect(bad.output).not.toContain('Successfully synthesized');
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/AwsSolutions-S1 \(error\) at Prod\/Eu\/Data\/Bucket\/Resource/);
    expect(bad.output).toContain("acknowledge 'AwsSolutions::AwsSolutions-S1'");
  });

  test('the compliant twin exits 0', () => {
    expect(good.output).toContain('Successfully synthesized');
    expect(good.status).toBe(0);
  });
});
