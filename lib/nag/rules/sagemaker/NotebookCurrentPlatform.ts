import { NOTEBOOK_CURRENT_PLATFORM } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker notebook instances run on the current platform, Amazon Linux 2023 (`notebook-al2023-v1`).
 *
 * The check, its messages and its RULES.md text are the control `NOTEBOOK_CURRENT_PLATFORM` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(NOTEBOOK_CURRENT_PLATFORM);
