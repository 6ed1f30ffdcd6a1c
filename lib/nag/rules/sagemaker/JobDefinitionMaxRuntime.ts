import { JOB_DEFINITION_MAX_RUNTIME } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker training and processing jobs of state machines and pipelines have a maximum runtime.
 *
 * The check, its messages and its RULES.md text are the control `JOB_DEFINITION_MAX_RUNTIME` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(JOB_DEFINITION_MAX_RUNTIME);
