import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { checkJobs, jobSettings } from '../job-definitions';

/** CreateTrainingJob's upper bound for MaxRuntimeInSeconds (28 days). */
const TRAINING_LIMIT = 2_419_200;

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines have a maximum runtime.
 *
 * Compliant when every job sets `StoppingCondition.MaxRuntimeInSeconds` to a literal whole number of
 * seconds, at least 1 (and, for training, at most 2,419,200: 28 days). Absent, or a value chosen at
 * run time, is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => checkJobs(node, (job) => {
    const seconds = jobSettings(job).maxRuntimeInSeconds;
    return typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 1 && (job.kind !== 'training' || seconds <= TRAINING_LIMIT);
  }),
  'name',
  { value: parse(__filename).name },
);
