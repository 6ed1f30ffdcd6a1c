import { VPC_NO_INTERNET_PATH } from '../../controls';
import { nagRule } from '../template-source';

/**
 * The VPC has no path to the internet.
 *
 * The check, its messages and its RULES.md text are the control `VPC_NO_INTERNET_PATH` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(VPC_NO_INTERNET_PATH);
