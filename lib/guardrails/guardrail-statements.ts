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
  /** Entries of `UNGUARDED_ACTIONS` the guardrails do not deny. */
  readonly permittedUnguardedActions: string[];
  /**
   * The lifecycle configurations notebooks and Studio may run (may be a lazy list); empty: not
   * restricted.
   */
  readonly lifecycleConfigArns: string[];
}

/** A deny statement and the service area it belongs to (policies are split along areas). */
export interface GuardrailStatement {
  readonly area: 'encryption' | 'network' | 'notebook-studio' | 'compute' | 'access' | 'tags';
  readonly statement: iam.PolicyStatement;
  /**
   * Whether the permissions boundary holds it too. The boundary is one policy of at most 6,144
   * characters; it holds the denies on the requests of the library's own workloads (notebooks,
   * Studio, jobs, models, endpoints). The rest of the catalogue is denied by the deny policies and
   * SCPs, which `applyPermissionsBoundaryTo` attaches beside the boundary.
   */
  readonly inBoundary: boolean;
}

const sm = (...names: string[]) => names.map((n) => `sagemaker:${n}`);

/**
 * Every SageMaker action: statements whose condition keys are present only on the requests that
 * carry the setting (positive operators, or a `Null: false` guard) apply to all of them, which
 * keeps the single-policy permissions boundary small. `test/facts/iam-data.test.ts` checks, per
 * statement, that the actions each pattern matches send its keys.
 */
const ALL = ['sagemaker:*'];

const JOBS = sm('CreateTrainingJob', 'CreateProcessingJob', 'CreateHyperParameterTuningJob');
const JOBS_AND_TRANSFORM = [...JOBS, 'sagemaker:CreateTransformJob'];
/** The four Model Monitor job definitions (data quality, model quality, bias, explainability). */
const MONITORING_JOB_DEFINITIONS = sm('Create*JobDefinition');
/** AutoML (V1 and V2). */
const AUTOML = sm('CreateAutoMLJob*');
/** Jobs whose request names an output key: those above, labeling and model customization jobs. */
const OUTPUT_KEY_ACTIONS = [...JOBS_AND_TRANSFORM, ...AUTOML, ...MONITORING_JOB_DEFINITIONS, ...sm('CreateLabelingJob', 'CreateJob')];

/** Actions whose request carries `sagemaker:VpcSubnets` and that must run in the environment's subnets. */
export const VPC_REQUIRED_ACTIONS = [...sm('CreateNotebookInstance', 'CreateTrainingJob', 'CreateProcessingJob',
  'CreateHyperParameterTuningJob', 'CreateModel', 'CreateDomain', 'CreateCluster', 'CreateJob'), ...AUTOML, ...MONITORING_JOB_DEFINITIONS];

/** Actions whose request carries `sagemaker:InstanceTypes` for each allowlist. */
export const INSTANCE_TYPE_ACTIONS = {
  notebook: sm('CreateNotebookInstance', 'UpdateNotebookInstance'),
  studio: sm('CreateDomain', 'UpdateDomain', 'CreateUserProfile', 'UpdateUserProfile', 'CreateApp', 'CreateSpace', 'UpdateSpace'),
  endpoint: sm('CreateEndpointConfig'),
  training: [...JOBS_AND_TRANSFORM, ...MONITORING_JOB_DEFINITIONS, ...sm('UpdateTrainingJob', 'CreateCluster', 'UpdateCluster')],
};

/** SageMaker Create* actions that accept tags (`aws:RequestTag/*`) and create billable or data-holding resources. */
export const TAGGED_CREATE_ACTIONS = sm('CreateNotebookInstance', 'CreateTrainingJob', 'CreateProcessingJob',
  'CreateHyperParameterTuningJob', 'CreateTransformJob', 'CreateModel', 'CreateEndpoint', 'CreateDomain');

/**
 * SageMaker actions that run compute, reach a network, pass a role, share a resource with other
 * accounts or bring in code or images, and whose requests carry no condition key these guardrails
 * could judge them by: denied unless permitted by name (`permitUnguardedActions`). The reason for
 * each is in the guardrail coverage table (docs/guardrail-coverage.md).
 */
export const UNGUARDED_ACTIONS = sm(
  // compute with a role and a network of its own choosing, no condition key for either
  'CreateCompilationJob', 'CreateOptimizationJob', 'CreateInferenceRecommendationsJob', 'CreateEdgePackagingJob',
  'CreateAIBenchmarkJob', 'CreateAIRecommendationJob', 'CreateInferenceExperiment', 'UpdateInferenceExperiment', 'UpdateInferenceComponent',
  // an algorithm's validation runs training and transform jobs as a passed role, outside these guardrails
  'CreateAlgorithm',
  // pipelines: every step runs as the pipeline's role, which need not carry these guardrails
  'CreatePipeline', 'UpdatePipeline',
  // servers and apps outside the environment's VPC
  'CreateMlflowTrackingServer', 'UpdateMlflowTrackingServer', 'CreateMlflowApp', 'UpdateMlflowApp', 'CreatePartnerApp', 'UpdatePartnerApp',
  // edge devices outside the VPC
  'CreateDeviceFleet', 'UpdateDeviceFleet', 'CreateEdgeDeploymentPlan',
  // network interfaces and volumes on HyperPod nodes
  'AttachClusterNodeNetworkInterface', 'AttachClusterNodeVolume',
  // code and images from outside
  'CreateCodeRepository', 'UpdateCodeRepository', 'CreateImageVersion',
  // identity providers and source networks of labeling workforces
  'CreateWorkforce', 'UpdateWorkforce',
  // resource policies that share models and lineage with other accounts
  'PutModelPackageGroupPolicy', 'PutLineageGroupPolicy', 'PutResourcePolicy', 'CreateLineageGroupPolicy',
  // remote sessions into Studio spaces
  'StartSession',
);

function deny(area: GuardrailStatement['area'], sid: string, actions: string[], conditions: Record<string, Record<string, unknown>>,
  inBoundary = true): GuardrailStatement {
  return {
    area,
    inBoundary,
    statement: new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, actions, resources: ['*'], conditions }),
  };
}

/**
 * Patterns that stand for several unguarded actions, used when every action they match is denied
 * (`test/facts/iam-data.test.ts` checks each matches exactly its members in IAM's catalogue).
 */
export const UNGUARDED_ACTION_PATTERNS: Record<string, string[]> = {
  'sagemaker:CreateAI*Job': sm('CreateAIBenchmarkJob', 'CreateAIRecommendationJob'),
  'sagemaker:CreateMlflow*': sm('CreateMlflowApp', 'CreateMlflowTrackingServer'),
  'sagemaker:UpdateMlflow*': sm('UpdateMlflowApp', 'UpdateMlflowTrackingServer'),
  'sagemaker:Attach*': sm('AttachClusterNodeNetworkInterface', 'AttachClusterNodeVolume'),
  'sagemaker:Put*Policy': sm('PutModelPackageGroupPolicy', 'PutLineageGroupPolicy', 'PutResourcePolicy'),
};

/** The denied unguarded actions, written with the patterns whose members are all denied. */
function compressUnguarded(actions: string[]): string[] {
  let out = [...actions];
  for (const [pattern, members] of Object.entries(UNGUARDED_ACTION_PATTERNS)) {
    if (members.every((m) => out.includes(m))) {
      out = [...out.filter((a) => !members.includes(a)), pattern];
    }
  }
  return out;
}

/** A deny of the rest of the catalogue: in the deny policies and SCPs, not in the boundary. */
const catalogueDeny = (area: GuardrailStatement['area'], sid: string, actions: string[], conditions: Record<string, Record<string, unknown>>) =>
  deny(area, sid, actions, conditions, false);

/**
 * The deny on security groups outside the allowlist, on every action that names security groups.
 * `ids` may be a lazy list (the security groups of workloads added after the guardrails).
 */
export function foreignSecurityGroupsStatement(ids: string[]): GuardrailStatement {
  // ForAnyValue: a request that names no security group does not match (NoSecurityGroups requires one).
  return deny('network', 'ForeignSecurityGroups', ALL, {
    'ForAnyValue:StringNotEquals': { 'sagemaker:VpcSecurityGroupIds': ids },
  });
}

/**
 * The denies on lifecycle configurations outside `arns`, for notebook instances and for Studio
 * (domains, user profiles, spaces, apps). ForAnyValue: a request that names none does not match.
 * `arns` may be a lazy list (the configurations of workloads added after the guardrails).
 */
export function foreignLifecycleConfigStatements(arns: string[]): GuardrailStatement[] {
  return [
    catalogueDeny('notebook-studio', 'ForeignNotebookLifecycleConfig', ALL, {
      'ForAnyValue:ArnNotLike': { 'sagemaker:NotebookInstanceLifecycleConfigArns': arns },
    }),
    catalogueDeny('notebook-studio', 'ForeignStudioLifecycleConfig', ALL, {
      'ForAnyValue:ArnNotLike': { 'sagemaker:StudioLifecycleConfigArns': arns },
    }),
  ];
}

/** A deny on a key ARN that the request names and that is not one of `arns` (absent keys are left to the other statements). */
function foreignKey(sid: string, inBoundary: boolean, key: string, arns: string[]): GuardrailStatement {
  return deny('encryption', sid, ALL, { Null: { [key]: 'false' }, ArnNotEquals: { [key]: arns } }, inBoundary);
}

/** Every guardrail deny statement for the given inputs, ordered by area. */
export function guardrailStatements(i: GuardrailInputs): GuardrailStatement[] {
  const s: GuardrailStatement[] = [];

  // --- encryption at rest ---------------------------------------------------------------------
  s.push(deny('encryption', 'NoVolumeKey', [...sm('CreateNotebookInstance', 'CreateDomain', 'CreateLabelingJob'), ...AUTOML], {
    Null: { 'sagemaker:VolumeKmsKeyArn': 'true' },
  }));
  s.push(deny('encryption', 'JobNoVolumeKey', [...JOBS_AND_TRANSFORM, ...MONITORING_JOB_DEFINITIONS, 'sagemaker:CreateEndpointConfig'], {
    'Null': { 'sagemaker:VolumeKmsKeyArn': 'true' },
    // NVMe-only requests cannot carry a volume key (CreateTrainingJob rejects VolumeKmsKeyId and
    // CreateEndpointConfig KmsKeyId for them); serverless endpoint configs send no instance type.
    'ForAnyValue:StringNotLike': { 'sagemaker:InstanceTypes': NVME_INSTANCE_TYPE_PATTERNS },
  }));
  if (i.kmsKeyArns.length > 0) {
    // Keys of another account (or any key but the environment's) are denied wherever a request names one.
    s.push(foreignKey('ForeignVolumeKey', false, 'sagemaker:VolumeKmsKeyArn', i.kmsKeyArns));
    s.push(foreignKey('ForeignSharingKey', false, 'sagemaker:DomainSharingOutputKmsKeyArn', i.kmsKeyArns));
  }
  // Feature group stores (Security Hub SageMaker.17, .18): a store CreateFeatureGroup configures is
  // encrypted with the environment's key, not another one and not an AWS key (no key named; the
  // InMemory online tier, which takes none, included). Organization-wide guardrails with no key
  // pinned only require one.
  const storeKey = (presence: Record<string, Record<string, string>>, key: string) => (i.kmsKeyArns.length > 0
    ? { ...presence, ArnNotEquals: { [key]: i.kmsKeyArns } }
    : { ...presence, Null: { ...presence.Null, [key]: 'true' } });
  s.push(catalogueDeny('encryption', 'OnlineStoreKey', ALL,
    storeKey({ Bool: { 'sagemaker:FeatureGroupEnableOnlineStore': 'true' } }, 'sagemaker:FeatureGroupOnlineStoreKmsKeyArn')));
  s.push(catalogueDeny('encryption', 'OfflineStoreKey', ALL,
    storeKey({ Null: { 'sagemaker:FeatureGroupOfflineStoreConfig': 'false' } }, 'sagemaker:FeatureGroupOfflineStoreKmsKeyArn')));
  // A negated operator matches when the key is absent: jobs without an output key are denied too.
  // Organization-wide guardrails with no key pinned only require one.
  s.push(deny('encryption', 'OutputKey', OUTPUT_KEY_ACTIONS, i.kmsKeyArns.length > 0
    ? { ArnNotEquals: { 'sagemaker:OutputKmsKeyArn': i.kmsKeyArns } }
    : { Null: { 'sagemaker:OutputKmsKeyArn': 'true' } }));
  s.push(deny('encryption', 'InterContainerEncryption', [...JOBS, ...AUTOML, ...MONITORING_JOB_DEFINITIONS], {
    BoolIfExists: { 'sagemaker:InterContainerTrafficEncryption': 'false' },
  }));

  // --- network ----------------------------------------------------------------------------------
  s.push(deny('network', 'NetworkIsolation', [...JOBS, ...MONITORING_JOB_DEFINITIONS, 'sagemaker:CreateModel'], {
    BoolIfExists: { 'sagemaker:NetworkIsolation': 'false' },
  }));
  s.push(deny('network', 'NoSubnets', VPC_REQUIRED_ACTIONS, {
    Null: { 'sagemaker:VpcSubnets': 'true' },
  }));
  // A VpcConfig must hold both subnets and security groups (the API rejects one without the
  // other), so only the two requests whose groups are a separate, optional field need this.
  s.push(deny('network', 'NoSecurityGroups', sm('CreateNotebookInstance', 'CreateDomain'), {
    Null: { 'sagemaker:VpcSecurityGroupIds': 'true' },
  }));
  if (i.subnetIds.length > 0) {
    s.push(deny('network', 'ForeignSubnets', ALL, {
      'ForAnyValue:StringNotEquals': { 'sagemaker:VpcSubnets': i.subnetIds },
    }));
  }
  if (i.securityGroupIds.length > 0) {
    s.push(foreignSecurityGroupsStatement(i.securityGroupIds));
  }
  // Monitoring schedules and inference components must reference a job definition or a model,
  // whose own requests are judged above: inline definitions and containers would skip them.
  s.push(catalogueDeny('network', 'InlineMonitoringJob', sm('CreateMonitoringSchedule', 'UpdateMonitoringSchedule'), {
    Null: { 'sagemaker:InstanceTypes': 'false' },
  }));
  s.push(catalogueDeny('network', 'InlineInferenceContainer', sm('CreateInferenceComponent'), {
    Null: { 'sagemaker:ModelArn': 'true' },
  }));
  // Labeling and human review by the public crowd (Mechanical Turk) send the data out of the organization.
  s.push(catalogueDeny('network', 'PublicWorkforce', ALL, {
    StringEquals: { 'sagemaker:WorkteamType': 'public-crowd' },
  }));

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
  // Remote access (a local IDE into a space) and remote debugging (a shell in a training
  // container) open a session that bypasses the VPC's endpoints and the notebook's controls.
  s.push(deny('notebook-studio', 'RemoteAccess', ALL, {
    StringEquals: { 'sagemaker:RemoteAccess': 'ENABLED' },
  }));
  s.push(deny('notebook-studio', 'RemoteDebug', ALL, {
    Bool: { 'sagemaker:EnableRemoteDebug': 'true' },
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
  s.push(deny('compute', 'MaxRuntime', [...JOBS, ...MONITORING_JOB_DEFINITIONS], {
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
    // Notebook, Studio and MLflow URLs (CreatePresigned*Url), and Partner AI App URLs.
    s.push(deny('access', 'PresignedUrlNetwork', sm('CreatePresigned*Url', 'CreatePartnerAppPresignedUrl'), conditions));
  }

  // --- notebook-studio: only the allowed lifecycle scripts (they run in every app of a domain) ---
  if (i.lifecycleConfigArns.length > 0) {
    s.push(...foreignLifecycleConfigStatements(i.lifecycleConfigArns));
  }

  // --- tags: one statement per key (keys inside one Null operator are ANDed) --------------------
  i.requiredTags.forEach((tag, index) => {
    s.push(deny('tags', `RequiredTag${index + 1}`, TAGGED_CREATE_ACTIONS, {
      Null: { [`aws:RequestTag/${tag}`]: 'true' },
    }));
  });

  // --- compute paths these guardrails cannot judge: denied unless permitted by name ------------
  const unguarded = UNGUARDED_ACTIONS.filter((a) => !i.permittedUnguardedActions.includes(a));
  if (unguarded.length > 0) {
    s.push(catalogueDeny('compute', 'UnguardedActions', compressUnguarded(unguarded), {}));
  }

  return s;
}
