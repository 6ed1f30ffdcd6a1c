import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from '../private/errors';

/** Hourly, on the hour (UTC): the default of a monitoring schedule. */
export const HOURLY = 'cron(0 * ? * * *)';

/**
 * The cron forms CreateMonitoringSchedule accepts for a recurring schedule (`ScheduleExpression`,
 * Amazon SageMaker API Reference, and "Schedule monitoring jobs", Developer Guide): hourly
 * `cron(0 * ? * * *)`, daily `cron(0 H ? * * *)` with H in 0-23, and every N hours from H
 * `cron(0 H/N ? * * *)` with N in 1-24. (`NOW`, a one-time run, needs an analysis window the
 * construct does not set.)
 */
const CRON = /^cron\(0 (\*|(?:[01]?\d|2[0-3])(?:\/(0?[1-9]|1\d|2[0-4]))?) \? \* \* \*\)$/;

/**
 * The interval of a schedule expression in seconds (3600 for hourly, 86400 for daily, N hours for
 * `H/N`), or undefined for a token. Throws on an expression SageMaker does not accept.
 */
export function scheduleIntervalSeconds(scope: IConstruct, expression: string): number | undefined {
  if (Token.isUnresolved(expression)) {
    return undefined;
  }
  const m = CRON.exec(expression);
  if (!m) {
    throw validationError(scope, 'InvalidScheduleExpression',
      `\`scheduleExpression\` '${expression}' is not a form Model Monitor accepts: use hourly '${HOURLY}', daily 'cron(0 H ? * * *)' with H from 0 to 23 (UTC), or every N hours 'cron(0 H/N ? * * *)' with N from 1 to 24, such as 'cron(0 0/6 ? * * *)'.`);
  }
  if (m[1] === '*') return 3600;
  if (m[2] === undefined) return 86400;
  return Number(m[2]) * 3600;
}
