import { ENDPOINT_CONFIG_NO_SERVERLESS_VARIANT } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker endpoint configs have no serverless variants (no VPC, no network isolation).
 *
 * The check, its messages and its RULES.md text are the control `ENDPOINT_CONFIG_NO_SERVERLESS_VARIANT` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ENDPOINT_CONFIG_NO_SERVERLESS_VARIANT);
