import { MODEL_NETWORK_ISOLATION } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker models isolate their containers from the network.
 *
 * The check, its messages and its RULES.md text are the control `MODEL_NETWORK_ISOLATION` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(MODEL_NETWORK_ISOLATION);
