import { MONITORING_JOB_MAX_RUNTIME } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Model Monitor jobs have a maximum runtime.
 *
 * The check, its messages and its RULES.md text are the control `MONITORING_JOB_MAX_RUNTIME` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MONITORING_JOB_MAX_RUNTIME);
