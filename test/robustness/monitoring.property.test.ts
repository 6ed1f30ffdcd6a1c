import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as fc from 'fast-check';
import { Broken, broken, expectValidationErrorNaming, runs, stringAs, thrownBy, valueKindArb } from './arbitraries';
import { SageMakerEnvironment, SageMakerSecurityMonitoring, SageMakerSecurityMonitoringProps, SageMakerWorkloadRole } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SageMakerSecurityMonitoring: random valid prop combinations synthesize
// with zero unacknowledged findings; random invalid ones fail with a ValidationError that names the prop.

const emailArb = fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/), fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.constantFrom('com', 'org', 'co.uk', 'io'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);

const validMonitoringProps = fc.record({
  /** 'default': the stack's environment; 'named': an environment of that name; 'standalone': only a key, no environment (and no trail). */
  mode: fc.constantFrom('default', 'named', 'standalone'),
  environmentName: fc.stringMatching(/^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/).filter((n) => n.length <= 32),
  region: fc.constantFrom(undefined, 'us-east-1', 'eu-west-1'),
  watchedRoles: fc.array(fc.constantFrom('workload', 'arn', 'name'), { maxLength: 3 }),
  alertOnReadOnlyEvents: fc.option(fc.boolean(), { nil: undefined }),
  alertEmails: fc.option(fc.uniqueArray(fc.tuple(emailArb, valueKindArb), { maxLength: 3, selector: ([e]) => e }), { nil: undefined }),
  trail: fc.option(fc.boolean(), { nil: undefined }),
  configRules: fc.option(fc.boolean(), { nil: undefined }),
}).filter((p) => !p.trail || p.mode !== 'standalone');

type ValidMonitoringProps = typeof validMonitoringProps extends fc.Arbitrary<infer T> ? T : never;

function monitoringProps(stack: Stack, p: ValidMonitoringProps): SageMakerSecurityMonitoringProps {
  return {
    environment: p.mode === 'named' ? new SageMakerEnvironment(stack, 'Env', { environmentName: p.environmentName }) : undefined,
    encryptionKey: p.mode === 'standalone' ? new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true }) : undefined,
    watchedRoles: p.watchedRoles.map((kind, i): iam.IRole => {
      switch (kind) {
        case 'workload': return new SageMakerWorkloadRole(stack, `Watched${i}`);
        case 'arn': return iam.Role.fromRoleArn(stack, `WatchedArn${i}`, `arn:aws:iam::123456789012:role/team-${i}`);
        default: return iam.Role.fromRoleName(stack, `WatchedName${i}`, `team-${i}`);
      }
    }),
    alertOnReadOnlyEvents: p.alertOnReadOnlyEvents,
    alertEmails: p.alertEmails?.map(([email, kind]) => stringAs(stack, kind, email)),
    trail: p.trail,
    configRules: p.configRules,
  };
}

describe('property: valid SageMakerSecurityMonitoring props', () => {
  test('synthesize with zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    fc.assert(
      fc.property(validMonitoringProps, (p) => {
        const stack = newTestStack('TestStack', p.region ? { env: { account: '123456789012', region: p.region } } : undefined);
        new SageMakerSecurityMonitoring(stack, 'Mon', monitoringProps(stack, p));
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      { numRuns: runs(8) },
    );
  });
});


const invalidMonitoringProps: fc.Arbitrary<Broken<void>> = fc.oneof(
  broken(fc.oneof(fc.constantFrom('secops', 'a@b', '@example.com', 'a b@example.com', '', 'a@@b.co', 'secops@example'), fc.stringMatching(/^[a-z]{1,10}$/)),
    'alertEmails', (email, stack) => new SageMakerSecurityMonitoring(stack, 'Mon', { alertEmails: ['ok@example.com', email] })),
  broken(emailArb, 'alertEmails', (email, stack) => new SageMakerSecurityMonitoring(stack, 'Mon', { alertEmails: [email, email.toUpperCase()] })),
  // Environment names that would make an invalid trail name are refused by the environment itself.
  broken(fc.constantFrom('-', '-ml', 'ml-', 'ml--prod'), 'environmentName',
    (environmentName, stack) => new SageMakerSecurityMonitoring(stack, 'Mon', { trail: true, environment: new SageMakerEnvironment(stack, 'Env', { environmentName }) })),
  broken(fc.constant(true), 'trail',
    (trail, stack) => new SageMakerSecurityMonitoring(stack, 'Mon', { trail, encryptionKey: new kms.Key(stack, 'K', { enableKeyRotation: true }) })),
  broken(fc.constant('standalone'), 'environment', (_, stack) => {
    const encryptionKey = new kms.Key(stack, 'K', { enableKeyRotation: true });
    new SageMakerSecurityMonitoring(stack, 'Mon', { encryptionKey });
    new SageMakerSecurityMonitoring(stack, 'Mon2', { encryptionKey });
  }),
  broken(fc.record({ trail: fc.boolean(), explicit: fc.boolean() }), 'environment', ({ trail, explicit }, stack) => {
    const environment = explicit ? SageMakerEnvironment.of(stack) : undefined;
    new SageMakerSecurityMonitoring(stack, 'Mon', { trail, environment });
    new SageMakerSecurityMonitoring(stack, 'Mon2', { trail, environment });
  }),
);

describe('property: invalid SageMakerSecurityMonitoring props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidMonitoringProps, ([prop, , build]) => {
        expectValidationErrorNaming(thrownBy(() => build(newTestStack())), prop);
      }),
      { numRuns: runs(60) },
    );
  });

  test('two environments in one stack may each have their monitoring', () => {
    const stack = newTestStack();
    const a = new SageMakerEnvironment(stack, 'A', { environmentName: 'ml-a' });
    const b = new SageMakerEnvironment(stack, 'B', { environmentName: 'ml-b' });
    new SageMakerSecurityMonitoring(stack, 'MonA', { environment: a });
    expect(() => new SageMakerSecurityMonitoring(stack, 'MonB', { environment: b })).not.toThrow();
  });
});
