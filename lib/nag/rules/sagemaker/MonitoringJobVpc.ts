import { MONITORING_JOB_VPC } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Model Monitor jobs run in a VPC.
 *
 * The check, its messages and its RULES.md text are the control `MONITORING_JOB_VPC` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MONITORING_JOB_VPC);
