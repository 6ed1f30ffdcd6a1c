import { LOG_GROUP_RETAINED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * CloudWatch Logs log groups are retained on stack deletion and on replacement.
 *
 * The check, its messages and its RULES.md text are the control `LOG_GROUP_RETAINED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(LOG_GROUP_RETAINED);
