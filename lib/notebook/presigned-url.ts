import { IConstruct } from 'constructs';
import type { PresignedUrlOptions } from './secure-notebook';
import { validateSourceIpRanges } from '../private/names';

/**
 * The `aws:SourceVpce` and `aws:SourceIp` conditions of a presigned-URL grant (these calls carry
 * no `sagemaker:` condition keys), or undefined when the caller sets neither. Internal: not
 * exported from the package.
 */
export function presignedUrlConditions(scope: IConstruct, options: PresignedUrlOptions): Record<string, Record<string, unknown>> | undefined {
  const conditions: Record<string, Record<string, unknown>> = {};
  if (options.vpcEndpoints && options.vpcEndpoints.length > 0) {
    conditions.StringEquals = { 'aws:SourceVpce': options.vpcEndpoints.map((e) => e.vpcEndpointId) };
  }
  if (options.sourceIpRanges && options.sourceIpRanges.length > 0) {
    validateSourceIpRanges(scope, options.sourceIpRanges);
    conditions.IpAddress = { 'aws:SourceIp': options.sourceIpRanges };
  }
  return Object.keys(conditions).length > 0 ? conditions : undefined;
}
