import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SecureMlPlatformStack } from '../../examples/secure-ml-platform';
import { SageMakerGuardrails } from '../../lib';
import { CATEGORY_EVENTS } from '../../lib/monitoring/threat-categories';
import { AttackPrincipal, AttackWorld, Mechanism } from '../helpers/attack-model';
import { newTestApp } from '../helpers/compliance';
import { DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { PolicyJson, RequestContext } from '../helpers/iam-eval';

// Attack paths over the main example as synthesized, on the project's IAM evaluator
// (test/helpers/attack-model.ts): three attackers, each with every request they would try.
// Each attack must be denied by some policy, or find no route out of the VPC, or — where denial
// is impossible by design — match a monitoring rule's pattern with its CloudTrail or S3 event.
// The compliant requests of the library's own workloads must still be allowed.

const app = newTestApp();
const stack = new SecureMlPlatformStack(app, 'SecureMlPlatform');
const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
const guardrails = stack.node.findAll().find((c): c is SageMakerGuardrails => c instanceof SageMakerGuardrails)!;
const bare = new AttackWorld(template);
const scps: PolicyJson[] = guardrails.scpDocuments().map((doc) => JSON.parse(bare.deployed(Stack.of(guardrails).resolve(doc))));
const world = new AttackWorld(template, scps);

const ATTACKER = '444455556666';
const arn = (service: string, resource: string, account = DEPLOYED_ACCOUNT) => `arn:aws:${service}:${DEPLOYED_REGION}:${account}:${resource}`;
const bucket = (prefix: string) => world.value(prefix, 'AWS::S3::Bucket', 'Arn');
const DATA = bucket('EnvironmentDataBucket');
const ARTIFACTS = bucket('EnvironmentArtifactsBucket');
const ACCESS_LOGS = bucket('EnvironmentAccessLogsBucket');
const TRAIL_BUCKET = bucket('SecurityMonitoringTrailBucket');
const KEY = world.value('EnvironmentKey', 'AWS::KMS::Key', 'Arn');
const SUBNETS = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::EC2::Subnet').map((id) => world.deployed({ Ref: id }));
const ENV_TAG = 'aws:RequestTag/secure-sagemaker:environment';
const ROLES = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::IAM::Role')
  .map((id) => world.deployed({ 'Fn::GetAtt': [id, 'Arn'] }) as string);
const roleArn = (prefix: string) => world.deployed({ 'Fn::GetAtt': [world.idOf(prefix, 'AWS::IAM::Role'), 'Arn'] }) as string;
const SERVED = `${ARTIFACTS}/models/churn/v1/model.tar.gz`;

interface Attack {
  readonly what: string;
  readonly request: RequestContext;
  /** CloudTrail `requestParameters` the monitoring rules may match on. */
  readonly params?: Record<string, unknown>;
}

const req = (action: string, resource = '*', context: Record<string, any> = {}): RequestContext =>
  ({ action, resource, context: Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) });
const kmsUpload = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY };

/** Objects of every bucket the workloads must not touch, minus the principal's own prefixes. */
const OBJECTS: Array<[string, string]> = [
  ['raw data', `${DATA}/datasets/raw/customers.csv`],
  ['curated data', `${DATA}/datasets/curated/part-0.parquet`],
  ['data at the bucket root', `${DATA}/export.csv`],
  ['the served model', SERVED],
  ['another model version', `${ARTIFACTS}/models/churn/v2/model.tar.gz`],
  ['the notebook\'s workspace', `${ARTIFACTS}/notebooks/team-a-explore/analysis.ipynb`],
  ['Bob\'s Studio files', `${ARTIFACTS}/studio/ml-platform/users/bob/work.ipynb`],
  ['Alice\'s Studio files', `${ARTIFACTS}/studio/ml-platform/users/alice/work.ipynb`],
  ['captured inference data', `${ARTIFACTS}/datacapture/team-a-churn/2026/12/01/capture.jsonl`],
  ['the feature store prefix', `${ARTIFACTS}/features/team-a/f.parquet`],
  ['the access logs', `${ACCESS_LOGS}/s3-access/2026-12-01`],
  ['the CloudTrail logs', `${TRAIL_BUCKET}/AWSLogs/${DEPLOYED_ACCOUNT}/CloudTrail/${DEPLOYED_REGION}/log.json.gz`],
];
const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl', 's3:PutObjectTagging'];
const BUCKET_ACTIONS = ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl', 's3:PutBucketVersioning', 's3:PutLifecycleConfiguration',
  's3:PutEncryptionConfiguration', 's3:DeleteBucket', 's3:PutBucketPublicAccessBlock', 's3:PutBucketLogging', 's3:PutBucketNotification'];

/**
 * What code holding a workload role's credentials inside the VPC would try: everything below
 * except the requests on its own resources (`own` matches their ARNs) and its own role to pass.
 */
function workloadAttacks(own: RegExp, passable?: string): Attack[] {
  return allWorkloadAttacks(passable).filter((a) => !own.test(a.request.resource ?? ''));
}

function allWorkloadAttacks(passable?: string): Attack[] {
  const attacks: Attack[] = [];
  for (const [what, object] of OBJECTS) {
    for (const action of OBJECT_ACTIONS) {
      attacks.push({ what: `${action} on ${what}`, request: req(action, object, action === 's3:PutObject' ? kmsUpload : {}) });
    }
  }
  for (const b of [DATA, ARTIFACTS, ACCESS_LOGS, TRAIL_BUCKET]) {
    for (const action of BUCKET_ACTIONS) {
      attacks.push({ what: `${action} on ${b.split(':::')[1]}`, request: req(action, b) });
    }
  }
  attacks.push(
    // exfiltration and tooling through the S3 gateway endpoint
    { what: 'upload to the attacker\'s bucket', request: req('s3:PutObject', 'arn:aws:s3:::attacker-exfil-bucket/loot.tar') },
    { what: 'download tools from the attacker\'s bucket', request: req('s3:GetObject', 'arn:aws:s3:::attacker-exfil-bucket/implant.sh') },
    { what: 'list the attacker\'s bucket', request: req('s3:ListBucket', 'arn:aws:s3:::attacker-exfil-bucket') },
    { what: 'list every object of the data bucket', request: req('s3:ListBucket', DATA, { 's3:prefix': '' }) },
    { what: 'list every workspace', request: req('s3:ListBucket', ARTIFACTS, { 's3:prefix': 'notebooks/' }) },
    // the key, directly (no KMS endpoint: only S3 may use it on the workload's behalf)
    ...['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy']
      .map((action) => ({ what: `${action} on the environment key`, request: req(action, KEY) })),
    // other roles
    ...['ChurnTrainingTrainingRole', 'ChurnEndpointRole', 'PipelineRole', 'DataScientistRole', 'StudioUserbobRole', 'ChurnTrainingStateMachineRole']
      .map((r) => ({ what: `assume ${r}`, request: req('sts:AssumeRole', roleArn(r)) })),
    { what: 'assume a role of the attacker\'s account', request: req('sts:AssumeRole', `arn:aws:iam::${ATTACKER}:role/c2`, { 'aws:ResourceAccount': ATTACKER }) },
    // logs: write into, or erase, others' log groups; ship to the attacker's account
    ...[['the endpoint\'s logs', '/aws/sagemaker/Endpoints/team-a-churn'], ['the flow logs', '/secure-sagemaker/ml-platform/flow-logs'],
      ['another account\'s logs', 'attacker/exfil']].flatMap(([what, group]) => [
      { what: `write into ${what}`, request: req('logs:PutLogEvents', `${arn('logs', `log-group:${group}:log-stream:x`, group.startsWith('attacker') ? ATTACKER : DEPLOYED_ACCOUNT)}`) },
      { what: `delete ${what}`, request: req('logs:DeleteLogGroup', arn('logs', `log-group:${group}`, group.startsWith('attacker') ? ATTACKER : DEPLOYED_ACCOUNT)) },
    ]),
    { what: 'shorten log retention', request: req('logs:PutRetentionPolicy', arn('logs', 'log-group:/aws/sagemaker/NotebookInstances')) },
    { what: 'export logs to S3', request: req('logs:CreateExportTask', arn('logs', 'log-group:/aws/sagemaker/NotebookInstances')) },
    // images: push to the attacker's registry, pull an implant, poison the account's images
    { what: 'push a layer to the attacker\'s registry', request: req('ecr:InitiateLayerUpload', `arn:aws:ecr:${DEPLOYED_REGION}:${ATTACKER}:repository/loot`) },
    { what: 'pull an image from the attacker\'s registry', request: req('ecr:BatchGetImage', `arn:aws:ecr:${DEPLOYED_REGION}:${ATTACKER}:repository/implant`) },
    { what: 'push an image into the account\'s registry', request: req('ecr:PutImage', arn('ecr', 'repository/churn-inference')) },
    // SageMaker control plane
    {
      what: 'create a notebook instance with root and internet',
      request: req('sagemaker:CreateNotebookInstance', arn('sagemaker', 'notebook-instance/backdoor'),
        { 'sagemaker:RootAccess': 'Enabled', 'sagemaker:DirectInternetAccess': 'Enabled' }),
    },
    { what: 'open another notebook', request: req('sagemaker:CreatePresignedNotebookInstanceUrl', arn('sagemaker', 'notebook-instance/team-b-explore')) },
    { what: 'open Bob\'s Studio', request: req('sagemaker:CreatePresignedDomainUrl', arn('sagemaker', 'user-profile/studio43727d10-domainid/bob')) },
    { what: 'persist a Studio lifecycle script in every user\'s apps', request: req('sagemaker:UpdateDomain', arn('sagemaker', 'domain/studio43727d10-domainid')) },
    { what: 'swap Bob\'s execution role', request: req('sagemaker:UpdateUserProfile', arn('sagemaker', 'user-profile/studio43727d10-domainid/bob')) },
    { what: 'create a Studio lifecycle script', request: req('sagemaker:CreateStudioLifecycleConfig', arn('sagemaker', 'studio-lifecycle-config/backdoor')) },
    { what: 'rewrite the notebook\'s lifecycle script (runs as root)', request: req('sagemaker:UpdateNotebookInstanceLifecycleConfig', arn('sagemaker', 'notebook-instance-lifecycle-config/team-a-explore')) },
    { what: 'turn root access on', request: req('sagemaker:UpdateNotebookInstance', arn('sagemaker', 'notebook-instance/team-a-explore'), { 'sagemaker:RootAccess': 'Enabled' }) },
    { what: 'delete the endpoint', request: req('sagemaker:DeleteEndpoint', arn('sagemaker', 'endpoint/team-a-churn')) },
    { what: 'point the endpoint at another config', request: req('sagemaker:UpdateEndpoint', arn('sagemaker', 'endpoint/team-a-churn')) },
    { what: 'create a model from the attacker\'s image', request: req('sagemaker:CreateModel', arn('sagemaker', 'model/implant'), { 'sagemaker:NetworkIsolation': 'false' }) },
    { what: 'stop another notebook', request: req('sagemaker:StopNotebookInstance', arn('sagemaker', 'notebook-instance/team-b-explore')) },
    { what: 'read another team\'s training job', request: req('sagemaker:DescribeTrainingJob', arn('sagemaker', 'training-job/team-b-job'), { 'aws:ResourceTag/secure-sagemaker:notebook': 'team-b-explore' }) },
    { what: 'stop the platform\'s training job', request: req('sagemaker:StopTrainingJob', arn('sagemaker', 'training-job/churn-1'), { 'aws:ResourceTag/secure-sagemaker:training-job': 'churn' }) },
    { what: 'create a pipeline whose steps run as any role', request: req('sagemaker:CreatePipeline', arn('sagemaker', 'pipeline/escape')) },
    { what: 'compile a model outside the VPC', request: req('sagemaker:CreateCompilationJob', arn('sagemaker', 'compilation-job/escape')) },
    { what: 'start an MLflow server outside the VPC', request: req('sagemaker:CreateMlflowTrackingServer', arn('sagemaker', 'mlflow-tracking-server/escape')) },
    { what: 'create a space with remote access', request: req('sagemaker:CreateSpace', arn('sagemaker', 'space/studio43727d10-domainid/remote'), { 'sagemaker:RemoteAccess': 'ENABLED' }) },
    { what: 'create SageMaker resources in the attacker\'s account', request: req('sagemaker:CreateTrainingJob', arn('sagemaker', 'training-job/x', ATTACKER), { 'aws:ResourceAccount': ATTACKER }) },
    { what: 'invoke another account\'s endpoint', request: req('sagemaker:InvokeEndpoint', arn('sagemaker', 'endpoint/attacker', ATTACKER), { 'aws:ResourceAccount': ATTACKER }) },
    ...ROLES.filter((r) => r !== passable).map((r) => ({
      what: `pass ${r.split('/').pop()} to SageMaker`, request: req('iam:PassRole', r, { 'iam:PassedToService': 'sagemaker.amazonaws.com' }),
    })),
    // services with no endpoint in the VPC: the calls that would silence the monitoring, open the
    // network, change IAM or read secrets never leave the subnets
    ...[['events:DisableRule', 'rule/x'], ['sns:Unsubscribe', 'x'], ['sqs:PurgeQueue', 'x'], ['cloudtrail:StopLogging', 'trail/x'], ['ec2:DeleteFlowLogs', 'x'],
      ['ec2:AuthorizeSecurityGroupEgress', 'security-group/x'], ['ec2:CreateVpcEndpoint', 'vpc/x'], ['route53resolver:DisassociateFirewallRuleGroup', 'x'],
      ['iam:AttachRolePolicy', 'role/x'], ['iam:TagRole', 'role/x'], ['iam:CreateAccessKey', 'user/x'], ['secretsmanager:GetSecretValue', 'secret:x'],
      ['ssm:GetParameter', 'parameter/x'], ['lambda:CreateFunction', 'function:x']]
      .map(([action, resource]) => ({ what: `${action} (no endpoint)`, request: req(action, arn(action.split(':')[0], resource)) })),
  );
  return attacks;
}

/** SDK-default training job request from the notebook, as in test/notebook/isolation.test.ts. */
const notebookJob = (overrides: Record<string, any> = {}): RequestContext => req('sagemaker:CreateTrainingJob', arn('sagemaker', 'training-job/team-a-explore-1'), {
  'sagemaker:VpcSubnets': SUBNETS,
  'sagemaker:VpcSecurityGroupIds': [world.role('ExploreNotebookRole').tags['aws:PrincipalTag/secure-sagemaker-notebook-job-group']],
  'sagemaker:VolumeKmsKeyArn': KEY,
  'sagemaker:OutputKmsKeyArn': KEY,
  'sagemaker:NetworkIsolation': 'true',
  'sagemaker:InterContainerTrafficEncryption': 'true',
  'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
  'sagemaker:MaxRuntimeInSeconds': '86400',
  'aws:RequestTag/secure-sagemaker:notebook': 'team-a-explore',
  [ENV_TAG]: 'ml-platform',
  ...overrides,
});

interface AttackerCase {
  readonly attacker: string;
  readonly principals: Array<[AttackPrincipal, Attack[]]>;
  readonly compliant: Array<[AttackPrincipal, string, RequestContext]>;
}

const notebook = world.role('ExploreNotebookRole');
const alice = world.role('StudioUseraliceRole');
const jobRole = world.role('ExploreNotebookJobRole');
const training = world.role('ChurnTrainingTrainingRole');
const endpointRole = world.role('ChurnEndpointRole');
const pipeline = world.role('PipelineRole');

/**
 * An in-account power user under the guardrails: `Allow *` in its identity policy (administrator
 * rights, short of being the account owner), the guardrails' deny policies and boundary, and the
 * organization's SCPs, calling from the internet.
 */
const powerUser: AttackPrincipal = {
  name: 'power user',
  arn: `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/platform-power-user`,
  policies: [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
  guardrails: Object.keys(template.Resources).filter((id) => id.startsWith('GuardrailsDenyPolicy')).map((id) => world.deployed(template.Resources[id].Properties.PolicyDocument)),
  boundary: world.deployed(template.Resources[world.idOf('GuardrailsPermissionsBoundary', 'AWS::IAM::ManagedPolicy')].Properties.PolicyDocument),
  tags: {},
  from: 'internet',
};
/** The power user working inside the VPC (a Studio app, a bastion): its object requests go through the S3 gateway endpoint. */
const powerUserInVpc: AttackPrincipal = { ...powerUser, name: 'power user in the VPC', from: 'vpc' };

/** The insecure control-plane requests the guardrails must deny (one per statement, and more). */
function controlPlaneAttacks(): Attack[] {
  const sg = world.role('ExploreNotebookRole').tags['aws:PrincipalTag/secure-sagemaker-notebook-job-group'];
  const secureJob = (action: string, extra: Record<string, any> = {}) => ({
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [sg],
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:NetworkIsolation': 'true',
    'sagemaker:InterContainerTrafficEncryption': 'true',
    'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
    'sagemaker:MaxRuntimeInSeconds': '3600',
    ...extra,
    action,
  });
  const weaken: Array<[string, Record<string, any>]> = [
    ['without a VPC', { 'sagemaker:VpcSubnets': undefined, 'sagemaker:VpcSecurityGroupIds': undefined }],
    ['in a foreign subnet', { 'sagemaker:VpcSubnets': ['subnet-0fffffffffffffff9'] }],
    ['with a foreign security group', { 'sagemaker:VpcSecurityGroupIds': ['sg-0fffffffffffffff9'] }],
    ['without a volume key', { 'sagemaker:VolumeKmsKeyArn': undefined }],
    ['with a key of another account', { 'sagemaker:VolumeKmsKeyArn': `arn:aws:kms:${DEPLOYED_REGION}:${ATTACKER}:key/attacker` }],
    ['with a foreign output key', { 'sagemaker:OutputKmsKeyArn': `arn:aws:kms:${DEPLOYED_REGION}:${ATTACKER}:key/attacker` }],
    ['without network isolation', { 'sagemaker:NetworkIsolation': 'false' }],
    ['without inter-container encryption', { 'sagemaker:InterContainerTrafficEncryption': 'false' }],
    ['on a non-allowed instance type', { 'sagemaker:InstanceTypes': ['ml.p3dn.24xlarge'] }],
  ];
  const jobs = ['CreateTrainingJob', 'CreateProcessingJob', 'CreateHyperParameterTuningJob', 'CreateDataQualityJobDefinition',
    'CreateModelBiasJobDefinition', 'CreateModelQualityJobDefinition', 'CreateModelExplainabilityJobDefinition'];
  const attacks: Attack[] = [];
  for (const job of jobs) {
    for (const [how, change] of weaken) {
      const context: Record<string, any> = secureJob(job);
      delete context.action;
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) delete context[k]; else context[k] = v;
      }
      attacks.push({ what: `${job} ${how}`, request: req(`sagemaker:${job}`, arn('sagemaker', `x/${job}`), context) });
    }
  }
  const automl = {
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [sg],
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:InterContainerTrafficEncryption': 'true',
  };
  attacks.push(
    { what: 'AutoML V2 outside the VPC', request: req('sagemaker:CreateAutoMLJobV2', '*', { ...automl, 'sagemaker:VpcSubnets': undefined, 'sagemaker:VpcSecurityGroupIds': undefined }) },
    { what: 'AutoML without inter-container encryption', request: req('sagemaker:CreateAutoMLJob', '*', { ...automl, 'sagemaker:InterContainerTrafficEncryption': 'false' }) },
    { what: 'a HyperPod cluster without a VPC', request: req('sagemaker:CreateCluster', '*', { 'sagemaker:InstanceTypes': ['ml.p5.48xlarge'] }) },
    { what: 'a HyperPod cluster in a foreign subnet', request: req('sagemaker:UpdateCluster', '*', { 'sagemaker:VpcSubnets': ['subnet-0fffffffffffffff9'] }) },
    { what: 'a monitoring schedule with an inline job', request: req('sagemaker:CreateMonitoringSchedule', '*', { 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] }) },
    { what: 'an inference component with an inline container', request: req('sagemaker:CreateInferenceComponent', '*') },
    { what: 'a labeling job for the public crowd', request: req('sagemaker:CreateLabelingJob', '*', { 'sagemaker:VolumeKmsKeyArn': KEY, 'sagemaker:OutputKmsKeyArn': KEY, 'sagemaker:WorkteamType': 'public-crowd' }) },
    { what: 'human review by the public crowd', request: req('sagemaker:CreateFlowDefinition', '*', { 'sagemaker:WorkteamType': 'public-crowd' }) },
    { what: 'a space with remote access', request: req('sagemaker:UpdateSpace', '*', { 'sagemaker:RemoteAccess': 'ENABLED' }) },
    // persistence: a lifecycle script of the attacker's in every app of the domain, or in a notebook
    ...['UpdateDomain', 'UpdateUserProfile', 'CreateSpace', 'CreateApp'].map((action) => ({
      what: `${action} with the attacker's Studio lifecycle script`,
      request: req(`sagemaker:${action}`, '*', { 'sagemaker:StudioLifecycleConfigArns': [arn('sagemaker', 'studio-lifecycle-config/persist')] }),
    })),
    ...['CreateNotebookInstance', 'UpdateNotebookInstance'].map((action) => ({
      what: `${action} with the attacker's lifecycle script`,
      request: req(`sagemaker:${action}`, '*', { 'sagemaker:NotebookInstanceLifecycleConfigArns': [arn('sagemaker', 'notebook-instance-lifecycle-config/persist')] }),
    })),
    { what: 'remote debugging into a training container', request: req('sagemaker:UpdateTrainingJob', '*', { 'sagemaker:EnableRemoteDebug': 'true' }) },
    { what: 'a notebook with root access', request: req('sagemaker:CreateNotebookInstance', '*', { 'sagemaker:RootAccess': 'Enabled' }) },
    { what: 'a notebook with direct internet', request: req('sagemaker:CreateNotebookInstance', '*', { 'sagemaker:DirectInternetAccess': 'Enabled' }) },
    { what: 'a notebook allowing IMDSv1', request: req('sagemaker:UpdateNotebookInstance', '*', { 'sagemaker:MinimumInstanceMetadataServiceVersion': '1' }) },
    { what: 'a Studio domain on the public internet', request: req('sagemaker:UpdateDomain', '*', { 'sagemaker:AppNetworkAccessType': 'PublicInternetOnly' }) },
    { what: 'a Studio domain sharing notebooks under a foreign key', request: req('sagemaker:CreateDomain', '*', { 'sagemaker:DomainSharingOutputKmsKeyArn': `arn:aws:kms:${DEPLOYED_REGION}:${ATTACKER}:key/a` }) },
    {
      what: 'a feature group under a foreign key',
      request: req('sagemaker:CreateFeatureGroup', '*', {
        'sagemaker:FeatureGroupOfflineStoreConfig': 'true', 'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': `arn:aws:kms:${DEPLOYED_REGION}:${ATTACKER}:key/a`,
      }),
    },
    { what: 'a feature group whose offline store has no customer key', request: req('sagemaker:CreateFeatureGroup', '*', { 'sagemaker:FeatureGroupOfflineStoreConfig': 'true' }) },
    { what: 'a feature group whose online store has no customer key', request: req('sagemaker:CreateFeatureGroup', '*', { 'sagemaker:FeatureGroupEnableOnlineStore': 'true' }) },
    { what: 'an endpoint config on a non-allowed type', request: req('sagemaker:CreateEndpointConfig', '*', { 'sagemaker:InstanceTypes': ['ml.p4d.24xlarge'], 'sagemaker:VolumeKmsKeyArn': KEY }) },
    { what: 'a presigned notebook URL from the internet', request: req('sagemaker:CreatePresignedNotebookInstanceUrl', arn('sagemaker', 'notebook-instance/team-a-explore')) },
    { what: 'a presigned Studio URL from the internet', request: req('sagemaker:CreatePresignedDomainUrl', arn('sagemaker', 'user-profile/studio43727d10-domainid/alice')) },
    { what: 'a presigned MLflow URL from the internet', request: req('sagemaker:CreatePresignedMlflowTrackingServerUrl', '*') },
    ...SageMakerGuardrails.UNGUARDED_ACTIONS.map((a) => ({ what: `${a} (no condition key can judge it)`, request: req(a, '*') })),
  );
  return attacks;
}

/** What cannot be denied to a power user without denying its job, alerted instead. */
function tamperingAttacks(): Attack[] {
  const attacks: Attack[] = [];
  for (const [category, spec] of Object.entries(CATEGORY_EVENTS).filter(([c]) => ['LogTampering', 'ConfigurationChange'].includes(c))) {
    for (const name of spec.eventNames) {
      const service = ACTION_SERVICE[name] ?? 'sagemaker';
      // The key's own events act on the key: its policy judges them (and refuses them, keyAttacks).
      if (service === 'kms') continue;
      attacks.push({ what: `${category}: ${service}:${name}`, request: req(`${service}:${name}`, '*') });
    }
  }
  // Every role of the stack is watched (watchStackRoles): the library's, aws-cdk-lib's handlers', the example's own.
  for (const role of ROLES) {
    const name = role.split('/').pop()!;
    for (const event of ['AttachRolePolicy', 'PutRolePolicy', 'UpdateAssumeRolePolicy', 'TagRole', 'DeleteRolePermissionsBoundary']) {
      attacks.push({ what: `RoleChange: iam:${event} on ${name}`, request: req(`iam:${event}`, role), params: { roleName: name } });
    }
  }
  return attacks;
}

/** The served model changed by a power user working inside the VPC (from Studio): alerted. */
function servedModelAttacks(): Attack[] {
  return [
    { what: 'overwrite the served model', request: req('s3:PutObject', SERVED, kmsUpload) },
    { what: 'delete the served model', request: req('s3:DeleteObject', SERVED) },
  ];
}

/** The power user's (human or CI) credentials used from outside the VPC on the environment's buckets. */
function outsideVpcAttacks(): Attack[] {
  return [`${DATA}/datasets/raw/customers.csv`, `${DATA}/datasets/curated/part-0.parquet`, SERVED, `${ARTIFACTS}/studio/ml-platform/users/bob/work.ipynb`]
    .flatMap((object) => [
      { what: `read ${object.split(':::')[1]} from outside the VPC`, request: req('s3:GetObject', object) },
      { what: `overwrite ${object.split(':::')[1]} from outside the VPC`, request: req('s3:PutObject', object, kmsUpload) },
      { what: `delete ${object.split(':::')[1]} from outside the VPC`, request: req('s3:DeleteObject', object) },
    ]);
}

/**
 * The environment's key, attacked by a power user whose IAM policies allow `kms:*`: its data used
 * through the KMS API, and its administration (the LogTampering events on the key among them).
 */
function keyAttacks(): Attack[] {
  const tampering = Object.values(CATEGORY_EVENTS).flatMap((spec) => spec.eventNames).filter((n) => ACTION_SERVICE[n] === 'kms');
  return [
    ...['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:ReEncryptFrom'].map((action) => ({ what: `${action} through the KMS API`, request: req(action, KEY) })),
    ...[...new Set([...tampering.map((n) => `kms:${n}`), 'kms:UpdateAlias', 'kms:DeleteAlias', 'kms:RevokeGrant', 'kms:UntagResource', 'kms:ReplicateKey', 'kms:CancelKeyDeletion'])]
      .map((action) => ({ what: `${action} on the environment key`, request: req(action, KEY) })),
  ];
}

/** The role CloudFormation deploys the example with (DefaultStackSynthesizer's bootstrapped role), allowed everything. */
const deployer: AttackPrincipal = {
  name: 'deployment role',
  arn: `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${DEPLOYED_ACCOUNT}-${DEPLOYED_REGION}`,
  policies: [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
  tags: {},
  from: 'internet',
};

/** The service of each watched call that is not SageMaker's. */
const ACTION_SERVICE: Record<string, string> = {
  StopLogging: 'cloudtrail',
  DeleteTrail: 'cloudtrail',
  UpdateTrail: 'cloudtrail',
  PutEventSelectors: 'cloudtrail',
  DeleteLogGroup: 'logs',
  DeleteLogStream: 'logs',
  PutRetentionPolicy: 'logs',
  DisassociateKmsKey: 'logs',
  StopConfigurationRecorder: 'config',
  DeleteConfigurationRecorder: 'config',
  DeleteDeliveryChannel: 'config',
  DisableRule: 'events',
  DeleteRule: 'events',
  RemoveTargets: 'events',
  Unsubscribe: 'sns',
  DeleteTopic: 'sns',
  PurgeQueue: 'sqs',
  DeleteQueue: 'sqs',
  DeleteFlowLogs: 'ec2',
  DisassociateFirewallRuleGroup: 'route53resolver',
  UpdateFirewallRuleGroupAssociation: 'route53resolver',
  UpdateFirewallRule: 'route53resolver',
  DeleteFirewallRule: 'route53resolver',
  UpdateFirewallDomains: 'route53resolver',
  DisableKey: 'kms',
  ScheduleKeyDeletion: 'kms',
  PutKeyPolicy: 'kms',
  DisableKeyRotation: 'kms',
};

/** The notebook's and Alice's credentials, taken out of the VPC and replayed from the internet. */
const notebookOutside = { ...world.role('ExploreNotebookRole', 'internet'), name: 'ExploreNotebookRole from the internet' };
const aliceOutside = { ...world.role('StudioUseraliceRole', 'internet'), name: 'StudioUseraliceRole from the internet' };
const stolen = (prefixes: string[]): Attack[] => prefixes.flatMap((object) => [
  { what: `read ${object.split(':::')[1]}`, request: req('s3:GetObject', object) },
  { what: `overwrite ${object.split(':::')[1]}`, request: req('s3:PutObject', object, kmsUpload) },
  { what: `delete ${object.split(':::')[1]}`, request: req('s3:DeleteObject', object) },
  { what: `read an old version of ${object.split(':::')[1]}`, request: req('s3:GetObjectVersion', object) },
]);

const CASES: AttackerCase[] = [
  {
    attacker: 'code in a notebook or Studio app',
    principals: [
      [notebook, workloadAttacks(/datasets\/curated\/|notebooks\/team-a-explore\/|features\/team-a\//, roleArn('ExploreNotebookJobRole'))],
      [alice, workloadAttacks(/studio\/ml-platform\/users\/alice\//)],
      [notebookOutside, [
        ...stolen([`${DATA}/datasets/curated/part-0.parquet`, `${ARTIFACTS}/notebooks/team-a-explore/analysis.ipynb`, `${ARTIFACTS}/features/team-a/f.parquet`]),
        { what: 'launch a job from outside the VPC', request: notebookJob() },
      ]],
      [aliceOutside, stolen([`${ARTIFACTS}/studio/ml-platform/users/alice/work.ipynb`])],
    ],
    compliant: [
      [notebook, 'read its curated data', req('s3:GetObject', `${DATA}/datasets/curated/part-0.parquet`)],
      [notebook, 'save to its workspace', req('s3:PutObject', `${ARTIFACTS}/notebooks/team-a-explore/analysis.ipynb`, kmsUpload)],
      [notebook, 'write features', req('s3:PutObject', `${ARTIFACTS}/features/team-a/f.parquet`, kmsUpload)],
      [notebook, 'launch a training job with its SDK defaults', notebookJob()],
      [notebook, 'pass its job role', req('iam:PassRole', roleArn('ExploreNotebookJobRole'), { 'iam:PassedToService': 'sagemaker.amazonaws.com' })],
      [notebook, 'write its logs', req('logs:PutLogEvents', arn('logs', 'log-group:/aws/sagemaker/NotebookInstances:log-stream:team-a-explore/jupyter.log'))],
      [alice, 'save to her Studio files', req('s3:PutObject', `${ARTIFACTS}/studio/ml-platform/users/alice/work.ipynb`, kmsUpload)],
      [alice, 'read her Studio files', req('s3:GetObject', `${ARTIFACTS}/studio/ml-platform/users/alice/work.ipynb`)],
    ],
  },
  {
    attacker: 'a compromised training or inference container',
    principals: [
      [jobRole, workloadAttacks(/datasets\/curated\/|notebooks\/team-a-explore\/|features\/team-a\//)],
      [training, workloadAttacks(/datasets\/curated\/|models\/churn\/churn-/)],
      [endpointRole, workloadAttacks(/datacapture\/team-a-churn\/|Endpoints\/team-a-churn:/)
        .filter((a) => !(a.request.action === 's3:GetObject' && a.request.resource === SERVED))],
      // It publishes models: every key under models/ is its own, but it may only read the served one (write-once).
      [pipeline, workloadAttacks(/datasets\/curated\/|models\/(?!churn\/v1\/)/)
        .filter((a) => !(a.request.action === 's3:GetObject' && a.request.resource === SERVED))],
    ],
    compliant: [
      [training, 'read the curated data', req('s3:GetObject', `${DATA}/datasets/curated/part-0.parquet`)],
      [training, 'write its job output', req('s3:PutObject', `${ARTIFACTS}/models/churn/churn-1/output/model.tar.gz`, kmsUpload)],
      [training, 'write its log stream', req('logs:PutLogEvents', arn('logs', 'log-group:/aws/sagemaker/TrainingJobs:log-stream:churn-1/algo-1'))],
      [endpointRole, 'load the served model', req('s3:GetObject', SERVED)],
      [{ ...endpointRole, from: 'internet' }, 'load the served model from SageMaker\'s side (outside the VPC)', req('s3:GetObject', SERVED)],
      [{ ...endpointRole, from: 'internet' }, 'capture inference data from SageMaker\'s side', req('s3:PutObject', `${ARTIFACTS}/datacapture/team-a-churn/2026/12/01/capture.jsonl`, kmsUpload)],
      [{ ...training, from: 'internet' }, 'read the curated data from SageMaker\'s side', req('s3:GetObject', `${DATA}/datasets/curated/part-0.parquet`)],
      [endpointRole, 'capture inference data', req('s3:PutObject', `${ARTIFACTS}/datacapture/team-a-churn/2026/12/01/capture.jsonl`, kmsUpload)],
      [jobRole, 'read the notebook\'s curated data', req('s3:GetObject', `${DATA}/datasets/curated/part-0.parquet`)],
      [jobRole, 'write the notebook\'s workspace', req('s3:PutObject', `${ARTIFACTS}/notebooks/team-a-explore/job-1/output.tar.gz`, kmsUpload)],
      [pipeline, 'publish a model version', req('s3:PutObject', `${ARTIFACTS}/models/churn/v2/model.tar.gz`, kmsUpload)],
      [pipeline, 'publish a model version create-only (If-None-Match), as a release should be', req('s3:PutObject', `${ARTIFACTS}/models/churn/v2/model.tar.gz`, { ...kmsUpload, 's3:if-none-match': '*' })],
    ],
  },
  {
    attacker: 'an in-account power user under the guardrails',
    principals: [
      [powerUser, [...controlPlaneAttacks(), ...tamperingAttacks(), ...keyAttacks(), ...outsideVpcAttacks()]],
      [powerUserInVpc, servedModelAttacks()],
    ],
    compliant: [
      [powerUser, 'decrypt an object through S3', req('kms:Decrypt', KEY, { 'kms:ViaService': `s3.${DEPLOYED_REGION}.amazonaws.com` })],
      [deployer, 'update the key policy (a deployment)', req('kms:PutKeyPolicy', KEY)],
      [deployer, 'schedule the key\'s deletion (a sandbox teardown)', req('kms:ScheduleKeyDeletion', KEY)],
      [powerUser, 'launch a training job as the library does', notebookJob({ 'aws:RequestTag/secure-sagemaker:notebook': undefined })],
      [powerUserInVpc, 'read data through the VPC endpoint', req('s3:GetObject', `${DATA}/datasets/raw/customers.csv`)],
      [powerUser, 'describe the notebook', req('sagemaker:DescribeNotebookInstance', arn('sagemaker', 'notebook-instance/team-a-explore'))],
    ],
  },
];

describe.each(CASES)('attacker: $attacker', ({ principals, compliant }) => {
  const rows = principals.flatMap(([who, attacks]) => attacks.map((a) => [`${who.name}: ${a.what}`, who, a] as const));

  test('models at least 150 attack requests', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
  });

  test.each(rows.map((r) => [r[0], r]))('%s is denied or alerted', (_, [, who, attack]) => {
    const { outcome, by } = world.outcome(who, attack.request, attack.params);
    expect({ outcome: outcome === 'allowed' ? 'allowed' : 'refused', by }).toEqual({ outcome: 'refused', by: expect.any(String) });
  });

  test.each(compliant.map(([who, what, request]) => [`${who.name}: ${what}`, who, request] as const))('compliant: %s is allowed', (_, who, request) => {
    expect(world.decide(who, request)).toBe('allowed');
  });
});

describe('attack counts', () => {
  test('per attacker and mechanism (the closing note and SECURITY-MODEL.md report these)', () => {
    const counts = CASES.map(({ attacker, principals }) => {
      const by: Record<string, number> = {};
      for (const [who, attacks] of principals) {
        for (const a of attacks) {
          const { outcome, by: m } = world.outcome(who, a.request, a.params);
          const k = outcome === 'alerted' ? 'alerted' : (m as Mechanism);
          by[k] = (by[k] ?? 0) + 1;
        }
      }
      return { attacker, total: Object.values(by).reduce((x, y) => x + y, 0), by };
    });
    if (process.env.ATTACK_COUNTS) process.stdout.write(`${JSON.stringify(counts)}\n`);
    for (const c of counts) {
      expect(c.by.allowed ?? 0).toBe(0);
      expect(c.total).toBeGreaterThanOrEqual(150);
    }
    // The power user's attacks are refused by the guardrails or alerted, never by an accident of the model.
    const power = counts[2].by;
    expect(Object.keys(power).sort()).toEqual(expect.arrayContaining(['alerted']));
    expect(Object.keys(power).every((k) => ['guardrails', 'boundary', 'scp', 'key-policy', 'resource-policy', 'alerted'].includes(k))).toBe(true);
  });
});

/** The example's world with the statements whose Sid matches `sid` removed from every policy of `type` (its `prop` holds the document). */
function worldWithout(type: string, prop: 'PolicyDocument' | 'KeyPolicy', sid: RegExp): AttackWorld {
  const strip = (r: any) => (r.Type !== type ? r : {
    ...r,
    Properties: { ...r.Properties, [prop]: { ...r.Properties[prop], Statement: r.Properties[prop].Statement.filter((st: any) => !sid.test(st.Sid ?? '')) } },
  });
  return new AttackWorld({ Resources: Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, strip(r)])) }, scps);
}

describe('each layer refuses on its own (the attacks are not refused by an accident of the model)', () => {
  test('the endpoint policies: code with Allow * inside the VPC still cannot reach another account', () => {
    const anything: AttackPrincipal = { name: 'Allow * in the VPC', arn: roleArn('ExploreNotebookRole'), policies: [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }], tags: {}, from: 'vpc' };
    const outside = allWorkloadAttacks().filter((a) => /attacker|444455556666/.test(a.request.resource ?? ''));
    expect(outside.length).toBeGreaterThanOrEqual(7);
    for (const a of outside) {
      // No SCPs here: only the endpoint policies stand between the request and the other account.
      expect({ what: a.what, refusals: bare.refusals(anything, a.request) }).toEqual({ what: a.what, refusals: ['endpoint-policy'] });
    }
  });

  test('the guardrails: without them (no deny policies, boundary or SCPs) every control-plane attack of the power user succeeds', () => {
    const unguarded = new AttackWorld(template);
    const admin: AttackPrincipal = { ...powerUser, guardrails: [], boundary: undefined };
    const succeeded = controlPlaneAttacks().filter((a) => unguarded.decide(admin, a.request) === 'allowed');
    expect(succeeded.length).toBe(controlPlaneAttacks().length);
  });

  test('the monitoring: without its rules every tampering attack of the power user succeeds unseen', () => {
    const resources = Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type !== 'AWS::Events::Rule'));
    const unwatched = new AttackWorld({ Resources: resources }, scps);
    for (const a of tamperingAttacks()) {
      expect({ what: a.what, outcome: unwatched.outcome(powerUser, a.request, a.params).outcome }).toEqual({ what: a.what, outcome: 'allowed' });
    }
  });

  test('the served model: without its write-once statements, the power user and the pipeline overwrite or delete it, and are only alerted', () => {
    const open = worldWithout('AWS::S3::BucketPolicy', 'PolicyDocument', /^ServedModel(WriteOnce|Kept)/);
    for (const who of [powerUserInVpc, pipeline]) {
      for (const a of [...servedModelAttacks(), { what: 'delete an old version of the served model', request: req('s3:DeleteObjectVersion', SERVED) }]) {
        expect({ who: who.name, what: a.what, open: open.outcome(who, a.request).outcome, now: world.refusals(who, a.request) })
          .toEqual({ who: who.name, what: a.what, open: 'alerted', now: ['resource-policy'] });
      }
    }
    // A write that S3 refuses once the object exists passes the policy: only a first upload succeeds.
    expect(world.decide(pipeline, req('s3:PutObject', SERVED, { ...kmsUpload, 's3:if-none-match': '*' }))).toBe('allowed');
  });

  test('the key policy: without its two denies a power user allowed kms:* decrypts through the KMS API and disables, deletes or re-policies the key', () => {
    const open = worldWithout('AWS::KMS::Key', 'KeyPolicy', /^(DenyKeyAdministrationExceptAdministrators|DenyDataUseExceptThroughAwsServices)$/);
    for (const a of keyAttacks()) {
      expect({ what: a.what, open: open.decide(powerUser, a.request), now: world.refusals(powerUser, a.request) })
        .toEqual({ what: a.what, open: 'allowed', now: ['key-policy'] });
    }
  });

  test('the buckets: without their VPC-endpoint statements, stolen notebook, Studio and human credentials work from the internet', () => {
    const open = worldWithout('AWS::S3::BucketPolicy', 'PolicyDocument', /CredentialsOutsideVpc$|^DenyDataAccessOutsideVpcEndpoint$/);
    const reads = [
      [notebookOutside, `${DATA}/datasets/curated/part-0.parquet`],
      [aliceOutside, `${ARTIFACTS}/studio/ml-platform/users/alice/work.ipynb`],
      [powerUser, `${DATA}/datasets/raw/customers.csv`],
    ] as const;
    for (const [who, object] of reads) {
      expect(open.decide(who, req('s3:GetObject', object))).toBe('allowed');
      expect(world.refusals(who, req('s3:GetObject', object))).toEqual(['resource-policy']);
    }
  });

  test('defence in depth: most workload attacks are refused by more than one layer', () => {
    const layered = CASES.slice(0, 2).flatMap(({ principals }) => principals
      .flatMap(([who, attacks]) => attacks.map((a) => world.refusals(who, a.request).length)));
    const several = layered.filter((n) => n >= 2).length;
    if (process.env.ATTACK_COUNTS) process.stdout.write(`layered ${several} of ${layered.length}\n`);
    expect(several / layered.length).toBeGreaterThan(0.4);
  });
});
