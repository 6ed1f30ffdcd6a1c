/**
 * Least privilege, checked on the synthesized policy documents: every Allow statement of every
 * IAM policy (managed, inline, role inline) names resources of its own template only, by
 * reference, with the right resource type for the action's service; no `*` resource, no literal
 * ARN of a bucket, key, role, endpoint or notebook that the template does not own.
 */

/** One problem found in a policy. */
export interface PrivilegeViolation {
  readonly policy: string;
  readonly action: string;
  readonly resource: string;
  readonly problem: string;
}

/** Resource types an action's service may act on, when the library grants it. */
const OWNED_TYPES: Record<string, string[]> = {
  s3: ['AWS::S3::Bucket'],
  kms: ['AWS::KMS::Key'],
  iam: ['AWS::IAM::Role'],
  logs: ['AWS::Logs::LogGroup'],
  sagemaker: [
    'AWS::SageMaker::NotebookInstance', 'AWS::SageMaker::Endpoint', 'AWS::SageMaker::EndpointConfig',
    'AWS::SageMaker::Model', 'AWS::SageMaker::Domain', 'AWS::SageMaker::UserProfile',
    'AWS::SageMaker::NotebookInstanceLifecycleConfig', 'AWS::SageMaker::Pipeline',
  ],
  states: ['AWS::StepFunctions::StateMachine'],
  sns: ['AWS::SNS::Topic'],
  sqs: ['AWS::SQS::Queue'],
  ec2: ['AWS::EC2::VPC', 'AWS::EC2::SecurityGroup', 'AWS::EC2::Subnet'],
};

/** Services whose ARNs are data or identities: a literal ARN of one of them is someone else's resource. */
const SENSITIVE_ARN = /^arn:[^:]*:(s3|kms|iam|sagemaker):/;

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

/** Checks every IAM policy of one template. */
export function leastPrivilegeViolations(template: { Resources?: Record<string, any> }): PrivilegeViolation[] {
  const resources = template.Resources ?? {};
  const violations: PrivilegeViolation[] = [];
  const documents: Array<{ name: string; doc: any }> = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') {
      documents.push({ name: id, doc: r.Properties.PolicyDocument });
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
      for (const resource of [statement.Resource].flat()) {
        for (const action of actions) {
          const service = action.split(':')[0];
          const rendered = JSON.stringify(resource);
          if (action === '*' || action.endsWith(':*')) {
            violations.push({ policy: name, action, resource: rendered, problem: 'service-wide action' });
          }
          if (resource === '*') {
            violations.push({ policy: name, action, resource: rendered, problem: 'Resource "*"' });
            continue;
          }
          if (typeof resource === 'string') {
            if (SENSITIVE_ARN.test(resource)) {
              violations.push({ policy: name, action, resource: rendered, problem: 'literal ARN of a resource the template does not own' });
            }
            continue;
          }
          const refs = refsIn(resource).filter((ref) => !ref.startsWith('AWS::'));
          if (refs.length === 0) {
            violations.push({ policy: name, action, resource: rendered, problem: 'no reference to an owned resource' });
            continue;
          }
          for (const ref of refs) {
            const target = resources[ref];
            if (!target) {
              violations.push({ policy: name, action, resource: rendered, problem: `reference to ${ref}, which this template does not own` });
              continue;
            }
            const allowed = OWNED_TYPES[service];
            if (allowed && !allowed.includes(target.Type)) {
              violations.push({ policy: name, action, resource: rendered, problem: `${service} action on a ${target.Type}` });
            }
          }
        }
      }
    }
  }
  return violations;
}
