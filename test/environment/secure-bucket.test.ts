import { CfnParameter, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SageMakerEnvironment, SageMakerWorkloadRole, SecureBucket } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

function bucketStatements(stack: any, logicalIdPart: string): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::S3::BucketPolicy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith(logicalIdPart));
  return entry![1].Properties.PolicyDocument.Statement;
}

function policyStatements(stack: any, rolePathPart: string): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  const entry = Object.entries(policies).find(([id]) => id.includes(rolePathPart));
  return entry![1].Properties.PolicyDocument.Statement;
}

describe('SecureBucket', () => {
  test('with default props (default environment) it has zero unacknowledged findings', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data');
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('encrypts with the environment key and an S3 Bucket Key, blocks public access, enforces bucket ownership, versions', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data');
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
        }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: Match.stringLikeRegexp('/$') },
    });
  });

  test('every bucket of the environment (data, artifacts, access logs) has a lifecycle rule and sends its events to EventBridge (Control Tower CT.S3.PR.3, .4, .6)', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data');
    const buckets = Object.entries(Template.fromStack(stack).findResources('AWS::S3::Bucket'));
    // This bucket and the default environment's data, artifacts and access-logs buckets.
    expect(buckets).toHaveLength(4);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([{
        Id: 'AbortIncompleteUploadsAndTidyVersions',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        ExpiredObjectDeleteMarker: true,
      }]);
      expect(bucket.Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    }
    // Set on the bucket itself: no notifications custom resource (a Lambda function) in the stack.
    expect(Template.fromStack(stack).findResources('Custom::S3BucketNotifications')).toEqual({});
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter((id) => /Notification/i.test(id))).toEqual([]);
  });

  test('noncurrentVersionExpiration deletes old versions after that many days; old versions are kept by default', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data', { noncurrentVersionExpiration: Duration.days(90) });
    const [, bucket] = Object.entries(Template.fromStack(stack).findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('Data'))!;
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 90 });
  });

  test.each([[Duration.hours(12)], [Duration.hours(36)]])('fails on noncurrentVersionExpiration %p that is not whole days, naming the prop', (expiry) => {
    const stack = newTestStack();
    expect(() => new SecureBucket(stack, 'Data', { noncurrentVersionExpiration: expiry })).toThrow(/`noncurrentVersionExpiration` is .*whole days, at least 1/);
  });

  test('is retained by default', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data');
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const data = Object.entries(buckets).find(([id]) => id.startsWith('Data'))![1];
    expect(data.DeletionPolicy).toBe('Retain');
    expect(data.UpdateReplacePolicy).toBe('Retain');
  });

  test('denies plain-HTTP and TLS < 1.2 access on the bucket and its objects', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data');
    const statements = bucketStatements(stack, 'DataBucketPolicy');
    const tls = statements.find((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(tls).toMatchObject({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' } });
    expect(tls.Resource).toHaveLength(2);
    const version = statements.find((s) => s.Condition?.NumericLessThan?.['s3:TlsVersion'] === 1.2);
    expect(version).toMatchObject({ Effect: 'Deny' });
  });

  test('denies uploads that name another KMS key or another encryption', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data');
    const statements = bucketStatements(stack, 'DataBucketPolicy');
    const otherKey = statements.find((s) => s.Sid === 'DenyUploadsWithOtherKmsKey');
    expect(otherKey).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': { 'Fn::GetAtt': [expect.stringMatching(/Key/), 'Arn'] } } },
    });
    const otherAlgorithm = statements.find((s) => s.Sid === 'DenyUploadsWithoutKms');
    expect(otherAlgorithm.Condition.StringNotEqualsIfExists['s3:x-amz-server-side-encryption']).toEqual(['aws:kms', 'aws:kms:dsse']);
  });

  test('grants the S3 logging service delivery of its access logs only under its own prefix, for this account and bucket', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data', { serverAccessLogsPrefix: 'data-logs/' });
    const statements = bucketStatements(stack, 'SecureSageMakerEnvironmentAccessLogsBucketPolicy');
    const delivery = statements.filter((s) => s.Principal?.Service === 'logging.s3.amazonaws.com');
    const ours = delivery.find((s) => JSON.stringify(s.Resource).includes('/data-logs/*'));
    expect(ours).toMatchObject({
      Effect: 'Allow',
      Action: 's3:PutObject',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] } } },
    });
  });

  test('restrictToVpcEndpoint denies object data access outside the gateway endpoint', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    new SecureBucket(stack, 'Data', { network: env.network, restrictToVpcEndpoint: true });
    const statements = bucketStatements(stack, 'DataBucketPolicy');
    const vpce = statements.find((s) => s.Sid === 'DenyDataAccessOutsideVpcEndpoint');
    expect(vpce).toMatchObject({ Effect: 'Deny', Condition: { StringNotEquals: { 'aws:SourceVpce': { Ref: expect.stringMatching(/S3Gateway/) } } } });
    expect(vpce.Action).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']));
    expect(vpce.Action).not.toContain('s3:PutBucketPolicy');
  });

  test('restrictInteractiveRolesToVpcEndpoint denies the notebook and Studio roles object access outside the gateway endpoint, unless a service acts for them', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    new SecureBucket(stack, 'Data', { network: env.network, restrictInteractiveRolesToVpcEndpoint: true });
    const statements = bucketStatements(stack, 'DataBucketPolicy');
    for (const [sid, tag] of [['DenyNotebookCredentialsOutsideVpc', 'secure-sagemaker-notebook-job-role'], ['DenyStudioCredentialsOutsideVpc', 'secure-sagemaker-studio-user']]) {
      expect(statements.find((st) => st.Sid === sid)).toMatchObject({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
        Condition: {
          Null: { [`aws:PrincipalTag/${tag}`]: 'false' },
          StringNotEquals: { 'aws:SourceVpce': { Ref: expect.stringMatching(/S3Gateway/) } },
          BoolIfExists: { 'aws:ViaAWSService': 'false' },
        },
      });
    }
    // A standalone bucket is not restricted unless asked.
    const other = newTestStack();
    new SecureBucket(other, 'Data', { network: SageMakerEnvironment.of(other).network });
    expect(bucketStatements(other, 'DataBucketPolicy').map((st) => st.Sid)).not.toContain('DenyNotebookCredentialsOutsideVpc');
  });

  test('the environment restricts its buckets to the interactive roles by default; false is warned', () => {
    const stack = newTestStack();
    SageMakerEnvironment.of(stack);
    for (const prefix of ['SecureSageMakerEnvironmentDataBucketPolicy', 'SecureSageMakerEnvironmentArtifactsBucketPolicy']) {
      expect(bucketStatements(stack, prefix).map((st) => st.Sid)).toEqual(expect.arrayContaining(['DenyNotebookCredentialsOutsideVpc', 'DenyStudioCredentialsOutsideVpc']));
    }
    const open = newTestStack();
    new SageMakerEnvironment(open, 'Env', { restrictInteractiveRolesToVpcEndpoint: false });
    expect(bucketStatements(open, 'EnvDataBucketPolicy').map((st) => st.Sid)).not.toContain('DenyNotebookCredentialsOutsideVpc');
    Annotations.fromStack(open).hasWarning('/TestStack/Env', Match.stringLikeRegexp('restrictInteractiveRolesToVpcEndpoint` is false'));
  });

  test('fails on restrictInteractiveRolesToVpcEndpoint without a network, naming both props', () => {
    expect(() => new SecureBucket(newTestStack(), 'Data', { restrictInteractiveRolesToVpcEndpoint: true }))
      .toThrow(/`restrictInteractiveRolesToVpcEndpoint` is set but `network` is not.*Pass `network`/);
  });

  test('a bucket given a network is admitted in the gateway endpoint policy', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    new SecureBucket(stack, 'Data', { network: env.network });
    const endpoint = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'))[0];
    expect(JSON.stringify(endpoint.Properties.PolicyDocument)).toMatch(/"DataBucket[0-9A-F]+","Arn"/);
  });

  test('fails on restrictToVpcEndpoint without a network, naming both props', () => {
    const stack = newTestStack();
    expect(() => new SecureBucket(stack, 'Data', { restrictToVpcEndpoint: true }))
      .toThrow(/`restrictToVpcEndpoint` is set but `network` is not.*Pass `network`/);
  });

  test('opt-out: a DESTROY removal policy is honoured and warned about', () => {
    const stack = newTestStack();
    new SecureBucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY });
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    expect(Object.entries(buckets).find(([id]) => id.startsWith('Data'))![1].DeletionPolicy).toBe('Delete');
    Annotations.fromStack(stack).hasWarning('/TestStack/Data', Match.stringLikeRegexp('removalPolicy is destroy'));
  });

  describe('grants', () => {
    test('grantRead: object reads on the prefix, list only that prefix, decrypt only via S3 for this bucket', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new SageMakerWorkloadRole(stack, 'Reader');
      bucket.grantRead(role, 'datasets/a/');
      const statements = policyStatements(stack, 'Reader');
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] }, '/datasets/a/*']] },
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] },
          Condition: { StringLike: { 's3:prefix': 'datasets/a/*' } },
        },
        {
          Effect: 'Allow',
          Action: 's3:GetBucketLocation',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/Key/), 'Arn'] },
          Condition: {
            StringEquals: {
              'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
              'kms:EncryptionContext:aws:s3:arn': { 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] },
            },
          },
        },
      ]);
    });

    test('grantWrite: puts on the prefix and encryption via S3, no reads, no deletes, no listing', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new SageMakerWorkloadRole(stack, 'Writer');
      bucket.grantWrite(role, 'models/');
      const statements = policyStatements(stack, 'Writer');
      const actions = statements.flatMap((s) => [s.Action].flat());
      expect(actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject']);
      expect(JSON.stringify(statements)).toContain('/models/*');
    });

    test('grantReadWrite: read, write and delete on the prefix only', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new SageMakerWorkloadRole(stack, 'Rw');
      bucket.grantReadWrite(role, 'scratch/alice/');
      const statements = policyStatements(stack, 'Rw');
      const objectStatement = statements.find((s) => [s.Action].flat().includes('s3:DeleteObject'));
      expect(objectStatement.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] }, '/scratch/alice/*']] });
      for (const s of statements) {
        expect([s.Action].flat().some((a: string) => a.includes('*'))).toBe(false);
      }
    });

    test('the prefix wildcard is acknowledged for AwsSolutions-IAM5 with the exact finding ID', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new SageMakerWorkloadRole(stack, 'Reader');
      bucket.grantRead(role, 'datasets/a/');
      const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
      const rolePolicy = Object.entries(policies).find(([id]) => id.startsWith('Reader'))![1];
      const acks = rolePolicy.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id).filter((id: string) => id.startsWith('AwsSolutions'));
      expect(acks).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<DataBucket[0-9A-F]+\.Arn>\/datasets\/a\/\*\]$/)]);
    });

    test('another wildcard on the same role is still reported', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new SageMakerWorkloadRole(stack, 'Reader');
      bucket.grantRead(role, 'datasets/a/');
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::other-bucket/*'] }));
      const findings = unacknowledgedFindings(stack);
      expect(findings.map((f) => f.rule)).toContain('AwsSolutions-IAM5[Resource::arn:aws:s3:::other-bucket/*]');
    });

    test.each([[''], ['*'], ['data/*'], ['/abs/'], ['a?b/']])('fails on prefix %p, naming the fix', (prefix) => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new SageMakerWorkloadRole(stack, 'Reader');
      expect(() => bucket.grantRead(role, prefix)).toThrow(/is not a key prefix.*such as 'datasets\/team-a\/'/);
    });

    test('accepts an unresolved prefix token', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new SageMakerWorkloadRole(stack, 'Reader');
      const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
      expect(() => bucket.grantRead(role, prefix)).not.toThrow();
    });

    test('s3UrlForPrefix renders an S3 URI', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      expect(stack.resolve(bucket.s3UrlForPrefix('in/'))).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^DataBucket/) }, '/in/']] });
    });
  });

  // Found by test/robustness/bucket.property.test.ts.
  describe('props that cannot deploy fail at synth, naming the prop', () => {
    test.each([['Bad_Name'], ['ab'], ['a..b']])('bucketName %p', (bucketName) => {
      expect(() => new SecureBucket(newTestStack(), 'Data', { bucketName })).toThrow(/^`bucketName`: Invalid S3 bucket name/);
    });

    test('RemovalPolicy.SNAPSHOT, which CloudFormation rejects for buckets', () => {
      expect(() => new SecureBucket(newTestStack(), 'Data', { removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/^`removalPolicy` is SNAPSHOT/);
    });

    test.each([['logs/*'], ['lo?gs/'], ['logs/${aws:username}/']])('serverAccessLogsPrefix %p, which would widen the log delivery grant', (serverAccessLogsPrefix) => {
      expect(() => new SecureBucket(newTestStack(), 'Data', { serverAccessLogsPrefix })).toThrow(/^`serverAccessLogsPrefix` .* would widen the log delivery grant/);
    });

    test('a grant prefix error names `prefix`', () => {
      const stack = newTestStack();
      const bucket = new SecureBucket(stack, 'Data');
      expect(() => bucket.grantRead(new SageMakerWorkloadRole(stack, 'Role'), 'data/*')).toThrow(/^`prefix` 'data\/\*' is not a key prefix/);
    });
  });
});
