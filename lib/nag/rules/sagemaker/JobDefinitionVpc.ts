import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { checkJobs, isNonEmptyList, jobSettings } from '../job-definitions';
import { isPlainObject } from '../utils';

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines run in a VPC.
 *
 * Compliant when every `createTrainingJob` / `createProcessingJob` task (and every `Training` /
 * `Processing` pipeline step) sets `VpcConfig` (processing: `NetworkConfig.VpcConfig`) with at least
 * one subnet and one security group. A definition or request that cannot be read at synth time
 * (S3 location, JSONata expression, `.$` path) is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => checkJobs(node, (job) => {
    const vpc = jobSettings(job).vpcConfig;
    return isPlainObject(vpc) && isNonEmptyList(vpc.Subnets) && isNonEmptyList(vpc.SecurityGroupIds);
  }),
  'name',
  { value: parse(__filename).name },
);
