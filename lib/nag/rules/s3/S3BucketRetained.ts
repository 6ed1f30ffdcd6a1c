import { S3_BUCKET_RETAINED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * S3 buckets are retained on stack deletion and on replacement.
 *
 * The check, its messages and its RULES.md text are the control `S3_BUCKET_RETAINED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(S3_BUCKET_RETAINED);
