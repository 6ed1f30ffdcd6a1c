import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { checkJobs, jobSettings } from '../job-definitions';

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines encrypt the traffic between their containers.
 *
 * Compliant when every job sets `EnableInterContainerTrafficEncryption` (processing:
 * `NetworkConfig.EnableInterContainerTrafficEncryption`) to the literal `true`; absent (the API
 * default is false), false, or a value chosen at run time is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => checkJobs(node, (job) => jobSettings(job).interContainerEncryption === true),
  'name',
  { value: parse(__filename).name },
);
