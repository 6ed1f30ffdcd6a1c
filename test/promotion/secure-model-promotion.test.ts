import { App, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EndpointImage, ModelData, SageMakerEnvironment, SageMakerGuardrails, SecureEndpoint, SecureEndpointProps, SecureTrainingJob, TrainingImage,
} from '../../lib';
import { ModelApproval, PromotionTrafficShift, SecureModelPromotion, SecureModelPromotionProps } from '../../lib/promotion';
import { formatFindings, newTestStack, TEST_CONTEXT, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { denyingStatements, evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';
import { leastPrivilegeViolations } from '../helpers/least-privilege';
import { requestProblems } from '../helpers/sagemaker-api';
import { runExecution, TaskCall } from '../helpers/sfn-interpreter';
import { managedPoliciesOfRole } from '../helpers/template';

const TRAINING_DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311';
const INFERENCE_DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker';
const PACKAGE_ARN = `arn:aws:sagemaker:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:model-package/churn-models/7`;

interface Built {
  readonly stack: Stack;
  readonly endpoint: SecureEndpoint;
  readonly training: SecureTrainingJob;
  readonly promotion: SecureModelPromotion;
}

function build(props: Partial<SecureModelPromotionProps> = {}, endpointProps: Partial<SecureEndpointProps> = {},
  stack: Stack = newTestStack()): Built {
  const env = SageMakerEnvironment.of(stack);
  const training = new SecureTrainingJob(stack, 'Train', { image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC), jobNamePrefix: 'churn' });
  const endpoint = new SecureEndpoint(stack, 'Endpoint', {
    endpointName: 'churn-prod',
    model: { image: EndpointImage.fromDlc(INFERENCE_DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v1/model.tar.gz') },
    ...endpointProps,
  });
  const promotion = new SecureModelPromotion(stack, 'Promote', {
    endpoint, training, modelPackageGroupName: 'churn-models', namePrefix: 'churn-prod', ...props,
  });
  return { stack, endpoint, training, promotion };
}

function deployedTemplate(stack: Stack): any {
  return Template.fromStack(stack).toJSON();
}

/** The promotion's state machine definition, with references as they would be once deployed. */
function definitionOf(stack: Stack): any {
  const template = deployedTemplate(stack);
  const [, sm] = Object.entries(template.Resources as Record<string, any>)
    .find(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith('PromoteStateMachine'))!;
  return JSON.parse(asDeployed(template, sm.Properties.DefinitionString));
}

/** The state machine role's policies, deployed. */
function rolePolicies(stack: Stack, roleIdPrefix: string): PolicyJson[] {
  const template = deployedTemplate(stack);
  const roleId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::IAM::Role' && id.startsWith(roleIdPrefix))!;
  return managedPoliciesOfRole(template, roleId).map((id) => asDeployed(template, template.Resources[id].Properties.PolicyDocument));
}

/** Mocks the AWS side of an execution: the registry's approval answers, then the endpoint's states. */
function awsSide(options: { approvals?: string[]; endpoint?: Array<'Updating' | 'new' | 'old' | 'Failed'> } = {}) {
  const approvals = [...(options.approvals ?? ['PendingManualApproval', 'Approved'])];
  const endpointStates = [...(options.endpoint ?? ['Updating', 'Updating', 'new'])];
  let deployedConfig = '';
  return (call: TaskCall): any => {
    if (call.resource.endsWith(':states:::states:startExecution.sync:2')) return { Status: 'SUCCEEDED' };
    if (call.resource.endsWith(':aws-sdk:sagemaker:createModelPackage')) return { ModelPackageArn: PACKAGE_ARN };
    if (call.resource.endsWith(':aws-sdk:sagemaker:describeModelPackage')) return { ModelApprovalStatus: approvals.length > 1 ? approvals.shift() : approvals[0] };
    if (call.resource.endsWith(':sagemaker:createModel')) return { ModelArn: 'arn' };
    if (call.resource.endsWith(':sagemaker:createEndpointConfig')) return { EndpointConfigArn: 'arn' };
    if (call.resource.endsWith(':sagemaker:updateEndpoint')) {
      deployedConfig = call.parameters.EndpointConfigName;
      return { EndpointArn: 'arn' };
    }
    if (call.resource.endsWith(':aws-sdk:sagemaker:describeEndpoint')) {
      const s = endpointStates.length > 1 ? endpointStates.shift()! : endpointStates[0];
      if (s === 'new') return { EndpointStatus: 'InService', EndpointConfigName: deployedConfig };
      if (s === 'old') return { EndpointStatus: 'InService', EndpointConfigName: 'EndpointConfig-initial' };
      return { EndpointStatus: s, EndpointConfigName: 'EndpointConfig-initial' };
    }
    throw new Error(`unexpected task ${call.resource}`);
  };
}

const callOf = (calls: TaskCall[], state: string) => calls.find((c) => c.state === state)!;

describe('SecureModelPromotion', () => {
  describe('secure defaults', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      const env = SageMakerEnvironment.of(stack);
      const training = new SecureTrainingJob(stack, 'Train', { image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC) });
      const endpoint = new SecureEndpoint(stack, 'Endpoint', {
        model: { image: EndpointImage.fromDlc(INFERENCE_DLC), modelData: ModelData.fromBucket(env.artifactsBucket, 'models/churn/v1/model.tar.gz') },
      });
      new SecureModelPromotion(stack, 'Promote', { endpoint, training });
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('the registry is a model package group kept with the environment', () => {
      const { stack } = build();
      const groups = Template.fromStack(stack).findResources('AWS::SageMaker::ModelPackageGroup');
      const [group] = Object.values(groups) as any[];
      expect(group.Properties.ModelPackageGroupName).toBe('churn-models');
      expect(group.DeletionPolicy).toBe('Retain');
      expect(group.UpdateReplacePolicy).toBe('Retain');
    });

    test('the state machine logs every event to an encrypted log group and traces', () => {
      const { stack } = build();
      const sm = Object.entries(deployedTemplate(stack).Resources as Record<string, any>).find(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith('PromoteStateMachine'))![1];
      expect(sm.Properties.LoggingConfiguration.Level).toBe('ALL');
      expect(sm.Properties.LoggingConfiguration.IncludeExecutionData).toBe(true);
      expect(sm.Properties.TracingConfiguration.Enabled).toBe(true);
    });

    test('the role is least-privilege (no action or resource wildcards beyond the acknowledged ones)', () => {
      const { stack } = build();
      expect(leastPrivilegeViolations(deployedTemplate(stack))).toEqual([]);
    });
  });

  describe('a promotion is an execution: train, register, approve, deploy with guardrails', () => {
    const { stack, endpoint, training } = build();
    const definition = definitionOf(stack);
    const run = (aws = awsSide(), input?: any) => runExecution(definition, { task: aws, executionName: 'run-42', input });

    test('an approved version is trained, registered, deployed and confirmed in service', () => {
      const result = run();
      expect(result.status).toBe('SUCCEEDED');
      expect(result.calls.map((c) => c.state)).toEqual([
        'Train', 'Register', 'ReadApproval', 'ReadApproval', 'CreateModel', 'CreateEndpointConfig', 'Deploy', 'ReadEndpoint', 'ReadEndpoint', 'ReadEndpoint',
      ]);
      expect(result.path[result.path.length - 1]).toBe('Promoted');
    });

    test('the training run is named like the execution, so its artifact is known', () => {
      const result = run();
      const train = callOf(result.calls, 'Train');
      expect(train.parameters.Name).toBe('run-42');
      expect(train.parameters.StateMachineArn).toMatch(/^arn:aws:states:/);
      const register = callOf(result.calls, 'Register');
      const container = register.parameters.InferenceSpecification.Containers[0];
      expect(container.ModelDataUrl).toBe(`${asDeployed(deployedTemplate(stack), Stack.of(training).resolve(training.outputS3Url))}churn-run-42/output/model.tar.gz`);
      expect(register.parameters.CustomerMetadataProperties).toEqual({ 'training-job': 'churn-run-42' });
    });

    test('the version is registered pending approval, encrypted with the environment key, idempotently', () => {
      const register = callOf(run().calls, 'Register');
      expect(register.parameters.ModelApprovalStatus).toBe('PendingManualApproval');
      expect(register.parameters.ModelPackageGroupName).toBe('churn-models');
      expect(register.parameters.SecurityConfig.KmsKeyId).toMatch(/^arn:aws:kms:/);
      expect(register.parameters.ClientToken).toBe('run-42');
      expect(register.parameters.InferenceSpecification.SupportedRealtimeInferenceInstanceTypes).toEqual(['ml.m5.large']);
    });

    test('the new model repeats the endpoint: its role, subnets, security group, network isolation and image', () => {
      const result = run();
      const model = callOf(result.calls, 'CreateModel').parameters;
      const t = deployedTemplate(stack);
      const deployed = (v: unknown) => asDeployed(t, Stack.of(endpoint).resolve(v));
      expect(model.ModelName).toBe('churn-prod-run-42');
      expect(model.EnableNetworkIsolation).toBe(true);
      expect(model.ExecutionRoleArn).toBe(deployed(endpoint.role.roleArn));
      const [current] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Model')) as any[];
      expect(model.VpcConfig).toEqual(asDeployed(t, current.Properties.VpcConfig));
      expect(model.PrimaryContainer.Image).toBe(INFERENCE_DLC);
      expect(model.Tags).toEqual(expect.arrayContaining([{ Key: 'secure-sagemaker:model-package', Value: PACKAGE_ARN }]));
    });

    test('the new endpoint configuration repeats the variant name, instances, storage key and encrypted data capture', () => {
      const config = callOf(run().calls, 'CreateEndpointConfig').parameters;
      const t = deployedTemplate(stack);
      const [written] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::EndpointConfig')) as any[];
      const current = asDeployed(t, written.Properties);
      expect(config.ProductionVariants).toEqual([{
        VariantName: 'AllTraffic', ModelName: 'churn-prod-run-42', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, InitialVariantWeight: 1,
      }]);
      expect(config.KmsKeyId).toBe(current.KmsKeyId);
      expect(config.DataCaptureConfig).toEqual(current.DataCaptureConfig);
    });

    test('the endpoint update is blue/green with a canary and rolls back automatically on every endpoint alarm', () => {
      const update = callOf(run().calls, 'Deploy').parameters;
      expect(update.EndpointName).toBe('churn-prod');
      expect(update.EndpointConfigName).toBe('churn-prod-run-42');
      expect(update.DeploymentConfig).toEqual({
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 50 } },
          TerminationWaitInSeconds: 600,
          MaximumExecutionTimeoutInSeconds: 7200,
        },
        AutoRollbackConfiguration: {
          Alarms: ['server-errors', 'model-latency', 'memory-utilization', 'disk-utilization'].map((a) => ({ AlarmName: `sagemaker-endpoint-churn-prod-${a}` })),
        },
      });
    });

    test('every SageMaker request is a valid request of the SageMaker API model', () => {
      const ops: Record<string, string> = {
        Register: 'CreateModelPackage',
        ReadApproval: 'DescribeModelPackage',
        CreateModel: 'CreateModel',
        CreateEndpointConfig: 'CreateEndpointConfig',
        Deploy: 'UpdateEndpoint',
        ReadEndpoint: 'DescribeEndpoint',
      };
      const result = run();
      for (const call of result.calls.filter((c) => ops[c.state])) {
        expect([call.state, requestProblems(ops[call.state], call.parameters)]).toEqual([call.state, []]);
      }
      // And as written in the definition, with the paths Step Functions resolves.
      for (const [state, op] of Object.entries(ops)) {
        expect([state, requestProblems(op, definition.States[state].Parameters)]).toEqual([state, []]);
      }
    });

    test('a rejected version is never deployed', () => {
      const result = run(awsSide({ approvals: ['PendingManualApproval', 'Rejected'] }));
      expect(result).toMatchObject({ status: 'FAILED', error: 'Rejected' });
      expect(result.calls.map((c) => c.state)).not.toContain('CreateModel');
    });

    test('an alarm during the deployment: SageMaker rolls back and the execution fails with RolledBack', () => {
      const result = run(awsSide({ endpoint: ['Updating', 'old'] }));
      expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    });

    test('a failed endpoint fails the execution', () => {
      expect(run(awsSide({ endpoint: ['Updating', 'Failed'] }))).toMatchObject({ status: 'FAILED', error: 'DeploymentFailed' });
    });

    test('nobody approving ends the execution after the approval timeout (7 days of 10-minute polls)', () => {
      const result = run(awsSide({ approvals: ['PendingManualApproval'] }));
      expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalTimedOut' });
      expect(result.calls.filter((c) => c.state === 'ReadApproval')).toHaveLength(1008);
      expect(definition.States.WaitForApproval.Seconds).toBe(600);
    });

    test('a deployment that never settles ends after the deployment timeout and bake', () => {
      const result = run(awsSide({ endpoint: ['Updating'] }));
      expect(result).toMatchObject({ status: 'FAILED', error: 'DeploymentTimedOut' });
      expect(result.calls.filter((c) => c.state === 'ReadEndpoint')).toHaveLength(Math.ceil((7200 + 600) / 60) + 10);
    });
  });

  describe('options', () => {
    test('trainFirst false promotes an earlier run named in the execution input', () => {
      const { stack } = build({ trainFirst: false });
      const definition = definitionOf(stack);
      expect(definition.States.Train).toBeUndefined();
      const result = runExecution(definition, { task: awsSide(), executionName: 'promote-7', input: { trainingExecutionName: 'nightly-2026-12-01' } });
      expect(result.status).toBe('SUCCEEDED');
      const container = callOf(result.calls, 'Register').parameters.InferenceSpecification.Containers[0];
      expect(container.ModelDataUrl).toMatch(/churn-nightly-2026-12-01\/output\/model\.tar\.gz$/);
      expect(callOf(result.calls, 'CreateModel').parameters.ModelName).toBe('churn-prod-promote-7');
    });

    test('automatic approval registers approved, skips the wait, and is warned', () => {
      const { stack, promotion } = build({ approval: ModelApproval.automatic('Staging endpoint: every nightly model is deployed for load tests') });
      const result = runExecution(definitionOf(stack), { task: awsSide(), executionName: 'n1' });
      expect(result.status).toBe('SUCCEEDED');
      expect(callOf(result.calls, 'Register').parameters.ModelApprovalStatus).toBe('Approved');
      expect(result.calls.map((c) => c.state)).not.toContain('ReadApproval');
      Annotations.fromStack(stack).hasWarning(`/${promotion.node.path}`, Match.stringLikeRegexp('PromotionWithoutApproval'));
    });

    test('linear and all-at-once shifts, termination wait and deployment timeout reach UpdateEndpoint', () => {
      const { stack } = build({
        trafficShift: PromotionTrafficShift.linear(20, Duration.minutes(3)),
        terminationWait: Duration.minutes(30),
        maximumDeploymentTime: Duration.hours(4),
      });
      const policy = definitionOf(stack).States.Deploy.Parameters.DeploymentConfig.BlueGreenUpdatePolicy;
      expect(policy).toEqual({
        TrafficRoutingConfiguration: { Type: 'LINEAR', WaitIntervalInSeconds: 180, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 20 } },
        TerminationWaitInSeconds: 1800,
        MaximumExecutionTimeoutInSeconds: 14400,
      });
      const one = build({}, { initialInstanceCount: 1, allowSingleInstance: true });
      expect(definitionOf(one.stack).States.Deploy.Parameters.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration)
        .toEqual({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 600 });
    });

    test('rollbackAlarmNames replaces the endpoint alarms', () => {
      const { stack } = build({ rollbackAlarmNames: ['churn-business-kpi'] });
      expect(definitionOf(stack).States.Deploy.Parameters.DeploymentConfig.AutoRollbackConfiguration).toEqual({ Alarms: [{ AlarmName: 'churn-business-kpi' }] });
    });
  });

  describe('least privilege, by IAM evaluation of the synthesized policies', () => {
    const { stack, endpoint } = build();
    const policies = rolePolicies(stack, 'PromoteStateMachineRole');
    const t = deployedTemplate(stack);
    const arn = (v: string) => asDeployed(t, Stack.of(endpoint).resolve(v));
    const result = runExecution(definitionOf(stack), { task: awsSide(), executionName: 'run-42' });
    const model = callOf(result.calls, 'CreateModel').parameters;
    const config = callOf(result.calls, 'CreateEndpointConfig').parameters;
    const sm = (type: string, name: string) => `arn:aws:sagemaker:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:${type}/${name}`;
    const createModel = (p: any): RequestContext => ({
      action: 'sagemaker:CreateModel',
      resource: sm('model', p.ModelName),
      context: {
        'sagemaker:NetworkIsolation': String(p.EnableNetworkIsolation),
        'sagemaker:VpcSubnets': p.VpcConfig.Subnets,
        'sagemaker:VpcSecurityGroupIds': p.VpcConfig.SecurityGroupIds,
        ...Object.fromEntries(p.Tags.map((tag: any) => [`aws:RequestTag/${tag.Key}`, tag.Value])),
      },
    });
    const createConfig = (p: any): RequestContext => ({
      action: 'sagemaker:CreateEndpointConfig',
      resource: sm('endpoint-config', p.EndpointConfigName),
      context: {
        'sagemaker:InstanceTypes': p.ProductionVariants.map((v: any) => v.InstanceType),
        'sagemaker:ModelArn': p.ProductionVariants.map((v: any) => sm('model', v.ModelName)),
        'sagemaker:VolumeKmsKeyArn': p.KmsKeyId,
        ...Object.fromEntries(p.Tags.map((tag: any) => [`aws:RequestTag/${tag.Key}`, tag.Value])),
      },
    });
    const register = (status: string): RequestContext => ({
      action: 'sagemaker:CreateModelPackage', resource: `${sm('model-package', 'churn-models')}/7`, context: { 'sagemaker:ModelApprovalStatus': status },
    });

    test('every request of the execution is allowed', () => {
      expect(evaluate(policies, register('PendingManualApproval'))).toBe('Allow');
      expect(evaluate(policies, createModel(model))).toBe('Allow');
      expect(evaluate(policies, { action: 'iam:PassRole', resource: arn(endpoint.role.roleArn), context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).toBe('Allow');
      expect(evaluate(policies, createConfig(config))).toBe('Allow');
      expect(evaluate(policies, { action: 'sagemaker:UpdateEndpoint', resource: sm('endpoint', 'churn-prod') })).toBe('Allow');
      expect(evaluate(policies, {
        action: 'sagemaker:UpdateEndpoint', resource: sm('endpoint-config', 'churn-prod-run-42'), context: { 'aws:ResourceTag/secure-sagemaker:promotion': 'churn-prod' },
      })).toBe('Allow');
      expect(evaluate(policies, { action: 'sagemaker:DescribeModelPackage', resource: `${sm('model-package', 'churn-models')}/7` })).toBe('Allow');
      expect(evaluate(policies, { action: 'cloudwatch:DescribeAlarms', resource: `arn:aws:cloudwatch:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:alarm:sagemaker-endpoint-churn-prod-server-errors` })).toBe('Allow');
    });

    test('the state machine cannot approve its own versions (separation of duties)', () => {
      expect(evaluate(policies, register('Approved'))).toBe('ImplicitDeny');
      expect(evaluate(policies, {
        action: 'sagemaker:UpdateModelPackage', resource: `${sm('model-package', 'churn-models')}/7`, context: { 'sagemaker:ModelApprovalStatus': 'Approved' },
      })).toBe('ImplicitDeny');
    });

    test('models without isolation, outside the VPC, with another group or another role are denied', () => {
      expect(evaluate(policies, createModel({ ...model, EnableNetworkIsolation: false }))).toBe('ImplicitDeny');
      expect(evaluate(policies, createModel({ ...model, VpcConfig: { ...model.VpcConfig, SecurityGroupIds: ['sg-0attacker'] } }))).toBe('ImplicitDeny');
      expect(evaluate(policies, createModel({ ...model, VpcConfig: { ...model.VpcConfig, Subnets: ['subnet-0elsewhere'] } }))).toBe('ImplicitDeny');
      expect(evaluate(policies, { action: 'iam:PassRole', resource: `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/admin`, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).toBe('ImplicitDeny');
    });

    test('configs with another instance type, another model or without the storage key are denied; other endpoints and groups are out of reach', () => {
      expect(evaluate(policies, createConfig({ ...config, ProductionVariants: [{ ...config.ProductionVariants[0], InstanceType: 'ml.p5.48xlarge' }] }))).toBe('ImplicitDeny');
      expect(evaluate(policies, createConfig({ ...config, ProductionVariants: [{ ...config.ProductionVariants[0], ModelName: 'someone-elses-model' }] }))).toBe('ImplicitDeny');
      expect(evaluate(policies, createConfig({ ...config, KmsKeyId: `arn:aws:kms:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:key/attacker` }))).toBe('ImplicitDeny');
      expect(evaluate(policies, { action: 'sagemaker:UpdateEndpoint', resource: sm('endpoint', 'fraud-prod') })).toBe('ImplicitDeny');
      // A configuration made by someone else (not tagged by this promotion) cannot be deployed through it.
      expect(evaluate(policies, { action: 'sagemaker:UpdateEndpoint', resource: sm('endpoint-config', 'churn-prod-planted'), context: {} })).toBe('ImplicitDeny');
      expect(evaluate(policies, { ...register('PendingManualApproval'), resource: `${sm('model-package', 'fraud-models')}/1` })).toBe('ImplicitDeny');
    });

    test('grantApprove lets a user role approve or reject, and nothing else', () => {
      const s = build().stack;
      const promotion = s.node.findChild('Promote') as SecureModelPromotion;
      const approver = new iam.Role(s, 'Approver', { assumedBy: new iam.AccountRootPrincipal() });
      const grant = promotion.grantApprove(approver);
      expect(grant.success).toBe(true);
      const approverPolicies = rolePolicies(s, 'Approver');
      const pkg = `${sm('model-package', 'churn-models')}/7`;
      expect(evaluate(approverPolicies, { action: 'sagemaker:UpdateModelPackage', resource: pkg, context: { 'sagemaker:ModelApprovalStatus': 'Approved' } })).toBe('Allow');
      expect(evaluate(approverPolicies, { action: 'sagemaker:UpdateModelPackage', resource: pkg, context: { 'sagemaker:ModelApprovalStatus': 'Rejected' } })).toBe('Allow');
      expect(evaluate(approverPolicies, { action: 'sagemaker:UpdateModelPackage', resource: pkg, context: {} })).toBe('ImplicitDeny');
      expect(evaluate(approverPolicies, { action: 'sagemaker:UpdateModelPackage', resource: `${sm('model-package', 'fraud-models')}/1`, context: { 'sagemaker:ModelApprovalStatus': 'Approved' } })).toBe('ImplicitDeny');
      expect(evaluate(approverPolicies, { action: 'sagemaker:UpdateEndpoint', resource: sm('endpoint', 'churn-prod') })).toBe('ImplicitDeny');
    });

    test('the endpoint role reads the training outputs it will serve', () => {
      const endpointPolicies = rolePolicies(stack, 'EndpointRole');
      const bucket = asDeployed(t, Stack.of(endpoint).resolve(endpoint.environment.artifactsBucket.bucketName));
      expect(evaluate(endpointPolicies, { action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/training/churn/churn-run-42/output/model.tar.gz` })).toBe('Allow');
    });
  });

  describe('the environment\'s guardrails admit every request of a promotion', () => {
    const { stack, endpoint, training } = build();
    const guardrails = new SageMakerGuardrails(stack, 'Guardrails', { environment: SageMakerEnvironment.of(stack), workloads: [endpoint, training] });
    const t = deployedTemplate(stack);
    const denyPolicies = Object.entries(t.Resources as Record<string, any>)
      .filter(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('GuardrailsDenyPolicy'))
      .map(([, r]) => asDeployed(t, r.Properties.PolicyDocument) as PolicyJson);
    const scps = guardrails.scpDocuments().map((doc) => JSON.parse(asDeployed(t, stack.resolve(doc))) as PolicyJson);
    const result = runExecution(definitionOf(stack), { task: awsSide(), executionName: 'run-42' });
    const tagsOf = (p: any) => Object.fromEntries((p.Tags ?? []).map((tag: any) => [`aws:RequestTag/${tag.Key}`, tag.Value]));
    const requests = (mutate: (p: any) => any = (p) => p): RequestContext[] => {
      const model = mutate(callOf(result.calls, 'CreateModel').parameters);
      const config = callOf(result.calls, 'CreateEndpointConfig').parameters;
      return [
        { action: 'sagemaker:CreateModel', context: { 'sagemaker:NetworkIsolation': String(model.EnableNetworkIsolation), 'sagemaker:VpcSubnets': model.VpcConfig.Subnets, 'sagemaker:VpcSecurityGroupIds': model.VpcConfig.SecurityGroupIds, ...tagsOf(model) } },
        { action: 'sagemaker:CreateEndpointConfig', context: { 'sagemaker:VolumeKmsKeyArn': config.KmsKeyId, 'sagemaker:InstanceTypes': config.ProductionVariants.map((v: any) => v.InstanceType), ...tagsOf(config) } },
        { action: 'sagemaker:CreateModelPackage', context: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval', ...tagsOf(callOf(result.calls, 'Register').parameters) } },
        { action: 'sagemaker:UpdateEndpoint', context: {} },
      ];
    };
    const ALLOW_ALL: PolicyJson = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    test.each([['deny policies', denyPolicies], ['service control policies', scps]] as const)('%s', (_, policies) => {
      expect(policies.length).toBeGreaterThan(0);
      for (const request of requests()) {
        expect([request.action, denyingStatements([ALLOW_ALL, ...policies], request)]).toEqual([request.action, []]);
      }
      // Not vacuous: the same model without network isolation is denied.
      const insecure = requests((p) => ({ ...p, EnableNetworkIsolation: false }))[0];
      expect(denyingStatements([ALLOW_ALL, ...policies], insecure).length).toBeGreaterThan(0);
    });
  });

  describe('composes with the user\'s architecture', () => {
    test('inside a Stage, with the environment in a platform stack: no cycle, zero findings', () => {
      const app = new App({ context: TEST_CONTEXT });
      const stage = new Stage(app, 'Prod', { env: { account: DEPLOYED_ACCOUNT, region: DEPLOYED_REGION } });
      const platform = new Stack(stage, 'Platform');
      const environment = new SageMakerEnvironment(platform, 'Env', { environmentName: 'ml-prod' });
      const team = new Stack(stage, 'Team');
      const training = new SecureTrainingJob(team, 'Train', { environment, image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC), jobNamePrefix: 'churn' });
      const endpoint = new SecureEndpoint(team, 'Endpoint', {
        environment,
        endpointName: 'churn-prod',
        model: { image: EndpointImage.fromDlc(INFERENCE_DLC), modelData: ModelData.fromBucket(environment.artifactsBucket, 'models/churn/v1/model.tar.gz') },
      });
      new SecureModelPromotion(team, 'Promote', { endpoint, training });
      expect(() => stage.synth()).not.toThrow();
      expect(team.dependencies.map((s) => s.stackName)).toContain(platform.stackName);
      expect(formatFindings(unacknowledgedFindings(team))).toBe('');
    });

    test('grantStartExecution lands on a user role and returns an iam.Grant', () => {
      const { stack, promotion } = build();
      const ci = iam.Role.fromRoleArn(stack, 'Ci', `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/ci-deployer`);
      expect(promotion.grantStartExecution(ci)).toBeInstanceOf(iam.Grant);
    });
  });

  describe('bad input is a ValidationError naming the prop', () => {
    const cases: Array<[string, Partial<SecureModelPromotionProps>, Partial<SecureEndpointProps>, RegExp]> = [
      ['namePrefix too long', { namePrefix: 'a'.repeat(27) }, {}, /`namePrefix`/],
      ['namePrefix with underscores', { namePrefix: 'churn_prod' }, {}, /`namePrefix`/],
      ['modelPackageGroupName', { modelPackageGroupName: 'churn models' }, {}, /`modelPackageGroupName`/],
      ['canary too big', { trafficShift: PromotionTrafficShift.canary(60) }, {}, /`trafficShift` canary size is 60%/],
      ['linear step too small', { trafficShift: PromotionTrafficShift.linear(5) }, {}, /`trafficShift` linear size is 5%/],
      ['wait too long', { trafficShift: PromotionTrafficShift.canary(50, Duration.hours(2)) }, {}, /`trafficShift` waits 7200 seconds/],
      ['canary on one instance', { trafficShift: PromotionTrafficShift.canary() }, { initialInstanceCount: 1, allowSingleInstance: true }, /`trafficShift` is canary.*allAtOnce/],
      ['terminationWait', { terminationWait: Duration.hours(2) }, {}, /`terminationWait` is 7200 seconds/],
      ['maximumDeploymentTime too short', { maximumDeploymentTime: Duration.minutes(5) }, {}, /`maximumDeploymentTime` is 300 seconds/],
      ['maximumDeploymentTime too long', { maximumDeploymentTime: Duration.hours(5) }, {}, /`maximumDeploymentTime`/],
      ['no rollback alarms', { rollbackAlarmNames: [] }, {}, /`rollbackAlarmNames` has 0 alarms/],
      ['eleven rollback alarms', { rollbackAlarmNames: Array.from({ length: 11 }, (_, i) => `a${i}`) }, {}, /`rollbackAlarmNames` has 11 alarms/],
      ['too many approval polls', { approval: ModelApproval.manual(Duration.minutes(1), Duration.days(7)) }, {}, /`approval` would poll 10080 times/],
      ['poll interval too short', { approval: ModelApproval.manual(Duration.seconds(10)) }, {}, /`approval` polls every 10 seconds/],
      ['automatic without a condition', { approval: ModelApproval.automatic('') }, {}, /`approval` ModelApproval.automatic\(condition\)/],
      ['content types', { supportedContentTypes: [] }, {}, /`supportedContentTypes` is empty/],
      ['bad MIME type', { supportedResponseMimeTypes: ['json'] }, {}, /`supportedResponseMimeTypes` entry 'json'/],
    ];
    test.each(cases)('%s', (_, props, endpointProps, message) => {
      expect(() => build(props, endpointProps)).toThrow(message);
    });

    test('training and endpoint in different environments', () => {
      const stack = newTestStack();
      const a = new SageMakerEnvironment(stack, 'A', { environmentName: 'a' });
      const b = new SageMakerEnvironment(stack, 'B', { environmentName: 'b' });
      const training = new SecureTrainingJob(stack, 'Train', { environment: a, image: TrainingImage.fromDeepLearningContainer(TRAINING_DLC) });
      const endpoint = new SecureEndpoint(stack, 'Endpoint', {
        environment: b, model: { image: EndpointImage.fromDlc(INFERENCE_DLC), modelData: ModelData.fromBucket(b.artifactsBucket, 'm/model.tar.gz') },
      });
      expect(() => new SecureModelPromotion(stack, 'Promote', { endpoint, training })).toThrow(/`training` and `endpoint` are in different environments/);
    });

    test('two promotions with the same name prefix in one account and Region clash', () => {
      const { stack, endpoint, training } = build({}, {}, newTestStack('Pinned', { env: { account: DEPLOYED_ACCOUNT, region: DEPLOYED_REGION } }));
      expect(() => new SecureModelPromotion(stack, 'Again', { endpoint, training, namePrefix: 'churn-prod', modelPackageGroupName: 'other' })).toThrow(/namePrefix/);
    });
  });
});
