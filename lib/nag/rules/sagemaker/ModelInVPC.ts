import { MODEL_IN_VPC } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker models run in a VPC.
 *
 * The check, its messages and its RULES.md text are the control `MODEL_IN_VPC` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MODEL_IN_VPC);
