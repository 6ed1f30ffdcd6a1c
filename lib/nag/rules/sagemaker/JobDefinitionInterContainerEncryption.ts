import { JOB_DEFINITION_INTER_CONTAINER_ENCRYPTION } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker training and processing jobs of state machines and pipelines encrypt inter-container traffic.
 *
 * The check, its messages and its RULES.md text are the control `JOB_DEFINITION_INTER_CONTAINER_ENCRYPTION` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(JOB_DEFINITION_INTER_CONTAINER_ENCRYPTION);
