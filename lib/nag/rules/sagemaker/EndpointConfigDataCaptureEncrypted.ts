import { ENDPOINT_CONFIG_DATA_CAPTURE_ENCRYPTED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker endpoint configs that capture inference data encrypt it with a KMS key.
 *
 * The check, its messages and its RULES.md text are the control `ENDPOINT_CONFIG_DATA_CAPTURE_ENCRYPTED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ENDPOINT_CONFIG_DATA_CAPTURE_ENCRYPTED);
