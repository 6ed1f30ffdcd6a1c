import { App } from 'aws-cdk-lib';
import { buildOrganizationApp } from '../examples/organization-rollout';
import { buildApp, scpDocumentsOf, SecureMlPlatformStack } from '../examples/secure-ml-platform';
import { SageMakerGuardrails, SageMakerStackSet } from '../lib';
import { declaredAcknowledgements, unneededAcknowledgements } from './helpers/acknowledgements';
import { collectFindings, formatFindings, newTestApp } from './helpers/compliance';

// Every example app, synthesized exactly as `npx cdk synth` runs it (packs registered by the app).
const EXAMPLES: Array<[string, (app: App) => App]> = [
  ['secure-ml-platform', buildApp],
  ['organization-rollout', buildOrganizationApp],
];

/** The app and the apps of the stacks its StackSets roll out (synthesized separately, same packs). */
function appsOf(app: App): App[] {
  const members = app.node.findAll().filter((c): c is SageMakerStackSet => c instanceof SageMakerStackSet)
    .map((s) => s.rolledOutStack.node.root as App);
  return [app, ...members];
}

describe.each(EXAMPLES)('example %s', (_name, build) => {
  test('synthesizes with zero unacknowledged findings under all five packs and CloudFormation Validate', () => {
    const app = build(newTestApp());
    expect(formatFindings(collectFindings(app))).toBe('');
    // Rolled-out stacks are checked when the StackSet synthesizes them (a finding throws there);
    // their validation reports must be clean as well.
    for (const member of appsOf(app).slice(1)) {
      expect(formatFindings(collectFindings(member))).toBe('');
    }
  });

  test('every acknowledgement silences a real finding and carries a specific reason', () => {
    const apps = appsOf(build(newTestApp()));
    const declared = apps.flatMap((a) => declaredAcknowledgements(a));
    expect(declared.length).toBeGreaterThan(0);
    for (const a of declared) {
      expect(a.reason.length).toBeGreaterThan(60);
    }
    for (const a of apps) {
      expect(unneededAcknowledgements(a)).toEqual([]);
    }
  });

  test('acknowledgements are written into the templates', () => {
    for (const app of appsOf(build(newTestApp()))) {
      const declared = declaredAcknowledgements(app);
      const assembly = app.synth();
      const text = assembly.stacks.map((s) => JSON.stringify(s.template)).join('\n');
      for (const a of declared) {
        expect(text).toContain(`{"id":"${a.id}","reason":${JSON.stringify(a.reason)}}`);
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
