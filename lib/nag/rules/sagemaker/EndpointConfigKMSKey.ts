import { ENDPOINT_CONFIG_KMS_KEY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker endpoint configs encrypt the ML storage volumes with a KMS key, except where the API forbids one.
 *
 * The check, its messages and its RULES.md text are the control `ENDPOINT_CONFIG_KMS_KEY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ENDPOINT_CONFIG_KMS_KEY);
