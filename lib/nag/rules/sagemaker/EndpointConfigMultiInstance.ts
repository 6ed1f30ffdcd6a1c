import { ENDPOINT_CONFIG_MULTI_INSTANCE } from '../../controls';
import { nagRule } from '../template-source';

/**
 * Instance-based SageMaker endpoint variants run on more than one instance.
 *
 * The check, its messages and its RULES.md text are the control `ENDPOINT_CONFIG_MULTI_INSTANCE` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ENDPOINT_CONFIG_MULTI_INSTANCE);
