import { Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { Broken, broken, expectValidationErrorNaming, invalidSageMakerNameArb, NON_NITRO_TYPES, numberAs, runs, sageMakerNameArb, stringAs, thrownBy, ValueKind, valueKindArb } from './arbitraries';
import { EndpointImage, ModelData, SageMakerEnvironment, SecureEndpoint, SecureEndpointProps } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SecureEndpoint: random valid prop combinations synthesize with zero
// unacknowledged findings; random invalid ones fail with a ValidationError that names the prop.

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const DIGEST = `sha256:${'0f'.repeat(32)}`;

/** Endpoint instance types on Nitro; the NVMe ones get no storage key. */
const ENDPOINT_TYPES = ['ml.m5.large', 'ml.c5.xlarge', 'ml.c6i.xlarge', 'ml.r5.large', 'ml.g4dn.xlarge', 'ml.g5.xlarge', 'ml.m5d.large', 'ml.inf2.xlarge', 'ml.p4d.24xlarge'];
const NVME = /^ml\.(g4dn|g5|m5d|inf2|p4d)\./;

const tagArb = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/), fc.constantFrom('latest', '1.4.2', DIGEST));
const objectKeyArb = fc.stringMatching(/^[a-z0-9][a-z0-9/._-]{0,60}\.tar\.gz$/);
const envNameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/);

const validEndpointProps = fc.record({
  endpointName: fc.option(sageMakerNameArb(63), { nil: undefined }),
  image: fc.oneof(
    fc.record({ ecrTag: tagArb }),
    fc.record({ dlcKind: valueKindArb }),
  ),
  model: fc.oneof(
    fc.record({ dataBucket: fc.boolean(), key: objectKeyArb, kind: valueKindArb }),
    fc.record({ dataBucket: fc.boolean(), outputPrefix: fc.stringMatching(/^[a-z0-9-]{1,10}\/?$/), jobName: sageMakerNameArb(63) }),
  ),
  environment: fc.option(fc.tuple(fc.dictionary(envNameArb, fc.string({ maxLength: 60 }), { maxKeys: 6 }), valueKindArb), { nil: undefined }),
  instanceType: fc.option(fc.constantFrom(...ENDPOINT_TYPES), { nil: undefined }),
  initialInstanceCount: fc.option(fc.tuple(fc.integer({ min: 1, max: 10 }), valueKindArb), { nil: undefined }),
  ownKey: fc.boolean(),
  dataCapture: fc.option(fc.record({
    enabled: fc.option(fc.boolean(), { nil: undefined }),
    samplingPercentage: fc.option(fc.tuple(fc.oneof(fc.constantFrom(1, 100), fc.integer({ min: 1, max: 100 })), valueKindArb), { nil: undefined }),
  }), { nil: undefined }),
  autoScaling: fc.option(fc.record({
    extraCapacity: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    targetInvocationsPerInstance: fc.option(
      fc.tuple(fc.oneof(fc.double({ min: 0.001, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 100000 })), valueKindArb), { nil: undefined }),
  }), { nil: undefined }),
  alarms: fc.option(fc.record({
    serverErrors: fc.option(fc.tuple(fc.integer({ min: 1, max: 1000 }), valueKindArb), { nil: undefined }),
    modelLatencyMillis: fc.option(fc.oneof(fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0.001, max: 1000, noNaN: true })),
      { nil: undefined }),
    utilizationPercent: fc.option(fc.tuple(fc.oneof(fc.constant(100), fc.double({ min: 0.01, max: 100, noNaN: true })), valueKindArb),
      { nil: undefined }),
  }), { nil: undefined }),
  ownTopic: fc.boolean(),
});

type ValidEndpointProps = typeof validEndpointProps extends fc.Arbitrary<infer T> ? T : never;

function endpointProps(stack: Stack, p: ValidEndpointProps): SecureEndpointProps {
  const env = SageMakerEnvironment.of(stack);
  const num = (v: [number, ValueKind] | undefined) => v === undefined ? undefined : numberAs(stack, v[1], v[0]);
  const image = 'ecrTag' in p.image
    ? EndpointImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn'), p.image.ecrTag)
    : EndpointImage.fromDlc(stringAs(stack, p.image.dlcKind, DLC));
  const bucket = p.model.dataBucket ? env.dataBucket : env.artifactsBucket;
  const modelData = 'key' in p.model
    ? ModelData.fromBucket(bucket, stringAs(stack, p.model.kind, p.model.key))
    : ModelData.fromTrainingOutput(bucket, p.model.outputPrefix, p.model.jobName);
  const instanceType = p.instanceType;
  const literalType = p.instanceType ?? 'ml.m5.large';
  const count = p.initialInstanceCount?.[0] ?? 2;
  const countIsToken = p.initialInstanceCount !== undefined && p.initialInstanceCount[1] !== 'literal';
  const extra = p.autoScaling?.extraCapacity;
  return {
    endpointName: p.endpointName,
    model: {
      image,
      modelData,
      environment: p.environment === undefined ? undefined
        : Object.fromEntries(Object.entries(p.environment[0]).map(([k, v]) => [k, stringAs(stack, p.environment![1], v)])),
    },
    instanceType,
    initialInstanceCount: num(p.initialInstanceCount),
    // A parameter count may be 1 at deployment, which only allowSingleInstance accepts (the pack flags it otherwise).
    allowSingleInstance: count === 1 || p.initialInstanceCount?.[1] === 'parameter' ? true : undefined,
    // No key of one's own on NVMe types: their storage is hardware-encrypted and CreateEndpointConfig rejects a key.
    encryptionKey: p.ownKey && !NVME.test(literalType) ? new kms.Key(stack, 'StorageKey', { enableKeyRotation: true }) : undefined,
    // A sampling percentage only with capture on (a parameter nothing references is a CloudFormation warning).
    dataCapture: p.dataCapture === undefined ? undefined : {
      enabled: p.dataCapture.enabled,
      samplingPercentage: p.dataCapture.enabled === false ? undefined : num(p.dataCapture.samplingPercentage),
    },
    // With a token count the maximum cannot default to twice the count, so it is given.
    autoScaling: p.autoScaling === undefined && !countIsToken ? undefined : {
      maxCapacity: extra === undefined && !countIsToken ? undefined : count + (extra ?? 0),
      targetInvocationsPerInstance: num(p.autoScaling?.targetInvocationsPerInstance),
    },
    alarms: p.alarms === undefined ? undefined : {
      serverErrors: num(p.alarms.serverErrors),
      modelLatency: p.alarms.modelLatencyMillis === undefined ? undefined : Duration.millis(p.alarms.modelLatencyMillis),
      utilizationPercent: num(p.alarms.utilizationPercent),
    },
    alarmTopic: p.ownTopic ? new sns.Topic(stack, 'OwnTopic', { masterKey: env.key, enforceSSL: true }) : undefined,
  };
}

describe('property: valid SecureEndpoint props', () => {
  test('synthesize with zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    fc.assert(
      fc.property(validEndpointProps, (p) => {
        const stack = newTestStack();
        new SecureEndpoint(stack, 'Ep', endpointProps(stack, p));
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      { numRuns: runs(8) },
    );
  });
});


function goodModel(stack: Stack, overrides: Partial<SecureEndpointProps['model']> = {}): SecureEndpointProps['model'] {
  return { image: EndpointImage.fromDlc(DLC), modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, 'm/model.tar.gz'), ...overrides };
}

const invalidEndpointProps: fc.Arbitrary<Broken<Partial<SecureEndpointProps>>> = fc.oneof(
  broken(invalidSageMakerNameArb(63), 'endpointName', (endpointName) => ({ endpointName })),
  broken(fc.constant(undefined), 'model.image', (_, stack) => ({ model: { modelData: goodModel(stack).modelData } as SecureEndpointProps['model'] })),
  broken(fc.constant(undefined), 'model.image', () => ({ model: undefined })),
  broken(fc.constant(undefined), 'model.modelData', () => ({ model: { image: EndpointImage.fromDlc(DLC) } as SecureEndpointProps['model'] })),
  broken(fc.constantFrom('', 'models/', '/models/model.tar.gz', 'models/*.tar.gz', 'models/?/model.tar.gz'), 'model.modelData',
    (key, stack) => ({ model: goodModel(stack, { modelData: ModelData.fromBucket(SageMakerEnvironment.of(stack).artifactsBucket, key) }) })),
  broken(fc.constantFrom('bad tag', '.hidden', '-x', 'x'.repeat(129), 'sha256:xyz', 'a:b', ''), 'model.image',
    (tag, stack) => ({ model: goodModel(stack, { image: EndpointImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/churn'), tag) }) })),
  broken(fc.constantFrom('pytorch-inference:2.3', '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference', 'docker.io/library/python:3', '',
    `763104351884.dkr.ecr.eu-west-1.amazonaws.com/${'r'.repeat(220)}:1`), 'model.image',
  (uri, stack) => ({ model: goodModel(stack, { image: EndpointImage.fromDlc(uri) }) })),
  broken(fc.constantFrom('bad-name', '1ABC', '', 'a b', 'é', 'x'.repeat(1025)), 'model.environment',
    (name, stack) => ({ model: goodModel(stack, { environment: { [name]: 'v' } }) })),
  broken(fc.constant('v'.repeat(1025)), 'model.environment', (value, stack) => ({ model: goodModel(stack, { environment: { OK: value } }) })),
  broken(fc.integer({ min: 101, max: 120 }), 'model.environment',
    (n, stack) => ({ model: goodModel(stack, { environment: Object.fromEntries(Array.from({ length: n }, (_, i) => [`V${i}`, '1'])) }) })),
  broken(fc.constantFrom(...NON_NITRO_TYPES), 'instanceType', (instanceType) => ({ instanceType })),
  broken(fc.constantFrom('ml.g5.xlarge', 'ml.m5d.large', 'ml.inf2.xlarge', 'ml.g4dn.2xlarge', 'ml.p4d.24xlarge'), 'encryptionKey',
    (instanceType, stack) => ({ instanceType, encryptionKey: new kms.Key(stack, 'K', { enableKeyRotation: true }) })),
  broken(fc.oneof(fc.integer({ min: -10, max: 0 }), fc.double({ min: 1.01, max: 10, noInteger: true }), fc.constant(Number.NaN)), 'initialInstanceCount',
    (initialInstanceCount) => ({ initialInstanceCount, allowSingleInstance: true })),
  broken(fc.constant(1), 'initialInstanceCount', (initialInstanceCount) => ({ initialInstanceCount })),
  broken(fc.oneof(fc.integer({ min: -10, max: 0 }), fc.integer({ min: 101, max: 1000 }), fc.double({ min: 1.01, max: 99, noInteger: true }),
    fc.constant(Number.NaN)),
  'dataCapture.samplingPercentage', (samplingPercentage) => ({ dataCapture: { samplingPercentage } })),
  broken(fc.tuple(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 1, max: 9 })).filter(([count, less]) => less < count), 'autoScaling.maxCapacity',
    ([initialInstanceCount, maxCapacity]) => ({ initialInstanceCount, autoScaling: { maxCapacity } })),
  broken(fc.oneof(fc.double({ min: 2.01, max: 10, noInteger: true }), fc.constant(Number.NaN), fc.integer({ min: -5, max: 0 })), 'autoScaling.maxCapacity',
    (maxCapacity) => ({ autoScaling: { maxCapacity } })),
  broken(fc.integer({ min: 2, max: 10 }), 'autoScaling.maxCapacity', (n, stack) => ({ initialInstanceCount: numberAs(stack, 'parameter', n) })),
  broken(fc.oneof(fc.double({ min: -1000, max: 0 }), fc.constantFrom(Number.NaN, Infinity, -Infinity)), 'autoScaling.targetInvocationsPerInstance',
    (targetInvocationsPerInstance) => ({ autoScaling: { targetInvocationsPerInstance } })),
  broken(fc.oneof(fc.integer({ min: -10, max: 0 }), fc.double({ min: 1.01, max: 10, noInteger: true }), fc.constant(Number.NaN)), 'alarms.serverErrors',
    (serverErrors) => ({ alarms: { serverErrors } })),
  broken(fc.oneof(fc.double({ min: -100, max: 0 }), fc.double({ min: 100.01, max: 1000 }), fc.constant(Number.NaN)), 'alarms.utilizationPercent',
    (utilizationPercent) => ({ alarms: { utilizationPercent } })),
  broken(fc.constantFrom(Duration.millis(0), Duration.seconds(0)), 'alarms.modelLatency', (modelLatency) => ({ alarms: { modelLatency } })),
  broken(fc.constantFrom<ValueKind>('lazy', 'parameter'), 'alarms.modelLatency',
    (kind, stack) => ({ alarms: { modelLatency: Duration.millis(numberAs(stack, kind, 500)) } })),
);

describe('property: invalid SecureEndpoint props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidEndpointProps, ([prop, , props]) => {
        const stack = newTestStack();
        const error = thrownBy(() => new SecureEndpoint(stack, 'Ep', { model: goodModel(stack), ...props(stack) } as SecureEndpointProps));
        expectValidationErrorNaming(error, prop);
      }),
      { numRuns: runs(75) },
    );
  });
});
