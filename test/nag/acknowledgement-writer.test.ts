import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, NestedStack, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildApp } from '../../examples/secure-ml-platform';
import { SageMakerCompliance } from '../../lib';
import { writeAcknowledgementsIntoTemplates } from '../../lib/nag/acknowledgement-writer';
import { FindingProbes } from '../../lib/nag/finding-probe';
import { acknowledge, acknowledgeInTemplate, RuleId } from '../../lib/private/acknowledge';
import { flattenCfnReference } from '../../lib/private/cfn-reference';
import { declaredAcknowledgements } from '../helpers/acknowledgements';
import { newTestApp } from '../helpers/compliance';

type Json = Record<string, any>;
const REPLICATION: RuleId[] = ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled'];

function templateOf(stack: Stack): Json {
  const assembly = (stack.node.root as App).synth({ force: true });
  return assembly.getStackArtifact(stack.artifactId).template;
}

function acksOn(template: Json, type: string): Array<{ id: string; reason: string }> {
  return Object.values<Json>(template.Resources).filter((r) => r.Type === type).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
}

/** A stack with a bucket whose replication findings are acknowledged on the L2, above the L1. */
function bucketStack(): { stack: Stack; bucket: s3.Bucket } {
  const stack = new Stack(newTestApp(), 'Writer');
  writeAcknowledgementsIntoTemplates(stack);
  const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true, removalPolicy: RemovalPolicy.RETAIN });
  return { stack, bucket };
}

describe('acknowledgement writer', () => {
  test('an acknowledgement on an L2 is written on the resource with the finding only, not on every descendant', () => {
    const { stack, bucket } = bucketStack();
    acknowledge(bucket, 'Replication is configured by the data owner per bucket, outside this stack.', ...REPLICATION);
    const t = templateOf(stack);
    expect(acksOn(t, 'AWS::S3::Bucket').map((a) => a.id)).toEqual(REPLICATION);
    expect(acksOn(t, 'AWS::S3::BucketPolicy')).toEqual([]);
  });

  test('the same finding under three packs carries its reason once and refers to it from the others', () => {
    const { stack, bucket } = bucketStack();
    acknowledge(bucket, 'Replication is configured by the data owner per bucket, outside this stack.', ...REPLICATION);
    const [first, ...others] = acksOn(templateOf(stack), 'AWS::S3::Bucket');
    expect(first.reason).toBe('Replication is configured by the data owner per bucket, outside this stack.');
    expect(others.map((o) => o.reason)).toEqual([`Same reason as ${REPLICATION[0]} here.`, `Same reason as ${REPLICATION[0]} here.`]);
  });

  test('two reasons given for one rule on one construct are both kept', () => {
    const { stack, bucket } = bucketStack();
    acknowledge(bucket, 'Replication is configured by the data owner per bucket, outside this stack', REPLICATION[0]);
    acknowledge(bucket, 'The bucket holds scratch data that is rebuilt from source each night.', REPLICATION[0]);
    expect(acksOn(templateOf(stack), 'AWS::S3::Bucket')).toEqual([{
      id: REPLICATION[0],
      reason: 'Replication is configured by the data owner per bucket, outside this stack. The bucket holds scratch data that is rebuilt from source each night.',
    }]);
  });

  test('a stack-wide acknowledgement is written once, in the template\'s own Metadata, and on no resource', () => {
    const { stack } = bucketStack();
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-S1', reason: 'Access logs of this stack go to the organization trail bucket.' });
    const t = templateOf(stack);
    expect(t.Metadata.cdk_nag.rules_to_suppress).toEqual([{ id: 'AwsSolutions-S1', reason: 'Access logs of this stack go to the organization trail bucket.' }]);
    for (const r of Object.values<Json>(t.Resources)) {
      expect((r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((a: Json) => a.id)).not.toContain('AwsSolutions-S1');
    }
  });

  test('aws-cdk-lib\'s own stack-wide W3010 acknowledgement sits in the template Metadata of a VPC stack, once', () => {
    const stack = new Stack(newTestApp(), 'Vpc');
    writeAcknowledgementsIntoTemplates(stack);
    new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const t = templateOf(stack);
    expect(t.Metadata.cdk_nag.rules_to_suppress.map((a: Json) => a.id)).toEqual(['CloudFormation-Validate::W3010']);
    expect(JSON.stringify(t.Resources)).not.toContain('W3010');
  });

  test('a rule of a plugin the probes do not know is written on the construct\'s primary resource', () => {
    const { stack, bucket } = bucketStack();
    acknowledge(bucket, 'A CloudFormation Validate finding the reviewer accepted for this bucket.', 'CloudFormation-Validate::W9999');
    const t = templateOf(stack);
    expect(acksOn(t, 'AWS::S3::Bucket').map((a) => a.id)).toEqual(['CloudFormation-Validate::W9999']);
    expect(acksOn(t, 'AWS::S3::BucketPolicy')).toEqual([]);
  });

  test('a template-only acknowledgement is written on its resource and is invisible to the packs over the tree', () => {
    const { stack, bucket } = bucketStack();
    const cfn = bucket.node.defaultChild as CfnResource;
    acknowledgeInTemplate(cfn, 'Only a scanner of the written template reports this finding here.', 'AwsSolutions-S1');
    expect(Validations.ACKNOWLEDGED_RULES_METADATA_KEY).toBeDefined();
    expect(cfn.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toEqual([]);
    expect(acksOn(templateOf(stack), 'AWS::S3::Bucket')).toEqual([{ id: 'AwsSolutions-S1', reason: 'Only a scanner of the written template reports this finding here.' }]);
  });

  test('a nested stack writes its own template; the parent\'s stack-wide acknowledgements reach it', () => {
    const parent = new Stack(newTestApp(), 'Parent');
    writeAcknowledgementsIntoTemplates(parent);
    Validations.of(parent).acknowledge({ id: 'AwsSolutions-S1', reason: 'Access logs of this stack go to the organization trail bucket.' });
    const nested = new NestedStack(parent, 'Nested');
    const bucket = new s3.Bucket(nested, 'Bucket', { enforceSSL: true });
    acknowledge(bucket, 'Replication is configured by the data owner per bucket, outside this stack.', REPLICATION[0]);
    const app = parent.node.root as App;
    const assembly = app.synth();
    const nestedTemplate = JSON.parse(fs.readFileSync(path.join(assembly.directory, nested.templateFile), 'utf-8'));
    expect(acksOn(nestedTemplate, 'AWS::S3::Bucket').map((a) => a.id)).toEqual([REPLICATION[0]]);
    expect(nestedTemplate.Metadata.cdk_nag.rules_to_suppress.map((a: Json) => a.id)).toEqual(['AwsSolutions-S1']);
  });

  test('stacks in a stage and in a nested stage are written when compliance is applied to the app', () => {
    const app = newTestApp();
    const outer = new Stage(app, 'Outer');
    const inner = new Stage(outer, 'Inner');
    const buckets = [new Stack(outer, 'A'), new Stack(inner, 'B')].map((s) => new s3.Bucket(s, 'Bucket', { enforceSSL: true }));
    for (const b of buckets) {
      acknowledge(b, 'Replication is configured by the data owner per bucket, outside this stack.', REPLICATION[0]);
    }
    SageMakerCompliance.applyTo(app);
    for (const b of buckets) {
      const stack = Stack.of(b);
      const assembly = Stage.of(stack)!.synth({ force: true });
      expect(acksOn(assembly.getStackArtifact(stack.artifactId).template, 'AWS::S3::Bucket').map((a) => a.id)).toEqual([REPLICATION[0]]);
    }
  });

  test('the writer is one child per stack however often it is asked for', () => {
    const { stack } = bucketStack();
    writeAcknowledgementsIntoTemplates(stack);
    writeAcknowledgementsIntoTemplates(stack.node.root);
    templateOf(stack);
    templateOf(stack);
    expect(stack.node.children.filter((c) => c.node.id === 'CdkSecureSageMakerAcknowledgements')).toHaveLength(1);
  });
});

describe('rule IDs', () => {
  test('every rule ID the library acknowledges in the example exists in its pack', () => {
    const app = buildApp(newTestApp());
    const anyResource = app.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c))!;
    const known = new Set(new FindingProbes().allRuleIds(anyResource));
    expect(known.size).toBeGreaterThan(300);
    const declared = declaredAcknowledgements(app).map((a) => a.id.replace(/\[.*$/, ''))
      .filter((id) => !id.startsWith('CloudFormation-Validate::'));
    expect(declared.length).toBeGreaterThan(10);
    expect(declared.filter((id) => !known.has(id))).toEqual([]);
  });

  test('wildcard finding IDs are flattened as the pack names them', () => {
    const stack = new Stack(newTestApp(), 'Flat');
    const bucket = new s3.Bucket(stack, 'Bucket');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    bucket.grantRead(role, 'data/*');
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
    const probes = new FindingProbes();
    const expected = `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(bucket.arnForObjects('data/*')))}]`;
    expect(probes.fails(policy, expected)).toBe(true);
    expect(flattenCfnReference({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/x/*']] })).toBe('<B.Arn>/x/*');
    expect(flattenCfnReference({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/*' })).toBe('arn:<AWS::Partition>:s3:::b/*');
    expect(flattenCfnReference({ 'Fn::ImportValue': 'Other:Export' })).toBe('Other:Export');
    expect(flattenCfnReference({ Ref: 'AWS::AccountId' })).toBe('<AWS::AccountId>');
  });
});
