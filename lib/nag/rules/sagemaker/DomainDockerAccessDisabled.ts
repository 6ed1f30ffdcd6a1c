import { DOMAIN_DOCKER_ACCESS_DISABLED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Studio domains do not let users run Docker.
 *
 * The check, its messages and its RULES.md text are the control `DOMAIN_DOCKER_ACCESS_DISABLED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(DOMAIN_DOCKER_ACCESS_DISABLED);
