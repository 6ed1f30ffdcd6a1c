import { FEATURE_GROUP_KMS_KEYS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker feature groups encrypt their stores with a KMS key.
 *
 * The check, its messages and its RULES.md text are the control `FEATURE_GROUP_KMS_KEYS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(FEATURE_GROUP_KMS_KEYS);
