import { DOMAIN_KMS_KEY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * SageMaker Studio domains encrypt their home EFS file system with a customer managed key.
 *
 * The check, its messages and its RULES.md text are the control `DOMAIN_KMS_KEY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(DOMAIN_KMS_KEY);
