import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SageMakerEnvironment, SageMakerGuardrails, SageMakerGuardrailsProps } from '../../lib';
import { unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { denyingStatements, evaluate, PolicyJson, RequestContext, substituteRefs } from '../helpers/iam-eval';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555';
const OTHER_KEY = 'arn:aws:kms:us-east-1:111122223333:key/99999999-2222-3333-4444-555555555555';
const SUBNETS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'];
const SG = 'sg-0bbbbbbbbbbbbbbb1';
const FOREIGN_SUBNET = 'subnet-0fffffffffffffff9';
const FOREIGN_SG = 'sg-0fffffffffffffff9';
const ALLOWED_VPCE = 'vpce-0ccccccccccccccc1';
const TAG = 'aws:RequestTag/cost-center';

interface Deployed {
  readonly stack: Stack;
  readonly guardrails: SageMakerGuardrails;
  /** The three deliveries, with references replaced by concrete values. */
  readonly managed: PolicyJson[];
  readonly boundary: PolicyJson[];
  readonly scps: PolicyJson[];
}

function deploy(): Deployed {
  const stack = newTestStack();
  const env = SageMakerEnvironment.of(stack);
  const sg = new ec2.SecurityGroup(stack, 'WorkloadSg', { vpc: env.network.vpc, allowAllOutbound: false });
  const guardrails = new SageMakerGuardrails(stack, 'Guardrails', {
    environment: env,
    securityGroups: [sg],
    presignedUrlSourceIps: ['192.0.2.0/24'],
    presignedUrlVpcEndpointIds: [ALLOWED_VPCE],
    requiredTags: ['cost-center'],
    maxJobRuntime: Duration.days(5),
    scpTargetIds: ['ou-ab12-cdef3456'],
  });
  // concrete values for the references the policies contain
  const values: Record<string, string> = {};
  const subnetRefs = env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds.map((s) => stack.resolve(s).Ref as string);
  subnetRefs.forEach((id, i) => { values[id] = SUBNETS[i]; });
  values[`${stack.resolve(sg.securityGroupId)['Fn::GetAtt'][0]}.GroupId`] = SG;
  values[`${stack.resolve(env.key.keyArn)['Fn::GetAtt'][0]}.Arn`] = KEY;

  const t = Template.fromStack(stack).toJSON();
  const byType = (type: string, prefix: string) => Object.entries(t.Resources as Record<string, any>)
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix)).map(([, r]) => r.Properties);
  return {
    stack,
    guardrails,
    managed: byType('AWS::IAM::ManagedPolicy', 'GuardrailsDenyPolicy').map((p) => substituteRefs(p.PolicyDocument, values)),
    boundary: byType('AWS::IAM::ManagedPolicy', 'GuardrailsPermissionsBoundary').map((p) => substituteRefs(p.PolicyDocument, values)),
    scps: byType('AWS::Organizations::Policy', 'GuardrailsScp').map((p) => substituteRefs(p.Content, values)),
  };
}

const sm = (name: string) => `sagemaker:${name}`;
type Ctx = Record<string, string | string[]>;

/** Compliant requests, with the keys SageMaker sends (multi-valued keys as arrays; optional fields absent). */
const COMPLIANT: Record<string, Ctx> = {
  CreateNotebookInstance: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:DirectInternetAccess': 'Disabled',
    'sagemaker:RootAccess': 'Disabled',
    'sagemaker:InstanceTypes': ['ml.t3.medium'],
    'sagemaker:VpcSubnets': [SUBNETS[0]],
    'sagemaker:VpcSecurityGroupIds': [SG],
    'sagemaker:MinimumInstanceMetadataServiceVersion': '2',
    [TAG]: 'ml',
  },
  UpdateNotebookInstance: { 'sagemaker:InstanceTypes': ['ml.t3.large'] },
  CreateTrainingJob: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
    'sagemaker:NetworkIsolation': 'true',
    'sagemaker:InterContainerTrafficEncryption': 'true',
    'sagemaker:MaxRuntimeInSeconds': '432000',
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [SG],
    [TAG]: 'ml',
  },
  CreateProcessingJob: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:InstanceTypes': ['ml.c5.2xlarge'],
    'sagemaker:NetworkIsolation': 'true',
    'sagemaker:InterContainerTrafficEncryption': 'true',
    'sagemaker:MaxRuntimeInSeconds': '3600',
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [SG],
    [TAG]: 'ml',
  },
  CreateHyperParameterTuningJob: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:InstanceTypes': ['ml.m5.xlarge', 'ml.g5.xlarge'],
    'sagemaker:NetworkIsolation': 'true',
    'sagemaker:InterContainerTrafficEncryption': 'true',
    'sagemaker:MaxRuntimeInSeconds': '7200',
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [SG],
    [TAG]: 'ml',
  },
  CreateTransformJob: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:InstanceTypes': ['ml.m5.large'],
    'sagemaker:ModelArn': 'arn:aws:sagemaker:us-east-1:111122223333:model/m',
    [TAG]: 'ml',
  },
  CreateModel: { 'sagemaker:NetworkIsolation': 'true', 'sagemaker:VpcSubnets': SUBNETS, 'sagemaker:VpcSecurityGroupIds': [SG], [TAG]: 'ml' },
  CreateEndpointConfig: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:InstanceTypes': ['ml.m5.large', 'ml.c5.large'],
    'sagemaker:ModelArn': 'arn:aws:sagemaker:us-east-1:111122223333:model/m',
    [TAG]: 'ml',
  },
  CreateEndpoint: { [TAG]: 'ml' },
  CreateDomain: {
    'sagemaker:AppNetworkAccessType': 'VpcOnly',
    'sagemaker:AuthMode': 'IAM',
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [SG],
    'sagemaker:InstanceTypes': ['system', 'ml.t3.medium'],
    [TAG]: 'ml',
  },
  UpdateDomain: { 'sagemaker:AppNetworkAccessType': 'VpcOnly' },
  CreateUserProfile: { 'sagemaker:VpcSecurityGroupIds': [SG], 'sagemaker:InstanceTypes': ['ml.t3.medium'], [TAG]: 'ml' },
  CreateApp: { 'sagemaker:InstanceTypes': ['system'] },
  CreateAutoMLJobV2: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:InterContainerTrafficEncryption': 'true',
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [SG],
  },
  CreateDataQualityJobDefinition: {
    'sagemaker:VolumeKmsKeyArn': KEY,
    'sagemaker:OutputKmsKeyArn': KEY,
    'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
    'sagemaker:NetworkIsolation': 'true',
    'sagemaker:InterContainerTrafficEncryption': 'true',
    'sagemaker:MaxRuntimeInSeconds': '3600',
    'sagemaker:VpcSubnets': SUBNETS,
    'sagemaker:VpcSecurityGroupIds': [SG],
  },
  // A schedule that references a job definition sends none of the job's keys.
  CreateMonitoringSchedule: {},
  CreateCluster: { 'sagemaker:InstanceTypes': ['ml.p5.48xlarge'], 'sagemaker:VpcSubnets': SUBNETS, 'sagemaker:VpcSecurityGroupIds': [SG] },
  CreateLabelingJob: { 'sagemaker:VolumeKmsKeyArn': KEY, 'sagemaker:OutputKmsKeyArn': KEY, 'sagemaker:WorkteamType': 'private-crowd' },
  CreateInferenceComponent: { 'sagemaker:ModelArn': 'arn:aws:sagemaker:us-east-1:111122223333:model/m' },
  CreateSpace: { 'sagemaker:InstanceTypes': ['ml.t3.medium'], 'sagemaker:RemoteAccess': 'DISABLED' },
  CreateFeatureGroup: {
    'sagemaker:FeatureGroupEnableOnlineStore': 'true',
    'sagemaker:FeatureGroupOnlineStoreKmsKeyArn': KEY,
    'sagemaker:FeatureGroupOfflineStoreConfig': 'true',
    'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': KEY,
  },
  UpdateTrainingJob: { 'sagemaker:EnableRemoteDebug': 'false' },
  CreateExperiment: {},
  CreatePresignedNotebookInstanceUrl: { 'aws:SourceIp': '192.0.2.10' },
  CreatePresignedDomainUrl: { 'aws:SourceVpce': ALLOWED_VPCE },
};

/** Extra compliant requests: the edge cases the denies must let through. */
const ALSO_COMPLIANT: Array<[string, string, Ctx]> = [
  ['training on NVMe instances without a volume key (SageMaker rejects one there)', 'CreateTrainingJob', { 'sagemaker:VolumeKmsKeyArn': undefined as any, 'sagemaker:InstanceTypes': ['ml.g5.2xlarge'] }],
  ['endpoint config on NVMe instances without a volume key', 'CreateEndpointConfig', { 'sagemaker:VolumeKmsKeyArn': undefined as any, 'sagemaker:InstanceTypes': ['ml.g5.xlarge'] }],
  ['an endpoint config in the environment subnets', 'CreateEndpointConfig', { 'sagemaker:VpcSubnets': [SUBNETS[1]], 'sagemaker:VpcSecurityGroupIds': [SG] }],
  ['a notebook update that does not touch root access', 'UpdateNotebookInstance', {}],
  ['a notebook update that keeps root access off', 'UpdateNotebookInstance', { 'sagemaker:RootAccess': 'Disabled' }],
  ['a domain update that does not change network access', 'UpdateDomain', { 'sagemaker:AppNetworkAccessType': undefined as any }],
  ['a processing job without a stopping condition (no runtime key)', 'CreateProcessingJob', { 'sagemaker:MaxRuntimeInSeconds': undefined as any }],
  ['a presigned domain URL from an allowed IP', 'CreatePresignedDomainUrl', { 'aws:SourceVpce': undefined as any, 'aws:SourceIp': '192.0.2.200' }],
  ['an offline-only feature group (no online store, no online key)', 'CreateFeatureGroup',
    { 'sagemaker:FeatureGroupEnableOnlineStore': undefined as any, 'sagemaker:FeatureGroupOnlineStoreKmsKeyArn': undefined as any }],
  ['an online-only feature group (no offline store, no offline key)', 'CreateFeatureGroup',
    { 'sagemaker:FeatureGroupOfflineStoreConfig': undefined as any, 'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': undefined as any }],
  ['a feature group whose online store is off', 'CreateFeatureGroup',
    { 'sagemaker:FeatureGroupEnableOnlineStore': 'false', 'sagemaker:FeatureGroupOnlineStoreKmsKeyArn': undefined as any }],
];

/** Non-compliant requests: [description, action, change to the compliant context, the Sid that must deny it]. */
const DENIED: Array<[string, string, Ctx, string]> = [
  ['notebook without volume key', 'CreateNotebookInstance', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'NoVolumeKey'],
  ['domain without EFS key', 'CreateDomain', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'NoVolumeKey'],
  ['training without volume key', 'CreateTrainingJob', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'JobNoVolumeKey'],
  ['mixed NVMe/EBS tuning without volume key', 'CreateHyperParameterTuningJob', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'JobNoVolumeKey'],
  ['processing without volume key', 'CreateProcessingJob', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'JobNoVolumeKey'],
  ['transform without volume key', 'CreateTransformJob', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'JobNoVolumeKey'],
  ['endpoint config without volume key', 'CreateEndpointConfig', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'JobNoVolumeKey'],
  ['training without output key', 'CreateTrainingJob', { 'sagemaker:OutputKmsKeyArn': undefined as any }, 'OutputKey'],
  ['processing with a foreign output key', 'CreateProcessingJob', { 'sagemaker:OutputKmsKeyArn': OTHER_KEY }, 'OutputKey'],
  ['transform without output key', 'CreateTransformJob', { 'sagemaker:OutputKmsKeyArn': undefined as any }, 'OutputKey'],
  ['tuning without output key', 'CreateHyperParameterTuningJob', { 'sagemaker:OutputKmsKeyArn': undefined as any }, 'OutputKey'],
  ['training without inter-container encryption', 'CreateTrainingJob', { 'sagemaker:InterContainerTrafficEncryption': 'false' }, 'InterContainerEncryption'],
  ['processing not asking for inter-container encryption', 'CreateProcessingJob', { 'sagemaker:InterContainerTrafficEncryption': undefined as any }, 'InterContainerEncryption'],
  ['model without network isolation', 'CreateModel', { 'sagemaker:NetworkIsolation': 'false' }, 'NetworkIsolation'],
  ['tuning not asking for network isolation', 'CreateHyperParameterTuningJob', { 'sagemaker:NetworkIsolation': undefined as any }, 'NetworkIsolation'],
  ['notebook without a subnet', 'CreateNotebookInstance', { 'sagemaker:VpcSubnets': undefined as any }, 'NoSubnets'],
  ['model without VpcConfig subnets', 'CreateModel', { 'sagemaker:VpcSubnets': undefined as any }, 'NoSubnets'],
  ['notebook without security groups', 'CreateNotebookInstance', { 'sagemaker:VpcSecurityGroupIds': undefined as any }, 'NoSecurityGroups'],
  ['domain without security groups', 'CreateDomain', { 'sagemaker:VpcSecurityGroupIds': undefined as any }, 'NoSecurityGroups'],
  ['training with one foreign subnet', 'CreateTrainingJob', { 'sagemaker:VpcSubnets': [SUBNETS[0], FOREIGN_SUBNET] }, 'ForeignSubnets'],
  ['endpoint config in a foreign subnet', 'CreateEndpointConfig', { 'sagemaker:VpcSubnets': [FOREIGN_SUBNET] }, 'ForeignSubnets'],
  ['domain update to a foreign subnet', 'UpdateDomain', { 'sagemaker:VpcSubnets': [FOREIGN_SUBNET] }, 'ForeignSubnets'],
  ['notebook with a foreign security group', 'CreateNotebookInstance', { 'sagemaker:VpcSecurityGroupIds': [SG, FOREIGN_SG] }, 'ForeignSecurityGroups'],
  ['user profile with a foreign security group', 'CreateUserProfile', { 'sagemaker:VpcSecurityGroupIds': [FOREIGN_SG] }, 'ForeignSecurityGroups'],
  ['notebook with direct internet access', 'CreateNotebookInstance', { 'sagemaker:DirectInternetAccess': 'Enabled' }, 'NotebookInternet'],
  ['notebook relying on the Enabled default for internet access', 'CreateNotebookInstance', { 'sagemaker:DirectInternetAccess': undefined as any }, 'NotebookInternet'],
  ['notebook with root access', 'CreateNotebookInstance', { 'sagemaker:RootAccess': 'Enabled' }, 'NotebookRoot'],
  ['notebook relying on the Enabled default for root access', 'CreateNotebookInstance', { 'sagemaker:RootAccess': undefined as any }, 'NotebookRoot'],
  ['notebook update turning root access on', 'UpdateNotebookInstance', { 'sagemaker:RootAccess': 'Enabled' }, 'NotebookRootUpdate'],
  ['notebook allowing IMDSv1', 'CreateNotebookInstance', { 'sagemaker:MinimumInstanceMetadataServiceVersion': '1' }, 'NotebookImdsV2'],
  ['notebook relying on the IMDSv1 default', 'CreateNotebookInstance', { 'sagemaker:MinimumInstanceMetadataServiceVersion': undefined as any }, 'NotebookImdsV2'],
  ['notebook update back to IMDSv1', 'UpdateNotebookInstance', { 'sagemaker:MinimumInstanceMetadataServiceVersion': '1' }, 'NotebookImdsV1Update'],
  ['domain with public internet', 'CreateDomain', { 'sagemaker:AppNetworkAccessType': 'PublicInternetOnly' }, 'DomainVpcOnly'],
  ['domain relying on the PublicInternetOnly default', 'CreateDomain', { 'sagemaker:AppNetworkAccessType': undefined as any }, 'DomainVpcOnly'],
  ['domain update to public internet', 'UpdateDomain', { 'sagemaker:AppNetworkAccessType': 'PublicInternetOnly' }, 'DomainUpdateVpcOnly'],
  ['notebook on a non-allowed type', 'CreateNotebookInstance', { 'sagemaker:InstanceTypes': ['ml.p3.2xlarge'] }, 'NotebookTypes'],
  ['notebook update to a non-allowed type', 'UpdateNotebookInstance', { 'sagemaker:InstanceTypes': ['ml.t2.medium'] }, 'NotebookTypes'],
  ['Studio app on a non-allowed type', 'CreateApp', { 'sagemaker:InstanceTypes': ['ml.p4d.24xlarge'] }, 'StudioTypes'],
  ['domain default on a non-allowed type', 'CreateDomain', { 'sagemaker:InstanceTypes': ['system', 'ml.p5.48xlarge'] }, 'StudioTypes'],
  ['endpoint config with one non-allowed variant', 'CreateEndpointConfig', { 'sagemaker:InstanceTypes': ['ml.m5.large', 'ml.p4d.24xlarge'] }, 'EndpointTypes'],
  ['training on a non-allowed type', 'CreateTrainingJob', { 'sagemaker:InstanceTypes': ['ml.m4.xlarge'] }, 'JobTypes'],
  ['transform on a non-allowed type', 'CreateTransformJob', { 'sagemaker:InstanceTypes': ['ml.m4.xlarge'] }, 'JobTypes'],
  ['training longer than the cap', 'CreateTrainingJob', { 'sagemaker:MaxRuntimeInSeconds': '432001' }, 'MaxRuntime'],
  ['tuning longer than the cap', 'CreateHyperParameterTuningJob', { 'sagemaker:MaxRuntimeInSeconds': '2419200' }, 'MaxRuntime'],
  ['presigned notebook URL from a foreign IP', 'CreatePresignedNotebookInstanceUrl', { 'aws:SourceIp': '198.51.100.7' }, 'PresignedUrlNetwork'],
  ['presigned domain URL through a foreign VPC endpoint', 'CreatePresignedDomainUrl', { 'aws:SourceVpce': 'vpce-0ddddddddddddddd9' }, 'PresignedUrlNetwork'],
  ['presigned domain URL from a foreign IP', 'CreatePresignedDomainUrl', { 'aws:SourceVpce': undefined as any, 'aws:SourceIp': '198.51.100.7' }, 'PresignedUrlNetwork'],
  // the rest of the control plane
  ['AutoML outside the VPC', 'CreateAutoMLJobV2', { 'sagemaker:VpcSubnets': undefined as any, 'sagemaker:VpcSecurityGroupIds': undefined as any }, 'NoSubnets'],
  ['AutoML without a volume key', 'CreateAutoMLJobV2', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'NoVolumeKey'],
  ['AutoML with a key of another account', 'CreateAutoMLJobV2', { 'sagemaker:VolumeKmsKeyArn': 'arn:aws:kms:us-east-1:444455556666:key/attacker' }, 'ForeignVolumeKey'],
  ['AutoML without inter-container encryption', 'CreateAutoMLJobV2', { 'sagemaker:InterContainerTrafficEncryption': 'false' }, 'InterContainerEncryption'],
  ['monitoring job definition without network isolation', 'CreateDataQualityJobDefinition', { 'sagemaker:NetworkIsolation': 'false' }, 'NetworkIsolation'],
  ['monitoring job definition outside the VPC', 'CreateDataQualityJobDefinition',
    { 'sagemaker:VpcSubnets': undefined as any, 'sagemaker:VpcSecurityGroupIds': undefined as any }, 'NoSubnets'],
  ['monitoring job definition with a foreign output key', 'CreateDataQualityJobDefinition', { 'sagemaker:OutputKmsKeyArn': OTHER_KEY }, 'OutputKey'],
  ['monitoring job definition running longer than the cap', 'CreateDataQualityJobDefinition', { 'sagemaker:MaxRuntimeInSeconds': '432001' }, 'MaxRuntime'],
  ['monitoring schedule with an inline job (no network config)', 'CreateMonitoringSchedule', { 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] }, 'InlineMonitoringJob'],
  ['HyperPod cluster without a VPC', 'CreateCluster', { 'sagemaker:VpcSubnets': undefined as any, 'sagemaker:VpcSecurityGroupIds': undefined as any }, 'NoSubnets'],
  ['HyperPod cluster in a foreign subnet', 'CreateCluster', { 'sagemaker:VpcSubnets': [FOREIGN_SUBNET] }, 'ForeignSubnets'],
  ['HyperPod cluster on a non-allowed type', 'CreateCluster', { 'sagemaker:InstanceTypes': ['ml.trn1.32xlarge'] }, 'JobTypes'],
  ['labeling job without a volume key', 'CreateLabelingJob', { 'sagemaker:VolumeKmsKeyArn': undefined as any }, 'NoVolumeKey'],
  ['labeling job by the public crowd', 'CreateLabelingJob', { 'sagemaker:WorkteamType': 'public-crowd' }, 'PublicWorkforce'],
  ['inference component with an inline container (skipping CreateModel)', 'CreateInferenceComponent', { 'sagemaker:ModelArn': undefined as any }, 'InlineInferenceContainer'],
  ['space with remote access', 'CreateSpace', { 'sagemaker:RemoteAccess': 'ENABLED' }, 'RemoteAccess'],
  ['space on a non-allowed type', 'CreateSpace', { 'sagemaker:InstanceTypes': ['ml.p4d.24xlarge'] }, 'StudioTypes'],
  ['training job update turning remote debugging on', 'UpdateTrainingJob', { 'sagemaker:EnableRemoteDebug': 'true' }, 'RemoteDebug'],
  ['domain sharing notebooks under a key of another account', 'CreateDomain', { 'sagemaker:DomainSharingOutputKmsKeyArn': OTHER_KEY }, 'ForeignSharingKey'],
  ['feature group online store under a foreign key', 'CreateFeatureGroup', { 'sagemaker:FeatureGroupOnlineStoreKmsKeyArn': OTHER_KEY }, 'OnlineStoreKey'],
  ['feature group offline store under a foreign key', 'CreateFeatureGroup', { 'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': OTHER_KEY }, 'OfflineStoreKey'],
  ['feature group offline store without a KMS key', 'CreateFeatureGroup', { 'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': undefined as any }, 'OfflineStoreKey'],
  ['feature group online store without a KMS key (an InMemory one too)', 'CreateFeatureGroup',
    { 'sagemaker:FeatureGroupOnlineStoreKmsKeyArn': undefined as any }, 'OnlineStoreKey'],
  ...SageMakerGuardrails.UNGUARDED_ACTIONS.map((a): [string, string, Ctx, string] => [`${a.split(':')[1]} (unguarded)`, a.split(':')[1], {}, 'UnguardedActions']),
  ...['CreateNotebookInstance', 'CreateTrainingJob', 'CreateProcessingJob', 'CreateHyperParameterTuningJob', 'CreateTransformJob',
    'CreateModel', 'CreateEndpoint', 'CreateDomain'].map((a): [string, string, Ctx, string] =>
    [`${a} without the required tag`, a, { [TAG]: undefined as any }, 'RequiredTag1']),
];

function request(action: string, change: Ctx = {}): RequestContext {
  const context: Ctx = { ...COMPLIANT[action] ?? {} };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete context[k]; else context[k] = v;
  }
  return { action: sm(action), resource: `arn:aws:sagemaker:us-east-1:111122223333:x/${action}`, context };
}

describe('SageMakerGuardrails', () => {
  const d = deploy();
  const denies = (docs: PolicyJson[]) => docs.flatMap((p) => [p.Statement].flat()).filter((s) => s.Effect === 'Deny');
  // The boundary carries no Sids (size): its denies are the others' in the same order, so they
  // are labelled by position for the evaluation below (the next test proves the order).
  const labelled = d.boundary.map((doc) => {
    let i = 0;
    return { Statement: [doc.Statement].flat().map((st) => (st.Effect === 'Deny' ? { ...st, Sid: d.guardrails.boundaryStatementIds[i++] } : st)) };
  });
  const deliveries: Array<[string, PolicyJson[]]> = [['managed policies', d.managed], ['permissions boundary', labelled], ['SCPs', d.scps]];

  test('three deliveries exist: deny policies, one boundary, SCPs attached to the target', () => {
    expect(d.managed.length).toBeGreaterThanOrEqual(1);
    expect(d.boundary.length).toBe(1);
    expect(d.scps.length).toBe(d.guardrails.scpDocuments().length);
    expect(d.scps.length).toBeGreaterThanOrEqual(2);
    Template.fromStack(d.stack).hasResourceProperties('AWS::Organizations::Policy', { Type: 'SERVICE_CONTROL_POLICY', TargetIds: ['ou-ab12-cdef3456'] });
  });

  test('every delivery carries exactly the same deny statements (the boundary without Sids)', () => {
    const sids = (docs: PolicyJson[]) => denies(docs).map((s) => s.Sid);
    expect(sids(d.managed)).toEqual(d.guardrails.statementIds);
    expect(sids(d.scps)).toEqual(d.guardrails.statementIds);
    const withoutSid = (docs: PolicyJson[], only?: string[]) => denies(docs)
      .filter((s) => !only || only.includes(s.Sid!)).map(({ Sid: _sid, ...rest }) => rest);
    expect(withoutSid(d.boundary)).toEqual(withoutSid(d.managed, d.guardrails.boundaryStatementIds));
    // The boundary holds the denies on the library's workloads' requests; the rest of the catalogue is denied by the others.
    expect(d.guardrails.statementIds.filter((sid) => !d.guardrails.boundaryStatementIds.includes(sid))).toEqual([
      'ForeignVolumeKey', 'ForeignSharingKey', 'OnlineStoreKey', 'OfflineStoreKey', 'InlineMonitoringJob', 'InlineInferenceContainer', 'PublicWorkforce', 'UnguardedActions',
    ]);
    expect(withoutSid(d.scps)).toEqual(withoutSid(d.managed));
    expect(sids(d.boundary).every((sid) => sid === undefined)).toBe(true);
  });

  test('every deny statement has at least one denied request in the table below', () => {
    expect([...new Set(DENIED.map((c) => c[3]))].sort()).toEqual([...d.guardrails.statementIds].sort());
  });

  describe.each(deliveries)('%s', (_name, docs) => {
    test.each(Object.keys(COMPLIANT))('compliant %s passes', (action) => {
      expect(denyingStatements(docs, request(action))).toEqual([]);
    });

    test.each(ALSO_COMPLIANT)('compliant: %s', (_desc, action, change) => {
      expect(denyingStatements(docs, request(action, change))).toEqual([]);
    });

    test.each(DENIED)('denied: %s', (_desc, action, change, sid) => {
      const held = docs !== labelled || d.guardrails.boundaryStatementIds.includes(sid);
      expect(denyingStatements(docs, request(action, change))).toEqual(held ? [sid] : []);
    });
  });

  test('the boundary allows compliant and unrelated requests and explicitly denies the rest', () => {
    expect(evaluate(d.boundary, request('CreateTrainingJob'))).toBe('Allow');
    expect(evaluate(d.boundary, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).toBe('Allow');
    expect(evaluate(d.boundary, request('CreateTrainingJob', { 'sagemaker:NetworkIsolation': 'false' }))).toBe('ExplicitDeny');
  });

  test('with the guardrails (all three deliveries) a stack has zero unacknowledged findings, and every acknowledgement is needed', () => {
    const stack = newTestStack();
    const g = new SageMakerGuardrails(stack, 'Guardrails', { securityGroupIds: [SG], scpTargetIds: ['123456789012'] });
    const role = new iam.Role(stack, 'Human', { assumedBy: new iam.AccountRootPrincipal() });
    g.attachTo(role);
    iam.PermissionsBoundary.of(role).apply(g.permissionsBoundary!);
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    expect(unneededAcknowledgements(stack)).toEqual([]);
  });

  test('attachTo lists the role on every deny policy, also for an imported role', () => {
    const stack = newTestStack();
    const g = new SageMakerGuardrails(stack, 'Guardrails', { securityGroupIds: [SG] });
    g.attachTo(iam.Role.fromRoleName(stack, 'Imported', 'platform-admin'));
    for (const p of Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))) {
      if (p.Properties.Description.startsWith('SageMaker guardrails (')) {
        expect(p.Properties.Roles).toEqual(['platform-admin']);
      }
    }
  });

  test('attachToRolesIn attaches to every role in the scope once: L2 roles, roles added later, L1-only roles; not outside the scope', () => {
    const stack = newTestStack();
    const g = new SageMakerGuardrails(stack, 'Guardrails', { securityGroupIds: [SG] });
    const inside = new Construct(stack, 'Workloads');
    const early = new iam.Role(inside, 'Early', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    g.attachTo(early); // attached explicitly too: must not be listed twice
    g.attachToRolesIn(inside);
    new iam.Role(inside, 'Late', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    new iam.CfnRole(inside, 'RawRole', { assumeRolePolicyDocument: { Statement: [] } });
    new iam.Role(stack, 'Outside', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    const t = Template.fromStack(stack);
    const ids = (type: string, prefix: string) => Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
    const [early1, late, raw] = [ids('AWS::IAM::Role', 'WorkloadsEarly')[0], ids('AWS::IAM::Role', 'WorkloadsLate')[0], ids('AWS::IAM::Role', 'WorkloadsRawRole')[0]];
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => p.Properties.Description.startsWith('SageMaker guardrails ('));
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      expect(p.Properties.Roles).toEqual([{ Ref: early1 }, { Ref: late }, { Ref: raw }]);
    }
  });

  test('of(environment) creates one guardrails per environment, and warns without security groups', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    expect(SageMakerGuardrails.of(env)).toBe(SageMakerGuardrails.of(env));
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('any one passes'));
  });

  test('with the largest accepted allowlists every managed policy, the boundary and every SCP stay under their limits', () => {
    const stack = newTestStack();
    const hex = (i: number) => i.toString(16).padStart(17, '0');
    const types = (n: number) => Array.from({ length: n }, (_, i) => `ml.family${i}xx.48xlarge`);
    const g = new SageMakerGuardrails(stack, 'Guardrails', {
      subnetIds: Array.from({ length: SageMakerGuardrails.MAX_SUBNETS }, (_, i) => `subnet-${hex(i)}`),
      securityGroupIds: Array.from({ length: SageMakerGuardrails.MAX_SECURITY_GROUPS }, (_, i) => `sg-${hex(i)}`),
      additionalKmsKeyArns: Array.from({ length: SageMakerGuardrails.MAX_ADDITIONAL_KEYS }, (_, i) =>
        `arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/${String(i).padStart(8, '0')}-2222-3333-4444-555555555555`),
      notebookInstanceTypes: types(SageMakerGuardrails.MAX_INSTANCE_TYPES),
      studioInstanceTypes: types(SageMakerGuardrails.MAX_INSTANCE_TYPES),
      endpointInstanceTypes: types(SageMakerGuardrails.MAX_INSTANCE_TYPES),
      trainingInstanceTypes: types(SageMakerGuardrails.MAX_INSTANCE_TYPES),
      presignedUrlSourceIps: Array.from({ length: SageMakerGuardrails.MAX_PRESIGNED_URL_SOURCES }, (_, i) => `2001:0db8:85a3:0000:0000:8a2e:0370:${String(i).padStart(4, '0')}/128`),
      presignedUrlVpcEndpointIds: Array.from({ length: SageMakerGuardrails.MAX_PRESIGNED_URL_SOURCES }, (_, i) => `vpce-${hex(i)}`),
      requiredTags: Array.from({ length: SageMakerGuardrails.MAX_REQUIRED_TAGS }, (_, i) => `${'t'.repeat(120)}${i}`),
      scpTargetIds: ['r-ab12'],
      permissionsBoundary: false,
    });
    const t = Template.fromStack(stack);
    const keyArnLength = 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555'.length;
    const size = (doc: unknown) => {
      // references become their concrete values: the environment key ARN and the pseudo parameters
      const concrete = JSON.stringify(doc).replace(/\{"Fn::GetAtt":\["[^"]+","Arn"\]\}/g, `"${'k'.repeat(keyArnLength)}"`);
      return concrete.length;
    };
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies.length).toBeGreaterThanOrEqual(2); // split
    // Leaves room in a role's 10 managed policies (the whole SageMaker catalogue is judged, so the
    // largest allowlists need four; the defaults need two).
    expect(policies.length).toBeLessThanOrEqual(4);
    for (const p of policies) {
      expect(size(p.Properties.PolicyDocument)).toBeLessThanOrEqual(SageMakerGuardrails.MANAGED_POLICY_SIZE_LIMIT);
    }
    const scps = Object.values(t.findResources('AWS::Organizations::Policy'));
    expect(scps.length).toBeLessThanOrEqual(4); // 5 SCPs per target, one of them FullAWSAccess
    for (const p of scps) {
      expect(size(p.Properties.Content)).toBeLessThanOrEqual(SageMakerGuardrails.SCP_SIZE_LIMIT);
    }
    expect(g.scpDocuments().length).toBe(scps.length);
  });

  describe('organizationWide', () => {
    const orgPolicies = (props: Partial<SageMakerGuardrailsProps> = {}) => {
      const stack = newTestStack();
      new SageMakerGuardrails(stack, 'Guardrails', { organizationWide: true, ...props });
      const t = Template.fromStack(stack);
      const docs = Object.entries(t.findResources('AWS::IAM::ManagedPolicy'))
        .filter(([id]) => id.startsWith('GuardrailsDenyPolicy')).map(([, r]) => r.Properties.PolicyDocument as PolicyJson);
      return { t, policies: [{ Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] }, ...docs] };
    };
    const anyAccount = {
      'sagemaker:VolumeKmsKeyArn': 'arn:aws:kms:eu-west-1:444455556666:key/aaaa',
      'sagemaker:OutputKmsKeyArn': 'arn:aws:kms:eu-west-1:444455556666:key/aaaa',
      'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
      'sagemaker:NetworkIsolation': 'true',
      'sagemaker:InterContainerTrafficEncryption': 'true',
      'sagemaker:VpcSubnets': ['subnet-0123456789abcdef0'],
      'sagemaker:VpcSecurityGroupIds': ['sg-0123456789abcdef0'],
    };
    const training = (context: Record<string, string | string[]>) => ({ action: 'sagemaker:CreateTrainingJob', context });
    const without = (key: string) => Object.fromEntries(Object.entries(anyAccount).filter(([k]) => k !== key));

    test('creates no environment and pins no subnet, security group or key, but requires each', () => {
      const { t, policies } = orgPolicies();
      expect(Object.keys(t.findResources('AWS::EC2::VPC'))).toEqual([]);
      expect(Object.keys(t.findResources('AWS::KMS::Key'))).toEqual([]);
      expect(evaluate(policies, training(anyAccount))).toBe('Allow');
      // A VpcConfig always holds both subnets and security groups: requiring subnets requires both.
      for (const key of ['sagemaker:VolumeKmsKeyArn', 'sagemaker:OutputKmsKeyArn', 'sagemaker:VpcSubnets']) {
        expect([key, evaluate(policies, training(without(key)))]).toEqual([key, 'ExplicitDeny']);
      }
      const notebook = {
        'sagemaker:VolumeKmsKeyArn': anyAccount['sagemaker:VolumeKmsKeyArn'],
        'sagemaker:DirectInternetAccess': 'Disabled',
        'sagemaker:RootAccess': 'Disabled',
        'sagemaker:MinimumInstanceMetadataServiceVersion': '2',
        'sagemaker:InstanceTypes': ['ml.t3.medium'],
        'sagemaker:VpcSubnets': ['subnet-0123456789abcdef0'],
      };
      expect(evaluate(policies, { action: 'sagemaker:CreateNotebookInstance', context: { ...notebook, 'sagemaker:VpcSecurityGroupIds': ['sg-0123456789abcdef0'] } })).toBe('Allow');
      expect(evaluate(policies, { action: 'sagemaker:CreateNotebookInstance', context: notebook })).toBe('ExplicitDeny');
      expect(evaluate(policies, training({ ...anyAccount, 'sagemaker:NetworkIsolation': 'false' }))).toBe('ExplicitDeny');
    });

    test('feature groups: a store without a customer key is denied, any account\'s key is accepted', () => {
      const { policies } = orgPolicies();
      const key = 'arn:aws:kms:eu-west-1:444455556666:key/aaaa';
      const create = (context: Record<string, string>) => ({ action: 'sagemaker:CreateFeatureGroup', context });
      expect(evaluate(policies, create({
        'sagemaker:FeatureGroupEnableOnlineStore': 'true',
        'sagemaker:FeatureGroupOnlineStoreKmsKeyArn': key,
        'sagemaker:FeatureGroupOfflineStoreConfig': 'true',
        'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': key,
      }))).toBe('Allow');
      expect(evaluate(policies, create({ 'sagemaker:FeatureGroupOfflineStoreConfig': 'true', 'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': key }))).toBe('Allow');
      expect(evaluate(policies, create({ 'sagemaker:FeatureGroupOfflineStoreConfig': 'true' }))).toBe('ExplicitDeny');
      expect(evaluate(policies, create({ 'sagemaker:FeatureGroupEnableOnlineStore': 'true' }))).toBe('ExplicitDeny');
    });

    test('pins what is given: subnets, security groups and output keys', () => {
      const { policies } = orgPolicies({
        subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'], additionalKmsKeyArns: ['arn:aws:kms:eu-west-1:444455556666:key/aaaa'],
      });
      expect(evaluate(policies, training(anyAccount))).toBe('Allow');
      expect(evaluate(policies, training({ ...anyAccount, 'sagemaker:VpcSubnets': ['subnet-0fffffffffffffff9'] }))).toBe('ExplicitDeny');
      expect(evaluate(policies, training({ ...anyAccount, 'sagemaker:VpcSecurityGroupIds': ['sg-0fffffffffffffff9'] }))).toBe('ExplicitDeny');
      expect(evaluate(policies, training({ ...anyAccount, 'sagemaker:OutputKmsKeyArn': 'arn:aws:kms:eu-west-1:444455556666:key/bbbb' }))).toBe('ExplicitDeny');
    });

    test('policyName names the deny policies and the boundary', () => {
      const { t } = orgPolicies({ policyName: 'sagemaker-guardrails' });
      const names = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).map((r) => r.Properties.ManagedPolicyName).sort();
      expect(names).toEqual(['sagemaker-guardrails-1', 'sagemaker-guardrails-2', 'sagemaker-guardrails-boundary']);
    });

    test('with default props, has zero unacknowledged findings and warns about nothing', () => {
      const stack = newTestStack();
      new SageMakerGuardrails(stack, 'Guardrails', { organizationWide: true });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    });

    test('fails with an environment, and on an invalid policy name', () => {
      const stack = newTestStack();
      expect(() => new SageMakerGuardrails(stack, 'A', { organizationWide: true, environment: SageMakerEnvironment.of(stack) }))
        .toThrow(/`organizationWide` and `environment` exclude each other/);
      expect(() => new SageMakerGuardrails(stack, 'B', { organizationWide: true, policyName: 'has space' })).toThrow(/`policyName`/);
    });
  });

  describe('permitUnguardedActions', () => {
    test('the named actions leave the UnguardedActions statement (patterns are expanded when a member is permitted), warned', () => {
      const stack = newTestStack();
      const g = new SageMakerGuardrails(stack, 'G', { securityGroupIds: [SG], permitUnguardedActions: ['sagemaker:CreatePipeline', 'sagemaker:CreateMlflowApp'] });
      const docs = g.denyPolicyDocuments().map((doc) => stack.resolve(doc.toJSON()));
      const unguarded = docs.flatMap((doc) => doc.Statement).find((st: any) => st.Sid === 'UnguardedActions');
      expect(unguarded.Action).not.toContain('sagemaker:CreatePipeline');
      expect(unguarded.Action).not.toContain('sagemaker:CreateMlflow*');
      expect(unguarded.Action).toContain('sagemaker:CreateMlflowTrackingServer');
      expect(unguarded.Action).toContain('sagemaker:UpdatePipeline');
      const policies: PolicyJson[] = [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, ...docs];
      expect(evaluate(policies, { action: 'sagemaker:CreatePipeline' })).toBe('Allow');
      expect(evaluate(policies, { action: 'sagemaker:CreateMlflowTrackingServer' })).toBe('ExplicitDeny');
      Annotations.fromStack(stack).hasWarning('/TestStack/G', Match.stringLikeRegexp('permit sagemaker:CreatePipeline, sagemaker:CreateMlflowApp.*only control'));
    });

    test('by default every unguarded action is denied, with no warning', () => {
      const stack = newTestStack();
      const g = new SageMakerGuardrails(stack, 'G', { securityGroupIds: [SG] });
      const policies: PolicyJson[] = [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, ...g.denyPolicyDocuments().map((doc) => stack.resolve(doc.toJSON()))];
      for (const action of SageMakerGuardrails.UNGUARDED_ACTIONS) {
        expect([action, evaluate(policies, { action })]).toEqual([action, 'ExplicitDeny']);
      }
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('permit sagemaker:'));
    });

    test('an action that is not unguarded is refused, naming the prop and suggesting the full name', () => {
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', { permitUnguardedActions: ['CreatePipeline'] }))
        .toThrow(/`permitUnguardedActions` has 'CreatePipeline', which is not one of SageMakerGuardrails.UNGUARDED_ACTIONS \(did you mean 'sagemaker:CreatePipeline'\?\)/);
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', { permitUnguardedActions: ['sagemaker:CreateTrainingJob'] }))
        .toThrow(/not one of SageMakerGuardrails.UNGUARDED_ACTIONS.*docs\/guardrail-coverage.md/);
    });

    test('a token is refused: the actions decide the statements at synth', () => {
      const stack = newTestStack();
      expect(() => new SageMakerGuardrails(stack, 'G', { permitUnguardedActions: [Lazy.string({ produce: () => 'sagemaker:CreatePipeline' })] }))
        .toThrow(/`permitUnguardedActions` has a token/);
    });
  });

  describe('validation', () => {
    test('fails when the boundary cannot hold every deny, naming the opt-out', () => {
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', {
        securityGroupIds: [SG], requiredTags: ['a', 'b', 'c', 'd', 'e'],
      })).toThrow(/permissionsBoundary: false/);
    });

    test('fails on more subnets than accepted', () => {
      const stack = newTestStack();
      expect(() => new SageMakerGuardrails(stack, 'G', {
        subnetIds: Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(17, '0')}`),
      })).toThrow(/`subnetIds` has 17 entries; at most 16/);
    });

    test('fails on too many instance types', () => {
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', {
        trainingInstanceTypes: Array.from({ length: 21 }, (_, i) => `ml.m${i}.*`),
      })).toThrow(/`trainingInstanceTypes` has 21 entries/);
    });

    test('fails on a malformed instance type, security group or CIDR', () => {
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', { notebookInstanceTypes: ['t3.medium'] })).toThrow(/notebookInstanceTypes/);
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', { securityGroupIds: ['default'] })).toThrow(/securityGroupIds/);
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', { presignedUrlSourceIps: ['10.0.0.1'] })).toThrow(/presignedUrlSourceIps/);
    });

    test('fails on an SCP target that is not an account, OU or root ID', () => {
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', { securityGroupIds: [SG], scpTargetIds: ['ou-123'] })).toThrow(/scpTargetIds/);
    });

    test('fails on a runtime cap above 28 days', () => {
      expect(() => new SageMakerGuardrails(newTestStack(), 'G', { maxJobRuntime: Duration.days(29) })).toThrow(/maxJobRuntime/);
    });
  });
});
