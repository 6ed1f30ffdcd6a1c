import { DOMAIN_SECURITY_GROUPS } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Studio domains put their apps in security groups of their own.
 *
 * The check, its messages and its RULES.md text are the control `DOMAIN_SECURITY_GROUPS` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(DOMAIN_SECURITY_GROUPS);
