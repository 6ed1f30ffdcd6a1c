import { NagMessageLevel } from 'cdk-nag';
import { flatten, isPlainObject, isSet, isTrue, referencedId, RefResolver, render } from './cfn-values';
import { Control, ControlSubject, fail, judge, notApplicable, Observation, pass } from './control';
import { NETWORK_SECTION } from './sections';
import { TemplateView } from './template';

/** Resource types that exist only to carry traffic between a VPC and the internet (or a carrier network). */
const INTERNET_GATEWAY_TYPES = [
  'AWS::EC2::InternetGateway',
  'AWS::EC2::EgressOnlyInternetGateway',
  'AWS::EC2::CarrierGateway',
];

/** Literal `GatewayId` values that never lead to the internet. */
const NON_INTERNET_GATEWAY_PREFIXES = ['vgw-', 'vpce-'];

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

const SEED_NO_INTERNET = 'Project seed guidance: no internet path, VPC endpoints only';

/**
 * The VPC has no path to the internet: no internet, egress-only or carrier gateway, no public NAT
 * gateway, no gateway attachment of an internet gateway, and no route to any of them.
 *
 * Routes to virtual private gateways, VPC endpoints, transit gateways, peering connections and
 * private NAT gateways (`ConnectivityType: private`) are fine. A route target that cannot be
 * identified at synth time (a parameter, an import, an unknown literal) is non-compliant.
 */
export const VPC_NO_INTERNET_PATH: Control = {
  id: 'VPCNoInternetPath',
  resourceTypes: [...INTERNET_GATEWAY_TYPES, 'AWS::EC2::NatGateway', 'AWS::EC2::VPCGatewayAttachment', 'AWS::EC2::Route'],
  level: NagMessageLevel.WARN,
  section: NETWORK_SECTION,
  info: 'The resource creates or uses a path to the internet (internet, egress-only or carrier gateway, public NAT gateway, or a route to one).',
  explanation:
    'SageMaker workloads built with this library must have no route to the internet: data leaves the VPC only through VPC endpoints, whose policies '
    + 'control where it can go. An internet or NAT gateway is an uncontrolled exfiltration path and lets code in notebooks, training jobs and '
    + 'containers download unvetted packages and models.',
  doc: {
    cause: 'An `AWS::EC2::InternetGateway`, `EgressOnlyInternetGateway`, `CarrierGateway` or public `NatGateway`; a `VPCGatewayAttachment` with `InternetGatewayId`; '
      + 'or an `AWS::EC2::Route` to an internet gateway (`GatewayId` that references one in the stack, or a literal `igw-…`), to a public NAT gateway, an egress-only '
      + 'internet gateway or a carrier gateway. Routes to `vgw-…`/`vpce-…`, `local`, transit gateways, peering connections and private NAT gateways '
      + '(`ConnectivityType: private`) are fine; a route target that cannot be identified is flagged.',
    fix: 'Use `SageMakerNetwork` (isolated subnets and VPC endpoints), or `ec2.Vpc` with `natGateways: 0` and only `PRIVATE_ISOLATED` subnets, and add the VPC endpoints the workload needs.',
    sources: `${SEED_NO_INTERNET}; Amazon SageMaker AI Developer Guide, [Connect to SageMaker AI within your VPC](https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html); `
      + 'Security Hub [SageMaker.1] Amazon SageMaker notebook instances should not have direct internet access, [SageMaker.2] SageMaker notebook instances should be launched in a custom VPC.',
  },
  check: (subject) => {
    const type = subject.type;
    const props = subject.properties;
    if (INTERNET_GATEWAY_TYPES.includes(type)) {
      return [fail(`${type.replace('AWS::EC2::', '')}: a path between the VPC and the internet`)];
    }
    if (type === 'AWS::EC2::NatGateway') {
      return [judge(props.ConnectivityType === 'private', 'private NAT gateway', 'public NAT gateway: outbound internet access')];
    }
    if (type === 'AWS::EC2::VPCGatewayAttachment') {
      return [judge(!isSet(props.InternetGatewayId), 'no internet gateway attached', `attaches internet gateway ${render(props.InternetGatewayId)}`)];
    }
    return [judge(!routeLeadsToInternet(props, subject.template), 'the route leads nowhere near the internet', 'the route leads (or may lead) to the internet')];
  },
};

function routeLeadsToInternet(props: { [key: string]: any }, template: TemplateView): boolean {
  if (isSet(props.EgressOnlyInternetGatewayId) || isSet(props.CarrierGatewayId)) {
    return true;
  }
  if (isSet(props.NatGatewayId) && !referencesPrivateNatGateway(props.NatGatewayId, template)) {
    return true;
  }
  if (isSet(props.GatewayId) && !isNonInternetGateway(props.GatewayId, template)) {
    return true;
  }
  // TransitGatewayId, VpcPeeringConnectionId, VpcEndpointId, LocalGatewayId, CoreNetworkArn, ...
  return false;
}

/** True only when `GatewayId` is provably not an internet-facing gateway. */
function isNonInternetGateway(gatewayId: unknown, template: TemplateView): boolean {
  if (typeof gatewayId === 'string') {
    return gatewayId === 'local' || NON_INTERNET_GATEWAY_PREFIXES.some((prefix) => gatewayId.startsWith(prefix));
  }
  const target = referencedResource(gatewayId, template);
  return target !== undefined
    && !INTERNET_GATEWAY_TYPES.includes(target.Type)
    && !(target.Type === 'AWS::EC2::NatGateway' && !isPrivateNatGateway(target.Properties));
}

/** True only when `NatGatewayId` references a private NAT gateway defined in the same template. */
function referencesPrivateNatGateway(natGatewayId: unknown, template: TemplateView): boolean {
  const target = referencedResource(natGatewayId, template);
  return target !== undefined && target.Type === 'AWS::EC2::NatGateway' && isPrivateNatGateway(target.Properties);
}

/** The resource of this template a `Ref` / `Fn::GetAtt` points at. */
function referencedResource(value: unknown, template: TemplateView) {
  const logicalId = referencedId(value);
  if (logicalId === undefined || template.refKind(logicalId) !== 'resource') {
    return undefined;
  }
  return template.resource(logicalId);
}

function isPrivateNatGateway(properties: unknown): boolean {
  return isPlainObject(properties) && properties.ConnectivityType === 'private';
}

/**
 * S3 gateway VPC endpoints have an endpoint policy that restricts which buckets can be reached.
 *
 * Applies to `AWS::EC2::VPCEndpoint` of type Gateway (the default) whose `ServiceName` ends with `.s3`
 * (or does not resolve at synth time). Non-compliant when `PolicyDocument` is absent or unparseable, or
 * when any Allow statement uses `NotResource` or a resource that matches any bucket (`*`,
 * `arn:<partition>:s3:::*`, a wildcard in the bucket name or the account, or a value that does not
 * resolve at synth time), unless that statement pins `aws:ResourceAccount`, `s3:ResourceAccount`,
 * `aws:ResourceOrgID` or `aws:ResourceOrgPaths` to a concrete account or organization.
 */
export const VPC_S3_GATEWAY_ENDPOINT_POLICY: Control = {
  id: 'VPCS3GatewayEndpointPolicy',
  resourceTypes: ['AWS::EC2::VPCEndpoint'],
  level: NagMessageLevel.ERROR,
  section: NETWORK_SECTION,
  info: 'The S3 gateway VPC endpoint has no endpoint policy, or its policy allows access to any bucket.',
  explanation:
    'Without an endpoint policy (or with Resource "*" / "arn:aws:s3:::*" or NotResource), the S3 gateway endpoint lets any principal in the VPC '
    + 'read from and write to any bucket in any AWS account, which is a data exfiltration path that bypasses the missing internet route. Restrict '
    + 'the policy to the buckets the workload needs, or pin aws:ResourceAccount / aws:ResourceOrgID to your account or organization.',
  doc: {
    cause: 'An S3 gateway `AWS::EC2::VPCEndpoint` (type `Gateway` or absent, `ServiceName` ending in `.s3` or unresolvable) has no `PolicyDocument`, '
      + 'or an Allow statement with `NotResource` or a resource that matches any bucket: `*`, `arn:aws:s3:::*`, `arn:${AWS::Partition}:s3:::*` '
      + '(also built with `Fn::Join` / `Fn::Sub`), `arn:aws:s3:::*/*`, a wildcard in the bucket name or account, or a value from a parameter. '
      + 'A wildcard resource is accepted only when the statement pins `aws:ResourceAccount`, `s3:ResourceAccount`, `aws:ResourceOrgID` or '
      + '`aws:ResourceOrgPaths` to a concrete account or organization.',
    fix: 'Use `SageMakerNetwork`, whose S3 gateway endpoint policy lists the buckets of the environment, or call `addToPolicy` on the `ec2.GatewayVpcEndpoint` '
      + 'with statements scoped to your buckets (plus the AWS-owned buckets the workload depends on) or conditioned on `aws:ResourceAccount`.',
    sources: `${SEED_NO_INTERNET}; AWS PrivateLink Guide, [Gateway endpoints for Amazon S3](https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html) `
      + 'and [Control access to VPC endpoints using endpoint policies](https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).',
  },
  check: (subject) => {
    const props = subject.properties;
    const endpointType = props.VpcEndpointType;
    if (typeof endpointType === 'string' && endpointType !== 'Gateway') {
      return [notApplicable(`a ${endpointType} endpoint`)];
    }
    const serviceName = flatten(props.ServiceName, subject.template);
    // An unresolvable service name (rendered as '*') may be S3: check it rather than let it pass.
    if (!/\.s3$/.test(serviceName) && !serviceName.includes('*')) {
      return [notApplicable(`a gateway endpoint for ${serviceName}`)];
    }
    return [judge(restrictsBuckets(props.PolicyDocument, subject.template), 'the endpoint policy restricts the buckets it reaches',
      props.PolicyDocument === undefined ? 'no endpoint policy: any bucket in any account' : 'the endpoint policy allows any bucket')];
  },
};

function restrictsBuckets(policyDocument: unknown, refs: RefResolver): boolean {
  const statements = statementsOf(policyDocument);
  return statements !== undefined && statements.every((statement) => !allowsAnyBucket(statement, refs));
}

function allowsAnyBucket(statement: { [key: string]: any }, refs: RefResolver): boolean {
  // Anything but a literal Deny (including an unresolvable Effect) is treated as Allow.
  if (statement.Effect === 'Deny') {
    return false;
  }
  if (statement.NotResource !== undefined || statement.Resource === undefined) {
    return true;
  }
  const resources: unknown[] = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  const wildcard = resources.some((resource) => isWildcardS3Resource(flatten(resource, refs)));
  return wildcard && !isScopedByResourceCondition(statement.Condition, refs);
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

function isScopedByResourceCondition(condition: unknown, refs: RefResolver): boolean {
  return pinsCondition(condition, refs, RESOURCE_SCOPE_KEYS);
}

function isConcreteScopeValue(key: string, value: string): boolean {
  if (key === 'aws:resourceorgpaths') {
    // The organization must be fixed; wildcards below it stay inside the organization.
    return /^o-[a-z0-9]{10,32}\//.test(value);
  }
  return value !== '' && !/[*?]/.test(value);
}

/**
 * Interface VPC endpoints have private DNS enabled.
 *
 * Applies to `AWS::EC2::VPCEndpoint` with `VpcEndpointType: Interface` (or a type that does not
 * resolve at synth time); compliant only when `PrivateDnsEnabled` resolves to true.
 */
export const VPC_INTERFACE_ENDPOINT_PRIVATE_DNS: Control = {
  id: 'VPCInterfaceEndpointPrivateDNS',
  resourceTypes: ['AWS::EC2::VPCEndpoint'],
  level: NagMessageLevel.ERROR,
  section: NETWORK_SECTION,
  info: 'The interface VPC endpoint does not have private DNS enabled.',
  explanation:
    'AWS SDKs and the SageMaker runtime inside the VPC use the public service hostnames. Without private DNS those names resolve to public '
    + 'addresses, so calls bypass the endpoint: they fail in a VPC with no internet path, or leave the VPC where one exists.',
  doc: {
    cause: 'An interface `AWS::EC2::VPCEndpoint` (`VpcEndpointType: Interface`, or a type that does not resolve) does not have `PrivateDnsEnabled: true`.',
    fix: 'Keep the `privateDnsEnabled: true` default of `ec2.InterfaceVpcEndpoint` (and of `SageMakerNetwork`\'s endpoints); set `PrivateDnsEnabled: true` on a `CfnVPCEndpoint`.',
    sources: 'AWS PrivateLink Guide, [Access an AWS service using an interface VPC endpoint](https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html) (private DNS names).',
  },
  check: (subject: ControlSubject): Observation[] => {
    const props = subject.properties;
    const endpointType = props.VpcEndpointType;
    // Absent means Gateway; GatewayLoadBalancer, Resource and ServiceNetwork endpoints have no private DNS option.
    if (endpointType === undefined || (typeof endpointType === 'string' && endpointType !== 'Interface')) {
      return [notApplicable(`a ${endpointType ?? 'Gateway'} endpoint`)];
    }
    return isTrue(props.PrivateDnsEnabled) ? [pass('private DNS enabled')] : [fail('private DNS not enabled: SDK calls bypass the endpoint')];
  },
};

/** Condition keys that pin the calling principal to an account, organization or identity. */
const PRINCIPAL_SCOPE_KEYS = ['aws:principalaccount', 'aws:principalorgid', 'aws:principalorgpaths', 'aws:principalarn'];

/**
 * Interface VPC endpoints have an endpoint policy that admits only the account's (or
 * organization's) principals, or only named resources of fixed accounts.
 *
 * Applies to `AWS::EC2::VPCEndpoint` with `VpcEndpointType: Interface`. Non-compliant when
 * `PolicyDocument` is absent or unparseable, or when an Allow statement admits any principal
 * (`Principal: "*"` or `{"AWS": "*"}`) without pinning it (`aws:PrincipalAccount`,
 * `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` or `aws:PrincipalArn` with a concrete value under a
 * string-equality operator) and without naming only resources of a fixed account (no `*`, no
 * wildcard or unknown account in the ARNs).
 */
export const VPC_INTERFACE_ENDPOINT_POLICY: Control = {
  id: 'VPCInterfaceEndpointPolicy',
  resourceTypes: ['AWS::EC2::VPCEndpoint'],
  level: NagMessageLevel.ERROR,
  section: NETWORK_SECTION,
  info: 'The interface VPC endpoint has no endpoint policy, or its policy admits principals of any account to resources of any account.',
  explanation:
    'Without an endpoint policy an interface endpoint admits any request signed by any credentials, to any resource: code in an "isolated" VPC '
    + 'can write logs, push images, assume roles or create resources in another account through it, or use credentials brought from another '
    + 'account. Admit only this account\'s (or organization\'s) principals, or only named resources of this account.',
  doc: {
    cause: 'An interface `AWS::EC2::VPCEndpoint` has no `PolicyDocument` (AWS then attaches its full-access default), or an Allow statement with '
      + '`Principal: "*"` (or `{"AWS": "*"}`) that neither pins the principal (`aws:PrincipalAccount`, `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` '
      + 'or `aws:PrincipalArn` with a concrete value, under `StringEquals`, `StringEqualsIgnoreCase`, `StringLike` or their `ForAnyValue:` forms) '
      + 'nor names only resources of a fixed account (no `*`, `NotResource`, or wildcard or parameter in the account field).',
    fix: 'Use `SageMakerNetwork` (or `SageMakerEnvironment`), whose interface endpoints get the perimeter policy of `endpointPerimeter` '
      + '(`EndpointPerimeter.account()` by default); or call `addToPolicy` on the `ec2.InterfaceVpcEndpoint` with statements conditioned on '
      + '`aws:PrincipalAccount` (or `aws:PrincipalOrgID`) and `aws:ResourceAccount`.',
    sources: `${SEED_NO_INTERNET}; AWS PrivateLink Guide, [Control access to VPC endpoints using endpoint policies](https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html); `
      + 'AWS whitepaper "Building a data perimeter on AWS" and the AWS data perimeter policy examples (VPC endpoint policies).',
  },
  check: (subject) => {
    const props = subject.properties;
    if (props.VpcEndpointType !== 'Interface') {
      return [notApplicable(`a ${typeof props.VpcEndpointType === 'string' ? props.VpcEndpointType : 'Gateway'} endpoint`)];
    }
    const statements = statementsOf(props.PolicyDocument);
    if (statements === undefined) {
      return [fail(props.PolicyDocument === undefined ? 'no endpoint policy: any principal, any resource, any account' : 'the endpoint policy cannot be read')];
    }
    const open = statements.filter((s) => admitsAnyoneAnywhere(s, subject.template));
    return [judge(open.length === 0, 'the endpoint policy admits only pinned principals or named resources of fixed accounts',
      `the endpoint policy admits any principal to resources of any account (${open.map((s, i) => (typeof s.Sid === 'string' ? s.Sid : `statement ${i + 1}`)).join(', ')})`)];
  },
};

function statementsOf(policyDocument: unknown): Array<{ [key: string]: any }> | undefined {
  let document = policyDocument;
  if (typeof document === 'string') {
    try {
      document = JSON.parse(document);
    } catch {
      return undefined;
    }
  }
  if (!isPlainObject(document) || document.Statement === undefined) {
    return undefined;
  }
  const statements: unknown[] = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.every(isPlainObject) ? statements as Array<{ [key: string]: any }> : undefined;
}

function admitsAnyoneAnywhere(statement: { [key: string]: any }, refs: RefResolver): boolean {
  if (statement.Effect === 'Deny') {
    return false;
  }
  const principal = statement.Principal;
  const anyPrincipal = principal === undefined || principal === '*'
    || (isPlainObject(principal) && [principal.AWS].flat().some((p) => p === '*'));
  if (!anyPrincipal) {
    return false;
  }
  if (pinsCondition(statement.Condition, refs, PRINCIPAL_SCOPE_KEYS)) {
    return false;
  }
  if (statement.NotResource !== undefined || statement.Resource === undefined) {
    return true;
  }
  const resources: unknown[] = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  return !resources.every((r) => isFixedAccountArn(flatten(r, refs)));
}

/** True when `condition` pins one of `keys` (resource or principal scope keys) to concrete values under a string-equality operator. */
function pinsCondition(condition: unknown, refs: RefResolver, keys: string[]): boolean {
  if (!isPlainObject(condition)) {
    return false;
  }
  for (const [operator, block] of Object.entries(condition)) {
    if (!SCOPING_OPERATORS.includes(operator) || !isPlainObject(block)) {
      continue;
    }
    for (const [key, value] of Object.entries(block)) {
      const normalizedKey = key.toLowerCase();
      if (!keys.includes(normalizedKey)) {
        continue;
      }
      const values: unknown[] = Array.isArray(value) ? value : [value];
      // An organization path must fix the organization, for principals and resources alike.
      if (values.length > 0 && values.every((v) => isConcreteScopeValue(normalizedKey.replace('principal', 'resource'), flatten(v, refs)))) {
        return true;
      }
    }
  }
  return false;
}

/** An ARN whose account field is fixed (a literal account or a reference, never a wildcard or a parameter). */
function isFixedAccountArn(resource: string): boolean {
  const parts = resource.split(':');
  return parts[0] === 'arn' && parts.length >= 6 && parts[4] !== '' && !/[*?]/.test(parts[4]) && !/[*?]/.test(parts[2]);
}
