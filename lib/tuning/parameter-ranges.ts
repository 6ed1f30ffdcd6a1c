/**
 * How a tuning job samples values of a numeric range (`ScalingType` of the SageMaker API).
 */
export enum ParameterScaling {
  /** SageMaker chooses the scale. */
  AUTO = 'Auto',
  /** Values spread evenly over the range. */
  LINEAR = 'Linear',
  /** Values spread evenly over the logarithm of the range; the range must be above 0. */
  LOGARITHMIC = 'Logarithmic',
  /**
   * Values concentrate close to 1; only for continuous ranges within 0 (inclusive) and 1
   * (exclusive).
   */
  REVERSE_LOGARITHMIC = 'ReverseLogarithmic',
}

/**
 * A hyperparameter the tuning job searches over whole numbers.
 */
export interface IntegerParameterRange {
  /** The hyperparameter's name, as the algorithm reads it (1-256 characters). */
  readonly name: string;

  /** The smallest value (a whole number). */
  readonly minValue: number;

  /** The largest value (a whole number, at least `minValue`). */
  readonly maxValue: number;

  /**
   * How values are sampled. `REVERSE_LOGARITHMIC` is for continuous ranges only.
   *
   * @default ParameterScaling.AUTO
   */
  readonly scaling?: ParameterScaling;
}

/**
 * A hyperparameter the tuning job searches over real numbers.
 */
export interface ContinuousParameterRange {
  /** The hyperparameter's name, as the algorithm reads it (1-256 characters). */
  readonly name: string;

  /** The smallest value. */
  readonly minValue: number;

  /** The largest value (at least `minValue`). */
  readonly maxValue: number;

  /**
   * How values are sampled.
   *
   * @default ParameterScaling.AUTO
   */
  readonly scaling?: ParameterScaling;
}

/**
 * A hyperparameter the tuning job searches over a list of values.
 */
export interface CategoricalParameterRange {
  /** The hyperparameter's name, as the algorithm reads it (1-256 characters). */
  readonly name: string;

  /** The values to try: 1 to 30 distinct values of at most 256 characters each. */
  readonly values: string[];
}

/** Whether the tuning job maximizes or minimizes its objective metric. */
export enum TuningObjectiveType {
  /** Larger is better (accuracy, AUC...). */
  MAXIMIZE = 'Maximize',
  /** Smaller is better (loss, RMSE...). */
  MINIMIZE = 'Minimize',
}

/**
 * The metric a tuning job optimizes.
 */
export interface TuningObjective {
  /** Maximize or minimize the metric. */
  readonly type: TuningObjectiveType;

  /**
   * The metric's name (1-255 characters): one of `metricDefinitions` for your own container, or a
   * metric of the built-in algorithm (`validation:auc`...).
   */
  readonly metricName: string;
}

/**
 * A metric the training jobs report: SageMaker reads it from the container's logs with a regular
 * expression.
 */
export interface MetricDefinition {
  /** The metric's name (1-255 characters). */
  readonly name: string;

  /** A regular expression with one capture group for the value (1-500 characters), such as `val_loss=([0-9\\.]+)`. */
  readonly regex: string;
}

/** How a tuning job chooses the hyperparameter values of each training job it launches. */
export enum TuningStrategy {
  /** Bayesian optimization: each new job learns from the results so far. */
  BAYESIAN = 'Bayesian',
  /** Random search: jobs are independent, so all of them can run in parallel. */
  RANDOM = 'Random',
  /** Hyperband: stops under-performing jobs early using per-epoch metrics (it does its own early stopping). */
  HYPERBAND = 'Hyperband',
  /** Grid search over every combination of categorical values (categorical ranges only). */
  GRID = 'Grid',
}
