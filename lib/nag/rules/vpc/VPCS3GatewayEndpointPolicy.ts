import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { flattenToString, isPlainObject, renderResource } from '../utils';

/** Condition keys that pin the buckets a statement can reach to an account or organization. */
const RESOURCE_SCOPE_KEYS = ['aws:resourceaccount', 's3:resourceaccount', 'aws:resourceorgid', 'aws:resourceorgpaths'];

/**
 * Condition operators under which a resource-scope key really restricts the statement.
 * No `...IfExists` and no `ForAllValues:` (both pass when the key is missing).
 */
const SCOPING_OPERATORS = [
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'ForAnyValue:StringEquals',
  'ForAnyValue:StringEqualsIgnoreCase',
  'ForAnyValue:StringLike',
];

/**
 * S3 gateway VPC endpoints have an endpoint policy that restricts which buckets can be reached.
 *
 * Applies to `AWS::EC2::VPCEndpoint` of type Gateway (the default) whose `ServiceName` ends with `.s3`
 * (or does not resolve at synth time). Non-compliant when `PolicyDocument` is absent or unparseable, or
 * when any Allow statement uses `NotResource` or a resource that matches any bucket (`*`,
 * `arn:<partition>:s3:::*`, a wildcard in the bucket name or the account, or a value that does not
 * resolve at synth time), unless that statement pins `aws:ResourceAccount`, `s3:ResourceAccount`,
 * `aws:ResourceOrgID` or `aws:ResourceOrgPaths` to a concrete account or organization.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::EC2::VPCEndpoint') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const props = renderResource(node).properties;
    const endpointType = props.VpcEndpointType;
    if (typeof endpointType === 'string' && endpointType !== 'Gateway') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const serviceName = flattenToString(node, props.ServiceName);
    // An unresolvable service name (rendered as '*') may be S3: check it rather than let it pass.
    if (!/\.s3$/.test(serviceName) && !serviceName.includes('*')) {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    return restrictsBuckets(node, props.PolicyDocument) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);

function restrictsBuckets(node: CfnResource, policyDocument: unknown): boolean {
  let document = policyDocument;
  if (typeof document === 'string') {
    try {
      document = JSON.parse(document);
    } catch {
      return false;
    }
  }
  if (!isPlainObject(document)) {
    return false;
  }
  const statements: unknown[] = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.every((statement) => isPlainObject(statement) && !allowsAnyBucket(node, statement));
}

function allowsAnyBucket(node: CfnResource, statement: { [key: string]: any }): boolean {
  // Anything but a literal Deny (including an unresolvable Effect) is treated as Allow.
  if (statement.Effect === 'Deny') {
    return false;
  }
  if (statement.NotResource !== undefined || statement.Resource === undefined) {
    return true;
  }
  const resources: unknown[] = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  const wildcard = resources.some((resource) => isWildcardS3Resource(flattenToString(node, resource)));
  return wildcard && !isScopedByResourceCondition(node, statement.Condition);
}

/** True when a (flattened) resource could match a bucket or access point outside a fixed set. */
function isWildcardS3Resource(resource: string): boolean {
  const hasWildcard = (s: string) => /[*?]/.test(s);
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) {
    // '*', or a resource reference such as '{Bucket.Arn}/*': only the part before the first '/'
    // (the bucket) decides; a wildcard after a fixed bucket stays inside that bucket.
    return hasWildcard(resource.split('/')[0]);
  }
  const service = parts[2];
  const account = parts[4];
  if (hasWildcard(service)) {
    return true;
  }
  if (!service.startsWith('s3')) {
    return false;
  }
  if (account === '') {
    // arn:<partition>:s3:::<bucket>[/<key>]
    const bucket = parts.slice(5).join(':').split('/')[0];
    return bucket === '' || hasWildcard(bucket);
  }
  // arn:<partition>:s3:<region>:<account>:accesspoint/... and similar
  return hasWildcard(account);
}

function isScopedByResourceCondition(node: CfnResource, condition: unknown): boolean {
  if (!isPlainObject(condition)) {
    return false;
  }
  for (const [operator, block] of Object.entries(condition)) {
    if (!SCOPING_OPERATORS.includes(operator) || !isPlainObject(block)) {
      continue;
    }
    for (const [key, value] of Object.entries(block)) {
      const normalizedKey = key.toLowerCase();
      if (!RESOURCE_SCOPE_KEYS.includes(normalizedKey)) {
        continue;
      }
      const values: unknown[] = Array.isArray(value) ? value : [value];
      if (values.length > 0 && values.every((v) => isConcreteScopeValue(normalizedKey, flattenToString(node, v)))) {
        return true;
      }
    }
  }
  return false;
}

function isConcreteScopeValue(key: string, value: string): boolean {
  if (key === 'aws:resourceorgpaths') {
    // The organization must be fixed; wildcards below it stay inside the organization.
    return /^o-[a-z0-9]{10,32}\//.test(value);
  }
  return value !== '' && !/[*?]/.test(value);
}
