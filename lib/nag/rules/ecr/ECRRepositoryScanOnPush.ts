import { ECR_REPOSITORY_SCAN_ON_PUSH } from '../../controls';
import { nagRule } from '../template-source';

/**
 * ECR repositories scan images on push.
 *
 * The check, its messages and its RULES.md text are the control `ECR_REPOSITORY_SCAN_ON_PUSH` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(ECR_REPOSITORY_SCAN_ON_PUSH);
