import { NOTEBOOK_LIFECYCLE_CONFIG_NO_SECRETS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker notebook instance lifecycle configurations hold no credentials.
 *
 * The check, its messages and its RULES.md text are the control `NOTEBOOK_LIFECYCLE_CONFIG_NO_SECRETS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(NOTEBOOK_LIFECYCLE_CONFIG_NO_SECRETS);
