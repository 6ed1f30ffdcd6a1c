import { ECR_REPOSITORY_TAG_IMMUTABLE } from '../../controls';
import { nagRule } from '../template-source';

/**
 * ECR repositories have immutable tags.
 *
 * The check, its messages and its RULES.md text are the control `ECR_REPOSITORY_TAG_IMMUTABLE` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ECR_REPOSITORY_TAG_IMMUTABLE);
