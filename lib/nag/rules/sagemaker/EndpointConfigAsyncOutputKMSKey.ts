import { ENDPOINT_CONFIG_ASYNC_OUTPUT_KMS_KEY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker endpoint configs encrypt asynchronous inference results with a KMS key.
 *
 * The check, its messages and its RULES.md text are the control `ENDPOINT_CONFIG_ASYNC_OUTPUT_KMS_KEY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ENDPOINT_CONFIG_ASYNC_OUTPUT_KMS_KEY);
