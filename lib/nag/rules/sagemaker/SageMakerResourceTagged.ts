import { SAGEMAKER_RESOURCE_TAGGED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker domains, feature groups, app image configs and images are tagged.
 *
 * The check, its messages and its RULES.md text are the control `SAGEMAKER_RESOURCE_TAGGED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(SAGEMAKER_RESOURCE_TAGGED);
