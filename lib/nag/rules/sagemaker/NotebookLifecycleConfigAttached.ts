import { NOTEBOOK_LIFECYCLE_CONFIG_ATTACHED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker notebook instances have a lifecycle configuration attached.
 *
 * The check, its messages and its RULES.md text are the control `NOTEBOOK_LIFECYCLE_CONFIG_ATTACHED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(NOTEBOOK_LIFECYCLE_CONFIG_ATTACHED);
