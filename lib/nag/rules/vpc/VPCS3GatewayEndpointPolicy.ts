import { VPC_S3_GATEWAY_ENDPOINT_POLICY } from '../../controls';
import { nagRule } from '../template-source';

/**
 * S3 gateway VPC endpoints have an endpoint policy that restricts which buckets can be reached.
 *
 * The check, its messages and its RULES.md text are the control `VPC_S3_GATEWAY_ENDPOINT_POLICY` of the catalogue
 * (lib/nag/controls), which the reviewer report evaluates too.
 */
export default nagRule(VPC_S3_GATEWAY_ENDPOINT_POLICY);
