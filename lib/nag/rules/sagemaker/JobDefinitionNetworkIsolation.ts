import { JOB_DEFINITION_NETWORK_ISOLATION } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker training and processing jobs of state machines and pipelines run with network isolation.
 *
 * The check, its messages and its RULES.md text are the control `JOB_DEFINITION_NETWORK_ISOLATION` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(JOB_DEFINITION_NETWORK_ISOLATION);
