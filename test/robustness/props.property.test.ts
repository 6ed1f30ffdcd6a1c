import { Duration, Errors } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { nameArb, NITRO_TYPES, prefixArb } from './arbitraries';
import { DataAccess, SageMakerEnvironment, SecureNotebook, SecureNotebookProps } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests: random valid prop combinations synthesize with zero unacknowledged findings;
// random invalid ones fail with a ValidationError that names the prop, never another exception.

const validNotebookProps = fc.record({
  notebookName: fc.option(nameArb, { nil: undefined }),
  instanceType: fc.option(fc.constantFrom(...NITRO_TYPES), { nil: undefined }),
  volumeSizeInGb: fc.option(fc.integer({ min: 5, max: 16384 }), { nil: undefined }),
  allowRootAccess: fc.option(fc.boolean(), { nil: undefined }),
  idleMinutes: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 10080 })), { nil: undefined }),
  pipIndexUrl: fc.option(fc.constant('https://pypi.internal.example.com/simple'), { nil: undefined }),
  dataAccess: fc.array(fc.record({ prefix: prefixArb, readWrite: fc.boolean(), data: fc.boolean() }), { maxLength: 3 }),
});

describe('property: valid SecureNotebook props', () => {
  test('synthesize with zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    fc.assert(
      fc.property(validNotebookProps, (p) => {
        const stack = newTestStack();
        const env = SageMakerEnvironment.of(stack);
        new SecureNotebook(stack, 'Nb', {
          notebookName: p.notebookName,
          instanceType: p.instanceType,
          volumeSizeInGb: p.volumeSizeInGb,
          allowRootAccess: p.allowRootAccess,
          idleTimeout: p.idleMinutes === undefined ? undefined : Duration.minutes(p.idleMinutes),
          pipIndexUrl: p.pipIndexUrl,
          dataAccess: p.dataAccess.map((d) => ({
            bucket: d.data ? env.dataBucket : env.artifactsBucket,
            prefix: d.prefix,
            access: d.readWrite ? DataAccess.READ_WRITE : DataAccess.READ,
          })),
        });
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      { numRuns: 8 },
    );
  });
});

/** One broken prop, and the prop name the error must mention. */
const invalidNotebookProps: fc.Arbitrary<[SecureNotebookProps, string]> = fc.oneof(
  fc.constantFrom('ml.t2.medium', 'ml.m4.xlarge', 'ml.c4.large', 'ml.p2.xlarge', 'ml.p3.8xlarge', 'm5.large', 'ml.bogus')
    .map((instanceType) => [{ instanceType }, 'instanceType'] as [SecureNotebookProps, string]),
  fc.oneof(fc.integer({ min: -100, max: 4 }), fc.integer({ min: 16385, max: 100000 }), fc.double({ min: 5.01, max: 100, noInteger: true }))
    .map((volumeSizeInGb) => [{ volumeSizeInGb }, 'volumeSizeInGb'] as [SecureNotebookProps, string]),
  fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10081, max: 100000 }))
    .map((m) => [{ idleTimeout: Duration.minutes(m) }, 'idleTimeout'] as [SecureNotebookProps, string]),
  fc.oneof(fc.constant('-x'), fc.constant('x-'), fc.constant('a b'), fc.constant('a'.repeat(64)), fc.constant('under_score'))
    .map((notebookName) => [{ notebookName }, 'notebookName'] as [SecureNotebookProps, string]),
  fc.constantFrom('http://pypi.internal/simple', 'ftp://x')
    .map((pipIndexUrl) => [{ pipIndexUrl }, 'pipIndexUrl'] as [SecureNotebookProps, string]),
  fc.constantFrom('http://conda.internal/main', 'conda-forge')
    .map((c) => [{ condaChannels: [c] }, 'condaChannels'] as [SecureNotebookProps, string]),
);

describe('property: invalid SecureNotebook props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidNotebookProps, ([props, prop]) => {
        const stack = newTestStack();
        let error: unknown;
        try {
          new SecureNotebook(stack, 'Nb', props);
        } catch (e) {
          error = e;
        }
        expect(Errors.isValidationError(error)).toBe(true);
        expect((error as Error).message).toContain(`\`${prop}\``);
      }),
      { numRuns: 60 },
    );
  });
});

describe('property: SageMakerEnvironment names', () => {
  test('valid names are accepted and invalid ones fail naming `environmentName`', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), (name) => {
        const stack = newTestStack();
        const valid = name.length <= 32 && /^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/.test(name);
        let error: unknown;
        try {
          new SageMakerEnvironment(stack, 'Env', { environmentName: name });
        } catch (e) {
          error = e;
        }
        if (valid) {
          expect(error).toBeUndefined();
        } else {
          expect(Errors.isValidationError(error)).toBe(true);
          expect((error as Error).message).toContain('`environmentName`');
        }
      }),
      { numRuns: 60 },
    );
  });
});
