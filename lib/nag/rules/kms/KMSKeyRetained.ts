import { KMS_KEY_RETAINED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * KMS keys are retained on stack deletion and on replacement.
 *
 * The check, its messages and its RULES.md text are the control `KMS_KEY_RETAINED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(KMS_KEY_RETAINED);
