import { ECR_REPOSITORY_KMS_KEY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * ECR repositories encrypt images with a customer managed KMS key.
 *
 * The check, its messages and its RULES.md text are the control `ECR_REPOSITORY_KMS_KEY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ECR_REPOSITORY_KMS_KEY);
