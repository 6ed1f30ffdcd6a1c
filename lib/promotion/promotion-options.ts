import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from '../private/errors';

/** UpdateEndpoint's bounds for `TrafficRoutingConfiguration.WaitIntervalInSeconds`. */
const MAX_WAIT_INTERVAL_SECONDS = 3600;

/**
 * How a `SecureModelPromotion` shifts an endpoint's traffic to the new model: SageMaker's
 * blue/green deployment guardrails (UpdateEndpoint `DeploymentConfig.BlueGreenUpdatePolicy`,
 * "Deployment guardrails for updating models in production", Amazon SageMaker AI Developer Guide).
 * During every step, and the baking period that follows, an alarm in ALARM rolls all traffic back
 * to the old fleet.
 */
export class PromotionTrafficShift {
  /**
   * A canary first (a part of the new fleet gets traffic), then the rest.
   *
   * @param canaryPercent share of the variant's instances that takes traffic first, 1-50 (UpdateEndpoint accepts at most 50% of the instance count)
   * @param wait how long the canary serves before the rest shifts, 0-3600 seconds
   */
  public static canary(canaryPercent: number = 50, wait: Duration = Duration.minutes(10)): PromotionTrafficShift {
    return new PromotionTrafficShift('CANARY', canaryPercent, wait);
  }

  /**
   * Equal steps: each step shifts `stepPercent` of the instances, then waits.
   *
   * @param stepPercent share of the instances per step, 10-50 (UpdateEndpoint's range)
   * @param wait how long each step serves before the next, 0-3600 seconds
   */
  public static linear(stepPercent: number = 25, wait: Duration = Duration.minutes(5)): PromotionTrafficShift {
    return new PromotionTrafficShift('LINEAR', stepPercent, wait);
  }

  /**
   * All traffic at once, then the baking period (`terminationWait`) during which the alarms can
   * still roll it back. The only shift a single-instance endpoint accepts.
   *
   * @param wait how long the new fleet serves before the old one may be terminated, 0-3600 seconds
   */
  public static allAtOnce(wait: Duration = Duration.minutes(10)): PromotionTrafficShift {
    return new PromotionTrafficShift('ALL_AT_ONCE', undefined, wait);
  }

  /** `CANARY`, `LINEAR` or `ALL_AT_ONCE`. */
  public readonly type: string;

  /** The canary or step size, in percent of the instances. */
  public readonly percent?: number;

  /** The wait between steps. */
  public readonly wait: Duration;

  private constructor(type: string, percent: number | undefined, wait: Duration) {
    this.type = type;
    this.percent = percent;
    this.wait = wait;
  }

  /**
   * The `TrafficRoutingConfiguration` of UpdateEndpoint, after checking the bounds.
   *
   * @internal
   */
  public _render(scope: IConstruct, instanceCount: number): Record<string, unknown> {
    const seconds = this.wait.toSeconds();
    if (!Token.isUnresolved(seconds) && (seconds < 0 || seconds > MAX_WAIT_INTERVAL_SECONDS)) {
      throw validationError(scope, 'InvalidTrafficShiftWait',
        `\`trafficShift\` waits ${seconds} seconds between steps: UpdateEndpoint accepts 0 to ${MAX_WAIT_INTERVAL_SECONDS}. Pass a wait of at most an hour.`);
    }
    const pct = this.percent;
    if (pct !== undefined && !Token.isUnresolved(pct)) {
      const [min, max] = this.type === 'LINEAR' ? [10, 50] : [1, 50];
      if (!Number.isInteger(pct) || pct < min || pct > max) {
        throw validationError(scope, 'InvalidTrafficShiftSize',
          `\`trafficShift\` ${this.type.toLowerCase()} size is ${pct}%: UpdateEndpoint accepts whole percentages from ${min} to ${max} of the variant's instances.`);
      }
    }
    if (this.type !== 'ALL_AT_ONCE' && !Token.isUnresolved(instanceCount) && instanceCount < 2) {
      throw validationError(scope, 'TrafficShiftNeedsInstances',
        `\`trafficShift\` is ${this.type.toLowerCase()}, but the endpoint has ${instanceCount} instance: a canary or linear step may be at most 50% of the instances, so it needs 2 or more. Use \`PromotionTrafficShift.allAtOnce()\` (the alarms still roll back during the baking period), or give the endpoint 2 instances.`);
    }
    return {
      Type: this.type,
      WaitIntervalInSeconds: seconds,
      ...(this.type === 'CANARY' ? { CanarySize: { Type: 'CAPACITY_PERCENT', Value: pct } } : {}),
      ...(this.type === 'LINEAR' ? { LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: pct } } : {}),
    };
  }
}

/**
 * How a registered model version is approved before a `SecureModelPromotion` deploys it.
 */
export class ModelApproval {
  /**
   * A person approves: the version is registered `PendingManualApproval`, and the execution waits
   * until someone granted `grantApprove` sets it to `Approved` (it deploys) or `Rejected` (it
   * fails). The state machine itself cannot approve: its role may only register pending versions.
   *
   * @param pollInterval how often the execution reads the approval status
   * @param timeout how long it waits before failing with `ApprovalTimedOut`
   */
  public static manual(pollInterval: Duration = Duration.minutes(10), timeout: Duration = Duration.days(7)): ModelApproval {
    return new ModelApproval(false, pollInterval, timeout, undefined);
  }

  /**
   * No person approves: the version is registered `Approved`, with `condition` as its approval
   * description, and deployed at once (warned at synth time: the deployment guardrails' alarms are
   * then the only check between training and production). For staging endpoints, or when the
   * training run itself is the approval (a metric gate inside the training script).
   *
   * @param condition why approval is not needed, recorded on every version (1-1024 characters)
   */
  public static automatic(condition: string): ModelApproval {
    return new ModelApproval(true, undefined, undefined, condition);
  }

  /** Whether versions are registered approved (`automatic`). */
  public readonly isAutomatic: boolean;

  /** How often the approval status is read (manual approval). */
  public readonly pollInterval?: Duration;

  /** How long the execution waits for approval (manual approval). */
  public readonly timeout?: Duration;

  /** The recorded condition (automatic approval). */
  public readonly condition?: string;

  private constructor(automatic: boolean, pollInterval: Duration | undefined, timeout: Duration | undefined, condition: string | undefined) {
    this.isAutomatic = automatic;
    this.pollInterval = pollInterval;
    this.timeout = timeout;
    this.condition = condition;
  }
}
