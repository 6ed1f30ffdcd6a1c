import { MODEL_PACKAGE_GROUP_NO_PUBLIC_ACCESS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker model package groups do not share their models with every account.
 *
 * The check, its messages and its RULES.md text are the control `MODEL_PACKAGE_GROUP_NO_PUBLIC_ACCESS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MODEL_PACKAGE_GROUP_NO_PUBLIC_ACCESS);
