import * as iam from 'aws-cdk-lib/aws-iam';
import { NVME_INSTANCE_TYPE_PATTERNS } from '../private/instance-types';

/**
 * The single source of truth for the guardrail deny statements. The managed policies, the
 * permissions boundary and the service control policies are all built from this list.
 *
 * Condition keys per action come from the Service Authorization Reference (see
 * /tmp/research/sagemaker-condition-keys.md when this was written): a key is only used on the
 * actions that send it, so no statement denies on a key that is never in the request.
 */

/**
 * What the deny statements are parameterized with. Lists are already validated; `subnetIds`,
 * `securityGroupIds` and `kmsKeyArns` are empty only for organization-wide guardrails (required,
 * but not pinned).
 */
export interface GuardrailInputs {
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly kmsKeyArns: string[];
  readonly notebookInstanceTypes: string[];
  readonly studioInstanceTypes: string[];
  readonly endpointInstanceTypes: string[];
  readonly trainingInstanceTypes: string[];
  readonly presignedUrlSourceIps: string[];
  readonly presignedUrlVpcEndpointIds: string[];
  readonly requiredTags: string[];
  readonly maxRuntimeSeconds: number;
}

/** A deny statement and the service area it belongs to (policies are split along areas). */
export interface GuardrailStatement {
  readonly area: 'encryption' | 'network' | 'notebook-studio' | 'compute' | 'access' | 'tags';
  readonly statement: iam.PolicyStatement;
}

const sm = (...names: string[]) => names.map((n) => `sagemaker:${n}`);

const JOBS = sm('CreateTrainingJob', 'CreateProcessingJob', 'CreateHyperParameterTuningJob');
const JOBS_AND_TRANSFORM = [...JOBS, 'sagemaker:CreateTransformJob'];

/** Actions whose request carries `sagemaker:VpcSubnets` and that must run in the environment's subnets. */
export const VPC_REQUIRED_ACTIONS = sm('CreateNotebookInstance', 'CreateTrainingJob', 'CreateProcessingJob',
  'CreateHyperParameterTuningJob', 'CreateModel', 'CreateDomain');

/** Actions whose request carries `sagemaker:InstanceTypes` for each allowlist. */
export const INSTANCE_TYPE_ACTIONS = {
  notebook: sm('CreateNotebookInstance', 'UpdateNotebookInstance'),
  studio: sm('CreateDomain', 'UpdateDomain', 'CreateUserProfile', 'CreateApp'),
  endpoint: sm('CreateEndpointConfig'),
  training: JOBS_AND_TRANSFORM,
};

/** SageMaker Create* actions that accept tags (`aws:RequestTag/*`) and create billable or data-holding resources. */
export const TAGGED_CREATE_ACTIONS = sm('CreateNotebookInstance', 'CreateTrainingJob', 'CreateProcessingJob',
  'CreateHyperParameterTuningJob', 'CreateTransformJob', 'CreateModel', 'CreateEndpoint', 'CreateDomain');

function deny(area: GuardrailStatement['area'], sid: string, actions: string[], conditions: Record<string, Record<string, unknown>>): GuardrailStatement {
  return {
    area,
    statement: new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, actions, resources: ['*'], conditions }),
  };
}

/** Actions whose request carries `sagemaker:VpcSecurityGroupIds`, pinned to the allowed security groups. */
export const SECURITY_GROUP_ACTIONS = [...VPC_REQUIRED_ACTIONS, ...sm('CreateEndpointConfig', 'UpdateDomain', 'CreateUserProfile', 'UpdateUserProfile')];

/**
 * The deny on security groups outside the allowlist. `ids` may be a lazy list (the security
 * groups of workloads added after the guardrails).
 */
export function foreignSecurityGroupsStatement(ids: string[]): GuardrailStatement {
  return deny('network', 'ForeignSecurityGroups', SECURITY_GROUP_ACTIONS, {
    'ForAnyValue:StringNotEquals': { 'sagemaker:VpcSecurityGroupIds': ids },
  });
}

/** Every guardrail deny statement for the given inputs, ordered by area. */
export function guardrailStatements(i: GuardrailInputs): GuardrailStatement[] {
  const s: GuardrailStatement[] = [];

  // --- encryption at rest ---------------------------------------------------------------------
  s.push(deny('encryption', 'NoVolumeKey', sm('CreateNotebookInstance', 'CreateDomain'), {
    Null: { 'sagemaker:VolumeKmsKeyArn': 'true' },
  }));
  s.push(deny('encryption', 'JobNoVolumeKey', [...JOBS_AND_TRANSFORM, 'sagemaker:CreateEndpointConfig'], {
    'Null': { 'sagemaker:VolumeKmsKeyArn': 'true' },
    // NVMe-only requests cannot carry a volume key (CreateTrainingJob rejects VolumeKmsKeyId and
    // CreateEndpointConfig KmsKeyId for them); serverless endpoint configs send no instance type.
    'ForAnyValue:StringNotLike': { 'sagemaker:InstanceTypes': NVME_INSTANCE_TYPE_PATTERNS },
  }));
  // A negated operator matches when the key is absent: jobs without an output key are denied too.
  // Organization-wide guardrails with no key pinned only require one.
  s.push(deny('encryption', 'OutputKey', JOBS_AND_TRANSFORM, i.kmsKeyArns.length > 0
    ? { ArnNotEquals: { 'sagemaker:OutputKmsKeyArn': i.kmsKeyArns } }
    : { Null: { 'sagemaker:OutputKmsKeyArn': 'true' } }));
  s.push(deny('encryption', 'InterContainerEncryption', JOBS, {
    BoolIfExists: { 'sagemaker:InterContainerTrafficEncryption': 'false' },
  }));

  // --- network ----------------------------------------------------------------------------------
  s.push(deny('network', 'NetworkIsolation', [...JOBS, 'sagemaker:CreateModel'], {
    BoolIfExists: { 'sagemaker:NetworkIsolation': 'false' },
  }));
  s.push(deny('network', 'NoSubnets', VPC_REQUIRED_ACTIONS, {
    Null: { 'sagemaker:VpcSubnets': 'true' },
  }));
  s.push(deny('network', 'NoSecurityGroups', VPC_REQUIRED_ACTIONS, {
    Null: { 'sagemaker:VpcSecurityGroupIds': 'true' },
  }));
  if (i.subnetIds.length > 0) {
    s.push(deny('network', 'ForeignSubnets', [...VPC_REQUIRED_ACTIONS, ...sm('CreateEndpointConfig', 'UpdateDomain')], {
      'ForAnyValue:StringNotEquals': { 'sagemaker:VpcSubnets': i.subnetIds },
    }));
  }
  if (i.securityGroupIds.length > 0) {
    s.push(foreignSecurityGroupsStatement(i.securityGroupIds));
  }

  // --- notebooks and Studio ---------------------------------------------------------------------
  // DirectInternetAccess and RootAccess default to Enabled: a Create request must say Disabled.
  s.push(deny('notebook-studio', 'NotebookInternet', sm('CreateNotebookInstance'), {
    StringNotEquals: { 'sagemaker:DirectInternetAccess': 'Disabled' },
  }));
  s.push(deny('notebook-studio', 'NotebookRoot', sm('CreateNotebookInstance'), {
    StringNotEquals: { 'sagemaker:RootAccess': 'Disabled' },
  }));
  // An update that does not touch RootAccess does not send the key and is not denied.
  s.push(deny('notebook-studio', 'NotebookRootUpdate', sm('UpdateNotebookInstance'), {
    StringEquals: { 'sagemaker:RootAccess': 'Enabled' },
  }));
  // IMDSv1 is the default of CreateNotebookInstance: a request must ask for version 2.
  s.push(deny('notebook-studio', 'NotebookImdsV2', sm('CreateNotebookInstance'), {
    StringNotEquals: { 'sagemaker:MinimumInstanceMetadataServiceVersion': '2' },
  }));
  s.push(deny('notebook-studio', 'NotebookImdsV1Update', sm('UpdateNotebookInstance'), {
    StringEquals: { 'sagemaker:MinimumInstanceMetadataServiceVersion': '1' },
  }));
  s.push(deny('notebook-studio', 'DomainVpcOnly', sm('CreateDomain'), {
    StringNotEquals: { 'sagemaker:AppNetworkAccessType': 'VpcOnly' },
  }));
  s.push(deny('notebook-studio', 'DomainUpdateVpcOnly', sm('UpdateDomain'), {
    StringEquals: { 'sagemaker:AppNetworkAccessType': 'PublicInternetOnly' },
  }));

  // --- compute: instance types and runtime ------------------------------------------------------
  const typeLists: Array<[string, string[], string[]]> = [
    ['NotebookTypes', INSTANCE_TYPE_ACTIONS.notebook, i.notebookInstanceTypes],
    ['StudioTypes', INSTANCE_TYPE_ACTIONS.studio, i.studioInstanceTypes],
    ['EndpointTypes', INSTANCE_TYPE_ACTIONS.endpoint, i.endpointInstanceTypes],
    ['JobTypes', INSTANCE_TYPE_ACTIONS.training, i.trainingInstanceTypes],
  ];
  for (const [sid, actions, allowed] of typeLists) {
    s.push(deny('compute', sid, actions, { 'ForAnyValue:StringNotLike': { 'sagemaker:InstanceTypes': allowed } }));
  }
  s.push(deny('compute', 'MaxRuntime', JOBS, {
    NumericGreaterThan: { 'sagemaker:MaxRuntimeInSeconds': String(i.maxRuntimeSeconds) },
  }));

  // --- access: presigned URLs (the keys describe the caller, and every HTTP/WebSocket request) ---
  if (i.presignedUrlSourceIps.length > 0 || i.presignedUrlVpcEndpointIds.length > 0) {
    const conditions: Record<string, Record<string, unknown>> = {};
    // aws:SourceIp is absent on requests through a VPC endpoint, aws:SourceVpce on the others; the
    // request is denied only when it matches neither an allowed range nor an allowed endpoint.
    if (i.presignedUrlSourceIps.length > 0) {
      conditions.NotIpAddressIfExists = { 'aws:SourceIp': i.presignedUrlSourceIps };
    }
    if (i.presignedUrlVpcEndpointIds.length > 0) {
      conditions.StringNotEqualsIfExists = { 'aws:SourceVpce': i.presignedUrlVpcEndpointIds };
    }
    s.push(deny('access', 'PresignedUrlNetwork',
      sm('CreatePresignedNotebookInstanceUrl', 'CreatePresignedDomainUrl'), conditions));
  }

  // --- tags: one statement per key (keys inside one Null operator are ANDed) --------------------
  i.requiredTags.forEach((tag, index) => {
    s.push(deny('tags', `RequiredTag${index + 1}`, TAGGED_CREATE_ACTIONS, {
      Null: { [`aws:RequestTag/${tag}`]: 'true' },
    }));
  });

  return s;
}
