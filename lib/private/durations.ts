import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from './errors';

/** The range of a `Duration` prop that an API takes in whole seconds. */
export interface WholeSecondsRange {
  /** Error code of a value outside the range, or of a token that cannot be converted. */
  readonly code: string;
  /** Fewest seconds accepted. */
  readonly min: number;
  /** Most seconds accepted. */
  readonly max: number;
  /** The message for a literal outside the range (or not whole seconds): what the API accepts and the fix. */
  readonly outOfRange: (seconds: number) => string;
}

/**
 * Checks a `Duration` prop that an API takes in whole seconds: a token must convert to seconds at
 * synth time (`Duration.seconds(token)`), a literal must be whole seconds within the range.
 */
export function validateWholeSeconds(scope: IConstruct, prop: string, duration: Duration | undefined, range: WholeSecondsRange): void {
  if (duration === undefined) {
    return;
  }
  if (duration.isUnresolved()) {
    try {
      duration.toSeconds();
    } catch {
      throw validationError(scope, range.code, `\`${prop}\` ${duration.toString()} cannot be converted to seconds at synth time: pass a token with \`Duration.seconds(...)\`.`);
    }
    return;
  }
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < range.min || seconds > range.max) {
    throw validationError(scope, range.code, range.outOfRange(seconds));
  }
}
