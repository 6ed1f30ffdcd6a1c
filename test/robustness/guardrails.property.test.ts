import { Duration, Errors, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fc from 'fast-check';
import { Broken, broken, expectValidationErrorNaming, runs, stringAs, thrownBy, valueKindArb } from './arbitraries';
import { SageMakerEnvironment, SageMakerGuardrails, SageMakerGuardrailsProps } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// Property-based tests of SageMakerGuardrails: random valid prop combinations synthesize with zero
// unacknowledged findings (or, with the boundary on, fail only because the boundary would not fit,
// naming `permissionsBoundary`); random invalid ones fail with a ValidationError that names the prop.

const hex = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${min},${max}}$`));
const subnetIdArb = hex(8, 17).map((h) => `subnet-${h}`);
const sgIdArb = hex(8, 17).map((h) => `sg-${h}`);
const vpceIdArb = hex(8, 17).map((h) => `vpce-${h}`);
const keyArnArb = fc.tuple(fc.constantFrom('aws', 'aws-us-gov', 'aws-cn'), fc.constantFrom('eu-west-1', 'us-east-1', 'cn-north-1'), fc.stringMatching(/^\d{12}$/), fc.uuid())
  .map(([partition, region, account, id]) => `arn:${partition}:kms:${region}:${account}:key/${id}`);
const typeArb = fc.oneof(
  fc.constantFrom('ml.t3.medium', 'ml.m5.xlarge', 'ml.g5.2xlarge', 'ml.p4d.24xlarge', 'ml.c6i.large'),
  fc.constantFrom('ml.t3.*', 'ml.m5.*', 'ml.c5.*', 'ml.g5.*', 'ml.p5*', 'ml.inf2.*', 'ml.m*'),
);
const typesArb = fc.option(fc.uniqueArray(typeArb, { minLength: 1, maxLength: 20 }), { nil: undefined });
const ipv4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, bits]) => `${ip}/${bits}`);
// IPv6 with an embedded IPv4 part ('::ffff:10.0.0.1') is left out: the guardrails reject it (a known gap, tested below).
const ipv6 = fc.tuple(fc.ipV6().filter((ip) => !ip.includes('.')), fc.integer({ min: 0, max: 128 })).map(([ip, bits]) => `${ip}/${bits}`);
const tagKeyArb = fc.stringMatching(/^[\w.:/=+@-]{1,128}$/).filter((k) => !k.toLowerCase().startsWith('aws:'));
const scpTargetArb = fc.oneof(
  fc.stringMatching(/^\d{12}$/),
  fc.tuple(fc.stringMatching(/^[0-9a-z]{4,32}$/), fc.stringMatching(/^[a-z0-9]{8,32}$/)).map(([a, b]) => `ou-${a}-${b}`),
  fc.stringMatching(/^[0-9a-z]{4,32}$/).map((r) => `r-${r}`),
);

const validGuardrailsProps = fc.record({
  subnetIds: fc.option(fc.uniqueArray(fc.tuple(subnetIdArb, valueKindArb), { minLength: 1, maxLength: 16, selector: ([s]) => s }),
    { nil: undefined }),
  securityGroups: fc.integer({ min: 0, max: 3 }),
  securityGroupIds: fc.uniqueArray(sgIdArb, { maxLength: 8 }),
  additionalKmsKeyArns: fc.option(fc.uniqueArray(keyArnArb, { maxLength: 4 }), { nil: undefined }),
  notebookInstanceTypes: typesArb,
  studioInstanceTypes: typesArb,
  endpointInstanceTypes: typesArb,
  trainingInstanceTypes: typesArb,
  presignedUrlSourceIps: fc.option(fc.uniqueArray(fc.oneof(ipv4, ipv6), { maxLength: 10 }), { nil: undefined }),
  presignedUrlVpcEndpointIds: fc.option(fc.uniqueArray(vpceIdArb, { maxLength: 10 }), { nil: undefined }),
  requiredTags: fc.option(fc.uniqueArray(tagKeyArb, { maxLength: 5 }), { nil: undefined }),
  maxJobRuntimeSeconds: fc.option(fc.oneof(fc.constantFrom(1, 2_419_200), fc.integer({ min: 1, max: 2_419_200 })), { nil: undefined }),
  permissionsBoundary: fc.option(fc.boolean(), { nil: undefined }),
  scpTargetIds: fc.option(fc.uniqueArray(scpTargetArb, { maxLength: 3 }), { nil: undefined }),
});

type ValidGuardrailsProps = typeof validGuardrailsProps extends fc.Arbitrary<infer T> ? T : never;

function guardrailsProps(stack: Stack, p: ValidGuardrailsProps): SageMakerGuardrailsProps {
  const env = SageMakerEnvironment.of(stack);
  return {
    subnetIds: p.subnetIds?.map(([id, kind]) => stringAs(stack, kind, id)),
    securityGroups: Array.from({ length: p.securityGroups }, (_, i) => new ec2.SecurityGroup(stack, `Sg${i}`, { vpc: env.network.vpc, allowAllOutbound: false, description: `Workload group ${i}` })),
    securityGroupIds: p.securityGroupIds,
    additionalKmsKeyArns: p.additionalKmsKeyArns,
    notebookInstanceTypes: p.notebookInstanceTypes,
    studioInstanceTypes: p.studioInstanceTypes,
    endpointInstanceTypes: p.endpointInstanceTypes,
    trainingInstanceTypes: p.trainingInstanceTypes,
    presignedUrlSourceIps: p.presignedUrlSourceIps,
    presignedUrlVpcEndpointIds: p.presignedUrlVpcEndpointIds,
    requiredTags: p.requiredTags,
    maxJobRuntime: p.maxJobRuntimeSeconds === undefined ? undefined : Duration.seconds(p.maxJobRuntimeSeconds),
    permissionsBoundary: p.permissionsBoundary,
    scpTargetIds: p.scpTargetIds,
  };
}

describe('property: valid SageMakerGuardrails props', () => {
  test('synthesize with zero unacknowledged findings, or fail only because the boundary would not fit', () => {
    fc.assert(
      fc.property(validGuardrailsProps, (p) => {
        const stack = newTestStack();
        const error = thrownBy(() => new SageMakerGuardrails(stack, 'Guardrails', guardrailsProps(stack, p)));
        if (error !== undefined) {
          // One policy cannot hold long allowlists: the error says so, and without the boundary they fit.
          expect(p.permissionsBoundary).not.toBe(false);
          expect(Errors.isValidationError(error)).toBe(true);
          expect((error as Error).message).toContain('`permissionsBoundary: false`');
          const retry = newTestStack();
          new SageMakerGuardrails(retry, 'Guardrails', { ...guardrailsProps(retry, p), permissionsBoundary: false });
          expect(formatFindings(unacknowledgedFindings(retry))).toBe('');
          return;
        }
        expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      }),
      { numRuns: runs(8) },
    );
  });
});

const tooMany = <T>(arb: fc.Arbitrary<T>, max: number) => fc.array(arb, { minLength: max + 1, maxLength: max + 5 });

const TYPE_LISTS = ['notebookInstanceTypes', 'studioInstanceTypes', 'endpointInstanceTypes', 'trainingInstanceTypes'] as const;

const invalidGuardrailsProps: fc.Arbitrary<Broken<SageMakerGuardrailsProps>> = fc.oneof(
  broken(fc.constant([]), 'subnetIds', () => ({ subnetIds: [] })),
  broken(tooMany(subnetIdArb, SageMakerGuardrails.MAX_SUBNETS), 'subnetIds', (subnetIds) => ({ subnetIds })),
  broken(fc.constantFrom('subnet-XYZ', 'sn-12345678', 'subnet-1234', '', 'subnet-12345678 '), 'subnetIds', (id) => ({ subnetIds: [id] })),
  broken(tooMany(sgIdArb, SageMakerGuardrails.MAX_SECURITY_GROUPS), 'securityGroups + securityGroupIds', (securityGroupIds) => ({ securityGroupIds })),
  broken(fc.constantFrom('sg-XYZ12345', 'sg12345678', 'sg-123', ''), 'securityGroups + securityGroupIds', (id) => ({ securityGroupIds: [id] })),
  broken(tooMany(keyArnArb, SageMakerGuardrails.MAX_ADDITIONAL_KEYS), 'additionalKmsKeyArns', (additionalKmsKeyArns) => ({ additionalKmsKeyArns })),
  broken(fc.constantFrom('alias/aws/s3', 'arn:aws:kms:eu-west-1:123:key/x', 'arn:aws:s3:::bucket', '*'), 'additionalKmsKeyArns', (arn) => ({ additionalKmsKeyArns: [arn] })),
  ...TYPE_LISTS.map((prop) => broken(fc.constantFrom('m5.large', 'ml.M5.large', '*', 'ml.m5', 'system ', ''), prop, (t) => ({ [prop]: [t] }))),
  ...TYPE_LISTS.map((prop) => broken(tooMany(typeArb, SageMakerGuardrails.MAX_INSTANCE_TYPES + 1), prop, (types) => ({ [prop]: types }))),
  ...TYPE_LISTS.filter((prop) => prop !== 'studioInstanceTypes').map((prop) => broken(fc.constant([]), prop, () => ({ [prop]: [] }))),
  broken(tooMany(ipv4, SageMakerGuardrails.MAX_PRESIGNED_URL_SOURCES), 'presignedUrlSourceIps', (presignedUrlSourceIps) => ({ presignedUrlSourceIps })),
  broken(fc.constantFrom('10.0.0.0', 'localhost', '10.0.0.0/', ''), 'presignedUrlSourceIps', (ip) => ({ presignedUrlSourceIps: [ip] })),
  broken(tooMany(vpceIdArb, SageMakerGuardrails.MAX_PRESIGNED_URL_SOURCES), 'presignedUrlVpcEndpointIds', (ids) => ({ presignedUrlVpcEndpointIds: ids })),
  broken(fc.constantFrom('vpce-XYZ', 'vpc-12345678', ''), 'presignedUrlVpcEndpointIds', (id) => ({ presignedUrlVpcEndpointIds: [id] })),
  broken(tooMany(tagKeyArb, SageMakerGuardrails.MAX_REQUIRED_TAGS), 'requiredTags', (requiredTags) => ({ requiredTags })),
  broken(fc.constantFrom('aws:createdBy', 'bad#key', '', 'k'.repeat(129), 'bad\tkey', 'say"hi'), 'requiredTags', (tag) => ({ requiredTags: [tag] })),
  broken(fc.oneof(fc.constantFrom(Duration.seconds(0), Duration.days(29)),
    fc.integer({ min: 2_419_201, max: 10_000_000 }).map((s) => Duration.seconds(s))),
  'maxJobRuntime', (maxJobRuntime) => ({ maxJobRuntime })),
  broken(fc.constantFrom('12345', 'ou-12', 'r-', 'o-abcdefghij', 'root', ''), 'scpTargetIds', (t) => ({ scpTargetIds: [t] })),
);

describe('property: invalid SageMakerGuardrails props', () => {
  test('fail with a ValidationError naming the prop', () => {
    fc.assert(
      fc.property(invalidGuardrailsProps, ([prop, , props]) => {
        const stack = newTestStack();
        expectValidationErrorNaming(thrownBy(() => new SageMakerGuardrails(stack, 'Guardrails', props(stack))), prop);
      }),
      { numRuns: runs(75) },
    );
  });
});

// Gaps these properties found in SageMakerGuardrails, fixed: each stays as a regression test.
describe('gaps found by the properties (fixed)', () => {
  const build = (props: (stack: Stack) => SageMakerGuardrailsProps) => () => {
    const stack = newTestStack();
    new SageMakerGuardrails(stack, 'Guardrails', props(stack));
    return stack;
  };

  test('a maxJobRuntime that is not whole seconds fails naming `maxJobRuntime`', () => {
    expectValidationErrorNaming(thrownBy(build(() => ({ maxJobRuntime: Duration.millis(1500) }))), 'maxJobRuntime');
  });

  test('a token required tag fails naming `requiredTags` (not a resolution error at synth)', () => {
    const error = thrownBy(() => {
      const stack = build((s) => ({ requiredTags: [stringAs(s, 'parameter', 'team')] }))();
      unacknowledgedFindings(stack);
    });
    expectValidationErrorNaming(error, 'requiredTags');
  });

  test('an IPv6 range with an embedded IPv4 part is accepted', () => {
    expect(() => build(() => ({ presignedUrlSourceIps: ['::ffff:10.0.0.0/104'] }))()).not.toThrow();
  });

  test('a CIDR range that IAM refuses (octet over 255, prefix over 32) fails naming `presignedUrlSourceIps`', () => {
    expectValidationErrorNaming(thrownBy(build(() => ({ presignedUrlSourceIps: ['300.0.0.0/8'] }))), 'presignedUrlSourceIps');
    expectValidationErrorNaming(thrownBy(build(() => ({ presignedUrlSourceIps: ['10.0.0.0/33'] }))), 'presignedUrlSourceIps');
  });

  test('a required tag starting with the reserved AWS: prefix in any case fails naming `requiredTags`', () => {
    expectValidationErrorNaming(thrownBy(build(() => ({ requiredTags: ['AWS:createdBy'] }))), 'requiredTags');
  });
});
