import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SageMakerEnvironment } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

describe('SageMakerEnvironment', () => {
  test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env');
    const findings = unacknowledgedFindings(stack);
    expect(formatFindings(findings)).toBe('');
  });

  test('of() creates the default environment once per stack and reuses it', () => {
    const stack = newTestStack();
    const a = SageMakerEnvironment.of(stack);
    const child = new Construct(stack, 'Child');
    const b = SageMakerEnvironment.of(child);
    expect(b).toBe(a);
    expect(a.node.id).toBe(SageMakerEnvironment.DEFAULT_ID);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 1);
  });

  test('of() in two stacks gives two environments', () => {
    const stack = newTestStack('One');
    const other = new Stack(stack.node.root, 'Two');
    expect(SageMakerEnvironment.of(stack)).not.toBe(SageMakerEnvironment.of(other));
  });

  test('of() fails clearly when the default ID is taken by something else', () => {
    const stack = newTestStack();
    new Stack(stack, SageMakerEnvironment.DEFAULT_ID);
    expect(() => SageMakerEnvironment.of(stack)).toThrow(/already exists .* not a SageMakerEnvironment/);
  });

  test('the key rotates, has an alias, and is retained', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/secure-sagemaker/ml-prod' });
  });

  test('the key policy delegates to IAM, admits CloudWatch Logs only for the environment log groups, and SageMaker grants only via the service', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
    const t = Template.fromStack(stack);
    const key = Object.values(t.findResources('AWS::KMS::Key'))[0];
    const statements = key.Properties.KeyPolicy.Statement as any[];
    const resolved = JSON.stringify(statements);

    // account delegation (the default key policy)
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'kms:*', Effect: 'Allow', Principal: { AWS: expect.anything() } }),
    ]));
    // CloudWatch Logs: only through the aws:logs:arn encryption context of our prefix
    const logs = statements.filter((s) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logs.length).toBeGreaterThan(0);
    for (const s of logs) {
      expect(JSON.stringify(s.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toContain(':log-group:/secure-sagemaker/ml-prod/*');
      expect(s.Action).not.toContain('kms:*');
    }
    // SageMaker grants: via sagemaker and only for AWS resources
    const grants = statements.find((s) => s.Sid === 'AllowSageMakerGrantsForAwsResources');
    expect(grants.Action).toEqual(['kms:CreateGrant', 'kms:DescribeKey']);
    expect(grants.Condition.Bool['kms:GrantIsForAWSResource']).toBe('true');
    expect(JSON.stringify(grants.Condition.StringEquals['kms:ViaService'])).toContain('sagemaker.');
    expect(resolved).not.toContain('"Principal":"*"');
  });

  test('creates data, artifacts and access-logs buckets and a flow-log group, all retained', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 3);
    for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
    }
    t.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: Match.stringLikeRegexp('^/secure-sagemaker/.*/vpc-flow-logs$'), RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
  });

  test('createLogGroup names, encrypts and retains the log group', () => {
    const stack = newTestStack();
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
    env.createLogGroup(stack, 'Lg', 'training/job-a');
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: '/secure-sagemaker/ml/training/job-a',
        KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('acknowledgements are written into the template with their reasons', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env');
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const acks = Object.values(buckets).flatMap((b: any) => b.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.reason.length).toBeGreaterThan(40);
    }
    expect(acks.map((a: any) => a.id)).toContain('NIST.800.53.R5-S3BucketReplicationEnabled');
  });

  test('opt-out: a non-RETAIN removal policy is honoured and warned about', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    Annotations.fromStack(stack).hasWarning('/TestStack/Env', Match.stringLikeRegexp('removalPolicy is destroy'));
  });

  test('a given key is used and no key is created', () => {
    const stack = newTestStack();
    const key = kms.Key.fromKeyArn(stack, 'Byo', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const env = new SageMakerEnvironment(stack, 'Env', { encryptionKey: key });
    expect(env.key).toBe(key);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 0);
    // An imported key's policy cannot be changed: a warning says what it must hold.
    Annotations.fromStack(stack).hasWarning('/TestStack/Env', Match.stringLikeRegexp('imported, so its key policy cannot be changed.*must let CloudWatch Logs'));
  });

  test.each([['has space'], ['a'.repeat(33)], ['under_score'], ['-x'], ['x-'], ['a--b']])('fails on environmentName %p, naming the prop', (name) => {
    const stack = newTestStack();
    expect(() => new SageMakerEnvironment(stack, 'Env', { environmentName: name })).toThrow(/`environmentName`/);
  });

  test('tags every resource with the environment name', () => {
    const stack = newTestStack();
    new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([{ Key: 'secure-sagemaker:environment', Value: 'ml' }]),
    });
  });
});
