import { Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as fc from 'fast-check';
import { Broken, broken, durationOf, expectValidationErrorNaming, invalidSageMakerNameArb, literalOrLazyArb, NON_NITRO_TYPES, numberAs, prefixArb, runs, sageMakerNameArb, stringAs, thrownBy, ValueKind, valueKindArb } from './arbitraries';
import { SageMakerEnvironment, SecureTrainingJob, SecureTrainingJobProps, TrainingImage } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SecureTrainingJob: random valid prop combinations synthesize with zero
// unacknowledged findings; random invalid ones fail with a ValidationError that names the prop.

const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311';
const DIGEST = `sha256:${'ab12'.repeat(16)}`;

/** Training instance types: Nitro, with and without local NVMe storage (which gets no volume key). */
const TRAINING_TYPES = ['ml.m5.xlarge', 'ml.c5.2xlarge', 'ml.m6i.large', 'ml.g4dn.xlarge', 'ml.g5.2xlarge', 'ml.p3dn.24xlarge', 'ml.p4d.24xlarge', 'ml.m5d.large', 'ml.trn1.2xlarge', 'ml.r5.large'];

const channelNameArb = fc.stringMatching(/^[A-Za-z0-9.\-_]{1,64}$/);
/** Tag keys and values CreateTrainingJob accepts (letters, digits, spaces and _.:/=+-@). */
const tagKeyArb = fc.stringMatching(/^[A-Za-z0-9 _.:/=+\-@]{1,128}$/)
  .filter((k) => !k.toLowerCase().startsWith('aws:') && k !== SecureTrainingJob.OWNER_TAG);
const tagValueArb = fc.stringMatching(/^[A-Za-z0-9 _.:/=+\-@]{0,256}$/);
const hyperparameterKeyArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,40}$/);
const hyperparameterValueArb = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.string({ maxLength: 40 }),
);

const validTrainingProps = fc.record({
  jobNamePrefix: fc.option(fc.tuple(sageMakerNameArb(26), valueKindArb), { nil: undefined }),
  ecrImage: fc.option(fc.constantFrom('v1.2', 'latest', DIGEST), { nil: undefined }),
  dlcKind: valueKindArb,
  instanceType: fc.option(fc.constantFrom(...TRAINING_TYPES), { nil: undefined }),
  instanceCount: fc.option(fc.tuple(fc.integer({ min: 1, max: 16 }), valueKindArb), { nil: undefined }),
  volumeSizeInGb: fc.option(fc.tuple(fc.oneof(fc.constantFrom(1, 16384), fc.integer({ min: 1, max: 16384 })), valueKindArb), { nil: undefined }),
  // Literal or Lazy only: a CfnParameter runtime is flagged by SageMakerSecurity-JobDefinitionMaxRuntime, which needs a bound it can read at synth.
  maxRuntime: fc.option(fc.tuple(fc.oneof(fc.constantFrom(1, 2_419_200, 86_400), fc.integer({ min: 1, max: 2_419_200 })), literalOrLazyArb),
    { nil: undefined }),
  inputs: fc.uniqueArray(fc.record({
    channelName: fc.tuple(channelNameArb, valueKindArb),
    dataBucket: fc.boolean(),
    prefix: fc.tuple(prefixArb, valueKindArb),
    contentType: fc.option(fc.constantFrom('text/csv', 'application/x-recordio-protobuf', 'application/x-parquet'), { nil: undefined }),
    shardByS3Key: fc.option(fc.boolean(), { nil: undefined }),
  }), { maxLength: 4, selector: (i) => i.channelName[0] }),
  outputPrefix: fc.option(fc.tuple(prefixArb, valueKindArb), { nil: undefined }),
  hyperparameters: fc.option(fc.dictionary(hyperparameterKeyArb, hyperparameterValueArb, { maxKeys: 6 }), { nil: undefined }),
  hyperparameterKind: valueKindArb,
  tags: fc.option(fc.dictionary(tagKeyArb, tagValueArb, { maxKeys: 5 }), { nil: undefined }),
  allowInternetForContainer: fc.option(fc.boolean(), { nil: undefined }),
  allowUnencryptedInterContainerTraffic: fc.option(fc.boolean(), { nil: undefined }),
}).filter((p) => !(p.allowUnencryptedInterContainerTraffic && p.instanceCount && p.instanceCount[0] > 1));

type ValidTrainingProps = typeof validTrainingProps extends fc.Arbitrary<infer T> ? T : never;

function trainingProps(stack: Stack, p: ValidTrainingProps): SecureTrainingJobProps {
  const env = SageMakerEnvironment.of(stack);
  const image = p.ecrImage
    ? TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer'), p.ecrImage)
    : TrainingImage.fromDeepLearningContainer(stringAs(stack, p.dlcKind, DLC));
  const at = <T>(v: [T, ValueKind] | undefined, f: (value: T, kind: ValueKind) => T): T | undefined => v === undefined ? undefined : f(v[0], v[1]);
  const str = (v: [string, ValueKind] | undefined) => at(v, (value, kind) => stringAs(stack, kind, value));
  const num = (v: [number, ValueKind] | undefined) => at(v, (value, kind) => numberAs(stack, kind, value));
  return {
    image,
    jobNamePrefix: str(p.jobNamePrefix),
    instanceType: p.instanceType,
    instanceCount: num(p.instanceCount),
    volumeSizeInGb: num(p.volumeSizeInGb),
    maxRuntime: p.maxRuntime === undefined ? undefined
      : p.maxRuntime[1] === 'literal' ? durationOf(p.maxRuntime[0]) : Duration.seconds(numberAs(stack, p.maxRuntime[1], p.maxRuntime[0])),
    inputs: p.inputs.map((i) => ({
      channelName: str(i.channelName)!,
      bucket: i.dataBucket ? env.dataBucket : env.artifactsBucket,
      prefix: str(i.prefix)!,
      contentType: i.contentType,
      shardByS3Key: i.shardByS3Key,
    })),
    outputPrefix: str(p.outputPrefix),
    hyperparameters: p.hyperparameters === undefined ? undefined
      : Object.fromEntries(Object.entries(p.hyperparameters).map(([k, v]) => [k, stringAs(stack, p.hyperparameterKind, v)])),
    tags: p.tags,
    allowInternetForContainer: p.allowInternetForContainer,
    allowUnencryptedInterContainerTraffic: p.allowUnencryptedInterContainerTraffic,
  };
}

describe('property: valid SecureTrainingJob props', () => {
  test('synthesize with zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    fc.assert(
      fc.property(validTrainingProps, (p) => {
        const stack = newTestStack();
        new SecureTrainingJob(stack, 'Train', trainingProps(stack, p));
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      { numRuns: runs(8) },
    );
  });
});

const dlc = TrainingImage.fromDeepLearningContainer(DLC);


const invalidTrainingProps: fc.Arbitrary<Broken<Partial<SecureTrainingJobProps>>> = fc.oneof(
  broken(fc.constant(undefined), 'image', () => ({ image: undefined })),
  broken(fc.constantFrom('pytorch-training:2.3.0', '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training', 'docker.io/library/python:3.12',
    '', 'public.ecr.aws/x/y:1', `763104351884.dkr.ecr.eu-west-1.amazonaws.com/${'r'.repeat(220)}:1`),
  'image', (uri) => ({ image: TrainingImage.fromDeepLearningContainer(uri) })),
  broken(fc.constantFrom('bad tag', '.hidden', '-x', 'x'.repeat(129), 'sha256:xyz', 'a:b', ''), 'image',
    (tag, stack) => ({ image: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team-a/trainer'), tag) })),
  broken(invalidSageMakerNameArb(26), 'jobNamePrefix', (jobNamePrefix) => ({ jobNamePrefix })),
  broken(fc.constantFrom(...NON_NITRO_TYPES), 'instanceType', (instanceType) => ({ instanceType })),
  broken(fc.oneof(fc.integer({ min: -100, max: 0 }), fc.double({ min: 1.01, max: 100, noInteger: true }), fc.constantFrom(Number.NaN, Infinity)),
    'instanceCount', (instanceCount) => ({ instanceCount })),
  broken(fc.oneof(fc.integer({ min: -100, max: 0 }), fc.integer({ min: 16385, max: 1_000_000 }), fc.double({ min: 1.01, max: 100, noInteger: true }),
    fc.constant(Number.NaN)),
  'volumeSizeInGb', (volumeSizeInGb) => ({ volumeSizeInGb })),
  broken(fc.oneof(
    fc.integer({ min: 2_419_201, max: 100_000_000 }).map((s) => Duration.seconds(s)),
    fc.constantFrom(Duration.seconds(0), Duration.millis(1500), Duration.millis(500), Duration.days(29)),
  ), 'maxRuntime', (maxRuntime) => ({ maxRuntime })),
  broken(fc.constantFrom<ValueKind>('lazy', 'parameter'), 'maxRuntime', (kind, stack) => ({ maxRuntime: Duration.hours(numberAs(stack, kind, 2)) })),
  broken(fc.constantFrom('s3://bucket/models/', 'models', '/models/', 'models/*/', 'models/?/', '', 'S3://x/y/'),
    'outputPrefix', (outputPrefix) => ({ outputPrefix })),
  broken(fc.constantFrom('tr ain', '', 'a'.repeat(65), 'train/x', 'tr$ain'), 'inputs',
    (channelName, stack) => ({ inputs: [{ channelName, bucket: SageMakerEnvironment.of(stack).dataBucket, prefix: 'datasets/' }] })),
  broken(fc.constantFrom('train', 'validation'), 'inputs', (channelName, stack) => ({
    inputs: [0, 1].map((i) => ({ channelName, bucket: SageMakerEnvironment.of(stack).dataBucket, prefix: `datasets/${i}/` })),
  })),
  broken(fc.constantFrom('', 'data/*', '/data/', 'data?/'), 'inputs',
    (prefix, stack) => ({ inputs: [{ channelName: 'train', bucket: SageMakerEnvironment.of(stack).dataBucket, prefix }] })),
  broken(fc.integer({ min: 257, max: 400 }), 'inputs',
    (n, stack) => ({ inputs: [{ channelName: 'train', bucket: SageMakerEnvironment.of(stack).dataBucket, prefix: 'd/', contentType: 'x'.repeat(n) }] })),
  broken(fc.integer({ min: 21, max: 30 }), 'inputs', (n, stack) => ({
    inputs: Array.from({ length: n }, (_, i) => ({ channelName: `c${i}`, bucket: SageMakerEnvironment.of(stack).dataBucket, prefix: `datasets/${i}/` })),
  })),
  broken(fc.constantFrom(SecureTrainingJob.OWNER_TAG, 'aws:cloudformation:stack-name', 'AWS:x', '', 'bad#key', 'k'.repeat(129)), 'tags', (key) => ({ tags: { [key]: 'v' } })),
  broken(fc.constantFrom('bad#value', 'v'.repeat(257), 'a\nb'), 'tags', (value) => ({ tags: { team: value } })),
  broken(fc.integer({ min: 50, max: 60 }), 'tags', (n) => ({ tags: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v'])) })),
  broken(fc.constantFrom('lr.$', 'epochs.$'), 'hyperparameters', (key) => ({ hyperparameters: { [key]: '0.1' } })),
  broken(fc.constantFrom('k'.repeat(257)), 'hyperparameters', (key) => ({ hyperparameters: { [key]: '1' } })),
  broken(fc.constant('v'.repeat(2501)), 'hyperparameters', (value) => ({ hyperparameters: { lr: value } })),
  broken(fc.integer({ min: 101, max: 120 }), 'hyperparameters', (n) => ({ hyperparameters: Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, '1'])) })),
  broken(fc.integer({ min: 2, max: 64 }), 'allowUnencryptedInterContainerTraffic', (instanceCount) => ({ instanceCount, allowUnencryptedInterContainerTraffic: true })),
);

describe('property: invalid SecureTrainingJob props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidTrainingProps, ([prop, , props]) => {
        const stack = newTestStack();
        const error = thrownBy(() => new SecureTrainingJob(stack, 'Train', { image: dlc, ...props(stack) } as SecureTrainingJobProps));
        expectValidationErrorNaming(error, prop);
      }),
      { numRuns: runs(75) },
    );
  });

});
