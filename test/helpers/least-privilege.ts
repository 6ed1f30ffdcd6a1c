/**
 * Least privilege, checked on the synthesized policy documents.
 *
 * For every Allow statement of every IAM policy (managed, inline, role inline):
 * - no service-wide action (`*`, `s3:*`), no NotAction/NotResource;
 * - `Resource: "*"` only for actions that support no resource-level permissions (listed below);
 * - S3, KMS and IAM actions name buckets, keys and roles of the same template, by reference, with
 *   the right resource type: never a literal ARN, never another template's resource;
 * - SageMaker actions name notebooks and endpoints of the same template (by name), and job ARNs with
 *   a wildcard only in a statement that carries conditions.
 *
 * A policy that names resources through `${aws:PrincipalTag/...}` variables (one policy shared by
 * several roles) is checked once per role that carries it, with that role's tags filled in.
 */

import { managedPoliciesOfRole, withPrincipalTags } from './template';

/** One problem found in a policy. */
export interface PrivilegeViolation {
  readonly policy: string;
  readonly action: string;
  readonly resource: string;
  readonly problem: string;
}

/** Actions that AWS authorizes on `*` only (no resource-level permissions). */
const NO_RESOURCE_LEVEL = new Set([
  'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
  'ecr:GetAuthorizationToken', 'sts:GetServiceBearerToken',
  // Step Functions logging (vended log delivery) and X-Ray tracing; metrics (narrowed by namespace condition).
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
  'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
  'cloudwatch:PutMetricData',
  // Studio: listing a domain's spaces and apps (names and status only).
  'sagemaker:ListApps', 'sagemaker:ListSpaces',
]);

/** Read-only SageMaker actions allowed on a wildcard ARN inside a Studio domain of the same template. */
const READ_IN_OWNED_DOMAIN = new Set(['sagemaker:DescribeApp', 'sagemaker:DescribeSpace']);

/** Resource types an action's service may act on, when referenced. */
const OWNED_TYPES: Record<string, string[]> = {
  s3: ['AWS::S3::Bucket'],
  kms: ['AWS::KMS::Key'],
  iam: ['AWS::IAM::Role'],
  logs: ['AWS::Logs::LogGroup'],
};

/** Services whose literal ARNs would be someone else's data or identities. */
const STRICT_SERVICES = ['s3', 'kms', 'iam'];

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((v) => refsIn(v, out));
  } else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.Ref === 'string') {
      out.push(o.Ref);
    } else if (Array.isArray(o['Fn::GetAtt'])) {
      out.push(String((o['Fn::GetAtt'] as unknown[])[0]));
    } else {
      Object.values(o).forEach((v) => refsIn(v, out));
    }
  }
  return out;
}

/** Renders a resource as text with references as <Id>. */
function flat(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const o = value as Record<string, any>;
  if (o?.['Fn::Join']) {
    return (o['Fn::Join'][1] as unknown[]).map(flat).join(o['Fn::Join'][0]);
  }
  if (o?.Ref) {
    return `<${o.Ref}>`;
  }
  if (o?.['Fn::GetAtt']) {
    return `<${o['Fn::GetAtt'][0]}.${o['Fn::GetAtt'][1]}>`;
  }
  return JSON.stringify(value);
}

/** Checks every IAM policy of one template. */
export function leastPrivilegeViolations(template: { Resources?: Record<string, any> }): PrivilegeViolation[] {
  const resources = template.Resources ?? {};
  const ownedNames = new Set<string>();
  const ownedPackageGroups = new Set<string>();
  for (const r of Object.values(resources)) {
    const name = r.Properties?.NotebookInstanceName ?? r.Properties?.EndpointName ?? r.Properties?.FeatureGroupName;
    if (typeof name === 'string') {
      ownedNames.add(name.toLowerCase());
    }
    // The versions of an owned model package group are `model-package/<group>/<n>`.
    if (r.Type === 'AWS::SageMaker::ModelPackageGroup' && typeof r.Properties?.ModelPackageGroupName === 'string') {
      ownedPackageGroups.add(r.Properties.ModelPackageGroupName.toLowerCase());
    }
  }
  // Permissions boundaries only cap what identity policies grant: their Allow * is the ceiling.
  const boundaries = new Set<string>();
  for (const r of Object.values(resources)) {
    const ref = r.Type === 'AWS::IAM::Role' ? r.Properties?.PermissionsBoundary?.Ref : undefined;
    if (typeof ref === 'string') {
      boundaries.add(ref);
    }
  }
  const violations: PrivilegeViolation[] = [];
  const documents: Array<{ name: string; doc: any }> = [];
  const roleIds = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::IAM::Role');
  for (const [id, r] of Object.entries(resources)) {
    if ((r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') && !boundaries.has(id)) {
      // A policy shared through the roles' tags is checked as each role that carries it sees it.
      const carriers = JSON.stringify(r.Properties.PolicyDocument).includes('${aws:PrincipalTag/')
        ? roleIds.filter((roleId) => managedPoliciesOfRole(template, roleId).includes(id))
        : [];
      if (carriers.length === 0) {
        documents.push({ name: id, doc: r.Properties.PolicyDocument });
      }
      for (const roleId of carriers) {
        documents.push({ name: `${id} (as ${roleId})`, doc: withPrincipalTags(r.Properties.PolicyDocument, resources[roleId].Properties.Tags ?? []) });
      }
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of r.Properties.Policies ?? []) {
        documents.push({ name: `${id}/${p.PolicyName}`, doc: p.PolicyDocument });
      }
    }
  }
  for (const { name, doc } of documents) {
    for (const statement of [doc.Statement].flat()) {
      if (statement.Effect !== 'Allow') {
        continue;
      }
      if (statement.NotResource || statement.NotAction) {
        violations.push({ policy: name, action: '*', resource: '*', problem: 'NotResource/NotAction in an Allow' });
        continue;
      }
      const actions: string[] = [statement.Action].flat();
      const conditioned = statement.Condition !== undefined;
      for (const resource of [statement.Resource].flat()) {
        for (const action of actions) {
          const service = action.split(':')[0];
          const rendered = flat(resource);
          const v = (problem: string) => violations.push({ policy: name, action, resource: rendered, problem });
          if (action === '*' || action.endsWith(':*')) {
            v('service-wide action');
          }
          if (resource === '*') {
            if (!NO_RESOURCE_LEVEL.has(action)) {
              v('Resource "*"');
            }
            continue;
          }
          if (STRICT_SERVICES.includes(service)) {
            const refs = refsIn(resource).filter((ref) => !ref.startsWith('AWS::'));
            if (refs.length === 0) {
              v(typeof resource === 'string' ? 'literal ARN of a resource the template does not own' : 'no reference to an owned resource');
              continue;
            }
            for (const ref of refs) {
              const target = resources[ref];
              if (!target) {
                v(`reference to ${ref}, which this template does not own`);
              } else if (!OWNED_TYPES[service].includes(target.Type)) {
                v(`${service} action on a ${target.Type}`);
              }
            }
            continue;
          }
          if (service === 'sagemaker') {
            const pkg = /:model-package(-group)?\/([^/*]+)(\/\*)?$/.exec(rendered);
            if (pkg) {
              if (!ownedPackageGroups.has(pkg[2].toLowerCase())) v(`model package group ${pkg[2]} is not in this template`);
              continue;
            }
            const m = /:(notebook-instance|endpoint|endpoint-config|model|training-job|processing-job|transform-job|hyper-parameter-tuning-job|monitoring-schedule|feature-group|domain|user-profile|app|space)\/(.+)$/.exec(rendered);
            if (!m) {
              v('SageMaker resource the checker cannot place');
            } else if (m[2].includes('*')) {
              const domainRef = /^<([^.>]+)\.DomainId>\//.exec(m[2]);
              const inOwnedDomain = domainRef !== null && resources[domainRef[1]]?.Type === 'AWS::SageMaker::Domain';
              if (!conditioned && !(READ_IN_OWNED_DOMAIN.has(action) && inOwnedDomain)) {
                v(`wildcard ${m[1]} ARN without conditions`);
              }
            } else if (['notebook-instance', 'endpoint', 'feature-group'].includes(m[1]) && !ownedNames.has(m[2].toLowerCase())) {
              v(`${m[1]} ${m[2]} is not in this template`);
            }
          }
        }
      }
    }
  }
  return violations;
}
