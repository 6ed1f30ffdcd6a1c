import { App, Stack, Tags, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SageMakerEnvironment, SageMakerGuardrails, SageMakerGuardrailsProps, SecureNotebook } from '../../lib';
import { newTestApp, newTestStack } from '../helpers/compliance';
import { evaluate, PolicyJson } from '../helpers/iam-eval';

// Guardrails that take workloads (ec2.IConnectable) and agree with them, and that refuse roles
// IAM cannot change. Organization-wide guardrails keep these stacks small (no environment).

const sg = (scope: Construct, id: string, n: number) =>
  ec2.SecurityGroup.fromSecurityGroupId(scope, id, `sg-${n.toString(16).padStart(17, '0')}`);

/** A workload with the given security groups, as every Secure* workload is. */
class Workload extends Construct implements ec2.IConnectable {
  public readonly connections: ec2.Connections;
  constructor(scope: Construct, id: string, groups: ec2.ISecurityGroup[], public readonly jobSecurityGroup?: ec2.ISecurityGroup) {
    super(scope, id);
    this.connections = new ec2.Connections({ securityGroups: groups });
  }
}

function guardrailDocs(stack: Stack): { managed: PolicyJson[]; boundary: PolicyJson[]; scps: PolicyJson[] } {
  const t = Template.fromStack(stack).toJSON();
  const of = (type: string, prefix: string, prop: string) => Object.entries(t.Resources as Record<string, any>)
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix)).map(([, r]) => r.Properties[prop] as PolicyJson);
  return {
    managed: of('AWS::IAM::ManagedPolicy', 'GDenyPolicy', 'PolicyDocument'),
    boundary: of('AWS::IAM::ManagedPolicy', 'GPermissionsBoundary', 'PolicyDocument'),
    scps: of('AWS::Organizations::Policy', 'GScp', 'Content'),
  };
}

const ALLOW_ALL: PolicyJson = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const notebookRequest = (groups: string[]) => ({
  action: 'sagemaker:CreateNotebookInstance',
  context: {
    'sagemaker:VolumeKmsKeyArn': 'arn:aws:kms:us-east-1:111122223333:key/k',
    'sagemaker:DirectInternetAccess': 'Disabled',
    'sagemaker:RootAccess': 'Disabled',
    'sagemaker:InstanceTypes': ['ml.t3.medium'],
    'sagemaker:VpcSubnets': ['subnet-0123456789abcdef0'],
    'sagemaker:VpcSecurityGroupIds': groups,
    'sagemaker:MinimumInstanceMetadataServiceVersion': '2',
  },
});

/** The errors synthesis reports (validation errors are thrown together). */
function synthErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('workloads and addWorkload', () => {
  test('the security groups of workloads (connections and job group) join the allowlist, also those added later', () => {
    const stack = newTestStack();
    const early = new Workload(stack, 'Early', [sg(stack, 'A', 1)], sg(stack, 'AJob', 2));
    const g = new SageMakerGuardrails(stack, 'G', { organizationWide: true, workloads: [early], securityGroupIds: ['sg-0000000000000000f'], scpTargetIds: ['r-ab12'] });
    g.addWorkload(new Workload(stack, 'Late', [sg(stack, 'B', 3)]));
    g.addWorkload(early); // twice: listed once

    const docs = guardrailDocs(stack);
    const expected = ['sg-0000000000000000f', 'sg-00000000000000001', 'sg-00000000000000002', 'sg-00000000000000003'];
    for (const delivery of [docs.managed, docs.boundary, docs.scps]) {
      const lists = delivery.flatMap((doc) => [doc.Statement].flat())
        .map((st) => (st.Condition as any)?.['ForAnyValue:StringNotEquals']?.['sagemaker:VpcSecurityGroupIds']).filter((v) => v !== undefined);
      expect(lists).toEqual([expected]);
    }
    const policies = [ALLOW_ALL, ...docs.managed];
    expect(evaluate(policies, notebookRequest(['sg-00000000000000003']))).toBe('Allow');
    expect(evaluate(policies, notebookRequest(['sg-00000000000000002']))).toBe('Allow');
    expect(evaluate(policies, notebookRequest(['sg-0fffffffffffffff9']))).toBe('ExplicitDeny');
  });

  test('guardrails created before any workload gain the security-group deny in every delivery, last, and stop warning', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'S');
    const g = new SageMakerGuardrails(stack, 'G', { scpTargetIds: ['r-ab12'], notebookInstanceTypes: ['ml.t3.*'] });
    expect(g.statementIds).not.toContain('ForeignSecurityGroups');
    g.addWorkload(new Workload(stack, 'Nb', [sg(stack, 'A', 1)]));

    const docs = guardrailDocs(stack);
    expect(g.statementIds[g.statementIds.length - 1]).toBe('ForeignSecurityGroups');
    const sids = (ds: PolicyJson[]) => ds.flatMap((d) => [d.Statement].flat()).map((s) => s.Sid);
    expect(sids(docs.managed)).toEqual(g.statementIds);
    expect(sids(docs.scps)).toEqual(g.statementIds);
    const boundaryDenies = [docs.boundary[0].Statement].flat().filter((s) => s.Effect === 'Deny');
    expect(boundaryDenies).toHaveLength(g.boundaryStatementIds.length);
    expect(g.boundaryStatementIds[g.boundaryStatementIds.length - 1]).toBe('ForeignSecurityGroups');
    expect(JSON.stringify(boundaryDenies[boundaryDenies.length - 1])).toContain('sg-00000000000000001');
    expect(evaluate([ALLOW_ALL, ...docs.managed], notebookRequest(['sg-0fffffffffffffff9']))).toBe('ExplicitDeny');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('any one passes'));
  });

  test('without workloads or groups, environment guardrails warn that any security group passes', () => {
    const stack = newTestStack();
    new SageMakerGuardrails(stack, 'G', {});
    Annotations.fromStack(stack).hasWarning('/TestStack/G', Match.stringLikeRegexp('any one passes.*`workloads`'));
  });

  describe('the policies still fit once later workloads add their groups', () => {
    // Two required tags leave the boundary room for the security-group statement with one group
    // (about 5,740 + 130 of 6,144 characters), not with sixteen (+500).
    const props: SageMakerGuardrailsProps = { organizationWide: true, requiredTags: ['a', 'b'] };

    test('one more group fits', () => {
      const app = newTestApp();
      const stack = new Stack(app, 'S');
      const g = new SageMakerGuardrails(stack, 'G', props);
      g.addWorkload(new Workload(stack, 'W', [sg(stack, 'A', 1)]));
      expect(synthErrors(app)).toBe('');
    });

    test('sixteen more groups overflow the boundary: a synth error naming the fix', () => {
      const app = newTestApp();
      const stack = new Stack(app, 'S');
      const g = new SageMakerGuardrails(stack, 'G', props);
      g.addWorkload(new Workload(stack, 'W', Array.from({ length: 16 }, (_, i) => sg(stack, `Sg${i}`, i + 1))));
      expect(synthErrors(app)).toMatch(/permissions boundary of these guardrails would be about \d+ characters, over the limit of 6144: pass the workloads in `workloads`/);
    });

    test('more than sixteen groups in all is a synth error', () => {
      const app = newTestApp();
      const stack = new Stack(app, 'S');
      const g = new SageMakerGuardrails(stack, 'G', { organizationWide: true, permissionsBoundary: false });
      g.addWorkload(new Workload(stack, 'W', Array.from({ length: 17 }, (_, i) => sg(stack, `Sg${i}`, i + 1))));
      expect(synthErrors(app)).toMatch(/admit 17 security groups; at most 16/);
    });
  });
});

describe('guardrails agree with the workloads of the stacks they govern', () => {
  const STATE_MACHINE_ROLE = 'arn:aws:iam::111122223333:role/sm';

  /** A state machine with one CreateTrainingJob task; its definition carries tokens, as the library's does. */
  function trainingStateMachine(scope: Construct, id: string, parameters: Record<string, unknown>): sfn.StateMachine {
    const task = new sfn.CustomState(scope, `${id}Train`, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Stack.of(scope).partition}:states:::sagemaker:createTrainingJob.sync`,
        Parameters: { 'TrainingJobName.$': '$$.Execution.Name', 'RoleArn': Stack.of(scope).formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'training' }), ...parameters },
      },
    });
    return new sfn.StateMachine(scope, id, { definitionBody: sfn.DefinitionBody.fromChainable(task), role: iam.Role.fromRoleArn(scope, `${id}Role`, STATE_MACHINE_ROLE) });
  }

  const notebook = (scope: Construct, id: string, instanceType: string, tags?: Record<string, string>) =>
    new sagemaker.CfnNotebookInstance(scope, id, {
      instanceType, roleArn: 'arn:aws:iam::111122223333:role/nb', tags: tags ? Object.entries(tags).map(([key, value]) => ({ key, value })) : undefined,
    });

  // One app for the disagreements (validation reports them all at once), one for what passes.
  const bad = (() => {
    const app = newTestApp();
    const stack = new Stack(app, 'Platform');
    new SageMakerGuardrails(stack, 'G', {
      organizationWide: true,
      notebookInstanceTypes: ['ml.t3.*', 'ml.m5.xlarge'],
      studioInstanceTypes: ['ml.t3.*'],
      endpointInstanceTypes: ['ml.m5.*'],
      trainingInstanceTypes: ['ml.m5.*'],
      requiredTags: ['cost-center'],
    });
    notebook(stack, 'OldNotebook', 'ml.t2.medium', { 'cost-center': 'ml' });
    notebook(stack, 'UntaggedNotebook', 'ml.t3.medium');
    new sagemaker.CfnEndpointConfig(stack, 'BigEndpointConfig', {
      productionVariants: [
        { variantName: 'a', modelName: 'm', instanceType: 'ml.m5.large', initialInstanceCount: 1 },
        { variantName: 'b', modelName: 'm', instanceType: 'ml.p4d.24xlarge', initialInstanceCount: 1 },
      ],
    });
    new sagemaker.CfnEndpoint(stack, 'UntaggedEndpoint', { endpointConfigName: 'c' });
    new sagemaker.CfnDomain(stack, 'Domain', {
      authMode: 'IAM',
      domainName: 'd',
      vpcId: 'vpc-1',
      subnetIds: ['subnet-1'],
      tags: [{ key: 'cost-center', value: 'ml' }],
      defaultUserSettings: { executionRole: 'arn:aws:iam::111122223333:role/d', jupyterLabAppSettings: { defaultResourceSpec: { instanceType: 'ml.g5.xlarge' } } },
    });
    trainingStateMachine(stack, 'Training', { ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 }, Tags: [{ Key: 'owner', Value: 'x' }] });
    return synthErrors(app);
  })();

  test('a notebook on a type outside the allowlist: the error names both sides and the fix', () => {
    expect(bad).toContain("notebook Platform/OldNotebook uses ml.t2.medium but SageMakerGuardrails Platform/G allows only [ml.t3.*, ml.m5.xlarge] (its NotebookTypes statement denies sagemaker:CreateNotebookInstance): add 'ml.t2.medium' (or a pattern such as 'ml.t2.*') to `notebookInstanceTypes`, or choose an allowed instance type.");
  });

  test('an endpoint config variant, a Studio default app and a training job outside their allowlists', () => {
    expect(bad).toMatch(/endpoint config Platform\/BigEndpointConfig uses ml\.p4d\.24xlarge .* `endpointInstanceTypes`/);
    expect(bad).not.toMatch(/uses ml\.m5\.large/);
    expect(bad).toMatch(/Studio domain Platform\/Domain uses ml\.g5\.xlarge .*StudioTypes.* `studioInstanceTypes`/);
    expect(bad).toMatch(/training job of state machine Platform\/Training\/Resource \(state TrainingTrain\) uses ml\.c5\.xlarge .*JobTypes statement denies sagemaker:CreateTrainingJob.* `trainingInstanceTypes`/);
  });

  test('missing required tags on what RequiredTag denies (notebook, endpoint, training request), not on endpoint configs', () => {
    expect(bad).toMatch(/notebook Platform\/UntaggedNotebook lacks the tag 'cost-center', which SageMakerGuardrails Platform\/G requires \(`requiredTags`; its RequiredTag1 statement denies sagemaker:CreateNotebookInstance without it\): tag it/);
    expect(bad).toMatch(/endpoint Platform\/UntaggedEndpoint lacks the tag 'cost-center'/);
    expect(bad).toMatch(/training job of state machine Platform\/Training\/Resource \(state TrainingTrain\) lacks the tag 'cost-center'.*`Tags` of the CreateTrainingJob request/);
    expect(bad).not.toMatch(/BigEndpointConfig lacks/);
    expect(bad).not.toMatch(/OldNotebook lacks|Domain lacks/);
  });

  test('what passes: allowed types, tags from Tags.of and stack tags, tokens and runtime paths are not judged', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'Platform', { tags: { team: 'ml' } });
    new SageMakerGuardrails(stack, 'G', { organizationWide: true, trainingInstanceTypes: ['ml.m5.*'], requiredTags: ['cost-center', 'team'] });
    const nb = notebook(stack, 'Notebook', 'ml.t3.medium');
    Tags.of(nb).add('cost-center', 'ml');
    notebook(stack, 'TokenNotebook', Token.asString({ 'Fn::ImportValue': 'notebook-instance-type' }), { 'cost-center': 'ml' });
    trainingStateMachine(stack, 'Training', {
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      Tags: [{ Key: 'cost-center', Value: 'ml' }, { Key: 'team', Value: stack.stackName }],
    });
    trainingStateMachine(stack, 'DynamicTraining', { 'ResourceConfig': { 'InstanceType.$': '$.type', 'InstanceCount': 1 }, 'Tags.$': '$.tags' });
    expect(synthErrors(app)).toBe('');
  });

  test('the stacks of attachToRolesIn are checked; a stack the guardrails do not govern is not', () => {
    const app = newTestApp();
    const platform = new Stack(app, 'Platform');
    const g = new SageMakerGuardrails(platform, 'G', { organizationWide: true, permissionsBoundary: false });
    const team = new Stack(app, 'Team');
    g.attachToRolesIn(team);
    notebook(team, 'Notebook', 'ml.p3.2xlarge');
    notebook(new Stack(app, 'Other'), 'Notebook', 'ml.p3.2xlarge');
    const errors = synthErrors(app);
    expect(errors).toMatch(/notebook Team\/Notebook uses ml\.p3\.2xlarge but SageMakerGuardrails Platform\/G/);
    expect(errors).not.toMatch(/Other\/Notebook/);
  });
});

describe('roles IAM cannot change, and imported roles', () => {
  const SSO_ARN = 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef';
  const env = { account: '111122223333', region: 'eu-west-1' };

  test('attachTo and applyPermissionsBoundaryTo refuse an Identity Center role, pointing to the permission set', () => {
    const stack = newTestStack('S', { env });
    const g = new SageMakerGuardrails(stack, 'G', { organizationWide: true });
    const sso = iam.Role.fromRoleArn(stack, 'Sso', SSO_ARN);
    expect(() => g.attachTo(sso)).toThrow(/`attachTo` was given role AWSReservedSSO_DataScientist_0123456789abcdef .*IAM Identity Center role.*permission set.*denyPolicyDocuments\(\)/);
    expect(() => g.applyPermissionsBoundaryTo(sso)).toThrow(/`applyPermissionsBoundaryTo` was given .*IAM Identity Center role/);
    expect(() => g.attachTo(iam.Role.fromRoleName(stack, 'ByName', 'AWSReservedSSO_Admin_1'))).toThrow(/IAM Identity Center role/);
  });

  test('attachToRolesIn attaches to mutable imported roles of the scope, skips Identity Center (warned) and immutable ones', () => {
    const stack = newTestStack('S', { env });
    const g = new SageMakerGuardrails(stack, 'G', { organizationWide: true });
    const scope = new Construct(stack, 'Team');
    iam.Role.fromRoleArn(scope, 'Sso', SSO_ARN);
    iam.Role.fromRoleArn(scope, 'Shared', 'arn:aws:iam::111122223333:role/team/shared');
    iam.Role.fromRoleArn(scope, 'ReadOnly', 'arn:aws:iam::111122223333:role/read-only', { mutable: false });
    iam.Role.fromRoleArn(scope, 'OtherAccount', 'arn:aws:iam::444455556666:role/x');
    g.attachToRolesIn(scope);
    const t = Template.fromStack(stack);
    for (const p of Object.values(t.findResources('AWS::IAM::ManagedPolicy'))) {
      if (p.Properties.Description.startsWith('SageMaker guardrails (')) {
        expect(p.Properties.Roles).toEqual(['shared']);
      }
    }
    Annotations.fromStack(stack).hasWarning('/S/Team/Sso', Match.stringLikeRegexp('IAM Identity Center role .*does not attach.*permission set.*denyPolicyDocuments'));
  });

  test('denyPolicyDocuments returns the documents of the deny policies (for a permission set)', () => {
    const stack = newTestStack('S', { env });
    const g = new SageMakerGuardrails(stack, 'G', { organizationWide: true });
    const docs = g.denyPolicyDocuments().map((d) => stack.resolve(d.toJSON()));
    expect(docs).toEqual(g.policies.map((p) => stack.resolve(p.document.toJSON())));
    expect(docs.flatMap((d) => d.Statement.map((s: any) => s.Sid))).toEqual(g.statementIds);
  });

  test('applyPermissionsBoundaryTo sets the boundary on a defined role, and warns (naming it) for an imported role', () => {
    const stack = newTestStack('S', { env });
    const g = new SageMakerGuardrails(stack, 'G', { organizationWide: true });
    const own = new iam.Role(stack, 'Human', { assumedBy: new iam.AccountRootPrincipal() });
    g.applyPermissionsBoundaryTo(own);
    g.applyPermissionsBoundaryTo(iam.Role.fromRoleName(stack, 'Imported', 'platform-admin'));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { PermissionsBoundary: { Ref: Match.stringLikeRegexp('^GPermissionsBoundary') } });
    Annotations.fromStack(stack).hasWarning('/S/G', Match.stringLikeRegexp('role platform-admin \\(S/Imported\\) is imported: .*no boundary is applied.*The deny policies are attached to it'));
    // The boundary holds the denies on the workloads' requests; the deny policies the rest of the catalogue: both roles carry them.
    const t = Template.fromStack(stack).toJSON();
    for (const p of g.policies) {
      expect(t.Resources[stack.getLogicalId(p.node.defaultChild as iam.CfnManagedPolicy)].Properties.Roles).toEqual([stack.resolve(own.roleName), 'platform-admin']);
    }
    const noBoundary = new SageMakerGuardrails(stack, 'G2', { organizationWide: true, permissionsBoundary: false });
    expect(() => noBoundary.applyPermissionsBoundaryTo(own)).toThrow(/permissionsBoundary: false/);
  });
});

describe('guardrails and workloads in different stacks', () => {
  const env = { account: '111111111111', region: 'eu-west-1' };
  const layout = () => {
    const app = newTestApp();
    const platform = new Stack(app, 'Platform', { env });
    const environment = new SageMakerEnvironment(platform, 'Env', { environmentName: 'ml' });
    const guardrails = new SageMakerGuardrails(platform, 'Guardrails', { environment });
    const team = new Stack(app, 'Team', { env });
    const notebook = new SecureNotebook(team, 'Nb', { environment, notebookName: 'team-nb' });
    return { app, platform, team, guardrails, notebook };
  };

  test('a workload of another stack is refused with the fix (guardrails in the workload\'s stack), not a dependency cycle', () => {
    const { guardrails, notebook } = layout();
    expect(() => guardrails.addWorkload(notebook)).toThrow(/in stack Team, but SageMakerGuardrails .* is in stack Platform.*Create the guardrails in the workload's stack/);
  });

  test('roles of another stack attach the policies from their side: the platform stack does not depend on the team stack', () => {
    const { app, platform, team, guardrails, notebook } = layout();
    guardrails.attachToRolesIn(team);
    app.synth();
    expect(platform.dependencies).toEqual([]);
    expect(team.dependencies).toContain(platform);
    const role = Template.fromStack(team).toJSON().Resources[team.getLogicalId(notebook.role.node.defaultChild as iam.CfnRole)];
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('Fn::ImportValue');
  });
});
