import { CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';

/**
 * Compliant and non-compliant CloudFormation resource property sets, per rule of the pack, for the
 * rules the public checklist mapping (lib/nag/checklists.ts) names and the rules added with it.
 * Each sample is the `Subject` resource of a template, with `extra` resources beside it.
 */

/** One sample: the subject's `Properties`, and other resources of the template. */
export interface Sample {
  /** The subject's type, when it is not the fixture's. */
  readonly type?: string;
  readonly properties: Record<string, unknown>;
  readonly extra?: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** The samples of one rule. */
export interface RuleFixture {
  readonly type: string;
  readonly compliant: Sample;
  readonly nonCompliant: Sample;
  /** More samples, with their verdict: compliant (true), non-compliant (false), or not applicable. */
  readonly more?: ReadonlyArray<readonly [string, Sample, boolean | 'n/a']>;
}

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::111122223333:role/r';
const VPC = { Subnets: ['subnet-1'], SecurityGroupIds: ['sg-1'] };
const b64 = (text: string) => Buffer.from(text, 'utf-8').toString('base64');
const param = { Ref: 'Param' };

const NOTEBOOK = 'AWS::SageMaker::NotebookInstance';
const notebook = (p: Record<string, unknown> = {}): Sample => ({ properties: { InstanceType: 'ml.t3.medium', RoleArn: ROLE, ...p } });
const model = (p: Record<string, unknown> = {}): Sample => ({ properties: { ExecutionRoleArn: ROLE, PrimaryContainer: { Image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/m:1' }, ...p } });
const variant = (p: Record<string, unknown> = {}) => ({ VariantName: 'AllTraffic', ModelName: 'm', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, ...p });
const endpointConfig = (p: Record<string, unknown> = {}, v: Record<string, unknown> = {}): Sample => ({
  properties: { KmsKeyId: KEY, ProductionVariants: [variant(v)], ...p },
});
const domain = (p: Record<string, unknown> = {}): Sample => ({
  properties: { DomainName: 'd', AuthMode: 'IAM', VpcId: 'vpc-1', SubnetIds: ['subnet-1'], AppNetworkAccessType: 'VpcOnly', KmsKeyId: KEY, DefaultUserSettings: { ExecutionRole: ROLE }, Tags: [{ Key: 'team', Value: 'ml' }], ...p },
});

/** A CreateTrainingJob request with every secure setting. */
const training = (p: Record<string, unknown> = {}) => ({
  TrainingJobName: 'train',
  RoleArn: ROLE,
  AlgorithmSpecification: { TrainingImage: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/t:1', TrainingInputMode: 'File' },
  OutputDataConfig: { S3OutputPath: 's3://b/models', KmsKeyId: KEY },
  ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  VpcConfig: VPC,
  EnableNetworkIsolation: true,
  EnableInterContainerTrafficEncryption: true,
  ...p,
});
const stateMachine = (resource: string, parameters: unknown): Sample => ({
  properties: { RoleArn: ROLE, Definition: { StartAt: 'Job', States: { Job: { Type: 'Task', Resource: `arn:aws:states:::sagemaker:${resource}`, Parameters: parameters, End: true } } } },
});
const pipeline = (steps: unknown[]): Sample => ({
  type: 'AWS::SageMaker::Pipeline',
  properties: { PipelineName: 'p', RoleArn: ROLE, PipelineDefinition: { PipelineDefinitionBody: JSON.stringify({ Version: '2020-12-01', Steps: steps }) } },
});
const transform = (p: Record<string, unknown> = {}) => ({
  TransformJobName: 'score',
  ModelName: 'm',
  TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b/in' } } },
  TransformOutput: { S3OutputPath: 's3://b/out', KmsKeyId: KEY },
  TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeKmsKeyId: KEY },
  ...p,
});
const tuning = (definition: Record<string, unknown>) => ({
  HyperParameterTuningJobName: 'tune',
  HyperParameterTuningJobConfig: { Strategy: 'Bayesian', ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 } },
  TrainingJobDefinition: definition,
});

const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';

/** A data quality job definition with every secure setting. */
const monitoringNetwork = { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: VPC };
const dataQuality = (p: Record<string, unknown> = {}): Sample => ({
  properties: {
    RoleArn: ROLE,
    DataQualityAppSpecification: { ImageUri: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/monitor:1' },
    DataQualityJobInput: { EndpointInput: { EndpointName: 'e', LocalPath: '/opt/ml/processing/input' } },
    DataQualityJobOutputConfig: { KmsKeyId: KEY, MonitoringOutputs: [{ S3Output: { LocalPath: '/opt/ml/processing/output', S3Uri: 's3://b/monitor' } }] },
    JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 20, VolumeKmsKeyId: KEY } },
    NetworkConfig: monitoringNetwork,
    StoppingCondition: { MaxRuntimeInSeconds: 1800 },
    ...p,
  },
});
const MONITOR = 'AWS::SageMaker::DataQualityJobDefinition';
const SCHEDULE = 'AWS::SageMaker::MonitoringSchedule';
/** A schedule that runs a job definition the template does not define: no monitoring rule can confirm it. */
const elsewhere: readonly [string, Sample, boolean] = ['a schedule running a job definition the template does not define',
  { type: SCHEDULE, properties: { MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'elsewhere', MonitoringType: 'DataQuality' } } }, false];
/** A schedule that runs the data quality job definition `Definition` of the template. */
const scheduleOf = (definition: Sample, name: unknown = { 'Fn::GetAtt': ['Definition', 'JobDefinitionName'] }): Sample => ({
  type: SCHEDULE,
  properties: { MonitoringScheduleName: 's', MonitoringScheduleConfig: { MonitoringJobDefinitionName: name, MonitoringType: 'DataQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } } },
  extra: { Definition: { Type: MONITOR, Properties: definition.properties } },
});
/** A schedule with an inline job definition. */
const inlineSchedule = (network: Record<string, unknown>): Sample => ({
  type: SCHEDULE,
  properties: {
    MonitoringScheduleName: 's',
    MonitoringScheduleConfig: {
      MonitoringJobDefinition: {
        RoleArn: ROLE,
        MonitoringAppSpecification: { ImageUri: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/monitor:1' },
        MonitoringInputs: [{ EndpointInput: { EndpointName: 'e', LocalPath: '/opt/ml/processing/input' } }],
        MonitoringOutputConfig: { KmsKeyId: KEY, MonitoringOutputs: [{ S3Output: { LocalPath: '/opt/ml/processing/output', S3Uri: 's3://b/monitor' } }] },
        MonitoringResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 20, VolumeKmsKeyId: KEY } },
        NetworkConfig: network,
        StoppingCondition: { MaxRuntimeInSeconds: 1800 },
      },
    },
  },
});

const FEATURE_GROUP = 'AWS::SageMaker::FeatureGroup';
const featureGroup = (p: Record<string, unknown> = {}): Sample => ({
  properties: {
    FeatureGroupName: 'fg',
    RecordIdentifierFeatureName: 'id',
    EventTimeFeatureName: 'ts',
    FeatureDefinitions: [{ FeatureName: 'id', FeatureType: 'String' }, { FeatureName: 'ts', FeatureType: 'String' }],
    Description: 'Customer features, owned by the churn team',
    OfflineStoreConfig: { S3StorageConfig: { S3Uri: 's3://b/features', KmsKeyId: KEY } },
    OnlineStoreConfig: { EnableOnlineStore: true, SecurityConfig: { KmsKeyId: KEY } },
    Tags: [{ Key: 'team', Value: 'churn' }],
    ...p,
  },
});

const trustRole = (actions: unknown): Sample['extra'] => ({
  Role: {
    Type: 'AWS::IAM::Role',
    Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: actions }] } },
  },
});
const lifecycle = (script: string): Sample => ({ properties: { OnStart: [{ Content: b64(script) }] } });

const ECR = 'AWS::ECR::Repository';
const repository = (p: Record<string, unknown> = {}): Sample => ({
  properties: {
    ImageScanningConfiguration: { ScanOnPush: true },
    ImageTagMutability: 'IMMUTABLE',
    EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: KEY },
    LifecyclePolicy: { LifecyclePolicyText: JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } }] }) },
    ...p,
  },
});

const packageGroupPolicy = (statement: Record<string, unknown>): Sample => ({
  properties: { ModelPackageGroupName: 'g', ModelPackageGroupPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: '*', ...statement }] } },
});

const experiment = (p: Record<string, unknown> = {}): Sample => ({
  properties: {
    Name: 'shadow',
    Type: 'ShadowMode',
    EndpointName: 'e',
    RoleArn: ROLE,
    ModelVariants: [{ ModelName: 'm', VariantName: 'shadow', InfrastructureConfig: { InfrastructureType: 'RealTimeInference', RealTimeInferenceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1 } } }],
    KmsKey: KEY,
    DataStorageConfig: { Destination: 's3://b/capture', KmsKey: KEY },
    ...p,
  },
});

/** Rule ID -> samples. */
export const CHECKLIST_FIXTURES: Record<string, RuleFixture> = {
  'SageMakerSecurity-NotebookRootAccessDisabled': { type: NOTEBOOK, compliant: notebook({ RootAccess: 'Disabled' }), nonCompliant: notebook({ RootAccess: 'Enabled' }) },
  'SageMakerSecurity-NotebookIMDSv2': {
    type: NOTEBOOK,
    compliant: notebook({ InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' } }),
    nonCompliant: notebook({ InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '1' } }),
  },
  'SageMakerSecurity-NotebookCurrentPlatform': { type: NOTEBOOK, compliant: notebook({ PlatformIdentifier: 'notebook-al2023-v1' }), nonCompliant: notebook({ PlatformIdentifier: 'notebook-al2-v3' }) },
  'SageMakerSecurity-NotebookLifecycleConfigNoSecrets': {
    type: 'AWS::SageMaker::NotebookInstanceLifecycleConfig',
    compliant: lifecycle('#!/bin/bash\nTOKEN=$(curl -s -X PUT http://169.254.169.254/latest/api/token)\necho "$TOKEN" > /dev/null\n'),
    nonCompliant: lifecycle('#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n'),
    more: [
      ['a quoted password', lifecycle('PASSWORD="hunter2hunter2"\n'), false],
      ['a private key', lifecycle('cat > key.pem <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nEOF\n'), false],
      ['Fn::Base64 of text with tokens', { properties: { OnCreate: [{ Content: { 'Fn::Base64': { 'Fn::Join': ['', ['aws s3 cp s3://', { Ref: 'Bucket' }, '/x .\n']] } } }] } }, true],
      ['content chosen at deploy time', { properties: { OnCreate: [{ Content: { 'Fn::Base64': param } }] } }, false],
    ],
  },
  'SageMakerSecurity-NotebookRoleTrustScoped': {
    type: NOTEBOOK,
    compliant: { ...notebook({ RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }), extra: trustRole('sts:AssumeRole') },
    nonCompliant: { ...notebook({ RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }), extra: trustRole('*') },
    more: [
      ['sts:* in the trust policy', { ...notebook({ RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }), extra: trustRole(['sts:*']) }, false],
      ['a role outside the template (not applicable)', notebook(), 'n/a'],
    ],
  },
  'SageMakerSecurity-ModelNetworkIsolation': { type: 'AWS::SageMaker::Model', compliant: model({ EnableNetworkIsolation: true }), nonCompliant: model() },
  'SageMakerSecurity-ModelInVPC': { type: 'AWS::SageMaker::Model', compliant: model({ VpcConfig: VPC }), nonCompliant: model() },
  'SageMakerSecurity-EndpointConfigKMSKey': { type: 'AWS::SageMaker::EndpointConfig', compliant: endpointConfig(), nonCompliant: endpointConfig({ KmsKeyId: undefined }) },
  'SageMakerSecurity-EndpointConfigMultiInstance': {
    type: 'AWS::SageMaker::EndpointConfig',
    compliant: endpointConfig(),
    nonCompliant: endpointConfig({}, { InitialInstanceCount: 1 }),
  },
  'SageMakerSecurity-EndpointConfigAsyncOutputKMSKey': {
    type: 'AWS::SageMaker::EndpointConfig',
    compliant: endpointConfig({ AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://b/async', KmsKeyId: KEY } } }),
    nonCompliant: endpointConfig({ AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://b/async' } } }),
    more: [['no asynchronous inference (not applicable)', endpointConfig(), 'n/a'], ['a key parameter', endpointConfig({ AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://b/async', KmsKeyId: param } } }), false]],
  },
  'SageMakerSecurity-EndpointConfigNoServerlessVariant': {
    type: 'AWS::SageMaker::EndpointConfig',
    compliant: endpointConfig(),
    nonCompliant: { properties: { ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm', ServerlessConfig: { MaxConcurrency: 5, MemorySizeInMB: 2048 } }] } },
    more: [['a serverless shadow variant', endpointConfig({ ShadowProductionVariants: [{ VariantName: 'Shadow', ModelName: 'm', ServerlessConfig: { MaxConcurrency: 1, MemorySizeInMB: 1024 } }] }), false]],
  },
  'SageMakerSecurity-DomainVpcOnly': { type: 'AWS::SageMaker::Domain', compliant: domain(), nonCompliant: domain({ AppNetworkAccessType: 'PublicInternetOnly' }) },
  'SageMakerSecurity-DomainKMSKey': { type: 'AWS::SageMaker::Domain', compliant: domain(), nonCompliant: domain({ KmsKeyId: undefined }) },
  'SageMakerSecurity-JobDefinitionVpc': {
    type: STATE_MACHINE,
    compliant: stateMachine('createTrainingJob.sync', training()),
    nonCompliant: stateMachine('createTrainingJob.sync', training({ VpcConfig: undefined })),
    more: [
      ['a transform job (its VPC is the model\'s)', stateMachine('createTransformJob.sync', transform()), 'n/a'],
      ['a tuning job whose training definition has no VPC', stateMachine('createHyperParameterTuningJob.sync', tuning(training({ VpcConfig: undefined }))), false],
      ['a pipeline Tuning step whose training definition has no VPC', pipeline([{ Name: 'Tune', Type: 'Tuning', Arguments: tuning(training({ VpcConfig: undefined })) }]), false],
    ],
  },
  'SageMakerSecurity-JobDefinitionNetworkIsolation': {
    type: STATE_MACHINE,
    compliant: stateMachine('createTrainingJob.sync', training()),
    nonCompliant: stateMachine('createTrainingJob.sync', training({ EnableNetworkIsolation: false })),
    more: [['a pipeline Transform step (isolation is the model\'s)', pipeline([{ Name: 'Score', Type: 'Transform', Arguments: transform() }]), 'n/a']],
  },
  'SageMakerSecurity-JobDefinitionInterContainerEncryption': {
    type: STATE_MACHINE,
    compliant: stateMachine('createTrainingJob.sync', training()),
    nonCompliant: stateMachine('createTrainingJob.sync', training({ EnableInterContainerTrafficEncryption: undefined })),
    more: [['a pipeline Tuning step with encryption', pipeline([{ Name: 'Tune', Type: 'Tuning', Arguments: tuning(training()) }]), true]],
  },
  'SageMakerSecurity-JobDefinitionKmsKeys': {
    type: STATE_MACHINE,
    compliant: stateMachine('createTrainingJob.sync', training()),
    nonCompliant: stateMachine('createTrainingJob.sync', training({ OutputDataConfig: { S3OutputPath: 's3://b/models' } })),
    more: [
      ['a transform job with both keys', stateMachine('createTransformJob.sync', transform()), true],
      ['a transform job without an output key', stateMachine('createTransformJob.sync', transform({ TransformOutput: { S3OutputPath: 's3://b/out' } })), false],
      ['a transform job without a volume key', stateMachine('createTransformJob', transform({ TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 } })), false],
      ['a transform job on local NVMe storage without a volume key', stateMachine('createTransformJob.sync', transform({ TransformResources: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1 } })), true],
      ['a pipeline Transform step without keys', pipeline([{ Name: 'Score', Type: 'Transform', Arguments: transform({ TransformOutput: { S3OutputPath: 's3://b/out' } }) }]), false],
      ['a transform request chosen at run time', { properties: { RoleArn: ROLE, Definition: { StartAt: 'J', States: { J: { 'Type': 'Task', 'Resource': 'arn:aws:states:::sagemaker:createTransformJob', 'Parameters.$': '$.request', 'End': true } } } } }, false],
    ],
  },
  'SageMakerSecurity-JobDefinitionMaxRuntime': {
    type: STATE_MACHINE,
    compliant: stateMachine('createTrainingJob.sync', training()),
    nonCompliant: stateMachine('createTrainingJob.sync', training({ StoppingCondition: {} })),
    more: [['a transform job (no StoppingCondition in CreateTransformJob)', stateMachine('createTransformJob.sync', transform()), 'n/a']],
  },
  'SageMakerSecurity-MonitoringJobNetworkIsolation': {
    type: MONITOR,
    compliant: dataQuality(),
    nonCompliant: dataQuality({ NetworkConfig: { ...monitoringNetwork, EnableNetworkIsolation: false } }),
    more: [
      ['a definition without NetworkConfig', dataQuality({ NetworkConfig: undefined }), false],
      ['a schedule with an inline job definition with every setting', inlineSchedule(monitoringNetwork), true],
      ['a schedule with an inline job definition without isolation', inlineSchedule({ ...monitoringNetwork, EnableNetworkIsolation: false }), false],
      ['a schedule running a job definition of the template, by Fn::GetAtt', scheduleOf(dataQuality()), true],
      ['a schedule running a job definition of the template, by its literal name', scheduleOf(dataQuality({ JobDefinitionName: 'dq' }), 'dq'), true],
      ['a schedule running an insecure job definition of the template', scheduleOf(dataQuality({ NetworkConfig: {} })), false],
      elsewhere,
    ],
  },
  'SageMakerSecurity-MonitoringJobInterContainerEncryption': {
    type: MONITOR,
    compliant: dataQuality(),
    nonCompliant: dataQuality({ NetworkConfig: { ...monitoringNetwork, EnableInterContainerTrafficEncryption: undefined } }),
    more: [
      ['a schedule with an inline job definition without encryption', inlineSchedule({ ...monitoringNetwork, EnableInterContainerTrafficEncryption: false }), false],
      ['a schedule with an inline job definition with encryption', inlineSchedule(monitoringNetwork), true],
      elsewhere,
    ],
  },
  'SageMakerSecurity-MonitoringJobVpc': {
    type: MONITOR,
    compliant: dataQuality(),
    nonCompliant: dataQuality({ NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true } }),
    more: [['a schedule with an inline job definition outside a VPC', inlineSchedule({ EnableNetworkIsolation: true }), false], elsewhere],
  },
  'SageMakerSecurity-MonitoringJobKmsKeys': {
    type: MONITOR,
    compliant: dataQuality(),
    nonCompliant: dataQuality({ JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 20 } } }),
    more: [
      ['no output key', dataQuality({ DataQualityJobOutputConfig: { MonitoringOutputs: [] } }), false],
      ['a volume key parameter', dataQuality({ JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 20, VolumeKmsKeyId: param } } }), false],
      elsewhere,
      ['a schedule with an inline job definition with both keys', inlineSchedule(monitoringNetwork), true],
      ['keys of the template', dataQuality({ DataQualityJobOutputConfig: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } }, JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 20, VolumeKmsKeyId: { Ref: 'Key' } } } }), true],
    ],
  },
  'SageMakerSecurity-MonitoringJobMaxRuntime': {
    type: MONITOR,
    compliant: dataQuality(),
    nonCompliant: dataQuality({ StoppingCondition: undefined }),
    more: [['more than a day', dataQuality({ StoppingCondition: { MaxRuntimeInSeconds: 86_401 } }), false], elsewhere],
  },
  'SageMakerSecurity-FeatureGroupKMSKeys': {
    type: FEATURE_GROUP,
    compliant: featureGroup(),
    nonCompliant: featureGroup({ OfflineStoreConfig: { S3StorageConfig: { S3Uri: 's3://b/features' } } }),
    more: [
      ['an online store without a key', featureGroup({ OnlineStoreConfig: { EnableOnlineStore: true } }), false],
      ['an InMemory online store without a key', featureGroup({ OnlineStoreConfig: { EnableOnlineStore: true, StorageType: 'InMemory' } }), true],
      ['no stores (not applicable)', featureGroup({ OfflineStoreConfig: undefined, OnlineStoreConfig: undefined }), 'n/a'],
    ],
  },
  'SageMakerSecurity-FeatureGroupDescription': { type: FEATURE_GROUP, compliant: featureGroup(), nonCompliant: featureGroup({ Description: undefined }) },
  'SageMakerSecurity-SageMakerResourceTagged': {
    type: 'AWS::SageMaker::AppImageConfig',
    compliant: { properties: { AppImageConfigName: 'c', Tags: [{ Key: 'team', Value: 'ml' }] } },
    nonCompliant: { properties: { AppImageConfigName: 'c' } },
    more: [['only aws: tags', { properties: { AppImageConfigName: 'c', Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 's' }] } }, false]],
  },
  'SageMakerSecurity-InferenceExperimentKMSKeys': {
    type: 'AWS::SageMaker::InferenceExperiment',
    compliant: experiment(),
    nonCompliant: experiment({ KmsKey: undefined }),
    more: [['captured data without a key', experiment({ DataStorageConfig: { Destination: 's3://b/capture' } }), false], ['no data capture', experiment({ DataStorageConfig: undefined }), true]],
  },
  'SageMakerSecurity-ModelPackageGroupNoPublicAccess': {
    type: 'AWS::SageMaker::ModelPackageGroup',
    compliant: packageGroupPolicy({ Principal: { AWS: 'arn:aws:iam::444455556666:root' } }),
    nonCompliant: packageGroupPolicy({ Principal: '*' }),
    more: [
      ['a * principal restricted to the organization', packageGroupPolicy({ Principal: { AWS: '*' }, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }), true],
      ['an account chosen at deploy time', packageGroupPolicy({ Principal: { AWS: { 'Fn::Join': ['', ['arn:aws:iam::', param, ':root']] } } }), false],
      ['no policy (not applicable)', { properties: { ModelPackageGroupName: 'g' } }, 'n/a'],
    ],
  },
  'SageMakerSecurity-ECRRepositoryScanOnPush': { type: ECR, compliant: repository(), nonCompliant: repository({ ImageScanningConfiguration: undefined }) },
  'SageMakerSecurity-ECRRepositoryTagImmutable': { type: ECR, compliant: repository(), nonCompliant: repository({ ImageTagMutability: 'MUTABLE' }) },
  'SageMakerSecurity-ECRRepositoryKMSKey': {
    type: ECR,
    compliant: repository(),
    nonCompliant: repository({ EncryptionConfiguration: { EncryptionType: 'AES256' } }),
    more: [['KMS with the AWS managed key', repository({ EncryptionConfiguration: { EncryptionType: 'KMS' } }), false]],
  },
  'SageMakerSecurity-ECRRepositoryLifecyclePolicy': { type: ECR, compliant: repository(), nonCompliant: repository({ LifecyclePolicy: undefined }) },
};

/**
 * A sample as a construct: the subject (logical ID `Subject`), its extra resources and a parameter
 * `Param`, in the given stack. For tests that need constructs, such as the rule/report agreement
 * samples of test/report/rule-agreement.test.ts.
 */
export function buildSample(type: string, sample: Sample): (stack: Stack) => CfnResource {
  return (stack) => {
    new CfnParameter(stack, 'Param').overrideLogicalId('Param');
    for (const [id, r] of Object.entries(sample.extra ?? {})) {
      new CfnResource(stack, id, { type: r.Type, properties: r.Properties }).overrideLogicalId(id);
    }
    const subject = new CfnResource(stack, 'Subject', { type: sample.type ?? type, properties: sample.properties });
    subject.overrideLogicalId('Subject');
    return subject;
  };
}

type Build = (stack: Stack) => CfnResource;

/** The compliant and non-compliant samples of these rules (IDs without the pack prefix) as constructs. */
export function constructSamples(controlIds: readonly string[]): Record<string, { compliant: Build; nonCompliant: Build }> {
  return Object.fromEntries(controlIds.map((id) => {
    const f = CHECKLIST_FIXTURES[`SageMakerSecurity-${id}`];
    if (!f) throw new Error(`no fixture for SageMakerSecurity-${id}`);
    return [id, { compliant: buildSample(f.type, f.compliant), nonCompliant: buildSample(f.type, f.nonCompliant) }];
  }));
}
