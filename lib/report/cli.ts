#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { AssemblyError } from './assembly';
import { buildReport, renderJson, renderMarkdown, renderSummary } from './security-report';

/** Usage text. */
export const USAGE = `Usage: cdk-secure-sagemaker report <cdk.out> [--out <file>] [--format markdown|json]

Reads the synthesized templates of a cloud assembly (not the app) and writes a security report:
controls per SageMaker resource (PASS/FAIL; rows that name a SageMakerSecurity rule run its check),
the rule pack's findings, IAM roles in plain words, who may invoke/open what and from where,
opt-outs and acknowledged findings, baseline cost, and a Mermaid network diagram.

  --out <file>       where to write the report (default security-report.md, or security-report.json with --format json)
  --format <format>  markdown (default) or json
  -h, --help         show this help
`;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

const processIo: CliIo = {
  stdout: t => process.stdout.write(t),
  stderr: t => process.stderr.write(t),
  cwd: process.cwd(),
};

/** Runs the CLI with `argv` (without node and script). Returns the exit code: 0 ok, 1 failure, 2 usage error. */
export function main(argv: string[], io: CliIo = processIo): number {
  const usageError = (message: string) => {
    io.stderr(`error: ${message}\n\n${USAGE}`);
    return 2;
  };
  const args = [...argv];
  if (args.length === 0 || args[0] === '-h' || args[0] === '--help') {
    io.stdout(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const command = args.shift();
  if (command !== 'report') return usageError(`unknown command '${command}'`);
  let dir: string | undefined;
  let out: string | undefined;
  let format = 'markdown';
  while (args.length > 0) {
    const a = args.shift()!;
    if (a === '-h' || a === '--help') {
      io.stdout(USAGE);
      return 0;
    } else if (a === '--out' || a === '--format') {
      const v = args.shift();
      if (v === undefined || v.startsWith('--')) return usageError(`${a} needs a value`);
      if (a === '--out') out = v; else format = v;
    } else if (a.startsWith('--out=')) {
      out = a.slice('--out='.length);
    } else if (a.startsWith('--format=')) {
      format = a.slice('--format='.length);
    } else if (a.startsWith('-')) {
      return usageError(`unknown option '${a}'`);
    } else if (dir === undefined) {
      dir = a;
    } else {
      return usageError(`unexpected argument '${a}' (one cloud assembly directory only)`);
    }
  }
  if (format !== 'markdown' && format !== 'json') return usageError(`unknown format '${format}' (markdown or json)`);
  if (dir === undefined) return usageError('missing the cloud assembly directory (e.g. cdk.out)');

  let report;
  try {
    report = buildReport(path.resolve(io.cwd, dir));
  } catch (e) {
    if (e instanceof AssemblyError) {
      io.stderr(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const target = path.resolve(io.cwd, out ?? (format === 'json' ? 'security-report.json' : 'security-report.md'));
  try {
    fs.writeFileSync(target, format === 'json' ? renderJson(report) : renderMarkdown(report));
  } catch (e) {
    io.stderr(`error: cannot write ${target}: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout(renderSummary(report, target));
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
