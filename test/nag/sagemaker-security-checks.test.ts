import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { SageMakerSecurityChecks } from '../../lib/nag';
import { CONTROLS, ruleIdOf } from '../../lib/nag/controls';

const ALL_RULE_IDS = [
  'SageMakerSecurity-DomainDockerAccessDisabled',
  'SageMakerSecurity-DomainHomeEfsRetained',
  'SageMakerSecurity-DomainIdleShutdown',
  'SageMakerSecurity-DomainKMSKey',
  'SageMakerSecurity-DomainSecurityGroups',
  'SageMakerSecurity-DomainSourceIdentity',
  'SageMakerSecurity-DomainVpcOnly',
  'SageMakerSecurity-ECRRepositoryKMSKey',
  'SageMakerSecurity-ECRRepositoryLifecyclePolicy',
  'SageMakerSecurity-ECRRepositoryScanOnPush',
  'SageMakerSecurity-ECRRepositoryTagImmutable',
  'SageMakerSecurity-EndpointConfigAsyncOutputKMSKey',
  'SageMakerSecurity-EndpointConfigDataCaptureEncrypted',
  'SageMakerSecurity-EndpointConfigKMSKey',
  'SageMakerSecurity-EndpointConfigMultiInstance',
  'SageMakerSecurity-EndpointConfigNoKMSKeyOnNVMe',
  'SageMakerSecurity-EndpointConfigNoServerlessVariant',
  'SageMakerSecurity-FeatureGroupDescription',
  'SageMakerSecurity-FeatureGroupKMSKeys',
  'SageMakerSecurity-InferenceExperimentKMSKeys',
  'SageMakerSecurity-JobDefinitionInterContainerEncryption',
  'SageMakerSecurity-JobDefinitionKmsKeys',
  'SageMakerSecurity-JobDefinitionMaxRuntime',
  'SageMakerSecurity-JobDefinitionNetworkIsolation',
  'SageMakerSecurity-JobDefinitionVpc',
  'SageMakerSecurity-KMSKeyRetained',
  'SageMakerSecurity-LogGroupRetained',
  'SageMakerSecurity-ModelInVPC',
  'SageMakerSecurity-ModelNetworkIsolation',
  'SageMakerSecurity-ModelPackageGroupNoPublicAccess',
  'SageMakerSecurity-MonitoringJobInterContainerEncryption',
  'SageMakerSecurity-MonitoringJobKmsKeys',
  'SageMakerSecurity-MonitoringJobMaxRuntime',
  'SageMakerSecurity-MonitoringJobNetworkIsolation',
  'SageMakerSecurity-MonitoringJobVpc',
  'SageMakerSecurity-NotebookCurrentPlatform',
  'SageMakerSecurity-NotebookIMDSv2',
  'SageMakerSecurity-NotebookLifecycleConfigAttached',
  'SageMakerSecurity-NotebookLifecycleConfigNoSecrets',
  'SageMakerSecurity-NotebookNitroInstanceType',
  'SageMakerSecurity-NotebookRoleTrustScoped',
  'SageMakerSecurity-NotebookRootAccessDisabled',
  'SageMakerSecurity-S3BucketKeyEnabled',
  'SageMakerSecurity-S3BucketRetained',
  'SageMakerSecurity-SageMakerResourceTagged',
  'SageMakerSecurity-UserProfileOwnRole',
  'SageMakerSecurity-VPCInterfaceEndpointPolicy',
  'SageMakerSecurity-VPCInterfaceEndpointPrivateDNS',
  'SageMakerSecurity-VPCNoInternetPath',
  'SageMakerSecurity-VPCS3GatewayEndpointPolicy',
];

/** One resource breaking each rule of the pack. */
function stackBreakingEveryRule(): Stack {
  const stack = new Stack(new App(), 'Stack');
  new s3.CfnBucket(stack, 'Bucket');
  new kms.CfnKey(stack, 'Key');
  new logs.CfnLogGroup(stack, 'Logs');
  new ec2.CfnInternetGateway(stack, 'Igw');
  new ec2.CfnVPCEndpoint(stack, 'S3Endpoint', { vpcId: 'vpc-1', serviceName: 'com.amazonaws.us-east-1.s3' });
  new ec2.CfnVPCEndpoint(stack, 'StsEndpoint', { vpcId: 'vpc-1', serviceName: 'com.amazonaws.us-east-1.sts', vpcEndpointType: 'Interface' });
  // A notebook role that trusts every action.
  const notebookRole = new iam.CfnRole(stack, 'NotebookRole', {
    assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: '*' }] },
  });
  new sagemaker.CfnNotebookInstance(stack, 'Notebook', { instanceType: 'ml.t2.medium', roleArn: notebookRole.attrArn });
  new sagemaker.CfnNotebookInstanceLifecycleConfig(stack, 'Lifecycle', { onStart: [{ content: Buffer.from('export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE').toString('base64') }] });
  new sagemaker.CfnModel(stack, 'Model', { executionRoleArn: 'arn:aws:iam::111122223333:role/model' });
  // A state machine running a training job with none of the secure settings.
  new CfnStateMachine(stack, 'TrainingStateMachine', {
    roleArn: 'arn:aws:iam::111122223333:role/states',
    definitionString: JSON.stringify({
      StartAt: 'Train',
      States: { Train: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', Parameters: { TrainingJobName: 'j' }, End: true } },
    }),
  });
  // A key on an NVMe type, one instance, capture without a key; and a second config without a key on an EBS-backed type.
  new sagemaker.CfnEndpointConfig(stack, 'NvmeConfig', {
    kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
    productionVariants: [{ variantName: 'A', modelName: 'm', instanceType: 'ml.g5.xlarge', initialInstanceCount: 1 }],
    dataCaptureConfig: { initialSamplingPercentage: 100, destinationS3Uri: 's3://b/c/', captureOptions: [{ captureMode: 'Input' }] },
  });
  new sagemaker.CfnEndpointConfig(stack, 'UnencryptedConfig', {
    productionVariants: [{ variantName: 'A', modelName: 'm', instanceType: 'ml.m5.large', initialInstanceCount: 2 }],
  });
  // A Studio domain with only the required properties and Docker on, and a profile without a role of its own.
  new sagemaker.CfnDomain(stack, 'Domain', {
    authMode: 'IAM',
    domainName: 'd',
    defaultUserSettings: { executionRole: 'arn:aws:iam::111122223333:role/studio' },
    domainSettings: { dockerSettings: { enableDockerAccess: 'ENABLED' } },
  });
  new sagemaker.CfnUserProfile(stack, 'UserProfile', { domainId: 'd-1', userProfileName: 'alice' });
  // Serverless asynchronous inference without a key for its results (the storage key is set, so only those two rules fire).
  new sagemaker.CfnEndpointConfig(stack, 'AsyncConfig', {
    kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
    productionVariants: [{ variantName: 'A', modelName: 'm', serverlessConfig: { maxConcurrency: 1, memorySizeInMb: 1024 } }],
    asyncInferenceConfig: { outputConfig: { s3OutputPath: 's3://b/async/' } },
  });
  // A data quality job definition with only the required properties.
  new sagemaker.CfnDataQualityJobDefinition(stack, 'Monitor', {
    roleArn: 'arn:aws:iam::111122223333:role/monitor',
    dataQualityAppSpecification: { imageUri: '111122223333.dkr.ecr.us-east-1.amazonaws.com/monitor:1' },
    dataQualityJobInput: { endpointInput: { endpointName: 'e', localPath: '/opt/ml/processing/input' } },
    dataQualityJobOutputConfig: { monitoringOutputs: [{ s3Output: { localPath: '/opt/ml/processing/output', s3Uri: 's3://b/m/' } }] },
    jobResources: { clusterConfig: { instanceCount: 1, instanceType: 'ml.m5.large', volumeSizeInGb: 20 } },
  });
  new sagemaker.CfnFeatureGroup(stack, 'Features', {
    featureGroupName: 'f',
    recordIdentifierFeatureName: 'id',
    eventTimeFeatureName: 'ts',
    featureDefinitions: [{ featureName: 'id', featureType: 'String' }, { featureName: 'ts', featureType: 'String' }],
    offlineStoreConfig: { S3StorageConfig: { S3Uri: 's3://b/f/' } },
  });
  new sagemaker.CfnModelPackageGroup(stack, 'Models', {
    modelPackageGroupName: 'g',
    modelPackageGroupPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sagemaker:DescribeModelPackage', Resource: '*' }] },
  });
  new sagemaker.CfnInferenceExperiment(stack, 'Shadow', {
    name: 's',
    type: 'ShadowMode',
    endpointName: 'e',
    roleArn: 'arn:aws:iam::111122223333:role/shadow',
    modelVariants: [{ modelName: 'm', variantName: 'v', infrastructureConfig: { infrastructureType: 'RealTimeInference', realTimeInferenceConfig: { instanceType: 'ml.m5.large', instanceCount: 1 } } }],
  });
  new ecr.CfnRepository(stack, 'Images');
  return stack;
}

describe('SageMakerSecurityChecks', () => {
  test('pack name is SageMakerSecurity and rule IDs are SageMakerSecurity-<RuleName>', () => {
    const pack = new SageMakerSecurityChecks();
    expect(pack.name).toBe('SageMakerSecurity');
    expect(pack.readPackName).toBe('SageMakerSecurity');

    expect(ALL_RULE_IDS).toEqual(CONTROLS.map(ruleIdOf).sort());
    const report = pack.validateScope(stackBreakingEveryRule());
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => v.ruleName).sort()).toEqual(ALL_RULE_IDS);
  });

  test('every rule reports the violating construct path and its level', () => {
    const report = new SageMakerSecurityChecks().validateScope(stackBreakingEveryRule());
    const byRule = Object.fromEntries(report.violations.map((v) => [v.ruleName, v]));
    expect(Object.fromEntries(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath)]))).toEqual({
      'SageMakerSecurity-DomainDockerAccessDisabled': ['Stack/Domain'],
      'SageMakerSecurity-DomainHomeEfsRetained': ['Stack/Domain'],
      'SageMakerSecurity-DomainIdleShutdown': ['Stack/Domain'],
      'SageMakerSecurity-DomainKMSKey': ['Stack/Domain'],
      'SageMakerSecurity-DomainSecurityGroups': ['Stack/Domain'],
      'SageMakerSecurity-DomainSourceIdentity': ['Stack/Domain'],
      'SageMakerSecurity-DomainVpcOnly': ['Stack/Domain'],
      'SageMakerSecurity-UserProfileOwnRole': ['Stack/UserProfile'],
      'SageMakerSecurity-EndpointConfigDataCaptureEncrypted': ['Stack/NvmeConfig'],
      'SageMakerSecurity-EndpointConfigKMSKey': ['Stack/UnencryptedConfig'],
      'SageMakerSecurity-EndpointConfigMultiInstance': ['Stack/NvmeConfig'],
      'SageMakerSecurity-EndpointConfigNoKMSKeyOnNVMe': ['Stack/NvmeConfig'],
      'SageMakerSecurity-ModelInVPC': ['Stack/Model'],
      'SageMakerSecurity-ModelNetworkIsolation': ['Stack/Model'],
      'SageMakerSecurity-JobDefinitionInterContainerEncryption': ['Stack/TrainingStateMachine'],
      'SageMakerSecurity-JobDefinitionKmsKeys': ['Stack/TrainingStateMachine'],
      'SageMakerSecurity-JobDefinitionMaxRuntime': ['Stack/TrainingStateMachine'],
      'SageMakerSecurity-JobDefinitionNetworkIsolation': ['Stack/TrainingStateMachine'],
      'SageMakerSecurity-JobDefinitionVpc': ['Stack/TrainingStateMachine'],
      'SageMakerSecurity-KMSKeyRetained': ['Stack/Key'],
      'SageMakerSecurity-LogGroupRetained': ['Stack/Logs'],
      'SageMakerSecurity-NotebookCurrentPlatform': ['Stack/Notebook'],
      'SageMakerSecurity-NotebookIMDSv2': ['Stack/Notebook'],
      'SageMakerSecurity-NotebookLifecycleConfigAttached': ['Stack/Notebook'],
      'SageMakerSecurity-NotebookNitroInstanceType': ['Stack/Notebook'],
      'SageMakerSecurity-NotebookRootAccessDisabled': ['Stack/Notebook'],
      'SageMakerSecurity-S3BucketKeyEnabled': ['Stack/Bucket'],
      'SageMakerSecurity-S3BucketRetained': ['Stack/Bucket'],
      'SageMakerSecurity-VPCInterfaceEndpointPolicy': ['Stack/StsEndpoint'],
      'SageMakerSecurity-VPCInterfaceEndpointPrivateDNS': ['Stack/StsEndpoint'],
      'SageMakerSecurity-VPCNoInternetPath': ['Stack/Igw'],
      'SageMakerSecurity-VPCS3GatewayEndpointPolicy': ['Stack/S3Endpoint'],
      'SageMakerSecurity-NotebookLifecycleConfigNoSecrets': ['Stack/Lifecycle'],
      'SageMakerSecurity-NotebookRoleTrustScoped': ['Stack/Notebook'],
      'SageMakerSecurity-EndpointConfigAsyncOutputKMSKey': ['Stack/AsyncConfig'],
      'SageMakerSecurity-EndpointConfigNoServerlessVariant': ['Stack/AsyncConfig'],
      'SageMakerSecurity-MonitoringJobVpc': ['Stack/Monitor'],
      'SageMakerSecurity-MonitoringJobNetworkIsolation': ['Stack/Monitor'],
      'SageMakerSecurity-MonitoringJobInterContainerEncryption': ['Stack/Monitor'],
      'SageMakerSecurity-MonitoringJobKmsKeys': ['Stack/Monitor'],
      'SageMakerSecurity-MonitoringJobMaxRuntime': ['Stack/Monitor'],
      'SageMakerSecurity-FeatureGroupKMSKeys': ['Stack/Features'],
      'SageMakerSecurity-FeatureGroupDescription': ['Stack/Features'],
      'SageMakerSecurity-ModelPackageGroupNoPublicAccess': ['Stack/Models'],
      'SageMakerSecurity-InferenceExperimentKMSKeys': ['Stack/Shadow'],
      'SageMakerSecurity-SageMakerResourceTagged': ['Stack/Domain', 'Stack/Features'],
      'SageMakerSecurity-ECRRepositoryScanOnPush': ['Stack/Images'],
      'SageMakerSecurity-ECRRepositoryTagImmutable': ['Stack/Images'],
      'SageMakerSecurity-ECRRepositoryKMSKey': ['Stack/Images'],
      'SageMakerSecurity-ECRRepositoryLifecyclePolicy': ['Stack/Images'],
    });
    for (const id of ALL_RULE_IDS) {
      const warnings = ['VPCNoInternetPath', 'EndpointConfigMultiInstance', 'UserProfileOwnRole', 'EndpointConfigNoServerlessVariant', 'FeatureGroupDescription',
        'SageMakerResourceTagged', 'ECRRepositoryLifecyclePolicy'].map((r) => `SageMakerSecurity-${r}`);
      expect(byRule[id].severity).toBe(warnings.includes(id) ? 'warning' : 'error');
      expect(byRule[id].description.length).toBeGreaterThan(20);
    }
  });

  test('an L2 bucket with defaults violates S3BucketKeyEnabled (SSE-S3, no bucket key); RETAIN is already the L2 default', () => {
    const stack = new Stack(new App(), 'Stack');
    new s3.Bucket(stack, 'B');
    const report = new SageMakerSecurityChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual(['SageMakerSecurity-S3BucketKeyEnabled']);
    expect(report.violations[0].violatingResources.map((r) => r.constructPath)).toEqual(['Stack/B/Resource']);
  });

  test('an L2 bucket with defaults and removalPolicy DESTROY violates S3BucketKeyEnabled and S3BucketRetained', () => {
    const stack = new Stack(new App(), 'Stack');
    new s3.Bucket(stack, 'B', { removalPolicy: RemovalPolicy.DESTROY });
    const report = new SageMakerSecurityChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName).sort()).toEqual([
      'SageMakerSecurity-S3BucketKeyEnabled',
      'SageMakerSecurity-S3BucketRetained',
    ]);
  });

  test('a compliant stack succeeds', () => {
    const stack = new Stack(new App(), 'Stack');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new s3.Bucket(stack, 'Data', { encryptionKey: key, bucketKeyEnabled: true });
    new logs.LogGroup(stack, 'Logs', { encryptionKey: key });
    const report = new SageMakerSecurityChecks().validateScope(stack);
    expect(report).toEqual({ success: true, violations: [] });
  });

  test('verbose adds the explanation to the description', () => {
    const stack = new Stack(new App(), 'Stack');
    new s3.Bucket(stack, 'B');
    const terse = new SageMakerSecurityChecks().validateScope(stack).violations[0].description;
    const verbose = new SageMakerSecurityChecks(undefined, { verbose: true }).validateScope(stack).violations[0].description;
    expect(verbose.startsWith(terse)).toBe(true);
    expect(verbose).toContain('up to 99%');
  });

  test('a pack instance can validate several scopes without carrying findings over', () => {
    const pack = new SageMakerSecurityChecks();
    expect(pack.validateScope(stackBreakingEveryRule()).violations).toHaveLength(ALL_RULE_IDS.length);
    expect(pack.validateScope(new Stack(new App(), 'Empty')).violations).toEqual([]);
  });

  test('runs as a policy validation plugin at synth, and acknowledgements clear its findings', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new s3.Bucket(stack, 'B');
    Validations.of(app).addPlugins(new SageMakerSecurityChecks(app));
    expect(() => app.synth()).toThrow(/SageMakerSecurity/);

    const ackApp = new App();
    const ackStack = new Stack(ackApp, 'Stack');
    const ackBucket = new s3.Bucket(ackStack, 'B');
    Validations.of(ackBucket).acknowledge({
      id: 'SageMakerSecurity-S3BucketKeyEnabled',
      reason: 'Public reference data set, encrypted with SSE-S3 on purpose.',
    });
    Validations.of(ackApp).addPlugins(new SageMakerSecurityChecks(ackApp));
    expect(() => ackApp.synth()).not.toThrow();
  });
});
