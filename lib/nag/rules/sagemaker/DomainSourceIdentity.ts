import { DOMAIN_SOURCE_IDENTITY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Studio domains pass the user profile name as the source identity of every session.
 *
 * The check, its messages and its RULES.md text are the control `DOMAIN_SOURCE_IDENTITY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(DOMAIN_SOURCE_IDENTITY);
