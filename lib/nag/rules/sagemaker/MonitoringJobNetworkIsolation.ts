import { MONITORING_JOB_NETWORK_ISOLATION } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Model Monitor jobs run with network isolation.
 *
 * The check, its messages and its RULES.md text are the control `MONITORING_JOB_NETWORK_ISOLATION` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MONITORING_JOB_NETWORK_ISOLATION);
