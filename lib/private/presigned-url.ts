import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { validateSourceIpRanges } from './names';

/** Where presigned notebook and Studio URLs may be created from (the fields of `PresignedUrlOptions`). */
export interface PresignedUrlSources {
  readonly vpcEndpoints?: ec2.IInterfaceVpcEndpoint[];
  readonly sourceIpRanges?: string[];
}

/**
 * The `aws:SourceVpce` and `aws:SourceIp` conditions of a presigned-URL grant (these calls carry
 * no `sagemaker:` condition keys), or undefined when the caller sets neither.
 */
export function presignedUrlConditions(scope: IConstruct, options: PresignedUrlSources): Record<string, Record<string, unknown>> | undefined {
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
