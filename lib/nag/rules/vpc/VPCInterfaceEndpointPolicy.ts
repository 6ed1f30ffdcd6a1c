import { VPC_INTERFACE_ENDPOINT_POLICY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * Interface VPC endpoints have an endpoint policy that admits only the account's (or
 * organization's) principals, or only named resources of fixed accounts.
 *
 * The check, its messages and its RULES.md text are the control `VPC_INTERFACE_ENDPOINT_POLICY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(VPC_INTERFACE_ENDPOINT_POLICY);
