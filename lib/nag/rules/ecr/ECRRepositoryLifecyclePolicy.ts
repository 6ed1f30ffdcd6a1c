import { ECR_REPOSITORY_LIFECYCLE_POLICY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * ECR repositories have a lifecycle policy.
 *
 * The check, its messages and its RULES.md text are the control `ECR_REPOSITORY_LIFECYCLE_POLICY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ECR_REPOSITORY_LIFECYCLE_POLICY);
