import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import { Broken, broken, expectValidationErrorNaming, literalOrLazyArb, prefixArb, runs, stringAs, thrownBy, valueKindArb } from './arbitraries';
import { FeatureDefinition, FeatureType, OfflineStoreTableFormat, SageMakerEnvironment, SecureFeatureGroup, SecureFeatureGroupProps } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SecureFeatureGroup: random valid prop combinations (stores, TTLs,
// prefixes, table formats, features, token names, grants) synthesize with zero unacknowledged
// findings; random invalid ones fail with a ValidationError that names the prop.

/** Names CreateFeatureGroup accepts for groups and features (`[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}`). */
const featureNameArb = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,20}[a-zA-Z0-9]$/)
  .filter((n) => !['is_deleted', 'write_time', 'api_invocation_time'].includes(n.toLowerCase()));
const groupNameArb = fc.stringMatching(/^[a-zA-Z0-9]([-_]?[a-zA-Z0-9]){0,40}$/);
const typeArb = fc.constantFrom(FeatureType.INTEGRAL, FeatureType.FRACTIONAL, FeatureType.STRING);

const validProps = fc.record({
  name: fc.tuple(groupNameArb, valueKindArb),
  description: fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.;-]{0,100}$/), literalOrLazyArb),
  eventTimeType: fc.constantFrom(FeatureType.STRING, FeatureType.FRACTIONAL),
  recordIdType: fc.constantFrom(FeatureType.STRING, FeatureType.INTEGRAL),
  extra: fc.uniqueArray(fc.tuple(featureNameArb, typeArb), { maxLength: 5, selector: ([n]) => n.toLowerCase() }),
  stores: fc.constantFrom('offline', 'online', 'both'),
  ttlSeconds: fc.option(fc.integer({ min: 1, max: 60 * 86400 }), { nil: undefined }),
  prefix: fc.option(prefixArb, { nil: undefined }),
  tableFormat: fc.option(fc.constantFrom(OfflineStoreTableFormat.GLUE, OfflineStoreTableFormat.ICEBERG), { nil: undefined }),
  removalPolicy: fc.option(fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, RemovalPolicy.DESTROY),
    { nil: undefined }),
  grants: fc.subarray(['read', 'write', 'offline'] as const),
});

type ValidProps = typeof validProps extends fc.Arbitrary<infer T> ? T : never;

function features(p: ValidProps): FeatureDefinition[] {
  const reserved = new Set(['record_id', 'event_ts']);
  return [
    { featureName: 'record_id', featureType: p.recordIdType },
    { featureName: 'event_ts', featureType: p.eventTimeType },
    ...p.extra.filter(([n]) => !reserved.has(n.toLowerCase())).map(([featureName, featureType]) => ({ featureName, featureType })),
  ];
}

describe('property: valid SecureFeatureGroup props', () => {
  test('synthesize with zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    fc.assert(
      fc.property(validProps, (p) => {
        const stack = newTestStack();
        const online = p.stores !== 'offline';
        const offline = p.stores !== 'online';
        const props: SecureFeatureGroupProps = {
          environment: SageMakerEnvironment.of(stack),
          featureGroupName: stringAs(stack, p.name[1], p.name[0]),
          description: stringAs(stack, p.description[1], p.description[0]),
          recordIdentifierFeatureName: 'record_id',
          eventTimeFeatureName: 'event_ts',
          features: features(p),
          onlineStore: online,
          offlineStore: offline,
          onlineStoreTtl: online && p.ttlSeconds !== undefined ? Duration.seconds(p.ttlSeconds) : undefined,
          offlineStorePrefix: offline ? p.prefix : undefined,
          tableFormat: offline ? p.tableFormat : undefined,
          removalPolicy: p.removalPolicy,
        };
        const group = new SecureFeatureGroup(stack, 'Features', props);
        const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
        if (p.grants.includes('read') && online) group.grantReadRecords(role);
        if (p.grants.includes('write')) group.grantWriteRecords(role);
        if (p.grants.includes('offline') && offline) group.grantReadOfflineStore(role);
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      // Each run synthesizes a whole environment under every pack: 4 runs by default (PROPERTY_RUNS_SCALE for more).
      { numRuns: runs(4) },
    );
  });
});

const BASE: SecureFeatureGroupProps = {
  featureGroupName: 'customers',
  description: 'Customer features',
  recordIdentifierFeatureName: 'id',
  eventTimeFeatureName: 'ts',
  features: [{ featureName: 'id', featureType: FeatureType.STRING }, { featureName: 'ts', featureType: FeatureType.FRACTIONAL }],
};

const invalidProps: fc.Arbitrary<Broken<SecureFeatureGroup>> = fc.oneof(
  broken(fc.oneof(fc.constantFrom('', '-start', 'end-', 'with space', 'dot.ted', 'a'.repeat(65)), fc.stringMatching(/^[a-z]{1,10}[!@#$%^&*.]$/)),
    'featureGroupName', (featureGroupName, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, featureGroupName })),
  broken(fc.constantFrom('', '   ', 'x'.repeat(129)), 'description', (description, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, description })),
  broken(fc.constantFrom('is_deleted', 'write_time', 'API_INVOCATION_TIME', 'bad name', '_lead', 'trail_', 'ID'), 'features',
    (featureName, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, features: [...BASE.features, { featureName, featureType: FeatureType.STRING }] })),
  broken(featureNameArb.filter((n) => !['id', 'ts'].includes(n.toLowerCase())), 'recordIdentifierFeatureName',
    (recordIdentifierFeatureName, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, recordIdentifierFeatureName })),
  broken(featureNameArb.filter((n) => !['id', 'ts'].includes(n.toLowerCase())), 'eventTimeFeatureName',
    (eventTimeFeatureName, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, eventTimeFeatureName })),
  broken(fc.constant(FeatureType.INTEGRAL), 'eventTimeFeatureName', (featureType, stack) => new SecureFeatureGroup(stack, 'F', {
    ...BASE, features: [BASE.features[0], { featureName: 'ts', featureType }],
  })),
  broken(fc.constant(false), 'offlineStore', (offlineStore, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, offlineStore })),
  broken(fc.integer({ min: 1, max: 86400 }), 'onlineStoreTtl',
    (seconds, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, onlineStoreTtl: Duration.seconds(seconds) })),
  broken(fc.integer({ min: 1, max: 999 }), 'onlineStoreTtl',
    (millis, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, onlineStore: true, onlineStoreTtl: Duration.millis(millis) })),
  broken(fc.constantFrom('', '/abs/', 'no-slash', 'a//b/', 'wild/*/', 'q?/'), 'offlineStorePrefix',
    (offlineStorePrefix, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, offlineStorePrefix })),
  broken(fc.constant(RemovalPolicy.SNAPSHOT), 'removalPolicy', (removalPolicy, stack) => new SecureFeatureGroup(stack, 'F', { ...BASE, removalPolicy })),
);

describe('property: invalid SecureFeatureGroup props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidProps, ([prop, , build]) => {
        expectValidationErrorNaming(thrownBy(() => build(newTestStack())), prop);
      }),
      { numRuns: runs(60) },
    );
  });
});
