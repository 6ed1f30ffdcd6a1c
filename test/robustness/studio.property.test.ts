import { App, Duration, Errors, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import { Broken, broken, expectValidationErrorNaming, invalidSageMakerNameArb, literalOrLazyArb, numberAs, runs, sageMakerNameArb, stringAs, thrownBy, ValueKind, valueKindArb } from './arbitraries';
import { SageMakerWorkloadRole, SecureStudioDomain, SecureStudioDomainProps, SecureUserProfile, StudioAuthMode, UserProfileOptions } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SecureStudioDomain and its user profiles: random valid prop combinations
// synthesize with zero unacknowledged findings; random invalid ones fail with a ValidationError
// that names the prop.

/** Concrete Studio instance types (all in the CloudFormation enum of the default resource spec). */
const STUDIO_TYPES = ['ml.t3.medium', 'ml.t3.large', 'ml.t3.xlarge', 'ml.m5.large', 'ml.m5.xlarge', 'ml.m5.2xlarge', 'ml.c5.large', 'ml.c5.xlarge', 'ml.g5.xlarge', 'ml.r5.large', 'ml.m6i.large'];
/** Family patterns users may be allowed. */
const STUDIO_PATTERNS = ['ml.t3.*', 'ml.m5.*', 'ml.c5.*', 'ml.g5.*', 'ml.g4dn.*', 'ml.p3dn.*'];

const tagKeyArb = fc.stringMatching(/^[A-Za-z0-9 _.:/=+\-@]{1,128}$/).filter((k) => !k.toLowerCase().startsWith('aws:'));
/** Shell lines that are not the generated script's markers. */
const scriptLineArb = fc.oneof(
  fc.constantFrom('pip config set global.index-url https://pypi.internal.example.com/simple', 'echo "ready"', 'export FOO=bar', '# comment', ''),
  fc.stringMatching(/^echo [a-z0-9 ]{0,30}$/),
);

const validStudioProps = fc.record({
  domainName: fc.option(fc.tuple(sageMakerNameArb(63), valueKindArb), { nil: undefined }),
  sso: fc.boolean(),
  // 0 (idle shutdown off) only literally: a token timeout keeps idle shutdown on.
  idleMinutes: fc.option(fc.tuple(fc.oneof(fc.constantFrom(0, 60, 525_600), fc.integer({ min: 60, max: 525_600 })), valueKindArb)
    .filter(([m, kind]) => m > 0 || kind === 'literal'), { nil: undefined }),
  allowed: fc.option(fc.uniqueArray(fc.oneof(fc.constantFrom(...STUDIO_TYPES), fc.constantFrom(...STUDIO_PATTERNS), fc.constant('system')), { minLength: 1, maxLength: 8 }), { nil: undefined }),
  allowedToken: literalOrLazyArb,
  defaultIndex: fc.option(fc.nat(), { nil: undefined }),
  requiredAppTagKeys: fc.option(fc.uniqueArray(tagKeyArb, { maxLength: 3 }), { nil: undefined }),
  enableNotebookOutputSharing: fc.option(fc.boolean(), { nil: undefined }),
  allowDockerAccess: fc.option(fc.boolean(), { nil: undefined }),
  removalPolicy: fc.option(fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE),
    { nil: undefined }),
  extraLifecycleCommands: fc.option(fc.array(fc.tuple(scriptLineArb, literalOrLazyArb), { maxLength: 4 }), { nil: undefined }),
  users: fc.uniqueArray(fc.record({
    name: sageMakerNameArb(63),
    /** 'own': a role of its own; 'shared': an existing role shared with other profiles; 'imported': a role imported by ARN. */
    role: fc.constantFrom('own', 'own', 'shared', 'imported'),
    ssoKind: valueKindArb,
    /** Created with `new SecureUserProfile` (the name may then be a token) instead of `addUserProfile`. */
    direct: fc.option(valueKindArb, { nil: undefined }),
  }), { maxLength: 4, selector: (u) => u.name.toLowerCase() }),
});

type ValidStudioProps = typeof validStudioProps extends fc.Arbitrary<infer T> ? T : never;

/** Concrete types the default may be: those allowed literally or by a pattern. */
function defaultCandidates(allowed: string[]): string[] {
  return STUDIO_TYPES.filter((t) => allowed.some((a) => a === t || (a.endsWith('*') && t.startsWith(a.slice(0, -1)))));
}

function studioProps(stack: Stack, p: ValidStudioProps): SecureStudioDomainProps {
  const allowed = p.allowed;
  const candidates = allowed ? defaultCandidates(allowed) : ['ml.t3.medium'];
  const defaultInstanceType = p.defaultIndex === undefined || candidates.length === 0 ? undefined : candidates[p.defaultIndex % candidates.length];
  return {
    domainName: p.domainName === undefined ? undefined : stringAs(stack, p.domainName[1], p.domainName[0]),
    authMode: p.sso ? StudioAuthMode.SSO : undefined,
    idleTimeout: p.idleMinutes === undefined ? undefined : Duration.minutes(numberAs(stack, p.idleMinutes[1], p.idleMinutes[0])),
    allowedInstanceTypes: allowed?.map((t, i) => (i === 0 ? stringAs(stack, p.allowedToken, t) : t)),
    defaultInstanceType,
    requiredAppTagKeys: p.requiredAppTagKeys,
    enableNotebookOutputSharing: p.enableNotebookOutputSharing,
    allowDockerAccess: p.allowDockerAccess,
    removalPolicy: p.removalPolicy,
    extraLifecycleCommands: p.extraLifecycleCommands?.map(([line, kind]) => stringAs(stack, kind, line)),
  };
}

/** A valid props record whose default instance type is allowed (or left to the default, which must then be allowed). */
const validStudio = validStudioProps.filter((p) => {
  if (!p.allowed) return true;
  const candidates = defaultCandidates(p.allowed);
  return p.defaultIndex === undefined ? candidates.includes('ml.t3.medium') : candidates.length > 0;
});

describe('property: valid SecureStudioDomain props and user profiles', () => {
  test('synthesize with zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    fc.assert(
      fc.property(validStudio, (p) => {
        const stack = newTestStack();
        const domain = new SecureStudioDomain(stack, 'Studio', studioProps(stack, p));
        const sharedRole = new SageMakerWorkloadRole(stack, 'SharedRole');
        p.users.forEach((u, i) => {
          const options: UserProfileOptions = {
            ssoUserName: p.sso ? stringAs(stack, u.ssoKind, `${u.name}@example.com`) : undefined,
            role: u.role === 'shared' ? sharedRole
              : u.role === 'imported' ? iam.Role.fromRoleArn(stack, `Imported${i}`, `arn:aws:iam::123456789012:role/studio-${i}`)
                : undefined,
          };
          if (u.direct === undefined) {
            domain.addUserProfile(u.name, options);
          } else {
            new SecureUserProfile(stack, `Direct${i}`, { ...options, domain, userProfileName: stringAs(stack, u.direct, u.name) });
          }
        });
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      { numRuns: runs(8) },
    );
  });
});

const domainWith = <T>(arb: fc.Arbitrary<T>, prop: string, props: (value: T, stack: Stack) => SecureStudioDomainProps): fc.Arbitrary<Broken<void>> =>
  broken(arb, prop, (v, stack) => { new SecureStudioDomain(stack, 'Studio', props(v, stack)); });

const invalidStudioProps: fc.Arbitrary<Broken<void>> = fc.oneof(
  domainWith(invalidSageMakerNameArb(63), 'domainName', (domainName) => ({ domainName })),
  domainWith(fc.oneof(fc.integer({ min: 1, max: 59 }), fc.integer({ min: 525_601, max: 10_000_000 })), 'idleTimeout',
    (m) => ({ idleTimeout: Duration.minutes(m) })),
  domainWith(fc.integer({ min: 1, max: 10_000 }).filter((s) => s % 60 !== 0), 'idleTimeout', (s) => ({ idleTimeout: Duration.seconds(s + 3600) })),
  domainWith(fc.constantFrom<ValueKind>('lazy', 'parameter'), 'idleTimeout', (kind, stack) => ({ idleTimeout: Duration.hours(numberAs(stack, kind, 2)) })),
  domainWith(fc.constant(0), 'allowedInstanceTypes', () => ({ allowedInstanceTypes: [] })),
  domainWith(fc.constantFrom('ml.t2.medium', 'ml.m4.*', 'ml.p3.*', 'm5.large', 'ml.*', '*', 'ml.m5.x*', 'ML.T3.MEDIUM', ''), 'allowedInstanceTypes',
    (t) => ({ allowedInstanceTypes: ['ml.t3.medium', t] })),
  domainWith(fc.constantFrom('ml.m5.large', 'ml.g5.xlarge', 'ml.c5.xlarge'), 'defaultInstanceType',
    (defaultInstanceType) => ({ allowedInstanceTypes: ['ml.t3.medium', 'ml.t3.large'], defaultInstanceType })),
  domainWith(fc.constantFrom('ml.m5.*', 'system', 'ml.t2.medium', 'm5.large', ''), 'defaultInstanceType',
    (defaultInstanceType) => ({ allowedInstanceTypes: ['ml.m5.*', 'system'], defaultInstanceType })),
  domainWith(fc.constantFrom('bad#key', '', 'k'.repeat(129), 'aws:createdBy', 'AWS:x', 'a\nb'), 'requiredAppTagKeys', (key) => ({ requiredAppTagKeys: [key] })),
  domainWith(fc.constantFrom<ValueKind>('lazy', 'parameter'), 'requiredAppTagKeys', (kind, stack) => ({ requiredAppTagKeys: [stringAs(stack, kind, 'team')] })),
  domainWith(fc.constantFrom('SDKCONFIG', ' WHOAMI ', 'echo a\nSDKCONFIG', 'WHOAMI\necho b'), 'extraLifecycleCommands', (line) => ({ extraLifecycleCommands: [line] })),
  domainWith(fc.integer({ min: 13_000, max: 20_000 }), 'extraLifecycleCommands', (n) => ({ extraLifecycleCommands: [`echo ${'x'.repeat(n)}`] })),
  domainWith(fc.constant(RemovalPolicy.SNAPSHOT), 'removalPolicy', (removalPolicy) => ({ removalPolicy })),
  broken(invalidSageMakerNameArb(63), 'userProfileName', (name, stack) => new SecureStudioDomain(stack, 'Studio').addUserProfile(name)),
  broken(invalidSageMakerNameArb(63), 'userProfileName',
    (name, stack) => new SecureUserProfile(stack, 'U', { domain: new SecureStudioDomain(stack, 'Studio'), userProfileName: name })),
  broken(fc.constantFrom<ValueKind>('lazy', 'parameter'), 'userProfileName',
    (kind, stack) => new SecureStudioDomain(stack, 'Studio').addUserProfile(stringAs(stack, kind, 'alice'))),
  broken(sageMakerNameArb(63), 'userProfileName', (name, stack) => {
    const domain = new SecureStudioDomain(stack, 'Studio');
    domain.addUserProfile(name);
    new SecureUserProfile(stack, 'Again', { domain, userProfileName: name.toUpperCase() === name ? name.toLowerCase() : name.toUpperCase() });
  }),
  broken(sageMakerNameArb(63), 'ssoUserName', (name, stack) => new SecureStudioDomain(stack, 'Studio', { authMode: StudioAuthMode.SSO }).addUserProfile(name)),
  broken(sageMakerNameArb(63), 'ssoUserName', (name, stack) => new SecureStudioDomain(stack, 'Studio').addUserProfile(name, { ssoUserName: name })),
);

describe('property: invalid SecureStudioDomain props and user profiles', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidStudioProps, ([prop, , build]) => {
        expectValidationErrorNaming(thrownBy(() => build(newTestStack())), prop);
      }),
      { numRuns: runs(120) },
    );
  });

  test('allowlists too long for the shared user policy fail at synth with an error naming `allowedInstanceTypes`', () => {
    fc.assert(
      fc.property(fc.integer({ min: 250, max: 400 }), (n) => {
        const stack = newTestStack();
        const allowedInstanceTypes = Array.from({ length: n }, (_, i) => `ml.m5.${i + 1}xlarge`);
        new SecureStudioDomain(stack, 'Studio', { allowedInstanceTypes, defaultInstanceType: 'ml.m5.1xlarge' });
        const error = thrownBy(() => (stack.node.root as App).synth());
        expect(Errors.isValidationError(error)).toBe(true);
        expect((error as Error).message).toContain('`allowedInstanceTypes`');
      }),
      { numRuns: runs(2) },
    );
  });
});
