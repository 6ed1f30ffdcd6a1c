import { FEATURE_GROUP_DESCRIPTION } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker feature groups have a description.
 *
 * The check, its messages and its RULES.md text are the control `FEATURE_GROUP_DESCRIPTION` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(FEATURE_GROUP_DESCRIPTION);
