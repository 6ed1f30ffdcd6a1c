import { INFERENCE_EXPERIMENT_KMS_KEYS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker inference experiments encrypt instance storage and captured data with a KMS key.
 *
 * The check, its messages and its RULES.md text are the control `INFERENCE_EXPERIMENT_KMS_KEYS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(INFERENCE_EXPERIMENT_KMS_KEYS);
