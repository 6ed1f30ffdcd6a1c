import { NOTEBOOK_IMDSV2 } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker notebook instances require IMDSv2.
 *
 * The check, its messages and its RULES.md text are the control `NOTEBOOK_IMDSV2` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(NOTEBOOK_IMDSV2);
