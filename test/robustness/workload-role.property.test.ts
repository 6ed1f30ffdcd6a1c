import { Duration, Errors, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import { Broken, broken, expectValidationErrorNaming, numberAs, prefixArb, runs, stringAs, thrownBy, valueKindArb } from './arbitraries';
import { SageMakerEnvironment, SageMakerWorkloadRole, SageMakerWorkloadRoleProps } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SageMakerWorkloadRole: random valid prop combinations (and any number of
// grants) synthesize with zero unacknowledged findings; random invalid ones fail with a
// ValidationError that names the prop.

/** Text IAM accepts in a role description: tab, newline, carriage return, printable ASCII and Latin-1. */
const descriptionChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0xa1, max: 0xff }),
  fc.constantFrom(0x09, 0x0a, 0x0d),
).map((c) => String.fromCharCode(c));
const descriptionArb = fc.oneof(
  fc.array(descriptionChar, { maxLength: 120 }).map((cs) => cs.join('')),
  fc.constant('d'.repeat(1000)),
);
const roleNameArb = fc.oneof(fc.stringMatching(/^[\w+=,.@-]{1,64}$/), fc.constant('r'.repeat(64)));

const validRoleProps = fc.record({
  description: fc.option(fc.tuple(descriptionArb, valueKindArb), { nil: undefined }),
  roleName: fc.option(fc.tuple(roleNameArb, valueKindArb), { nil: undefined }),
  maxSessionSeconds: fc.option(fc.tuple(fc.oneof(fc.constantFrom(3600, 43200), fc.integer({ min: 3600, max: 43200 })), valueKindArb),
    { nil: undefined }),
  assumedBy: fc.constantFrom(undefined, 'states', 'account', 'composite'),
  /** Prefix grants on the environment's buckets: enough of them to fill several managed policies. */
  grants: fc.array(fc.tuple(prefixArb, fc.constantFrom('read', 'write', 'readWrite'), fc.boolean()), { maxLength: 60 }),
});

type ValidRoleProps = typeof validRoleProps extends fc.Arbitrary<infer T> ? T : never;

function roleProps(stack: Stack, p: ValidRoleProps): SageMakerWorkloadRoleProps {
  const principals: Record<string, () => iam.IPrincipal> = {
    states: () => new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    account: () => new iam.AccountPrincipal('123456789012'),
    composite: () => new iam.CompositePrincipal(new iam.ServicePrincipal('sagemaker.amazonaws.com'), new iam.ServicePrincipal('states.amazonaws.com')),
  };
  return {
    description: p.description === undefined ? undefined : stringAs(stack, p.description[1], p.description[0]),
    roleName: p.roleName === undefined ? undefined : stringAs(stack, p.roleName[1], p.roleName[0]),
    maxSessionDuration: p.maxSessionSeconds === undefined ? undefined
      : Duration.seconds(numberAs(stack, p.maxSessionSeconds[1], p.maxSessionSeconds[0])),
    assumedBy: p.assumedBy === undefined ? undefined : principals[p.assumedBy](),
  };
}

describe('property: valid SageMakerWorkloadRole props', () => {
  test('synthesize with zero unacknowledged findings, every permission in managed policies under the IAM limit', () => {
    fc.assert(
      fc.property(validRoleProps, (p) => {
        const stack = newTestStack();
        const env = SageMakerEnvironment.of(stack);
        const role = new SageMakerWorkloadRole(stack, 'Role', roleProps(stack, p));
        for (const [prefix, access, data] of p.grants) {
          const bucket = data ? env.dataBucket : env.artifactsBucket;
          if (access === 'read') bucket.grantRead(role, prefix);
          else if (access === 'write') bucket.grantWrite(role, prefix);
          else bucket.grantReadWrite(role, prefix);
        }
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
        const template = Template.fromStack(stack);
        const ownPolicies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) => id.startsWith('RolePermissions'));
        expect(ownPolicies.length).toBe(p.grants.length === 0 ? 0 : role.permissionPolicies.length);
        expect(ownPolicies.length).toBeLessThanOrEqual(10);
        expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toEqual([]);
      }),
      { numRuns: runs(8) },
    );
  });

  test('more grants than ten managed policies hold fail with a ValidationError, never another exception', () => {
    fc.assert(
      fc.property(fc.integer({ min: 600, max: 800 }), (n) => {
        const stack = newTestStack();
        const role = new SageMakerWorkloadRole(stack, 'Role');
        const error = thrownBy(() => {
          for (let i = 0; i < n; i++) {
            role.addToPrincipalPolicy(new iam.PolicyStatement({
              actions: ['s3:GetObject'],
              resources: [`arn:aws:s3:::bucket-with-a-long-name-for-sizing/datasets/team-${i}/part-of-a-long-prefix/*`],
            }));
          }
        });
        expect(Errors.isValidationError(error)).toBe(true);
        expect((error as Error).message).toMatch(/more than 10 managed policies/);
      }),
      { numRuns: runs(3) },
    );
  });
});


const invalidRoleProps: fc.Arbitrary<Broken<SageMakerWorkloadRoleProps>> = fc.oneof(
  broken(fc.oneof(fc.constantFrom('', 'a b', 'role/name', 'r'.repeat(65), 'rôle', 'a:b'), fc.stringMatching(/^[a-z]{1,10}[#%&*()[\]{}]$/)), 'roleName',
    (roleName) => ({ roleName })),
  broken(fc.oneof(fc.constantFrom('d'.repeat(1001), 'emoji 😀', 'euro €', 'cjk 中文', 'nul \u0000', 'bell \u0007'), fc.string({ minLength: 1001, maxLength: 1200 })),
    'description', (description) => ({ description })),
  broken(fc.oneof(fc.integer({ min: 1, max: 3599 }), fc.integer({ min: 43201, max: 1_000_000 })), 'maxSessionDuration',
    (s) => ({ maxSessionDuration: Duration.seconds(s) })),
  broken(fc.integer({ min: 3_600_001, max: 43_199_999 }).filter((ms) => ms % 1000 !== 0), 'maxSessionDuration',
    (ms) => ({ maxSessionDuration: Duration.millis(ms) })),
  broken(fc.integer({ min: 1, max: 12 }), 'maxSessionDuration', (h) => ({ maxSessionDuration: Duration.hours(Lazy.number({ produce: () => h })) })),
);

describe('property: invalid SageMakerWorkloadRole props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidRoleProps, ([prop, , props]) => {
        const stack = newTestStack();
        expectValidationErrorNaming(thrownBy(() => new SageMakerWorkloadRole(stack, 'Role', props(stack))), prop);
      }),
      { numRuns: runs(80) },
    );
  });
});
