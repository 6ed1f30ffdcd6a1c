import { NOTEBOOK_NITRO_INSTANCE_TYPE } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker notebook instances use an instance type built on the AWS Nitro System.
 *
 * The check, its messages and its RULES.md text are the control `NOTEBOOK_NITRO_INSTANCE_TYPE` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(NOTEBOOK_NITRO_INSTANCE_TYPE);
