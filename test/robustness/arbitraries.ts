import { CfnParameter, Duration, Errors, Lazy, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';

// Arbitraries and helpers shared by the property tests in this folder.

/** ML instance types on the AWS Nitro System, with and without local NVMe storage. */
export const NITRO_TYPES = ['ml.t3.medium', 'ml.t3.large', 'ml.m5.xlarge', 'ml.c5.2xlarge', 'ml.g5.xlarge', 'ml.p3dn.24xlarge', 'ml.r5.large', 'ml.m6i.large'];

/** Instance types that are not on Nitro, or not ML instance types at all. */
export const NON_NITRO_TYPES = ['ml.t2.medium', 'ml.m4.xlarge', 'ml.c4.large', 'ml.p2.xlarge', 'ml.p3.8xlarge', 'm5.large', 'ml.bogus', 'ml.m5', 'ML.M5.LARGE', ''];

/** S3 key prefixes ending in '/', one or two levels. */
export const prefixArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}\/([a-z0-9-]{1,8}\/)?$/);

/** Lowercase SageMaker resource names (1-22 characters, single hyphens). */
export const nameArb = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/).filter((n) => !n.includes('--'));

/**
 * SageMaker resource names as the API accepts them (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,max-1}$`),
 * mixed case and repeated hyphens included, biased towards the length boundaries.
 */
export function sageMakerNameArb(maxLength: number): fc.Arbitrary<string> {
  const body = fc.stringMatching(new RegExp(`^[a-zA-Z0-9](-{0,2}[a-zA-Z0-9]){0,${Math.min(maxLength - 1, 30)}}$`))
    .filter((n) => n.length <= maxLength);
  const longest = fc.stringMatching(new RegExp(`^[a-zA-Z0-9]{${maxLength}}$`));
  return fc.oneof({ weight: 4, arbitrary: body }, { weight: 1, arbitrary: longest }, { weight: 1, arbitrary: fc.stringMatching(/^[a-zA-Z0-9]$/) });
}

/**
 * Names that SageMaker rejects for a pattern of at most `maxLength` characters: bad first or last
 * character, characters outside letters, digits and hyphens, empty, too long.
 */
export function invalidSageMakerNameArb(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '-a', 'a-', 'a b', 'a_b', 'a.b', 'a/b', 'é', 'a\nb', '-'),
    fc.stringMatching(/^[a-z0-9]{1,5}[^a-zA-Z0-9-][a-z0-9]{1,5}$/),
    fc.stringMatching(new RegExp(`^[a-z0-9]{${maxLength + 1},${maxLength + 20}}$`)),
  );
}

/** How a string or number prop value is passed: literally, as a Lazy that produces it, or as a CfnParameter. */
export type ValueKind = 'literal' | 'lazy' | 'parameter';

/** Mostly literal values, sometimes tokens. */
export const valueKindArb: fc.Arbitrary<ValueKind> = fc.constantFrom<ValueKind>('literal', 'literal', 'lazy', 'parameter');

/** Literal values or Lazy tokens (for props whose value the compliance packs must read at synth time). */
export const literalOrLazyArb: fc.Arbitrary<ValueKind> = fc.constantFrom<ValueKind>('literal', 'literal', 'lazy');

let parameterCount = 0;

/** `value` as `kind`: the value itself, a Lazy string producing it, or a CfnParameter (default `value`) of `stack`. */
export function stringAs(stack: Stack, kind: ValueKind, value: string): string {
  switch (kind) {
    case 'literal':
      return value;
    case 'lazy':
      return Lazy.string({ produce: () => value });
    case 'parameter':
      return new CfnParameter(stack, `P${++parameterCount}`, { type: 'String', default: value }).valueAsString;
  }
}

/** `value` as `kind`: the number itself, a Lazy number producing it, or a Number CfnParameter (default `value`). */
export function numberAs(stack: Stack, kind: ValueKind, value: number): number {
  switch (kind) {
    case 'literal':
      return value;
    case 'lazy':
      return Lazy.number({ produce: () => value });
    case 'parameter':
      return new CfnParameter(stack, `P${++parameterCount}`, { type: 'Number', default: value }).valueAsNumber;
  }
}

/** A duration of `seconds`, in the largest whole unit (days, hours, minutes or seconds). */
export function durationOf(seconds: number): Duration {
  if (seconds % 86400 === 0) return Duration.days(seconds / 86400);
  if (seconds % 3600 === 0) return Duration.hours(seconds / 3600);
  if (seconds % 60 === 0) return Duration.minutes(seconds / 60);
  return Duration.seconds(seconds);
}

/** The error `f` throws, or undefined. */
export function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/**
 * Asserts that `error` is a ValidationError (not a TypeError or any other exception) whose
 * message names `prop` in backticks.
 */
export function expectValidationErrorNaming(error: unknown, prop: string): void {
  if (!Errors.isValidationError(error)) {
    throw new Error(`expected a ValidationError naming \`${prop}\`, got ${error === undefined ? 'no error' : `${(error as Error)?.constructor?.name}: ${(error as Error)?.message ?? String(error)}`}`);
  }
  expect((error as Error).message).toContain(`\`${prop}\``);
}

/**
 * `n` runs, times `PROPERTY_RUNS_SCALE` from the environment (default 1): the defaults keep each
 * file under a minute on 2 cores; raise the scale for a deeper search.
 */
export function runs(n: number): number {
  const scale = Number(process.env.PROPERTY_RUNS_SCALE ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/**
 * One broken prop: the prop name the error must mention, the broken value, and what is built from
 * it for a stack (the props of a construct, or a whole construction that must fail).
 */
export type Broken<R> = [string, unknown, (stack: Stack) => R];

/** Maps an arbitrary of broken values to `Broken` cases of `prop`. */
export function broken<T, R>(arb: fc.Arbitrary<T>, prop: string, build: (value: T, stack: Stack) => R): fc.Arbitrary<Broken<R>> {
  return arb.map((v) => [prop, v, (stack: Stack) => build(v, stack)] as Broken<R>);
}
