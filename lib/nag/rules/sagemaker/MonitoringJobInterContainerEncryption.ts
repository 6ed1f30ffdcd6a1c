import { MONITORING_JOB_INTER_CONTAINER_ENCRYPTION } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Model Monitor jobs encrypt the traffic between their instances.
 *
 * The check, its messages and its RULES.md text are the control `MONITORING_JOB_INTER_CONTAINER_ENCRYPTION` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MONITORING_JOB_INTER_CONTAINER_ENCRYPTION);
