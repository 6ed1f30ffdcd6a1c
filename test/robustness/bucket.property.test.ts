import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as fc from 'fast-check';
import { Broken, broken, expectValidationErrorNaming, prefixArb, runs, stringAs, thrownBy, valueKindArb } from './arbitraries';
import { AccessLogsBucket, SageMakerEnvironment, SageMakerWorkloadRole, SecureBucket, SecureBucketProps } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SecureBucket: random valid prop combinations (with prefix grants)
// synthesize with zero unacknowledged findings (but SageMakerSecurity-S3BucketRetained on a bucket
// given RemovalPolicy.DESTROY, which its owner acknowledges); random invalid ones fail with a
// ValidationError that names the prop.

/** Bucket names S3 accepts: 3-63 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit. */
const bucketNameArb = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/),
  fc.tuple(fc.stringMatching(/^[a-z0-9]{1,20}$/), fc.stringMatching(/^[a-z0-9]{1,20}$/)).map(([a, b]) => `${a}.${b}`),
  fc.constant('b'.repeat(63)),
).filter((n) => !n.startsWith('xn--') && !n.endsWith('-s3alias') && !n.endsWith('--ol-s3') && !/^\d+\.\d+\.\d+\.\d+$/.test(n));

const validBucketProps = fc.record({
  ownKey: fc.boolean(),
  ownLogsBucket: fc.boolean(),
  serverAccessLogsPrefix: fc.option(fc.tuple(prefixArb, valueKindArb), { nil: undefined }),
  network: fc.constantFrom('none', 'network', 'restricted'),
  bucketName: fc.option(fc.tuple(bucketNameArb, valueKindArb), { nil: undefined }),
  removalPolicy: fc.option(fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE),
    { nil: undefined }),
  grants: fc.array(fc.tuple(fc.tuple(prefixArb, valueKindArb), fc.constantFrom('read', 'write', 'readWrite')), { maxLength: 4 }),
});

type ValidBucketProps = typeof validBucketProps extends fc.Arbitrary<infer T> ? T : never;

function bucketProps(stack: Stack, p: ValidBucketProps): SecureBucketProps {
  const env = SageMakerEnvironment.of(stack);
  return {
    encryptionKey: p.ownKey ? new kms.Key(stack, 'OwnKey', { enableKeyRotation: true }) : undefined,
    serverAccessLogsBucket: p.ownLogsBucket ? new AccessLogsBucket(stack, 'OwnLogs') : undefined,
    serverAccessLogsPrefix: p.serverAccessLogsPrefix === undefined ? undefined
      : stringAs(stack, p.serverAccessLogsPrefix[1], p.serverAccessLogsPrefix[0]),
    network: p.network === 'none' ? undefined : env.network,
    restrictToVpcEndpoint: p.network === 'restricted' ? true : undefined,
    bucketName: p.bucketName === undefined ? undefined : stringAs(stack, p.bucketName[1], p.bucketName[0]),
    removalPolicy: p.removalPolicy,
  };
}

describe('property: valid SecureBucket props', () => {
  test('synthesize with zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    fc.assert(
      fc.property(validBucketProps, (p) => {
        const stack = newTestStack();
        const bucket = new SecureBucket(stack, 'Bucket', bucketProps(stack, p));
        const role = new SageMakerWorkloadRole(stack, 'Reader');
        for (const [[prefix, kind], access] of p.grants) {
          const value = stringAs(stack, kind, prefix);
          if (access === 'read') bucket.grantRead(role, value);
          else if (access === 'write') bucket.grantWrite(role, value);
          else bucket.grantReadWrite(role, value);
        }
        // A bucket that can be deleted is a finding the owner acknowledges with a reason (the pack's documented example).
        const findings = unacknowledgedFindings(stack);
        const notRetained = findings.filter((f) => f.rule === 'SageMakerSecurity-S3BucketRetained' && f.path === 'TestStack/Bucket/Bucket/Resource');
        expect(notRetained.length).toBe(p.removalPolicy === RemovalPolicy.DESTROY ? 1 : 0);
        expect(formatFindings(findings.filter((f) => !notRetained.includes(f)))).toBe('');
      }),
      { numRuns: runs(8) },
    );
  });
});


const invalidBucketProps: fc.Arbitrary<Broken<void>> = fc.oneof(
  broken(fc.constant(true), 'restrictToVpcEndpoint', (restrictToVpcEndpoint, stack) => new SecureBucket(stack, 'Bucket', { restrictToVpcEndpoint })),
  broken(fc.oneof(
    fc.constantFrom('ab', 'B'.repeat(10), 'under_score', '-start', 'end-', 'a..b', '192.168.0.1', 'b'.repeat(64), 'with space', 'UPPER'),
    fc.stringMatching(/^[a-z0-9]{3,10}[A-Z_!]$/),
  ), 'bucketName', (bucketName, stack) => new SecureBucket(stack, 'Bucket', { bucketName })),
  broken(fc.constant(RemovalPolicy.SNAPSHOT), 'removalPolicy', (removalPolicy, stack) => new SecureBucket(stack, 'Bucket', { removalPolicy })),
  broken(fc.constantFrom('logs/*', 'lo?gs/', '*', 'logs/${aws:username}/'), 'serverAccessLogsPrefix',
    (serverAccessLogsPrefix, stack) => new SecureBucket(stack, 'Bucket', { serverAccessLogsPrefix })),
  broken(fc.tuple(fc.constantFrom('', '*', 'data/*', '/data/', 'da?ta/'), fc.constantFrom('grantRead', 'grantWrite', 'grantReadWrite', 's3UrlForPrefix')), 'prefix',
    ([prefix, method], stack) => {
      const bucket = new SecureBucket(stack, 'Bucket');
      const role = new SageMakerWorkloadRole(stack, 'Reader');
      if (method === 's3UrlForPrefix') bucket.s3UrlForPrefix(prefix);
      else bucket[method](role, prefix);
    }),
);

describe('property: invalid SecureBucket props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidBucketProps, ([prop, , build]) => {
        expectValidationErrorNaming(thrownBy(() => build(newTestStack())), prop);
      }),
      { numRuns: runs(60) },
    );
  });
});
