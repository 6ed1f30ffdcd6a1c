import { Token, ValidationError } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A synth-time error for input that can never deploy. The message names the prop and the fix.
 *
 * aws-cdk-lib brands the error code as a literal string; our codes are literals too.
 */
export function validationError(scope: IConstruct, code: string, message: string): ValidationError {
  return new ValidationError(code as unknown as ConstructorParameters<typeof ValidationError>[0], message, scope);
}

/** True when the value is a concrete number or string (not a token), so it can be validated now. */
export function isConcrete(value: unknown): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  return !Token.isUnresolved(value);
}

/** Throws when a concrete number lies outside [min, max] or is not an integer. Tokens pass. */
export function validateIntegerRange(
  scope: IConstruct,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validationError(
      scope,
      'InvalidRange',
      `\`${prop}\` must be an integer between ${min} and ${max}, got ${value}. Set \`${prop}\` to a value in that range.`,
    );
  }
}
