/**
 * Scale of a SecureStudioDomain: one stack with a domain and N users, each with their own role.
 *
 * `studioScale([10, 50, 200])` synthesizes one app per count (library only: no compliance packs,
 * so the numbers measure what the construct costs) and returns, per count, the stack's resources
 * (against the 500 limit), template bytes (against 1 MB), synth time, and the size of the largest
 * customer-managed policy (against the IAM limit of 6,144 characters, whitespace excluded).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { SecureStudioDomain } from '../lib';

/** One measured user count. */
export interface StudioScaleRow {
  readonly users: number;
  readonly resources: number;
  readonly templateBytes: number;
  readonly synthMs: number;
  readonly largestPolicyChars: number;
}

/** Builds a stack with one domain and `users` user profiles. */
export function studioStack(app: App, users: number): Stack {
  const stack = new Stack(app, `Studio${users}`);
  const domain = new SecureStudioDomain(stack, 'Studio', { domainName: 'bench' });
  for (let i = 0; i < users; i++) {
    domain.addUserProfile(`user-${i}`);
  }
  return stack;
}

/** Synthesizes a domain with each number of users and measures the template. */
export function studioScale(userCounts: number[]): StudioScaleRow[] {
  return userCounts.map((users) => {
    const app = new App({
      outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-studio-')),
      builtinCloudFormationValidation: false,
    });
    const start = process.hrtime.bigint();
    const stack = studioStack(app, users);
    const assembly = app.synth();
    const synthMs = Number(process.hrtime.bigint() - start) / 1e6;
    const artifact = assembly.getStackByName(stack.stackName);
    const text = fs.readFileSync(path.join(assembly.directory, artifact.templateFile), 'utf-8');
    const template = JSON.parse(text) as { Resources: Record<string, { Type: string; Properties?: { PolicyDocument?: unknown } }> };
    const resources = Object.values(template.Resources);
    const largestPolicyChars = Math.max(0, ...resources
      .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
      .map((r) => JSON.stringify(r.Properties?.PolicyDocument ?? {}).length));
    return {
      users,
      resources: resources.length,
      templateBytes: Buffer.byteLength(text),
      synthMs: Math.round(synthMs),
      largestPolicyChars,
    };
  });
}
