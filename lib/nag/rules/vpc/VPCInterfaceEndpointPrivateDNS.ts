import { VPC_INTERFACE_ENDPOINT_PRIVATE_DNS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * Interface VPC endpoints have private DNS enabled.
 *
 * The check, its messages and its RULES.md text are the control `VPC_INTERFACE_ENDPOINT_PRIVATE_DNS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(VPC_INTERFACE_ENDPOINT_PRIVATE_DNS);
