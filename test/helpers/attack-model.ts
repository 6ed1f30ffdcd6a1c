import { asDeployed, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from './deployed';
import { cloudTrailEvent, eventMatches, s3ObjectEvent } from './event-pattern';
import { PolicyJson, RequestContext, StatementJson, statementMatches } from './iam-eval';
import { managedPoliciesOfRole } from './template';

/**
 * A model of one synthesized account for attack-path tests: who may do what, evaluated the way IAM
 * does over every policy type the template holds (identity policies, permissions boundary, service
 * control policies, bucket, key, topic and queue policies, VPC endpoint policies), the network path
 * a request from inside the VPC can take (only through the VPC's endpoints: the subnets have no
 * route elsewhere), and the monitoring rules that alert on a CloudTrail event.
 *
 * Evaluation ("Policy evaluation logic", IAM User Guide), same account:
 * - an explicit Deny in any applicable policy denies;
 * - a request from the VPC needs an endpoint for its service, whose policy must allow it;
 * - the permissions boundary and the SCPs must allow it (the SCPs are deny lists beside FullAWSAccess);
 * - KMS: the key policy must allow it, directly or by delegating to the account's IAM policies;
 * - otherwise the identity policies or the resource's policy (naming the principal) must allow it.
 * For a resource of another account, the identity policies must allow it (that account is assumed
 * to allow everything: the attacker owns it).
 */

type Resources = Record<string, { Type: string; Properties?: any; Metadata?: any }>;

/** Who makes the requests: a role of the template, or a principal defined by its policies. */
export interface AttackPrincipal {
  readonly name: string;
  readonly arn: string;
  /** Identity policies (already deployed: references replaced), the guardrails' deny policies apart. */
  readonly policies: PolicyJson[];
  /** The guardrails' deny policies the principal carries. */
  readonly guardrails?: PolicyJson[];
  readonly boundary?: PolicyJson;
  /** Principal tags, as `aws:PrincipalTag/<key>` context keys. */
  readonly tags: Record<string, string>;
  /** Where its requests come from: the environment's VPC (through its endpoints), or anywhere. */
  readonly from: 'vpc' | 'internet';
}

/** The outcome of one request. */
export type Outcome = 'allowed' | 'denied' | 'alerted';

/** Why a request was refused (for the per-mechanism counts). */
export type Mechanism = 'guardrails' | 'identity' | 'boundary' | 'scp' | 'resource-policy' | 'key-policy' | 'endpoint-policy' | 'no-route' | 'allowed';

/** The order in which refusing layers are named: the first is the one a request is counted under. */
export const REFUSAL_ORDER: Mechanism[] = ['guardrails', 'identity', 'resource-policy', 'key-policy', 'boundary', 'scp', 'endpoint-policy', 'no-route'];

const arr = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The account an ARN names (S3 ARNs name none: undefined). */
const accountOf = (resource: string | undefined) => /^arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/.exec(resource ?? '')?.[1];

/** The service prefix of an endpoint service name (`com.amazonaws.us-east-1.sagemaker.api` → sagemaker.api). */
const endpointService = (name: string) => name.replace(/^(com\.amazonaws|aws\.sagemaker)\.[a-z0-9-]+\./, '');

/** Which endpoint service carries an action (the VPC has no other way out). */
function endpointServiceOf(action: string, resource: string | undefined): string | undefined {
  const [service, name] = action.split(':');
  switch (service) {
    case 's3': return 's3';
    case 'logs': return 'logs';
    case 'sts': return 'sts';
    case 'ecr': return name === 'GetAuthorizationToken' || !resource?.includes(':repository/') ? 'ecr.api' : 'ecr.dkr';
    case 'sagemaker':
      if (/^Invoke/.test(name)) return 'sagemaker.runtime';
      return 'sagemaker.api';
    default: return undefined;
  }
}

/** Whether a resource-policy statement names the principal (its ARN, its account, or anyone). */
function names(statement: any, who: AttackPrincipal): boolean {
  const p = statement.Principal;
  if (p === undefined) return true;
  if (p === '*') return true;
  const aws = arr(p.AWS);
  return aws.some((a: string) => a === '*' || a === who.arn || a === `arn:aws:iam::${DEPLOYED_ACCOUNT}:root` || a === DEPLOYED_ACCOUNT);
}

function matching(policy: PolicyJson | undefined, request: RequestContext, effect: 'Allow' | 'Deny', who?: AttackPrincipal): StatementJson[] {
  return arr(policy?.Statement).filter((s) => s.Effect === effect && (!who || names(s, who)) && statementMatches(s, request));
}

export class AttackWorld {
  public readonly resources: Resources;
  private readonly scps: PolicyJson[];
  private readonly rules: Array<{ id: string; pattern: any }>;
  private readonly endpoints: Map<string, { id: string; policy?: PolicyJson }>;

  constructor(private readonly template: { Resources: Resources }, scps: PolicyJson[] = []) {
    this.resources = template.Resources;
    this.scps = scps;
    this.rules = Object.entries(this.resources).filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern)
      .map(([id, r]) => ({ id, pattern: this.deployed(r.Properties.EventPattern) }));
    this.endpoints = new Map();
    for (const [id, r] of Object.entries(this.resources)) {
      if (r.Type === 'AWS::EC2::VPCEndpoint') {
        const service = endpointService(this.deployed(r.Properties.ServiceName));
        this.endpoints.set(service, { id, policy: r.Properties.PolicyDocument ? this.deployed(r.Properties.PolicyDocument) : undefined });
      }
    }
  }

  /** A value with the template's references replaced by deployed-looking values. */
  public deployed(value: unknown): any {
    return asDeployed(this.template as any, value);
  }

  /** The logical ID of the only resource of `type` whose ID starts with `prefix`. */
  public idOf(prefix: string, type: string): string {
    const ids = Object.keys(this.resources).filter((id) => id.startsWith(prefix) && this.resources[id].Type === type);
    if (ids.length !== 1) throw new Error(`attack-model: ${ids.length} resources of ${type} start with ${prefix}`);
    return ids[0];
  }

  /** A deployed attribute (`X` or `X.Arn`) of the only resource of `type` whose ID starts with `prefix`. */
  public value(prefix: string, type: string, attr?: string): string {
    const id = this.idOf(prefix, type);
    return this.deployed(attr ? { 'Fn::GetAtt': [id, attr] } : { Ref: id });
  }

  /** A role of the template as a principal: its managed and inline policies, boundary and tags. */
  public role(prefix: string, from: 'vpc' | 'internet' = 'vpc'): AttackPrincipal {
    const roleId = this.idOf(prefix, 'AWS::IAM::Role');
    const role = this.resources[roleId].Properties;
    const ids = managedPoliciesOfRole(this.template, roleId);
    const policy = (id: string) => this.deployed(this.resources[id].Properties.PolicyDocument) as PolicyJson;
    const isGuardrail = (id: string) => id.startsWith('GuardrailsDenyPolicy');
    const managed = ids.filter((id) => !isGuardrail(id)).map(policy);
    const inline = arr(role.Policies).map((p: any) => this.deployed(p.PolicyDocument) as PolicyJson);
    const boundaryRef = role.PermissionsBoundary?.Ref;
    const tags = Object.fromEntries(arr(role.Tags).map((t: any) => [`aws:PrincipalTag/${t.Key}`, String(this.deployed(t.Value))]));
    return {
      name: prefix,
      arn: this.deployed({ 'Fn::GetAtt': [roleId, 'Arn'] }),
      policies: [...managed, ...inline],
      guardrails: ids.filter(isGuardrail).map(policy),
      boundary: boundaryRef ? this.deployed(this.resources[boundaryRef].Properties.PolicyDocument) : undefined,
      tags,
      from,
    };
  }

  /** The policy of the resource a request acts on (bucket, key, topic, queue), if the template holds one. */
  private resourcePolicy(resource: string | undefined): { kind: 'bucket' | 'key' | 'other'; policy: PolicyJson } | undefined {
    if (!resource) return undefined;
    for (const r of Object.values(this.resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::S3::BucketPolicy') {
        const bucket = `arn:aws:s3:::${this.deployed(p.Bucket)}`;
        if (resource === bucket || resource.startsWith(`${bucket}/`)) return { kind: 'bucket', policy: this.deployed(p.PolicyDocument) };
      }
      if (r.Type === 'AWS::KMS::Key') {
        const id = Object.keys(this.resources).find((k) => this.resources[k] === r)!;
        if (resource === this.deployed({ 'Fn::GetAtt': [id, 'Arn'] })) return { kind: 'key', policy: this.deployed(p.KeyPolicy) };
      }
      if (r.Type === 'AWS::SNS::TopicPolicy' && arr(p.Topics).map((t: unknown) => this.deployed(t)).includes(resource)) {
        return { kind: 'other', policy: this.deployed(p.PolicyDocument) };
      }
      if (r.Type === 'AWS::SQS::QueuePolicy') {
        const arns = arr(p.Queues).map((q: any) => this.deployed(q.Ref ? { 'Fn::GetAtt': [q.Ref, 'Arn'] } : q));
        if (arns.includes(resource)) return { kind: 'other', policy: this.deployed(p.PolicyDocument) };
      }
    }
    return undefined;
  }

  /** The request as IAM sees it: the principal's keys and the network path added. */
  private contextOf(who: AttackPrincipal, request: RequestContext, endpointId?: string): RequestContext {
    const account = accountOf(request.resource);
    const context: Record<string, any> = {
      'aws:PrincipalArn': who.arn,
      'aws:PrincipalAccount': DEPLOYED_ACCOUNT,
      'aws:PrincipalIsAWSService': 'false',
      'aws:ViaAWSService': 'false',
      'aws:SecureTransport': 'true',
      'aws:RequestedRegion': DEPLOYED_REGION,
      ...who.tags,
      ...(account ? { 'aws:ResourceAccount': account } : {}),
      ...(endpointId ? { 'aws:SourceVpce': endpointId } : who.from === 'internet' ? { 'aws:SourceIp': '198.51.100.23' } : {}),
      ...request.context,
    };
    return { ...request, context };
  }

  /** IAM's decision on a request: the first layer that refuses it (in `REFUSAL_ORDER`), or allowed. */
  public decide(who: AttackPrincipal, request: RequestContext): Mechanism {
    return this.refusals(who, request)[0] ?? 'allowed';
  }

  /**
   * Every layer that refuses a request on its own, in `REFUSAL_ORDER` (empty when it is allowed):
   * defence in depth shows as several.
   */
  public refusals(who: AttackPrincipal, request: RequestContext): Mechanism[] {
    let endpointId: string | undefined;
    let endpointPolicy: PolicyJson | undefined;
    let noRoute = false;
    // iam:PassRole is authorized inside the request that passes the role, not sent on its own.
    if (who.from === 'vpc' && request.action !== 'iam:PassRole') {
      const service = endpointServiceOf(request.action, request.resource);
      const endpoint = service ? this.endpoints.get(service) : undefined;
      if (endpoint) {
        endpointId = this.deployed({ Ref: endpoint.id });
        endpointPolicy = endpoint.policy;
      } else {
        // The subnets have no route but the endpoints: a request to any other service never leaves the VPC.
        noRoute = true;
      }
    }
    const req = this.contextOf(who, request, endpointId);
    const resource = this.resourcePolicy(request.resource);
    const own = (accountOf(request.resource) ?? DEPLOYED_ACCOUNT) === DEPLOYED_ACCOUNT
      && !/^arn:aws:s3:::(attacker|exfil)/.test(request.resource ?? '');
    const denies = (policies: Array<PolicyJson | undefined>, who_?: AttackPrincipal) =>
      policies.some((p) => matching(p, req, 'Deny', who_).length > 0);
    const allows = (policies: Array<PolicyJson | undefined>, who_?: AttackPrincipal) =>
      policies.some((p) => matching(p, req, 'Allow', who_).length > 0);
    const namesRole = (s: any) => arr(s.Principal?.AWS).includes(who.arn);
    const identityAllows = allows(who.policies);

    const refused = new Set<Mechanism>();
    if (denies(who.guardrails ?? [])) refused.add('guardrails');
    if (denies(who.policies)) refused.add('identity');
    if (who.boundary && (denies([who.boundary]) || !allows([who.boundary]))) refused.add('boundary');
    if (denies(this.scps)) refused.add('scp');
    if (resource?.kind === 'key') {
      const statements = matching(resource.policy, req, 'Allow', who);
      const direct = statements.some(namesRole);
      const delegated = statements.some((st: any) => arr(st.Principal?.AWS).includes(`arn:aws:iam::${DEPLOYED_ACCOUNT}:root`));
      if (denies([resource.policy], who) || !(direct || (delegated && identityAllows))) refused.add('key-policy');
      if (!identityAllows && !direct) refused.add('identity');
    } else {
      if (resource && denies([resource.policy], who)) refused.add('resource-policy');
      const resourceAllows = own && resource !== undefined && matching(resource.policy, req, 'Allow', who).some(namesRole);
      if (!identityAllows && !resourceAllows) refused.add('identity');
    }
    if (endpointPolicy && (denies([endpointPolicy], who) || !allows([endpointPolicy], who))) refused.add('endpoint-policy');
    if (noRoute) refused.add('no-route');
    return REFUSAL_ORDER.filter((m) => refused.has(m));
  }

  /**
   * The monitoring rules whose pattern matches an event of the request: its CloudTrail event and,
   * for an object written or deleted, the S3 event the bucket sends to EventBridge.
   */
  public alertingRules(request: RequestContext, requestParameters: Record<string, unknown> = {}): string[] {
    const [service, name] = request.action.split(':');
    const events = [cloudTrailEvent(service, name, { requestParameters })];
    const object = /^arn:aws:s3:::([^/]+)\/(.+)$/.exec(request.resource ?? '');
    if (service === 's3' && object && /^(PutObject|DeleteObject|DeleteObjectVersion|CopyObject)$/.test(name)) {
      events.push(s3ObjectEvent(name.startsWith('Delete') ? 'Object Deleted' : 'Object Created', object[1], object[2]));
    }
    return this.rules.filter((r) => events.some((e) => eventMatches(r.pattern, e))).map((r) => r.id);
  }

  /** Denied, alerted (allowed but a monitoring rule matches its CloudTrail event), or allowed. */
  public outcome(who: AttackPrincipal, request: RequestContext, requestParameters?: Record<string, unknown>): { outcome: Outcome; by: string } {
    const mechanism = this.decide(who, request);
    if (mechanism !== 'allowed') return { outcome: 'denied', by: mechanism };
    const rules = this.alertingRules(request, requestParameters);
    return rules.length > 0 ? { outcome: 'alerted', by: rules.join(',') } : { outcome: 'allowed', by: 'allowed' };
  }
}
