import { JOB_DEFINITION_KMS_KEYS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker training and processing jobs of state machines and pipelines encrypt output and volumes with a KMS key.
 *
 * The check, its messages and its RULES.md text are the control `JOB_DEFINITION_KMS_KEYS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(JOB_DEFINITION_KMS_KEYS);
