import * as fs from 'fs';
import * as path from 'path';
import {
  AssemblyCheck,
  PythonBindings,
  ROOT,
  RosettaTranslation,
  assemblyCheck,
  buildPythonBindings,
  checkerMemberNames,
  generatedMemberNames,
  parity,
  pyrightDiagnostics,
  pythonWarnings,
  rosettaSourceOf,
  rosettaTranslate,
} from './helpers/python-check';

// examples/python/app.py cannot run here (no PyPI: no jsii runtime, no aws-cdk-lib for Python), so it
// is checked statically against the Python bindings jsii-pacmak generates and the jsii assemblies,
// and compared with jsii-rosetta's translation of the TypeScript example. See test/helpers/python-check.ts.

const APP_PY = path.join(ROOT, 'examples', 'python', 'app.py');
const TS_EXAMPLE = path.join(ROOT, 'examples', 'secure-ml-platform.ts');
// Markdown files whose ```python blocks are checked like app.py (each block must be complete).
const READMES = [path.join(ROOT, 'examples', 'python', 'README.md'), path.join(ROOT, 'README.md')];

function pythonBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

function replaceOnce(source: string, from: string, to: string): string {
  const at = source.indexOf(from);
  if (at < 0 || source.indexOf(from, at + 1) >= 0) {
    throw new Error(`broken-copy edit: '${from}' must occur exactly once in examples/python/app.py`);
  }
  return source.slice(0, at) + to + source.slice(at + from.length);
}

function removeBlock(source: string, startsWith: string): string {
  const at = source.indexOf(startsWith);
  if (at < 0) throw new Error(`broken-copy edit: '${startsWith}' not in examples/python/app.py`);
  const end = source.indexOf('\n        )\n', at);
  return source.slice(0, at) + source.slice(end + '\n        )\n'.length);
}

/** A deliberately broken copy of app.py and what must catch it. */
interface BrokenCopy {
  readonly name: string;
  readonly edit: (source: string) => string;
  readonly pyright?: RegExp;
  readonly assembly?: RegExp;
  readonly parity?: RegExp;
}

const BROKEN_COPIES: BrokenCopy[] = [
  {
    name: 'misspelled prop',
    edit: (s) => replaceOnce(s, 'job_name_prefix="churn"', 'job_name_prefx="churn"'),
    pyright: /No parameter named "job_name_prefx"/,
    assembly: /SecureTrainingJob\(\) got an unexpected keyword argument 'job_name_prefx'/,
  },
  {
    name: 'TypeScript (camelCase) prop name',
    edit: (s) => replaceOnce(s, 'environment_name="ml-platform"', 'environmentName="ml-platform"'),
    pyright: /No parameter named "environmentName"/,
    assembly: /SageMakerEnvironment\(\) got an unexpected keyword argument 'environmentName'/,
  },
  {
    name: 'missing required struct prop',
    edit: (s) => replaceOnce(s, 'channel_name="train", ', ''),
    pyright: /Argument missing for parameter "channel_name"/,
    assembly: /TrainingInput\(\) is missing the required argument 'channel_name'/,
  },
  {
    name: 'unknown class',
    edit: (s) => replaceOnce(replaceOnce(s, '    SecureStudioDomain,\n', '    SecureStudioDomian,\n'), 'SecureStudioDomain(', 'SecureStudioDomian('),
    pyright: /"SecureStudioDomian" is unknown import symbol/,
    assembly: /module 'cdk_secure_sagemaker' has no member 'SecureStudioDomian'/,
  },
  {
    name: 'unknown enum member',
    edit: (s) => replaceOnce(s, 'DataAccess.READ_WRITE', 'DataAccess.READWRITE'),
    pyright: /Cannot access attribute "READWRITE"/,
    assembly: /'cdk_secure_sagemaker.DataAccess' has no static member 'READWRITE'/,
  },
  {
    name: 'too many positional arguments',
    edit: (s) => replaceOnce(s, '"PipelineRole",', '"PipelineRole",\n            "extra",'),
    pyright: /Expected 2 positional arguments/,
    assembly: /SageMakerWorkloadRole\(\) takes at most 2 positional arguments \(3 given\)/,
  },
  {
    name: 'wrong argument type (a bucket as environment)',
    edit: (s) => replaceOnce(s, 'environment=self.platform,\n            job_name_prefix', 'environment=self.platform.data_bucket,\n            job_name_prefix'),
    pyright: /"ISecureBucket" cannot be assigned to parameter "environment"/,
  },
  {
    name: 'string for a number',
    edit: (s) => replaceOnce(s, 'max_capacity=4', 'max_capacity="4"'),
    pyright: /cannot be assigned to parameter "max_capacity"/,
  },
  {
    name: 'unknown aws_cdk attribute of a method result (pyright cannot see aws_cdk)',
    edit: (s) => replaceOnce(s, 'sagemaker_api.vpc_endpoint_id', 'sagemaker_api.vpc_endpoint_idd'),
    assembly: /'aws_cdk.aws_ec2.IInterfaceVpcEndpoint' has no attribute 'vpc_endpoint_idd'/,
  },
  {
    name: 'unknown aws_cdk class and static method',
    edit: (s) => replaceOnce(s, 'Duration.hours(6)', 'Duration.hourz(6)'),
    assembly: /'aws_cdk.Duration' has no static member 'hourz'/,
  },
  {
    name: 'unknown Stack prop passed through **kwargs',
    edit: (s) => replaceOnce(s, 'description="cdk-secure-sagemaker example', 'descripton="cdk-secure-sagemaker example'),
    assembly: /SecureMlPlatformStack\(\) passes an unexpected keyword argument 'descripton' to aws_cdk.Stack/,
  },
  {
    name: 'syntax error',
    edit: (s) => replaceOnce(s, 'studio.add_user_profile("bob")', 'studio.add_user_profile("bob"'),
    pyright: /"\(" was not closed/,
    assembly: /syntax error: '\(' was never closed/,
  },
  {
    name: 'a construct of the TypeScript example left out',
    edit: (s) => removeBlock(s, '        SageMakerSecurityMonitoring(\n'),
    parity: /cdk-secure-sagemaker\.SageMakerSecurityMonitoring#<init>/,
  },
];

describe('Python example (examples/python/app.py)', () => {
  let bindings: PythonBindings;
  let pyright: Record<string, string[]>;
  let checks: Record<string, AssemblyCheck>;
  let translation: RosettaTranslation;
  let translated: string;
  const copies = new Map<string, string>();
  const snippets = new Map<string, string>();

  beforeAll(async () => {
    bindings = await buildPythonBindings();
    const source = fs.readFileSync(APP_PY, 'utf8');
    const copiesDir = path.join(bindings.dir, 'broken');
    fs.mkdirSync(copiesDir);
    BROKEN_COPIES.forEach((copy, i) => {
      const file = path.join(copiesDir, `copy_${i}.py`);
      fs.writeFileSync(file, copy.edit(source));
      copies.set(copy.name, file);
    });
    const snippetsDir = path.join(bindings.dir, 'snippets');
    fs.mkdirSync(snippetsDir);
    READMES.forEach((readme, r) => {
      pythonBlocks(fs.readFileSync(readme, 'utf8')).forEach((block, i) => {
        const file = path.join(snippetsDir, `readme_${r}_block_${i}.py`);
        fs.writeFileSync(file, block);
        snippets.set(`${path.relative(ROOT, readme)} python block ${i + 1}`, file);
      });
    });
    // pyright runs in its own process while jsii-rosetta translates (in this one)
    const pyrightRun = pyrightDiagnostics(bindings, [APP_PY, ...snippets.values(), ...copies.values()]);
    try {
      translation = rosettaTranslate(bindings, rosettaSourceOf(fs.readFileSync(TS_EXAMPLE, 'utf8')));
      translated = path.join(bindings.dir, 'translated_from_typescript.py');
      fs.writeFileSync(translated, translation.python);
      checks = await assemblyCheck(bindings, [APP_PY, translated, ...snippets.values(), ...copies.values()]);
    } finally {
      pyright = await pyrightRun;
    }
  }, 600_000);

  afterAll(() => bindings?.dispose());

  test('jsii compiles the library without warnings that concern Python', () => {
    expect(pythonWarnings(bindings.jsiiOutput)).toEqual([]);
  });

  test('pyright finds no problem against the generated cdk_secure_sagemaker bindings', () => {
    expect(pyright[APP_PY]).toEqual([]);
  });

  test('every aws_cdk, constructs and cdk_secure_sagemaker reference matches the jsii assemblies', () => {
    expect(checks[APP_PY].errors).toEqual([]);
    // the aws_cdk part (which pyright cannot see) was actually resolved, through method results too
    expect(checks[APP_PY].uses).toEqual(expect.arrayContaining([
      'aws-cdk-lib.Duration#hours(1;)',
      'aws-cdk-lib.Stack#region',
      'aws-cdk-lib.aws_iam.AccountRootPrincipal#<init>(0;)',
      // `network.endpoint_for(...)` returns an aws_cdk interface: its attribute is resolved through it
      'aws-cdk-lib.aws_ec2.IVpcEndpoint#vpcEndpointId',
    ]));
  });

  test("the checker's Python names are the ones jsii-pacmak generates", async () => {
    const generated = generatedMemberNames(bindings.generatedInit);
    expect(generated.length).toBeGreaterThan(50);
    const library = bindings.assemblies[bindings.assemblies.length - 1];
    expect(await checkerMemberNames(bindings, library)).toEqual(expect.arrayContaining(generated));
  });

  test('the TypeScript example compiles against the compiled package and jsii-rosetta translates it', () => {
    expect(translation.diagnostics).toEqual([]);
    expect(translation.python).toContain('from cdk_secure_sagemaker import');
  });

  test('app.py uses the same API as the TypeScript example: constructs, methods, props', () => {
    const fromTypeScript = checks[translated].uses;
    expect(fromTypeScript.length).toBeGreaterThan(30);
    expect(parity(fromTypeScript, checks[APP_PY].uses)).toEqual({ missingInPython: [], onlyInPython: [] });
  });

  test('the python blocks of the READMEs pass both checks', () => {
    expect(snippets.size).toBeGreaterThan(0);
    for (const [name, file] of snippets) {
      expect({ name, pyright: pyright[file], assembly: checks[file].errors }).toEqual({ name, pyright: [], assembly: [] });
    }
  });

  test('cdk.json runs app.py with the same context as the TypeScript app', () => {
    const python = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'python', 'cdk.json'), 'utf8'));
    const typescript = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
    expect(python.app).toBe('python3 app.py');
    expect(python.context).toEqual(typescript.context);
  });

  describe.each(BROKEN_COPIES)('catches a broken copy: $name', (copy) => {
    test('reported by the checks that see it', () => {
      const file = copies.get(copy.name)!;
      if (copy.pyright) expect(pyright[file].join('\n')).toMatch(copy.pyright);
      if (copy.assembly) expect(checks[file].errors.join('\n')).toMatch(copy.assembly);
      if (copy.parity) {
        expect(pyright[file]).toEqual([]);
        expect(checks[file].errors).toEqual([]);
        const diff = parity(checks[translated].uses, checks[file].uses);
        expect(diff.missingInPython.join('\n')).toMatch(copy.parity);
      }
    });
  });
});
