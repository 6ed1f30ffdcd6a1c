import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, BootstraplessSynthesizer, CfnParameter, CfnResource, Errors, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { buildOrganizationApp, OrganizationRolloutStack } from '../../examples/organization-rollout';
import { SageMakerCompliance, SageMakerGuardrails, SageMakerStackSet, SageMakerStackSetProps } from '../../lib';
import { assetsOf } from '../../lib/private/assets';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';

const OU = 'ou-ab12-cdef3456';

function memberStack(id = 'member', fill = 0): Stack {
  const stack = new Stack(newTestApp(), id, { description: 'a member stack', synthesizer: new BootstraplessSynthesizer() });
  new SageMakerGuardrails(stack, 'Guardrails', { organizationWide: true, policyName: 'sagemaker-guardrails' });
  for (let i = 0; i < fill; i++) {
    new CfnResource(stack, `Param${i}`, { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(1000) } });
  }
  return stack;
}

function rollout(props: Partial<SageMakerStackSetProps> = {}) {
  const stack = newTestStack('Management');
  const set = new SageMakerStackSet(stack, 'Rollout', {
    stack: memberStack(),
    organizationalUnitIds: [OU],
    regions: ['us-east-1'],
    ...props,
  });
  return { stack, set };
}

describe('SageMakerStackSet', () => {
  test('a service-managed StackSet with automatic deployment to the OUs, managed execution, no failures tolerated', () => {
    const { stack } = rollout({ regions: ['us-east-1', 'eu-west-1'] });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: 'member',
      Description: 'a member stack',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: true },
      CallAs: 'SELF',
      ManagedExecution: { Active: true },
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      OperationPreferences: { FailureTolerancePercentage: 0, MaxConcurrentPercentage: 25, RegionConcurrencyType: 'PARALLEL' },
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: [OU] }, Regions: ['us-east-1', 'eu-west-1'] }],
    });
  });

  test('embeds exactly the template the member app synthesizes, inline when it fits', () => {
    const { stack, set } = rollout();
    const body = Template.fromStack(stack).findResources('AWS::CloudFormation::StackSet');
    const props = Object.values(body)[0].Properties;
    expect(set.templateDelivery).toBe('TemplateBody');
    expect(props.TemplateURL).toBeUndefined();
    const member = Stage.of(set.rolledOutStack)!.synth().getStackArtifact(set.rolledOutStack.artifactId).template;
    expect(JSON.parse(props.TemplateBody)).toEqual(member);
    expect(member.Parameters).toBeUndefined();
    expect(member.Rules).toBeUndefined();
    // the policies every account gets carry fixed names, so roles and permission sets can attach them
    expect(Object.values(member.Resources).filter((r: any) => r.Type === 'AWS::IAM::ManagedPolicy').map((r: any) => r.Properties.ManagedPolicyName).sort())
      .toEqual(['sagemaker-guardrails-1', 'sagemaker-guardrails-2', 'sagemaker-guardrails-boundary']);
  });

  test('a template over 51,200 bytes goes through a file asset (TemplateURL)', () => {
    const stack = newTestStack('Management');
    const set = new SageMakerStackSet(stack, 'Rollout', { stack: memberStack('big', 60), organizationalUnitIds: [OU], regions: ['us-east-1'] });
    expect(set.templateDelivery).toBe('TemplateURL');
    const props = Object.values(Template.fromStack(stack).findResources('AWS::CloudFormation::StackSet'))[0].Properties;
    expect(props.TemplateBody).toBeUndefined();
    expect(JSON.stringify(props.TemplateURL)).toContain('https://s3.');
    const artifact = (stack.node.root as App).synth().getStackArtifact(stack.artifactId);
    expect(assetsOf(artifact)).toBe(1);
  });

  test('delegated administrator, concurrency and retention are configurable', () => {
    const { stack } = rollout({ delegatedAdmin: true, maxConcurrentPercentage: 100, failureTolerancePercentage: 10, autoDeployment: false, retainStacksOnAccountRemoval: false, stackSetName: 'guardrails' });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: 'guardrails',
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: false, RetainStacksOnAccountRemoval: false },
      OperationPreferences: { FailureTolerancePercentage: 10, MaxConcurrentPercentage: 100 },
    });
  });

  test('the management stack has zero unacknowledged findings', () => {
    const { stack } = rollout();
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('the rolled-out stack is checked by the packs registered on its app: a finding stops the synthesis', () => {
    const app = newTestApp();
    const member = new Stack(app, 'bad-member', { synthesizer: new BootstraplessSynthesizer() });
    new s3.Bucket(member, 'Unencrypted', { encryption: s3.BucketEncryption.UNENCRYPTED });
    SageMakerCompliance.applyTo(app);
    const management = newTestStack('Management');
    expect(() => new SageMakerStackSet(management, 'Rollout', { stack: member, organizationalUnitIds: [OU], regions: ['us-east-1'] }))
      .toThrow(/SageMakerSecurity-S3BucketKeyEnabled/);
  });

  describe('validation', () => {
    const expectError = (fn: () => unknown, prop: string) => {
      let error: unknown;
      try { fn(); } catch (e) { error = e; }
      expect(Errors.isValidationError(error)).toBe(true);
      expect((error as Error).message).toContain(`\`${prop}\``);
    };

    test('the rolled-out stack must live in an app of its own', () => {
      const management = newTestStack('Management');
      const sibling = new Stack(management.node.root, 'Sibling');
      expectError(() => new SageMakerStackSet(management, 'R', { stack: sibling, organizationalUnitIds: [OU], regions: ['us-east-1'] }), 'stack');
    });

    test('the rolled-out stack must be environment-agnostic, without assets, parameters or bootstrap check', () => {
      // one app per rolled-out stack (an app is synthesized once), without CloudFormation Validate:
      // these stacks are empty on purpose
      const app = () => new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'stackset-member-')) });
      const bound = new Stack(app(), 'bound', { env: { account: '111122223333', region: 'us-east-1' } });
      expectError(() => new SageMakerStackSet(newTestStack('M1'), 'R', { stack: bound, organizationalUnitIds: [OU], regions: ['us-east-1'] }), 'stack');
      const bootstrapped = new Stack(app(), 'bootstrapped');
      expectError(() => new SageMakerStackSet(newTestStack('M3'), 'R', { stack: bootstrapped, organizationalUnitIds: [OU], regions: ['us-east-1'] }), 'stack');
      const parameterized = new Stack(app(), 'parameterized', { synthesizer: new BootstraplessSynthesizer() });
      new CfnParameter(parameterized, 'Threshold', { default: '1' });
      expectError(() => new SageMakerStackSet(newTestStack('M4'), 'R', { stack: parameterized, organizationalUnitIds: [OU], regions: ['us-east-1'] }), 'stack');
      const withAsset = new Stack(app(), 'with-asset');
      new s3assets.Asset(withAsset, 'File', { path: __filename });
      expectError(() => new SageMakerStackSet(newTestStack('M2'), 'R', { stack: withAsset, organizationalUnitIds: [OU], regions: ['us-east-1'] }), 'stack');
    });

    test.each([
      [{ organizationalUnitIds: [] }, 'organizationalUnitIds'],
      [{ organizationalUnitIds: ['111122223333'] }, 'organizationalUnitIds'],
      [{ regions: [] }, 'regions'],
      [{ regions: ['us-east'] }, 'regions'],
      [{ regions: ['us-east-1', 'us-east-1'] }, 'regions'],
      [{ maxConcurrentPercentage: 0 }, 'maxConcurrentPercentage'],
      [{ failureTolerancePercentage: 101 }, 'failureTolerancePercentage'],
      [{ stackSetName: '1-starts-with-a-digit' }, 'stackSetName'],
    ] as Array<[Partial<SageMakerStackSetProps>, string]>)('%j fails naming %s', (props, prop) => {
      expectError(() => rollout(props), prop);
    });
  });
});

describe('example organization-rollout', () => {
  const app = buildOrganizationApp(newTestApp());
  const management = app.node.findAll().find((c): c is OrganizationRolloutStack => c instanceof OrganizationRolloutStack)!;
  const template = Template.fromStack(management).toJSON();
  const sets = app.node.findAll().filter((c): c is SageMakerStackSet => c instanceof SageMakerStackSet);

  test('attaches the SCPs to the workload OU, each under the 5,120-character limit', () => {
    const scps = Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Organizations::Policy');
    expect(scps.length).toBeGreaterThan(0);
    for (const scp of scps) {
      expect(scp.Properties.Type).toBe('SERVICE_CONTROL_POLICY');
      expect(scp.Properties.TargetIds).toEqual(['ou-ab12-workload1']);
      expect(JSON.stringify(scp.Properties.Content).length).toBeLessThanOrEqual(SageMakerGuardrails.SCP_SIZE_LIMIT);
    }
  });

  test('rolls the guardrail policies out to one Region (IAM is global) and the monitoring to every SageMaker Region', () => {
    const byName = Object.fromEntries(sets.map((s) => [s.rolledOutStack.stackName, s]));
    const regions = (s: SageMakerStackSet) => (s.stackSet.stackInstancesGroup as any[])[0].regions;
    expect(regions(byName['sagemaker-guardrail-policies'])).toEqual(['us-east-1']);
    expect(regions(byName['sagemaker-security-monitoring'])).toEqual(['us-east-1', 'eu-west-1']);
    const types = (s: SageMakerStackSet) => Object.values(s.template.Resources as Record<string, any>).map((r) => r.Type);
    expect(types(byName['sagemaker-guardrail-policies']).filter((t) => t.startsWith('AWS::IAM::'))).toEqual(['AWS::IAM::ManagedPolicy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::ManagedPolicy']);
    expect(types(byName['sagemaker-security-monitoring'])).toEqual(expect.arrayContaining(['AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::Events::Rule', 'AWS::Config::ConfigRule']));
    // no VPC, subnets or buckets: the member stacks create no environment
    expect(sets.flatMap(types).filter((t) => t.startsWith('AWS::EC2::') || t === 'AWS::S3::Bucket')).toEqual([]);
  });

  test('SCPs and the rolled-out policy deny the same requests', () => {
    const scpDocs: PolicyJson[] = Object.values(template.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::Organizations::Policy').map((r) => r.Properties.Content);
    const member = sets.find((s) => s.rolledOutStack.stackName === 'sagemaker-guardrail-policies')!;
    const memberDocs: PolicyJson[] = Object.values(member.template.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy' && !r.Properties.ManagedPolicyName.endsWith('-boundary'))
      .map((r) => r.Properties.PolicyDocument);
    const allow = { Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] };
    const requests: RequestContext[] = [
      { action: 'sagemaker:CreateTrainingJob', context: {} },
      {
        action: 'sagemaker:CreateTrainingJob',
        context: {
          'sagemaker:VolumeKmsKeyArn': 'arn:aws:kms:eu-west-1:444455556666:key/1',
          'sagemaker:OutputKmsKeyArn': 'arn:aws:kms:eu-west-1:444455556666:key/1',
          'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
          'sagemaker:NetworkIsolation': 'true',
          'sagemaker:InterContainerTrafficEncryption': 'true',
          'sagemaker:VpcSubnets': ['subnet-0123456789abcdef0'],
          'sagemaker:VpcSecurityGroupIds': ['sg-0123456789abcdef0'],
          'sagemaker:MaxRuntimeInSeconds': '3600',
          'aws:RequestTag/cost-center': 'ml',
        },
      },
      { action: 'sagemaker:CreateNotebookInstance', context: { 'sagemaker:DirectInternetAccess': 'Enabled' } },
    ];
    const decisions = (docs: PolicyJson[]) => requests.map((r) => evaluate([allow, ...docs], r));
    expect(decisions(scpDocs)).toEqual(['ExplicitDeny', 'Allow', 'ExplicitDeny']);
    expect(decisions(memberDocs)).toEqual(decisions(scpDocs));
  });
});
