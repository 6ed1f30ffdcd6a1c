/**
 * Synth speed and scale benchmarks (not timed tests): `npm run bench` writes bench/RESULTS.md.
 *
 * - synth time of the main example against a raw-L1 app with the same SageMaker resources
 *   (bench/l1-baseline.ts), interleaved in one process, with and without validation (median of runs)
 * - scale: an environment with 1, 5, 20 and 50 workloads (each a role with prefix grants on both
 *   buckets and its own security group registered for endpoints): resources, template bytes,
 *   synth time, largest managed policy against the IAM limit, and the growth per workload
 * - scale: an environment with 1, 5 and 20 notebooks; a Studio domain with 10, 50 and 200 users
 * - per construct: resources, template bytes, interface endpoints and roles each construct adds (bench/constructs.ts)
 * - cost: interface and gateway endpoints, AZs and KMS keys per environment of each example, at list prices
 * - the test suite: each step of `npm test` timed once (skip with BENCH_SKIP_TESTS=1)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { CONSTRUCT_CASES, constructCaseApp } from './constructs';
import { l1BaselineApp } from './l1-baseline';
import { studioStack } from './studio';
import { buildOrganizationApp } from '../examples/organization-rollout';
import { buildApp, SecureMlPlatformStack } from '../examples/secure-ml-platform';
import { SageMakerCompliance, SageMakerEndpointService, SageMakerEnvironment, SageMakerWorkloadRole, SecureNotebook } from '../lib';
import { buildReport } from '../lib/report';
import { render } from '../lib/report/cfn';
import { LIST_PRICES } from '../lib/report/findings';
import { serviceShortName } from '../lib/report/iam';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Measured runs per variant of the L1 comparison (after one warm-up round). */
const COMPARE_RUNS = Number(process.env.BENCH_COMPARE_RUNS ?? 15);
const RESOURCE_LIMIT = 500;
const TEMPLATE_BYTES_LIMIT = 1_000_000;
const MANAGED_POLICY_LIMIT = 6144;
// us-east-1 list prices: the reviewer report's, so the two estimates cannot drift apart.
const ENDPOINT_AZ_HOUR_USD = LIST_PRICES.interfaceEndpointAzHourUsd;
const HOURS_PER_MONTH = LIST_PRICES.hoursPerMonth;
const KMS_KEY_MONTH_USD = LIST_PRICES.kmsKeyMonthUsd;

/** Counts over every template of a synthesized app. */
interface TemplateStats {
  readonly resources: number;
  readonly bytes: number;
  readonly largestPolicy: number;
  readonly interfaceEndpoints: number;
  readonly keys: number;
  /** Subnets: one isolated subnet per AZ in the environments measured here. */
  readonly azs: number;
  /** AWS::SageMaker::* resources and Step Functions state machines. */
  readonly sageMakerResources: number;
  readonly roles: number;
  /** Resources per CloudFormation type. */
  readonly types: Record<string, number>;
  /** Bytes of acknowledgement metadata (`cdk_nag`, on resources and template-wide) as written. */
  readonly nagBytes: number;
}

interface Measure extends TemplateStats {
  readonly label: string;
  /** Median synth time. */
  readonly ms: number;
  /** Every measured synth time, in run order. */
  readonly times: number[];
}

function tmpApp(withPacks: boolean): App {
  return new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')),
    // Without packs, measure the library alone (no CloudFormation Validate either).
    builtinCloudFormationValidation: withPacks,
    context: {
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      '@aws-cdk/core:validationReportPrettyPrint': false,
    },
  });
}

/**
 * An app set up as `npx cdk synth` sets up this repository's app: the context of cdk.json plus the
 * context the CDK CLI adds to every synth (aws-cdk `contextFromSettings`: path and asset metadata,
 * version reporting, bundling, and validation findings reported by the CLI instead of thrown).
 *
 * @param validation whether the built-in CloudFormation Validate plugin runs (on by default in aws-cdk-lib)
 */
function cliApp(validation: boolean): App {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8'));
  const props: AppProps = {
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')),
    builtinCloudFormationValidation: validation,
    context: {
      ...cdkJson.context,
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      'aws:cdk:bundling-stacks': ['**'],
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    },
  };
  return new App(props);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function templateStats(assembly: cxapi.CloudAssembly): TemplateStats {
  let resources = 0;
  let bytes = 0;
  let largestPolicy = 0;
  let interfaceEndpoints = 0;
  let keys = 0;
  let azs = 0;
  let sageMakerResources = 0;
  let roles = 0;
  const types: Record<string, number> = {};
  let nagBytes = 0;
  for (const s of assembly.stacks) {
    const text = fs.readFileSync(path.join(assembly.directory, s.templateFile), 'utf-8');
    bytes += Buffer.byteLength(text);
    const template = JSON.parse(text);
    nagBytes += Buffer.byteLength(text) - Buffer.byteLength(JSON.stringify(withoutNagMetadata(template), undefined, 1));
    for (const r of Object.values<any>(template.Resources ?? {})) {
      resources++;
      types[r.Type] = (types[r.Type] ?? 0) + 1;
      if (r.Type === 'AWS::IAM::ManagedPolicy') {
        largestPolicy = Math.max(largestPolicy, JSON.stringify(r.Properties.PolicyDocument).length);
      }
      if (r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Interface') {
        interfaceEndpoints++;
      }
      if (r.Type === 'AWS::KMS::Key') {
        keys++;
      }
      if (r.Type === 'AWS::EC2::Subnet') {
        azs++;
      }
      if (r.Type.startsWith('AWS::SageMaker::') || r.Type === 'AWS::StepFunctions::StateMachine') {
        sageMakerResources++;
      }
      if (r.Type === 'AWS::IAM::Role') {
        roles++;
      }
    }
  }
  return { resources, bytes, largestPolicy, interfaceEndpoints, keys, azs, sageMakerResources, roles, types, nagBytes };
}

/** A template without its `cdk_nag` metadata (key order kept), to measure what the acknowledgements cost as written. */
function withoutNagMetadata(template: any): any {
  const withoutNag = (owner: any): any => {
    const out: any = {};
    for (const [k, v] of Object.entries<any>(owner)) {
      if (k !== 'Metadata') {
        out[k] = v;
        continue;
      }
      const { cdk_nag: _, ...rest } = v;
      if (Object.keys(rest).length > 0) {
        out[k] = rest;
      }
    }
    return out;
  };
  const top = withoutNag(template);
  if (top.Resources) {
    top.Resources = Object.fromEntries(Object.entries<any>(top.Resources).map(([id, r]) => [id, withoutNag(r)]));
  }
  return top;
}

/** Throws when the validation report of a synthesized app lists any finding. */
function assertNoFindings(label: string, assembly: cxapi.CloudAssembly): void {
  const reportFile = path.join(assembly.directory, 'validation-report.json');
  if (!fs.existsSync(reportFile)) {
    return;
  }
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf-8'));
  const count = (report.pluginReports ?? []).reduce((n: number, p: any) => n + (p.violations ?? []).length, 0);
  if (count > 0) {
    throw new Error(`${label}: the synth reports ${count} validation finding(s) in ${reportFile}; its timing would not be that of a passing synth`);
  }
}

function measure(label: string, build: (app: App) => void, withPacks: boolean): Measure {
  const times: number[] = [];
  let stats: TemplateStats | undefined;
  // Run 0 warms up module loading and the validation engine; it is not counted.
  for (let i = 0; i <= RUNS; i++) {
    const app = tmpApp(withPacks);
    const start = process.hrtime.bigint();
    build(app);
    if (withPacks) {
      SageMakerCompliance.applyTo(app);
    }
    const assembly = app.synth();
    if (i > 0) {
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    stats = templateStats(assembly);
    fs.rmSync(assembly.directory, { recursive: true, force: true });
  }
  return { label, ms: median(times), times, ...stats! };
}

/** One app of the L1 comparison, synthesized with the app settings of `npx cdk synth`. */
interface Variant {
  readonly label: string;
  /** Whether the built-in CloudFormation Validate plugin runs. */
  readonly validation: boolean;
  readonly build: (app: App) => void;
}

/**
 * Synthesizes the variants in one process, interleaved: one warm-up round (not counted), then
 * `runs` rounds of every variant, each round starting one variant later so that no variant always
 * runs right after the same other one.
 */
function measureInterleaved(variants: Variant[], runs: number): Measure[] {
  const times: number[][] = variants.map(() => []);
  const stats: TemplateStats[] = [];
  for (let round = 0; round <= runs; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      const app = cliApp(variants[i].validation);
      const start = process.hrtime.bigint();
      variants[i].build(app);
      const assembly = app.synth();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      assertNoFindings(variants[i].label, assembly);
      if (round > 0) {
        times[i].push(ms);
      }
      stats[i] = templateStats(assembly);
      fs.rmSync(assembly.directory, { recursive: true, force: true });
    }
  }
  return variants.map((v, i) => ({ label: v.label, ms: median(times[i]), times: times[i], ...stats[i] }));
}

/** An example app listed in the cost table. */
interface ExampleEntry {
  readonly name: string;
  /** Source file, relative to the repository root. */
  readonly source: string;
  /** Adds the example's stacks (and compliance packs) to `app`, as its `cdk synth` does. */
  readonly build: (app: App) => void;
}

/** Every example app; the cost table has one row per SageMakerEnvironment of each. */
const EXAMPLES: ExampleEntry[] = [
  { name: 'Secure ML platform', source: 'examples/secure-ml-platform.ts', build: (app) => { buildApp(app); } },
  // The management account's stack: SCPs and StackSets, no environment (the rolled-out stacks are separate apps).
  { name: 'Organization roll-out', source: 'examples/organization-rollout.ts', build: (app) => { buildOrganizationApp(app); } },
];

/** The endpoints, AZs and keys of one SageMakerEnvironment, from the synthesized template. */
interface EnvironmentCost {
  readonly example: string;
  readonly environment: string;
  readonly interfaceEndpoints: number;
  readonly gatewayEndpoints: number;
  readonly azs: number;
  readonly keys: number;
  readonly services: string[];
}

/**
 * Synthesizes an example and attributes endpoints and keys to each of its environments by the
 * construct path of the resources (`aws:cdk:path` metadata): what lies under the environment.
 */
function exampleCosts(example: ExampleEntry): { rows: EnvironmentCost[]; reportUsd: number } {
  const app = cliApp(true);
  example.build(app);
  const assembly = app.synth();
  assertNoFindings(example.name, assembly);
  const rows: EnvironmentCost[] = [];
  for (const env of app.node.findAll().filter((c): c is SageMakerEnvironment => c instanceof SageMakerEnvironment)) {
    const stack = Stack.of(env);
    const template = assembly.getStackArtifact(stack.artifactId).template;
    const under = Object.values<any>(template.Resources ?? {})
      .filter((r) => String(r.Metadata?.['aws:cdk:path'] ?? '').startsWith(`${env.node.path}/`));
    const endpoints = under.filter((r) => r.Type === 'AWS::EC2::VPCEndpoint');
    const interfaces = endpoints.filter((r) => r.Properties.VpcEndpointType === 'Interface');
    // AZs: the distinct subnets the interface endpoints sit in (one per AZ; their AZs are tokens in
    // an environment-agnostic stack), or the environment's subnets when it has no interface endpoint.
    const subnets = interfaces.length > 0
      ? new Set(interfaces.flatMap((r) => (r.Properties.SubnetIds ?? []).map((id: unknown) => JSON.stringify(id)))).size
      : under.filter((r) => r.Type === 'AWS::EC2::Subnet').length;
    rows.push({
      example: example.name,
      environment: `${stack.stackName} / ${env.environmentName}`,
      interfaceEndpoints: interfaces.length,
      gatewayEndpoints: endpoints.filter((r) => r.Properties.VpcEndpointType === 'Gateway').length,
      azs: subnets,
      keys: under.filter((r) => r.Type === 'AWS::KMS::Key').length,
      services: interfaces.map((r) => serviceShortName(render(r.Properties.ServiceName))).sort(),
    });
  }
  const reportUsd = buildReport(assembly.directory).cost.totalMonthlyUsd;
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return { rows, reportUsd };
}

/** An environment with `n` workloads, each granted prefixes and registered for endpoints. */
function workloads(n: number): (app: App) => void {
  return (app) => {
    const stack = new Stack(app, `Scale${n}`);
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: `scale-${n}` });
    for (let i = 0; i < n; i++) {
      const role = new SageMakerWorkloadRole(stack, `Role${i}`, { description: `workload ${i}` });
      env.dataBucket.grantRead(role, `datasets/team-${i}/`);
      env.artifactsBucket.grantReadWrite(role, `models/team-${i}/`);
      const sg = new ec2.SecurityGroup(stack, `Sg${i}`, { vpc: env.network.vpc, allowAllOutbound: false });
      env.network.requireEndpoints(sg, [
        SageMakerEndpointService.SAGEMAKER_API,
        SageMakerEndpointService.SAGEMAKER_RUNTIME,
        SageMakerEndpointService.STS,
        SageMakerEndpointService.LOGS,
      ]);
    }
  };
}

/** An environment with `n` notebooks, each reading its own dataset prefix. */
function notebooks(n: number): (app: App) => void {
  return (app) => {
    const stack = new Stack(app, `Notebooks${n}`);
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: `nb-${n}` });
    for (let i = 0; i < n; i++) {
      new SecureNotebook(stack, `Nb${i}`, {
        environment: env,
        notebookName: `team-${i}`,
        dataAccess: [{ bucket: env.dataBucket, prefix: `datasets/team-${i}/` }],
      });
    }
  };
}

/** Monthly baseline at list price: interface endpoints x AZs, and KMS keys. */
function monthlyCost(m: { readonly interfaceEndpoints: number; readonly azs: number; readonly keys: number }): number {
  return m.interfaceEndpoints * m.azs * ENDPOINT_AZ_HOUR_USD * HOURS_PER_MONTH + m.keys * KMS_KEY_MONTH_USD;
}

/**
 * `a` against `b`: the ratio of the medians, and the median of the per-round ratios (both were
 * measured in the same round, so a round slowed down by other load on the machine slows both).
 */
function ratio(a: Measure, b: Measure): string {
  const paired = median(a.times.map((t, round) => t / b.times[round]));
  return `${(a.ms / b.ms).toFixed(2)}x (per-round ratios: median ${paired.toFixed(2)}x)`;
}

function main(): void {
  const lines: string[] = [];
  const log = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  log('# Benchmark results');
  log();
  log(`Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}.`);
  log('Synth time is in-process: building the app and `app.synth()`, from one process (no CLI start-up, no ts-node compile).');
  log(`Scale tables: median of ${RUNS} runs each, after one warm-up run. Load average (1 min) when the run started: ${os.loadavg()[0].toFixed(1)}.`);
  log();

  // Warm up the JIT and the validation engine (WebAssembly) before anything is measured.
  measure('warm-up', workloads(5), true);

  log('## Main example against a raw-L1 app');
  log();
  log('`bench/l1-baseline.ts` writes the example\'s SageMaker resources by hand with `Cfn*` constructs only, as a careful user would without this library or cdk-nag: '
    + 'notebook instance and lifecycle configuration; model, endpoint configuration and endpoint; VpcOnly Studio domain and 2 user profiles; '
    + 'a state machine running `sagemaker:createTrainingJob.sync`; an isolated 2-AZ VPC with flow logs, the same 8 interface endpoints and an S3 gateway endpoint; '
    + 'a KMS key, 3 buckets, a security group and an inline-policy role per workload. '
    + 'It leaves out what the example adds beyond that (guardrails, security monitoring, endpoint alarms and autoscaling, the Studio lifecycle configuration, the example\'s pipeline and human roles, acknowledgement metadata).');
  log();
  const exampleStack = (app: App) => {
    new SecureMlPlatformStack(app, 'SecureMlPlatform');
  };
  const variants: Variant[] = [
    { label: 'L1 app, no validation', validation: false, build: l1BaselineApp },
    { label: 'example, library only (no validation)', validation: false, build: exampleStack },
    { label: 'L1 app, as `cdk synth` (CloudFormation Validate, on by default)', validation: true, build: l1BaselineApp },
    { label: 'example, library + CloudFormation Validate (no packs)', validation: true, build: exampleStack },
    { label: 'example, `buildApp` as `cdk synth` (5 packs + CloudFormation Validate)', validation: true, build: (app) => { buildApp(app); } },
  ];
  const [l1Bare, libBare, l1, libCfn, full] = measureInterleaved(variants, COMPARE_RUNS);
  log(`Method: the five apps below are synthesized in one process, interleaved: one warm-up round, then ${COMPARE_RUNS} rounds of all five, each round starting one app later. `
    + 'Every app is set up as `npx cdk synth` sets up this repository\'s app (cdk.json context plus the context the CDK CLI adds: path metadata, version reporting); '
    + 'each synth must report zero validation findings. Times are the median, with the fastest and slowest run.');
  log();
  log('| app | synth ms (median) | min-max ms | resources | template bytes | SageMaker + Step Functions resources | interface endpoints | IAM roles |');
  log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const m of [l1Bare, libBare, l1, libCfn, full]) {
    log(`| ${m.label} | ${m.ms.toFixed(0)} | ${Math.min(...m.times).toFixed(0)}-${Math.max(...m.times).toFixed(0)} | ${m.resources} | ${m.bytes} | ${m.sageMakerResources} | ${m.interfaceEndpoints} | ${m.roles} |`);
  }
  log();
  log(`- **The example as \`cdk synth\` builds it takes ${ratio(full, l1)} the synth time of the L1 app synthesized the same way**: ${full.ms.toFixed(0)} ms against ${l1.ms.toFixed(0)} ms.`);
  log(`- Constructs alone (no validation on either side): ${ratio(libBare, l1Bare)}, ${libBare.ms.toFixed(0)} ms against ${l1Bare.ms.toFixed(0)} ms, for ${(full.resources / l1.resources).toFixed(2)}x the resources and ${(full.bytes / l1.bytes).toFixed(2)}x the template bytes.`);
  const sageMakerTypes = (m: Measure) => Object.entries(m.types)
    .filter(([t]) => t.startsWith('AWS::SageMaker::') || t === 'AWS::StepFunctions::StateMachine')
    .map(([t, n]) => `${n} ${t}`).sort();
  const onlyExample = sageMakerTypes(full).filter((t) => !sageMakerTypes(l1).includes(t));
  const onlyL1 = sageMakerTypes(l1).filter((t) => !sageMakerTypes(full).includes(t));
  log(`- SageMaker and Step Functions resources: ${onlyExample.length + onlyL1.length === 0 ? 'the same in both' : `the same except ${[...onlyExample.map((t) => `${t} in the example only`), ...onlyL1.map((t) => `${t} in the L1 app only`)].join(', ')}`}; `
    + `interface endpoints: ${l1.interfaceEndpoints} in the L1 app, ${full.interfaceEndpoints} in the example.`);
  log(`- Validation of the example: CloudFormation Validate adds ${(libCfn.ms - libBare.ms).toFixed(0)} ms, the five compliance packs ${(full.ms - libCfn.ms).toFixed(0)} ms; in all, ${ratio(full, libBare)} the synth time of the library alone.`);
  log(`- Acknowledgement metadata (\`cdk_nag\`, each acknowledgement written once where its finding is): ${full.nagBytes} of the example's ${full.bytes} template bytes (${(100 * full.nagBytes / full.bytes).toFixed(1)}%).`);
  log();

  log('## Scale: workloads per environment');
  log();
  log('Each workload: a `SageMakerWorkloadRole` with a read prefix on the data bucket and a read/write prefix on the artifacts bucket, and a security group registered for 4 interface endpoints.');
  log();
  log(`| workloads | synth ms (with packs) | resources (limit ${RESOURCE_LIMIT}) | template bytes | largest managed policy (limit ${MANAGED_POLICY_LIMIT}) | interface endpoints | est. monthly baseline USD |`);
  log('|---:|---:|---:|---:|---:|---:|---:|');
  const scale: Array<[number, Measure]> = [];
  for (const n of [1, 5, 20, 50]) {
    const m = measure(`${n} workloads`, workloads(n), true);
    scale.push([n, m]);
    log(`| ${n} | ${m.ms.toFixed(0)} | ${m.resources} | ${m.bytes} | ${m.largestPolicy} | ${m.interfaceEndpoints} | ${monthlyCost(m).toFixed(2)} |`);
  }
  log();
  const [n1, m1] = scale[0];
  const [nLast, mLast] = scale[scale.length - 1];
  const perWorkload = (mLast.resources - m1.resources) / (nLast - n1);
  const msPerWorkload = (mLast.ms - m1.ms) / (nLast - n1);
  log(`Growth: ${perWorkload.toFixed(2)} resources and ${msPerWorkload.toFixed(1)} ms of synth per added workload (linear: each workload adds its role, policy, security group and two rules; endpoints are shared).`);
  const bytesPerWorkload = (mLast.bytes - m1.bytes) / (nLast - n1);
  log(`At that rate one stack holds about ${Math.floor((RESOURCE_LIMIT - m1.resources) / perWorkload) + n1} such workloads before the ${RESOURCE_LIMIT}-resource limit, and about ${Math.floor((TEMPLATE_BYTES_LIMIT - m1.bytes) / bytesPerWorkload) + n1} before the 1 MB template limit (${(bytesPerWorkload / 1000).toFixed(1)} KB per workload, acknowledgement metadata included).`);
  log(`Adding workloads of the same kind adds no interface endpoint: ${scale.map(([n, m]) => `${n} → ${m.interfaceEndpoints}`).join(', ')}.`);
  log();

  log('## Scale: notebooks per environment');
  log();
  log('Each notebook: instance, lifecycle configuration, notebook role and job role (carrying the environment\'s shared notebook policies, scoped by the roles\' tags), a data policy both roles carry (for its `dataAccess` prefix), two security groups and their rules. 40 notebooks are measured in one stack, not extrapolated.');
  log();
  log(`| notebooks | synth ms (with packs) | resources (limit ${RESOURCE_LIMIT}) | template bytes | largest managed policy (limit ${MANAGED_POLICY_LIMIT}) | interface endpoints | est. monthly baseline USD |`);
  log('|---:|---:|---:|---:|---:|---:|---:|');
  const nbScale: Array<[number, Measure]> = [];
  for (const n of [1, 5, 20, 40]) {
    const m = measure(`${n} notebooks`, notebooks(n), true);
    nbScale.push([n, m]);
    log(`| ${n} | ${m.ms.toFixed(0)} | ${m.resources} | ${m.bytes} | ${m.largestPolicy} | ${m.interfaceEndpoints} | ${monthlyCost(m).toFixed(2)} |`);
  }
  log();
  const [nb1, nbm1] = nbScale[0];
  const [nbN, nbmN] = nbScale[nbScale.length - 1];
  const nbPer = (nbmN.resources - nbm1.resources) / (nbN - nb1);
  const nbBytes = (nbmN.bytes - nbm1.bytes) / (nbN - nb1);
  log(`Growth: ${nbPer.toFixed(1)} resources, ${(nbBytes / 1000).toFixed(1)} KB of template and ${((nbmN.ms - nbm1.ms) / (nbN - nb1)).toFixed(1)} ms of synth per added notebook; about ${Math.floor((RESOURCE_LIMIT - nbm1.resources) / nbPer) + nb1} notebooks fit under the ${RESOURCE_LIMIT}-resource limit and about ${Math.floor((TEMPLATE_BYTES_LIMIT - nbm1.bytes) / nbBytes) + nb1} under the 1 MB template limit. Interface endpoints: ${nbScale.map(([n, m]) => `${n} → ${m.interfaceEndpoints}`).join(', ')} (the notebooks share them).`);
  log();

  log('## Scale: Studio users per domain');
  log();
  log('Each user: a user profile and an own execution role carrying the domain\'s shared policies (2 resources).');
  log();
  log(`| users | synth ms (with packs) | resources (limit ${RESOURCE_LIMIT}) | template bytes | largest managed policy (limit ${MANAGED_POLICY_LIMIT}) |`);
  log('|---:|---:|---:|---:|---:|');
  const studio: Array<[number, Measure]> = [];
  for (const n of [10, 50, 200]) {
    const m = measure(`${n} users`, (app) => studioStack(app, n), true);
    studio.push([n, m]);
    log(`| ${n} | ${m.ms.toFixed(0)} | ${m.resources} | ${m.bytes} | ${m.largestPolicy} |`);
  }
  log();
  const [u1, su1] = studio[0];
  const [uN, suN] = studio[studio.length - 1];
  const perUser = (suN.resources - su1.resources) / (uN - u1);
  const bytesPerUser = (suN.bytes - su1.bytes) / (uN - u1);
  log(`Growth: ${perUser.toFixed(2)} resources, ${(bytesPerUser / 1000).toFixed(1)} KB of template and ${((suN.ms - su1.ms) / (uN - u1)).toFixed(1)} ms of synth per added user (linear); about ${Math.floor((RESOURCE_LIMIT - su1.resources) / perUser) + u1} users fit under the ${RESOURCE_LIMIT}-resource limit and about ${Math.floor((TEMPLATE_BYTES_LIMIT - su1.bytes) / bytesPerUser) + u1} under the 1 MB template limit; the largest policy does not grow with users.`);
  log();

  log('## Per construct: what each adds to a stack with its environment');
  log();
  log('Each construct with its default props (and the inputs it requires), in a stack that already has its `SageMakerEnvironment` '
    + '(and what the construct needs, such as the endpoint and training of a promotion); the figures are the difference with and without it. '
    + 'Both stacks synthesize with the five packs and CloudFormation Validate and must have zero findings.');
  log();
  log('| construct | resources added | template bytes added | interface endpoints added | IAM roles added | est. monthly USD added (endpoints) |');
  log('|---|---:|---:|---:|---:|---:|');
  for (const c of CONSTRUCT_CASES) {
    const without = measure(`${c.name} (baseline)`, constructCaseApp(c, false), true);
    const withIt = measure(c.name, constructCaseApp(c, true), true);
    const endpoints = withIt.interfaceEndpoints - without.interfaceEndpoints;
    log(`| ${c.name} | ${withIt.resources - without.resources} | ${withIt.bytes - without.bytes} | ${endpoints} | ${withIt.roles - without.roles} | ${monthlyCost({ interfaceEndpoints: endpoints, azs: withIt.azs, keys: 0 }).toFixed(2)} |`);
  }
  log();

  log('## Cost: endpoints per environment of each example');
  log();
  log(`List prices, us-east-1: interface endpoint $${ENDPOINT_AZ_HOUR_USD} per AZ-hour (${HOURS_PER_MONTH} hours a month), gateway endpoint free, KMS key $${KMS_KEY_MONTH_USD} a month; before data processing, requests, instances and storage. `
    + 'Endpoints and keys count toward an environment when they are under its construct path.');
  log();
  log('| example | stack / environment | interface endpoints | gateway endpoints | AZs | KMS keys | est. monthly USD | interface endpoint services |');
  log('|---|---|---:|---:|---:|---:|---:|---|');
  for (const example of EXAMPLES) {
    const { rows, reportUsd } = exampleCosts(example);
    if (rows.length === 0) {
      log(`| ${example.name} (\`${example.source}\`) | no SageMakerEnvironment | 0 | 0 | 0 | 0 | 0.00 | |`);
    }
    for (const r of rows) {
      log(`| ${example.name} (\`${example.source}\`) | ${r.environment} | ${r.interfaceEndpoints} | ${r.gatewayEndpoints} | ${r.azs} | ${r.keys} | ${monthlyCost(r).toFixed(2)} | ${r.services.join(', ')} |`);
    }
    const total = rows.reduce((sum, r) => sum + monthlyCost(r), 0);
    if (Math.abs(total - reportUsd) > 0.005) {
      log();
      log(`Note: the reviewer report of ${example.name} estimates $${reportUsd.toFixed(2)} a month, this table $${total.toFixed(2)}.`);
    }
  }
  log();
  log('Endpoints are created once per environment, on the first workload that needs them: a second notebook, training job, endpoint or Studio user on the same environment adds none (test/environment/endpoint-count.test.ts; the scale tables above show the same for 1 to 50 workloads).');

  if (process.env.BENCH_SKIP_TESTS !== '1') {
    log();
    testSuite(log);
  }

  fs.writeFileSync(path.join(__dirname, 'RESULTS.md'), lines.join('\n') + '\n');
}

/** The steps of `npm test` (projen's test task), each timed once as its own process. */
function testSuite(log: (s?: string) => void): void {
  const root = path.join(__dirname, '..');
  const tasks = JSON.parse(fs.readFileSync(path.join(root, '.projen', 'tasks.json'), 'utf-8')).tasks;
  const steps: Array<[string, string[]]> = [
    ['README snippets as modules (projenrc/readme-snippets.ts)', ['ts-node', '--transpile-only', '--prefer-ts-exts', 'projenrc/readme-snippets.ts']],
    ['type check (tsc -p tsconfig.dev.json, snippets included)', ['tsc', '-p', 'tsconfig.dev.json']],
    ['jest --ci', ['jest', '--ci']],
    ['eslint (no --fix)', tasks.eslint.steps[0].execArgs],
  ];
  log('## Test suite');
  log();
  log(`\`npm test\` runs these steps in order; each is timed once here, as its own process, on the machine above (load average ${os.loadavg()[0].toFixed(1)} when they started). The bar is 5 minutes in all.`);
  log();
  log('| step | seconds |');
  log('|---|---:|');
  let total = 0;
  for (const [label, args] of steps) {
    const start = Date.now();
    const run = spawnSync('npx', args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...tasks.eslint.env } });
    const seconds = (Date.now() - start) / 1000;
    if (run.status !== 0) {
      throw new Error(`${label} failed (exit ${run.status}): ${run.stderr.toString().slice(-2000)}`);
    }
    total += seconds;
    log(`| ${label} | ${seconds.toFixed(0)} |`);
  }
  log(`| **npm test in all** | **${total.toFixed(0)}** |`);
}

main();
