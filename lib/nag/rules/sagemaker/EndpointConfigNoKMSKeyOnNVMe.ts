import { ENDPOINT_CONFIG_NO_KMS_KEY_ON_NVME } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker endpoint configs do not set a KMS key with an instance type that has local NVMe storage.
 *
 * The check, its messages and its RULES.md text are the control `ENDPOINT_CONFIG_NO_KMS_KEY_ON_NVME` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ENDPOINT_CONFIG_NO_KMS_KEY_ON_NVME);
