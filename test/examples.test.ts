import { App } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildAllApp } from '../examples/model-lifecycle';
import { buildOrganizationApp } from '../examples/organization-rollout';
import { buildApp, scpDocumentsOf, SecureMlPlatformStack } from '../examples/secure-ml-platform';
import { SageMakerGuardrails, SageMakerStackSet } from '../lib';
import { declaredAcknowledgements, unneededAcknowledgements } from './helpers/acknowledgements';
import { collectFindings, formatFindings, newTestApp } from './helpers/compliance';
import {
  templateFindings, templatesOf, unneededTemplateAcknowledgements, WrittenAcknowledgement, writtenAcknowledgements,
} from './helpers/template-scan';
import { withStatedReasons } from '../lib/nag/acknowledgement-writer';

// Every example app, synthesized exactly as `npx cdk synth` runs it (packs registered by the app).
const EXAMPLES: Array<[string, (app: App) => App]> = [
  ['secure-ml-platform', buildAllApp],
  ['organization-rollout', buildOrganizationApp],
];

/** The app and the apps of the stacks its StackSets roll out (synthesized separately, same packs). */
function appsOf(app: App): App[] {
  const members = app.node.findAll().filter((c): c is SageMakerStackSet => c instanceof SageMakerStackSet)
    .map((s) => s.rolledOutStack.node.root as App);
  return [app, ...members];
}

/** The written acknowledgements with "same reason as" references spelled out, per resource. */
function statedReasons(written: WrittenAcknowledgement[]): WrittenAcknowledgement[] {
  const carriers = [...new Set(written.map((w) => `${w.template}\u0000${w.logicalId ?? ''}`))];
  return carriers.flatMap((key) => {
    const own = written.filter((w) => `${w.template}\u0000${w.logicalId ?? ''}` === key);
    return withStatedReasons(own).map((r, i) => ({ ...own[i], reason: r.reason }));
  });
}

describe.each(EXAMPLES)('example %s', (_name, build) => {
  // Synthesized once for the checks that only read it (the unneeded-acknowledgement check strips
  // the tree, so it builds its own).
  let apps: App[];
  beforeAll(() => {
    apps = appsOf(build(newTestApp()));
    for (const app of apps) {
      app.synth();
    }
  });

  test('synthesizes with zero unacknowledged findings under all five packs and CloudFormation Validate', () => {
    // Rolled-out stacks are checked when the StackSet synthesizes them (a finding throws there);
    // their validation reports must be clean as well.
    for (const app of apps) {
      expect(formatFindings(collectFindings(app))).toBe('');
    }
  });

  test('the templates as written have zero unacknowledged findings, and every acknowledgement they carry is needed there', () => {
    for (const app of apps) {
      const assembly = new CloudAssembly(app.outdir);
      expect(templateFindings(assembly)).toEqual([]);
      expect(unneededTemplateAcknowledgements(assembly)).toEqual([]);
    }
  });

  test('every acknowledgement silences a real finding and carries a specific reason', () => {
    const fresh = appsOf(build(newTestApp()));
    const declared = fresh.flatMap((a) => declaredAcknowledgements(a));
    expect(declared.length).toBeGreaterThan(0);
    for (const a of declared) {
      expect(a.reason.length).toBeGreaterThan(60);
    }
    for (const a of fresh) {
      expect(unneededAcknowledgements(a)).toEqual([]);
    }
  });

  test('every acknowledgement is written into the templates with its reason', () => {
    for (const app of apps) {
      const declared = declaredAcknowledgements(app);
      const written = templatesOf(new CloudAssembly(app.outdir)).flatMap(({ file, name }) => writtenAcknowledgements(file, name));
      for (const a of declared) {
        const carriers = statedReasons(written).filter((w) => w.id === a.id).map((w) => w.reason);
        expect([a.id, carriers.some((r) => r.includes(a.reason.trim().replace(/\.$/, '')))]).toEqual([a.id, true]);
      }
    }
  });
});

test('the main example writes the S3 replication acknowledgement into its template', () => {
  const assembly = buildApp(newTestApp()).synth();
  const text = assembly.stacks.map((s) => JSON.stringify(s.template)).join('\n');
  expect(text).toContain('"cdk_nag":{"rules_to_suppress":[{"id":"HIPAA.Security-S3BucketReplicationEnabled"');
});

test('the main example provides its SCP documents: the deny statements of its guardrails, each under 5,120 characters once deployed', () => {
  const app = buildApp(newTestApp());
  const stack = app.node.findAll().find((c): c is SecureMlPlatformStack => c instanceof SecureMlPlatformStack)!;
  const docs = scpDocumentsOf(stack) as Array<{ Statement: Array<{ Sid: string; Effect: string }> }>;
  expect(docs.length).toBeGreaterThanOrEqual(1);
  expect(docs.flatMap((d) => d.Statement.map((st) => st.Sid))).toEqual(stack.guardrails.statementIds);
  expect(docs.flatMap((d) => d.Statement.map((st) => st.Effect))).toEqual(stack.guardrails.statementIds.map(() => 'Deny'));
  // placeholders stand for IDs of at most 24 characters and a key ARN of at most 87: size the deployed form
  for (const d of docs) {
    const deployed = JSON.stringify(d).replace(/"<EnvironmentKey[0-9A-F]{8}\.Arn>"/g, `"${'k'.repeat(87)}"`).replace(/"<[A-Za-z0-9.]+>"/g, `"${'x'.repeat(24)}"`);
    expect(deployed.length).toBeLessThanOrEqual(SageMakerGuardrails.SCP_SIZE_LIMIT);
  }
});
