import { USER_PROFILE_OWN_ROLE } from '../../controls';
import { nagRule } from '../template-source';

/**
 * Every SageMaker Studio user profile has an execution role of its own.
 *
 * The check, its messages and its RULES.md text are the control `USER_PROFILE_OWN_ROLE` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(USER_PROFILE_OWN_ROLE);
