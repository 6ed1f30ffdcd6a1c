import { MONITORING_JOB_KMS_KEYS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Model Monitor jobs encrypt their output and volumes with a KMS key.
 *
 * The check, its messages and its RULES.md text are the control `MONITORING_JOB_KMS_KEYS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MONITORING_JOB_KMS_KEYS);
