import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { checkJobs, isFixedKey, isLocalNvmeType, jobSettings } from '../job-definitions';

/**
 * SageMaker training and processing jobs defined in Step Functions state machines and SageMaker
 * pipelines encrypt their output and storage volumes with a customer managed KMS key.
 *
 * Compliant when every job sets the output key (`OutputDataConfig.KmsKeyId`; processing:
 * `ProcessingOutputConfig.KmsKeyId` when it has outputs) and the volume key
 * (`ResourceConfig.VolumeKmsKeyId`; processing: `ProcessingResources.ClusterConfig.VolumeKmsKeyId`)
 * to a fixed key. The volume key may be absent only for a literal instance type with local NVMe
 * storage, which SageMaker refuses a volume key for (its storage is hardware-encrypted).
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => checkJobs(node, (job) => {
    const s = jobSettings(job);
    const outputOk = s.outputConfigPresent ? isFixedKey(s.outputKmsKeyId) : true;
    const volumeOk = isFixedKey(s.volumeKmsKeyId) || (s.volumeKmsKeyId === undefined && isLocalNvmeType(s.instanceType));
    return outputOk && volumeOk;
  }),
  'name',
  { value: parse(__filename).name },
);
