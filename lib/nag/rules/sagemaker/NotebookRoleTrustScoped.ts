import { NOTEBOOK_ROLE_TRUST_SCOPED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * The execution role of a SageMaker notebook instance trusts SageMaker for explicit actions only.
 *
 * The check, its messages and its RULES.md text are the control `NOTEBOOK_ROLE_TRUST_SCOPED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(NOTEBOOK_ROLE_TRUST_SCOPED);
