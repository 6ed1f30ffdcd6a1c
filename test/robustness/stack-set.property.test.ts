import { BootstraplessSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { expectValidationErrorNaming, runs, stringAs, thrownBy, valueKindArb } from './arbitraries';
import { SageMakerGuardrails, SageMakerStackSet, SageMakerStackSetProps } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Random valid SageMakerStackSet props synthesize with zero unacknowledged findings and land in
// the StackSet as given; random invalid ones (one broken prop each) raise a ValidationError naming it.

/** A member stack in an app of its own (one per StackSet), as the construct requires. */
function member(): Stack {
  const stack = new Stack(newTestApp(), 'member', { synthesizer: new BootstraplessSynthesizer() });
  new SageMakerGuardrails(stack, 'Guardrails', { organizationWide: true, permissionsBoundary: false });
  return stack;
}

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'us-gov-west-1', 'ca-central-1'];
const ouArb = fc.oneof(
  fc.tuple(fc.stringMatching(/^[0-9a-z]{4,8}$/), fc.stringMatching(/^[a-z0-9]{8,12}$/)).map(([a, b]) => `ou-${a}-${b}`),
  fc.stringMatching(/^[0-9a-z]{4,8}$/).map((r) => `r-${r}`),
);

const validProps = fc.record({
  ous: fc.uniqueArray(fc.tuple(ouArb, valueKindArb), { minLength: 1, maxLength: 3, selector: ([o]) => o }),
  regions: fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 4 }),
  stackSetName: fc.option(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{0,40}$/), { nil: undefined }),
  autoDeployment: fc.option(fc.boolean(), { nil: undefined }),
  retainStacksOnAccountRemoval: fc.option(fc.boolean(), { nil: undefined }),
  delegatedAdmin: fc.option(fc.boolean(), { nil: undefined }),
  maxConcurrentPercentage: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  failureTolerancePercentage: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
});

describe('property: valid SageMakerStackSet props', () => {
  test('synthesize with zero unacknowledged findings and reach the StackSet unchanged', () => {
    fc.assert(
      fc.property(validProps, (p) => {
        const stack = newTestStack('Management');
        const ous = p.ous.map(([ou, kind]) => stringAs(stack, kind, ou));
        new SageMakerStackSet(stack, 'Rollout', {
          stack: member(),
          organizationalUnitIds: ous,
          regions: p.regions,
          stackSetName: p.stackSetName,
          autoDeployment: p.autoDeployment,
          retainStacksOnAccountRemoval: p.retainStacksOnAccountRemoval,
          delegatedAdmin: p.delegatedAdmin,
          maxConcurrentPercentage: p.maxConcurrentPercentage,
          failureTolerancePercentage: p.failureTolerancePercentage,
        });
        const props = Object.values(Template.fromStack(stack).findResources('AWS::CloudFormation::StackSet'))[0].Properties;
        expect(props.StackInstancesGroup[0].Regions).toEqual(p.regions);
        expect(props.StackInstancesGroup[0].DeploymentTargets.OrganizationalUnitIds).toHaveLength(p.ous.length);
        expect(props.StackSetName).toBe(p.stackSetName ?? 'member');
        expect(props.PermissionModel).toBe('SERVICE_MANAGED');
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      { numRuns: runs(8) },
    );
  });
});

/** One broken prop, and the prop name the error must mention. */
const invalidProps: fc.Arbitrary<[Partial<SageMakerStackSetProps>, string]> = fc.oneof(
  fc.constantFrom('111122223333', 'ou-', 'ou-ab', 'OU-ABCD-12345678', 'root', 'r-')
    .map((ou) => [{ organizationalUnitIds: [ou] }, 'organizationalUnitIds'] as [Partial<SageMakerStackSetProps>, string]),
  fc.constant([{ organizationalUnitIds: [] }, 'organizationalUnitIds'] as [Partial<SageMakerStackSetProps>, string]),
  fc.constantFrom('us-east', 'US-EAST-1', 'useast1', 'eu-west-1a', '')
    .map((region) => [{ regions: [region] }, 'regions'] as [Partial<SageMakerStackSetProps>, string]),
  fc.constantFrom(...REGIONS).map((region) => [{ regions: [region, region] }, 'regions'] as [Partial<SageMakerStackSetProps>, string]),
  fc.constant([{ regions: [] }, 'regions'] as [Partial<SageMakerStackSetProps>, string]),
  fc.oneof(fc.integer({ min: -100, max: 0 }), fc.integer({ min: 101, max: 1000 }), fc.double({ min: 1.01, max: 99, noInteger: true }))
    .map((n) => [{ maxConcurrentPercentage: n }, 'maxConcurrentPercentage'] as [Partial<SageMakerStackSetProps>, string]),
  fc.oneof(fc.integer({ min: -100, max: -1 }), fc.integer({ min: 101, max: 1000 }))
    .map((n) => [{ failureTolerancePercentage: n }, 'failureTolerancePercentage'] as [Partial<SageMakerStackSetProps>, string]),
  fc.oneof(fc.stringMatching(/^[0-9-][a-zA-Z0-9-]{0,10}$/), fc.constant('has space'), fc.constant('a'.repeat(129)), fc.constant('under_score'))
    .map((stackSetName) => [{ stackSetName }, 'stackSetName'] as [Partial<SageMakerStackSetProps>, string]),
);

describe('property: invalid SageMakerStackSet props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidProps, ([broken, prop]) => {
        const error = thrownBy(() => new SageMakerStackSet(newTestStack('Management'), 'Rollout', {
          stack: member(), organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['us-east-1'], ...broken,
        }));
        expectValidationErrorNaming(error, prop);
      }),
      { numRuns: runs(60) },
    );
  });
});
