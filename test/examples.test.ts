import { buildApp } from '../examples/secure-ml-platform';
import { declaredAcknowledgements, unneededAcknowledgements } from './helpers/acknowledgements';
import { collectFindings, formatFindings, newTestApp } from './helpers/compliance';

// Every example app, synthesized exactly as `npx cdk synth` runs it (packs registered by the app).
const EXAMPLES: Array<[string, typeof buildApp]> = [
  ['secure-ml-platform', buildApp],
];

describe.each(EXAMPLES)('example %s', (_name, build) => {
  test('synthesizes with zero unacknowledged findings under all five packs and CloudFormation Validate', () => {
    const app = build(newTestApp());
    expect(formatFindings(collectFindings(app))).toBe('');
  });

  test('every acknowledgement silences a real finding and carries a specific reason', () => {
    const app = build(newTestApp());
    const declared = declaredAcknowledgements(app);
    expect(declared.length).toBeGreaterThan(0);
    for (const a of declared) {
      expect(a.reason.length).toBeGreaterThan(60);
    }
    expect(unneededAcknowledgements(app)).toEqual([]);
  });

  test('acknowledgements are written into the templates', () => {
    const app = build(newTestApp());
    const assembly = app.synth();
    const text = assembly.stacks.map((s) => JSON.stringify(s.template)).join('\n');
    expect(text).toContain('"cdk_nag":{"rules_to_suppress":[{"id":"HIPAA.Security-S3BucketReplicationEnabled"');
  });
});
