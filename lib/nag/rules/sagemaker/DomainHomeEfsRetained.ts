import { DOMAIN_HOME_EFS_RETAINED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Studio domains (and so their home EFS file system) survive stack deletion and replacement.
 *
 * The check, its messages and its RULES.md text are the control `DOMAIN_HOME_EFS_RETAINED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(DOMAIN_HOME_EFS_RETAINED);
