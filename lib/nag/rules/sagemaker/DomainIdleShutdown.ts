import { DOMAIN_IDLE_SHUTDOWN } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Studio domains shut idle JupyterLab apps down.
 *
 * The check, its messages and its RULES.md text are the control `DOMAIN_IDLE_SHUTDOWN` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(DOMAIN_IDLE_SHUTDOWN);
