import { ValidationError } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A synth-time error for input that can never deploy. The message names the prop and the fix.
 *
 * aws-cdk-lib brands the error code as a literal string; our codes are literals too.
 */
export function validationError(scope: IConstruct, code: string, message: string): ValidationError {
  return new ValidationError(code as unknown as ConstructorParameters<typeof ValidationError>[0], message, scope);
}
