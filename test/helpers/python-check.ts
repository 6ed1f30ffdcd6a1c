/**
 * Checks the Python example without PyPI (so without the jsii Python runtime and aws-cdk-lib for
 * Python): the library is compiled with jsii into a temporary copy, jsii-pacmak generates its
 * Python bindings there (`--code-only`, no packaging), and then
 *
 * 1. pyright type-checks the Python files against those bindings (and the generated `constructs`
 *    and `cdk_nag` bindings): imports, class names, keyword arguments, required arguments,
 *    positional arity, member names and argument types wherever both sides are typed;
 * 2. test/helpers/python-check/assembly_check.py checks the same files against the jsii
 *    assemblies, aws-cdk-lib's included: the `aws_cdk` part that pyright cannot see (aws-cdk-lib's
 *    Python bindings would take a minute to generate on every run), and the library part again;
 * 3. jsii-rosetta translates the TypeScript example, type-checked against the compiled library,
 *    into Python; the API members both translations use are compared (parity).
 *
 * Nothing is written into the checkout: lib/ is copied (sources only) and compiled in the copy.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { PythonVisitor, SnippetParameters, SnippetTranslator, typeScriptSnippetFromCompleteSource } from 'jsii-rosetta';
import * as ts from 'typescript';

const execFileAsync = promisify(execFile);

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');
const CHECKER = path.join(__dirname, 'python-check', 'assembly_check.py');
const TYPINGS = path.join(__dirname, 'python-check', 'typings');
/** The Python module jsii-pacmak generates (`publishToPypi.module` in .projenrc.ts). */
export const PYTHON_MODULE: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).jsii.targets.python.module;

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const TOOL_ENV = { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' };

async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, env: TOOL_ENV, maxBuffer: 256 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}${err.stderr ?? ''}\n${err.message}`);
  }
}

/** The library compiled in a temporary copy, with Python bindings generated for it and its jsii dependencies. */
export interface PythonBindings {
  /** The temporary directory everything lives in. */
  readonly dir: string;
  /** The compiled copy of the package (its .jsii, lib/*.d.ts). */
  readonly packageDir: string;
  /** What `jsii` printed (its warnings). */
  readonly jsiiOutput: string;
  /** The generated `cdk_secure_sagemaker/__init__.py`. */
  readonly generatedInit: string;
  /** Directories holding generated Python packages. */
  readonly pythonPaths: string[];
  /** The jsii assemblies: aws-cdk-lib, constructs, cdk-nag and the library. */
  readonly assemblies: string[];
  /** Removes the temporary directory. */
  dispose(): void;
}

function copySources(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    if (entry.isDirectory()) {
      copySources(src, path.join(to, entry.name));
    } else if (!/\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(entry.name)) {
      fs.copyFileSync(src, path.join(to, entry.name));
    }
  }
}

/** Compiles the library with jsii in a temporary copy and generates the Python bindings (about 30 s). */
export async function buildPythonBindings(): Promise<PythonBindings> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-sagemaker-python-'));
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const packageDir = path.join(dir, 'package');
    copySources(path.join(ROOT, 'lib'), path.join(packageDir, 'lib'));
    for (const file of ['package.json', 'tsconfig.json', 'README.md', 'LICENSE']) {
      if (fs.existsSync(path.join(ROOT, file))) fs.copyFileSync(path.join(ROOT, file), path.join(packageDir, file));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(packageDir, 'node_modules'), 'dir');

    const dependencies = ['constructs', 'cdk-nag'].map((name) => path.join(ROOT, 'node_modules', name));
    const targets = [packageDir, ...dependencies];
    const outdirs = targets.map((_, i) => path.join(dir, 'python', String(i)));
    const pacmak = (i: number) => run(bin('jsii-pacmak'), [
      '--target', 'python', '--code-only', '--no-npmignore', '--no-fingerprint', '--outdir', outdirs[i], targets[i],
    ], dir);
    // The dependencies' bindings are generated while jsii compiles the library.
    const dependencyBindings = Promise.all(dependencies.map((_, i) => pacmak(i + 1)));
    // No --silence-warnings: the project's compile task silences reserved-word warnings, which are
    // exactly the ones that matter for Python users.
    let jsiiOutput: string;
    try {
      jsiiOutput = await run(bin('jsii'), [], packageDir);
    } finally {
      await dependencyBindings.catch(() => undefined);
    }
    await Promise.all([pacmak(0), dependencyBindings]);
    const pythonPaths = outdirs.map((o) => path.join(o, 'python', 'src'));
    return {
      dir,
      packageDir,
      jsiiOutput,
      generatedInit: path.join(pythonPaths[0], PYTHON_MODULE, '__init__.py'),
      pythonPaths,
      assemblies: [
        path.join(ROOT, 'node_modules', 'aws-cdk-lib', '.jsii'),
        ...dependencies.map((d) => path.join(d, '.jsii')),
        path.join(packageDir, '.jsii'),
      ],
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** jsii warnings that concern Python (reserved words and the like). */
export function pythonWarnings(jsiiOutput: string): string[] {
  return jsiiOutput.split('\n').filter((line) => /warning/i.test(line) && /python/i.test(line));
}

/**
 * pyright's diagnostics for each file, as `line N: message [rule]`. `aws_cdk` cannot be resolved
 * (its bindings are not generated): those import errors are left out, and assembly_check.py
 * checks the `aws_cdk` references instead. Any other diagnostic, warnings included, is kept.
 */
export async function pyrightDiagnostics(bindings: PythonBindings, files: string[]): Promise<Record<string, string[]>> {
  const config = path.join(bindings.dir, 'pyrightconfig.json');
  fs.writeFileSync(config, JSON.stringify({
    extraPaths: bindings.pythonPaths,
    // The jsii runtime's typing for `classproperty` and `Number` (see typings/jsii/__init__.pyi).
    stubPath: TYPINGS,
    // The generated bindings require Python 3.10 or later.
    pythonVersion: '3.10',
    typeCheckingMode: 'standard',
  }, undefined, 2));
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(bin('pyright'), ['--project', config, '--outputjson', ...files], {
      cwd: bindings.dir, env: TOOL_ENV, maxBuffer: 256 * 1024 * 1024,
    }));
  } catch (e) {
    // exit code 1: diagnostics were reported; the JSON is on stdout all the same
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (err.code !== 1 || !err.stdout) throw new Error(`pyright failed: ${err.stderr ?? ''}${err.stdout ?? ''}`);
    stdout = err.stdout;
  }
  const report = JSON.parse(stdout) as {
    generalDiagnostics: Array<{ file: string; severity: string; message: string; rule?: string; range: { start: { line: number } } }>;
  };
  const result: Record<string, string[]> = Object.fromEntries(files.map((f) => [path.resolve(f), []]));
  for (const d of report.generalDiagnostics) {
    const file = path.resolve(d.file);
    if (!(file in result)) continue; // the generated bindings themselves are not checked
    if (d.rule === 'reportMissingImports' && /^Import "aws_cdk(\.[\w.]+)?" could not be resolved$/.test(d.message)) continue;
    result[file].push(`line ${d.range.start.line + 1}: ${d.severity}: ${d.message.split('\n')[0]}${d.rule ? ` [${d.rule}]` : ''}`);
  }
  return result;
}

/** What assembly_check.py found in one file: errors, and the API members used (`fqn#member(positional;keywords)`). */
export interface AssemblyCheck {
  readonly errors: string[];
  readonly uses: string[];
}

/** Runs assembly_check.py on the files (one python3 process; aws-cdk-lib's assembly is read once). */
export async function assemblyCheck(bindings: PythonBindings, files: string[]): Promise<Record<string, AssemblyCheck>> {
  const args = [CHECKER, ...bindings.assemblies.flatMap((a) => ['--assembly', a]), ...files];
  const out = await run('python3', args, bindings.dir);
  const parsed = JSON.parse(out) as { files: Record<string, AssemblyCheck> };
  return Object.fromEntries(Object.entries(parsed.files).map(([f, r]) => [path.resolve(f), r]));
}

/**
 * The TypeScript example as a user of the published package writes it: imported from
 * 'cdk-secure-sagemaker' instead of '../lib', without the reviewer-report code (lib/report is
 * internal, not exported) and the `require.main` block that runs it.
 */
export function rosettaSourceOf(tsExample: string): string {
  let source = tsExample.replace(/from '\.\.\/lib';/g, "from 'cdk-secure-sagemaker';");
  source = source.replace(/^import [^;]* from '\.\.\/lib\/report(\/[a-z-]+)?';\n/gm, '');
  // The Control Tower plugin (a dev dependency) is used only by the main block, cut below.
  source = source.replace(/^import [^;]* from '@cdklabs\/cdk-validator-cfnguard';\n/gm, '');
  // So is the second stack of the example (examples/model-lifecycle.ts), also TypeScript-only.
  source = source.replace(/^import [^;]* from '\.\/model-lifecycle';\n/gm, '');
  const main = source.indexOf('if (require.main === module)');
  if (main >= 0) source = source.slice(0, main);
  const internal = source.match(/from '\.\.\/[^']*'/);
  if (internal) {
    throw new Error(`the TypeScript example imports ${internal[0]}: extend rosettaSourceOf() in test/helpers/python-check.ts`);
  }
  return source;
}

/** jsii-rosetta's Python translation of a TypeScript app, compiled against the compiled library. */
export interface RosettaTranslation {
  readonly python: string;
  /** TypeScript and translation diagnostics (the source must compile as a user of the package). */
  readonly diagnostics: string[];
}

export function rosettaTranslate(bindings: PythonBindings, tsSource: string): RosettaTranslation {
  // The snippet resolves 'cdk-secure-sagemaker' to the compiled copy, aws-cdk-lib through its node_modules.
  const consumer = path.join(bindings.packageDir, 'rosetta-consumer');
  fs.mkdirSync(path.join(consumer, 'node_modules'), { recursive: true });
  const link = path.join(consumer, 'node_modules', 'cdk-secure-sagemaker');
  if (!fs.existsSync(link)) fs.symlinkSync(bindings.packageDir, link, 'dir');
  const snippet = typeScriptSnippetFromCompleteSource(tsSource, { api: { api: 'file', fileName: 'app.ts' } }, true, {
    [SnippetParameters.$COMPILATION_DIRECTORY]: consumer,
  });
  const translator = new SnippetTranslator(snippet, { includeCompilerDiagnostics: true });
  const python = translator.renderUsing(new PythonVisitor());
  const diagnostics = translator.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (translator.didSuccessfullyCompile !== true) diagnostics.push('jsii-rosetta could not compile the TypeScript source');
  // jsii-rosetta translates `this` to `self` everywhere except inside template literals.
  return { python: python.replace(/\{this\./g, '{self.'), diagnostics };
}

/** Differences between the API uses of the TypeScript example (translated) and of the Python example. */
export function parity(fromTypeScript: string[], fromPython: string[]): { missingInPython: string[]; onlyInPython: string[] } {
  const py = new Set(fromPython);
  const tsUses = new Set(fromTypeScript);
  return {
    missingInPython: [...tsUses].filter((u) => !py.has(u)).sort(),
    onlyInPython: [...py].filter((u) => !tsUses.has(u)).sort(),
  };
}

/** `@jsii.member(jsii_name="x") def y(` pairs of generated bindings: the Python names jsii-pacmak chose. */
export function generatedMemberNames(generatedInit: string): Array<[string, string]> {
  const source = fs.readFileSync(generatedInit, 'utf8');
  return [...source.matchAll(/@jsii\.member\(jsii_name="(\w+)"\)\n\s+def (\w+)\(/g)].map((m) => [m[1], m[2]]);
}

/** The Python names assembly_check.py gives the methods and properties of an assembly (`[jsiiName, pythonName]`). */
export async function checkerMemberNames(bindings: PythonBindings, assembly: string): Promise<Array<[string, string]>> {
  return JSON.parse(await run('python3', [CHECKER, '--member-names', '--assembly', assembly], bindings.dir)) as Array<[string, string]>;
}
