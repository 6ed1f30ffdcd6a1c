import { NOTEBOOK_ROOT_ACCESS_DISABLED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker notebook instances do not give users root access.
 *
 * The check, its messages and its RULES.md text are the control `NOTEBOOK_ROOT_ACCESS_DISABLED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(NOTEBOOK_ROOT_ACCESS_DISABLED);
