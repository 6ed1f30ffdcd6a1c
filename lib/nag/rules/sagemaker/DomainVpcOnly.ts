import { DOMAIN_VPC_ONLY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Studio domains send all app traffic through the VPC.
 *
 * The check, its messages and its RULES.md text are the control `DOMAIN_VPC_ONLY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(DOMAIN_VPC_ONLY);
