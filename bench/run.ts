/**
 * Synth speed and scale benchmarks (not timed tests): `npm run bench` writes bench/RESULTS.md.
 *
 * - synth time of the main example, with and without the five compliance packs (median of runs)
 * - scale: an environment with 1, 5, 20 and 50 workloads (each a role with prefix grants on both
 *   buckets and its own security group registered for endpoints): resources, template bytes,
 *   synth time, largest managed policy against the IAM limit, and the growth per workload
 * - scale: an environment with 1, 5 and 20 notebooks; a Studio domain with 10, 50 and 200 users
 * - cost: interface endpoints and KMS keys per environment, at list prices
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { studioStack } from './studio';
import { SecureMlPlatformStack } from '../examples/secure-ml-platform';
import { SageMakerCompliance, SageMakerEndpointService, SageMakerEnvironment, SageMakerWorkloadRole, SecureNotebook } from '../lib';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RESOURCE_LIMIT = 500;
const TEMPLATE_BYTES_LIMIT = 1_000_000;
const MANAGED_POLICY_LIMIT = 6144;
// us-east-1 list prices (2026): interface endpoint $0.01 per AZ-hour, KMS key $1 per month.
const ENDPOINT_AZ_HOUR_USD = 0.01;
const HOURS_PER_MONTH = 730;
const KMS_KEY_MONTH_USD = 1;

interface Measure {
  readonly label: string;
  readonly ms: number;
  readonly resources: number;
  readonly bytes: number;
  readonly largestPolicy: number;
  readonly interfaceEndpoints: number;
  readonly keys: number;
  readonly azs: number;
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function measure(label: string, build: (app: App) => void, withPacks: boolean): Measure {
  const times: number[] = [];
  let last: Measure | undefined;
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
    let resources = 0;
    let bytes = 0;
    let largestPolicy = 0;
    let interfaceEndpoints = 0;
    let keys = 0;
    let azs = 0;
    for (const s of assembly.stacks) {
      const text = fs.readFileSync(path.join(assembly.directory, s.templateFile), 'utf-8');
      bytes += Buffer.byteLength(text);
      const template = JSON.parse(text);
      for (const r of Object.values<any>(template.Resources ?? {})) {
        resources++;
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
      }
    }
    last = { label, ms: 0, resources, bytes, largestPolicy, interfaceEndpoints, keys, azs };
  }
  return { ...last!, ms: median(times) };
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

function monthlyCost(m: Measure): number {
  // subnets = AZs here: one isolated subnet per AZ
  return m.interfaceEndpoints * m.azs * ENDPOINT_AZ_HOUR_USD * HOURS_PER_MONTH + m.keys * KMS_KEY_MONTH_USD;
}

function main(): void {
  const lines: string[] = [];
  const log = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  log('# Benchmark results');
  log();
  log(`Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores; median of ${RUNS} runs each.`);
  log('Synth time is in-process `app.synth()` (no CLI start-up, no ts-node compile).');
  log();

  log('## Main example');
  log();
  const example = (app: App) => new SecureMlPlatformStack(app, 'SecureMlPlatform');
  // Warm up the JIT and the validation engine (WebAssembly) before anything is measured.
  measure('warm-up', workloads(5), true);
  const bare = measure('example, library only', example, false);
  const packs = measure('example, five packs + CloudFormation Validate', example, true);
  log('| run | synth ms | resources | template bytes |');
  log('|---|---:|---:|---:|');
  for (const m of [bare, packs]) {
    log(`| ${m.label} | ${m.ms.toFixed(0)} | ${m.resources} | ${m.bytes} |`);
  }
  log();
  log(`Validation overhead: ${(packs.ms / bare.ms).toFixed(2)}x the synth time of the library alone.`);
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
  log('Each notebook: instance, lifecycle configuration, notebook role and job role (with their managed policies), two security groups and their rules.');
  log();
  log(`| notebooks | synth ms (with packs) | resources (limit ${RESOURCE_LIMIT}) | template bytes | largest managed policy (limit ${MANAGED_POLICY_LIMIT}) | interface endpoints | est. monthly baseline USD |`);
  log('|---:|---:|---:|---:|---:|---:|---:|');
  const nbScale: Array<[number, Measure]> = [];
  for (const n of [1, 5, 20]) {
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

  log('## Cost of the example environment');
  log();
  log(`Interface endpoints: ${packs.interfaceEndpoints} (x ${packs.azs} AZs at $${ENDPOINT_AZ_HOUR_USD}/AZ-hour), KMS keys: ${packs.keys} ($${KMS_KEY_MONTH_USD}/month each): about $${monthlyCost(packs).toFixed(2)} per month before data processing and storage.`);

  fs.writeFileSync(path.join(__dirname, 'RESULTS.md'), lines.join('\n') + '\n');
}

main();
