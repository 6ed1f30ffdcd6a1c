import { S3_BUCKET_KEY_ENABLED } from '../../controls';
import { nagRule } from '../template-source';

/**
 * S3 buckets encrypt by default with SSE-KMS (or DSSE-KMS) and have S3 Bucket Keys enabled.
 *
 * The check, its messages and its RULES.md text are the control `S3_BUCKET_KEY_ENABLED` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(S3_BUCKET_KEY_ENABLED);
