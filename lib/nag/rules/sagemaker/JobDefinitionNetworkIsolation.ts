import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { checkJobs, jobSettings } from '../job-definitions';

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines run with network isolation.
 *
 * Compliant when every job sets `EnableNetworkIsolation` (processing:
 * `NetworkConfig.EnableNetworkIsolation`) to the literal `true`; absent (the API default is false),
 * false, or a value chosen at run time is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => checkJobs(node, (job) => jobSettings(job).networkIsolation === true),
  'name',
  { value: parse(__filename).name },
);
