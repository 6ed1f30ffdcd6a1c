import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { NagRuleCompliance } from 'cdk-nag';
import { TrainingImage } from '../../lib';
import { SageMakerSecurityChecks } from '../../lib/nag';
import {
  JobDefinitionInterContainerEncryption,
  JobDefinitionKmsKeys,
  JobDefinitionMaxRuntime,
  JobDefinitionNetworkIsolation,
  JobDefinitionVpc,
} from '../../lib/nag/rules';
import { SecureTuningJob, TuningObjectiveType } from '../../lib/tuning';
import { newTestStack } from '../helpers/compliance';

// The JobDefinition* rules read createHyperParameterTuningJob tasks: every training job definition
// of the request (TrainingJobDefinition, TrainingJobDefinitions[]) is judged as a training job.

const VPC = 'SageMakerSecurity-JobDefinitionVpc';
const ISOLATION = 'SageMakerSecurity-JobDefinitionNetworkIsolation';
const ENCRYPTION = 'SageMakerSecurity-JobDefinitionInterContainerEncryption';
const KMS = 'SageMakerSecurity-JobDefinitionKmsKeys';
const RUNTIME = 'SageMakerSecurity-JobDefinitionMaxRuntime';
const IDS = [VPC, ISOLATION, ENCRYPTION, KMS, RUNTIME];
const RULES = [JobDefinitionVpc, JobDefinitionNetworkIsolation, JobDefinitionInterContainerEncryption, JobDefinitionKmsKeys, JobDefinitionMaxRuntime];
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311';

function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations
    .filter((v) => IDS.includes(v.ruleName))
    .map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function all(...paths: string[]): Record<string, string[]> {
  return Object.fromEntries(IDS.map((id) => [id, paths]));
}

function goodDefinition(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    AlgorithmSpecification: { TrainingImage: DLC, TrainingInputMode: 'File' },
    RoleArn: 'arn:aws:iam::111122223333:role/training',
    OutputDataConfig: { S3OutputPath: 's3://artifacts/tuning', KmsKeyId: KEY },
    ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    VpcConfig: { Subnets: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] },
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: true,
    ...overrides,
  };
}

const CONFIG = {
  Strategy: 'Bayesian',
  HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'loss' },
  ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
  ParameterRanges: { ContinuousParameterRanges: [{ Name: 'lr', MinValue: '0.001', MaxValue: '0.1' }] },
};

function tuningState(request: Record<string, unknown>, resource = 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync'): Record<string, unknown> {
  return { Type: 'Task', Resource: resource, Parameters: request, End: true };
}

function stateMachine(stack: Stack, states: Record<string, unknown>, id = 'StateMachine'): sfn.CfnStateMachine {
  return new sfn.CfnStateMachine(stack, id, {
    roleArn: 'arn:aws:iam::111122223333:role/states',
    definitionString: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
  });
}

const newStack = () => new Stack(new App(), 'Stack');

describe('JobDefinition* rules on createHyperParameterTuningJob tasks', () => {
  test('a tuning task whose training job definition has every secure setting is compliant with every rule', () => {
    const stack = newStack();
    const node = stateMachine(stack, {
      Tune: tuningState({ 'HyperParameterTuningJobName.$': "States.Format('t-{}', $$.Execution.Name)", 'HyperParameterTuningJobConfig': CONFIG, 'TrainingJobDefinition': goodDefinition() }),
    });
    for (const rule of RULES) {
      expect(rule(node)).toBe(NagRuleCompliance.COMPLIANT);
    }
    expect(findings(stack)).toEqual({});
  });

  test('a tuning task with a bare training job definition violates every rule', () => {
    const stack = newStack();
    const node = stateMachine(stack, {
      Tune: tuningState({
        HyperParameterTuningJobName: 'bare',
        HyperParameterTuningJobConfig: CONFIG,
        TrainingJobDefinition: {
          AlgorithmSpecification: { TrainingImage: DLC, TrainingInputMode: 'File' },
          RoleArn: 'arn:aws:iam::111122223333:role/training',
          OutputDataConfig: { S3OutputPath: 's3://b/o' },
          ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
          StoppingCondition: {},
        },
      }),
    });
    for (const rule of RULES) {
      expect(rule(node)).toBe(NagRuleCompliance.NON_COMPLIANT);
    }
    expect(findings(stack)).toEqual(all('Stack/StateMachine'));
  });

  test.each([
    ['no VpcConfig', { VpcConfig: undefined }, VPC],
    ['network isolation off', { EnableNetworkIsolation: false }, ISOLATION],
    ['inter-container encryption absent', { EnableInterContainerTrafficEncryption: undefined }, ENCRYPTION],
    ['no output key', { OutputDataConfig: { S3OutputPath: 's3://b/o' } }, KMS],
    ['no volume key on an EBS type', { ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } }, KMS],
    ['a runtime over 28 days', { StoppingCondition: { MaxRuntimeInSeconds: 2419201 } }, RUNTIME],
  ])('one insecure setting of the definition (%s) fails exactly its rule', (_what, overrides, rule) => {
    const stack = newStack();
    stateMachine(stack, { Tune: tuningState({ HyperParameterTuningJobName: 't', HyperParameterTuningJobConfig: CONFIG, TrainingJobDefinition: goodDefinition(overrides) }) });
    expect(findings(stack)).toEqual({ [rule]: ['Stack/StateMachine'] });
  });

  test('every entry of TrainingJobDefinitions[] is checked: one insecure definition among good ones fails', () => {
    const good = newStack();
    stateMachine(good, { Tune: tuningState({ HyperParameterTuningJobName: 't', HyperParameterTuningJobConfig: CONFIG, TrainingJobDefinitions: [goodDefinition(), goodDefinition()] }) });
    expect(findings(good)).toEqual({});
    const bad = newStack();
    stateMachine(bad, {
      Tune: tuningState({ HyperParameterTuningJobName: 't', HyperParameterTuningJobConfig: CONFIG, TrainingJobDefinitions: [goodDefinition(), goodDefinition({ EnableNetworkIsolation: false })] }),
    });
    expect(findings(bad)).toEqual({ [ISOLATION]: ['Stack/StateMachine'] });
  });

  test('a local-NVMe instance type may omit the volume key', () => {
    const stack = newStack();
    stateMachine(stack, {
      Tune: tuningState({
        HyperParameterTuningJobName: 't',
        HyperParameterTuningJobConfig: CONFIG,
        TrainingJobDefinition: goodDefinition({ ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } }),
      }),
    });
    expect(findings(stack)).toEqual({});
  });

  test('a definition chosen at run time (a ".$" path, or no definition at all, or a JSONata expression) is unverifiable and violates every rule', () => {
    for (const request of [
      { 'HyperParameterTuningJobName': 't', 'HyperParameterTuningJobConfig': CONFIG, 'TrainingJobDefinition.$': '$.definition' },
      { HyperParameterTuningJobName: 't', HyperParameterTuningJobConfig: CONFIG },
    ]) {
      const stack = newStack();
      stateMachine(stack, { Tune: tuningState(request) });
      expect(findings(stack)).toEqual(all('Stack/StateMachine'));
    }
    const jsonata = newStack();
    stateMachine(jsonata, {
      Tune: { Type: 'Task', QueryLanguage: 'JSONata', Resource: 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync', Arguments: '{% $states.input.request %}', End: true },
    });
    expect(findings(jsonata)).toEqual(all('Stack/StateMachine'));
  });

  test('JSONata Arguments with literal definition fields are read (only the name is an expression)', () => {
    const stack = newStack();
    stateMachine(stack, {
      Tune: {
        Type: 'Task',
        QueryLanguage: 'JSONata',
        Resource: 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync',
        Arguments: { HyperParameterTuningJobName: "{% 't-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, 16) %}", HyperParameterTuningJobConfig: CONFIG, TrainingJobDefinition: goodDefinition() },
        End: true,
      },
    });
    expect(findings(stack)).toEqual({});
  });

  test('the request/response and aws-sdk integrations are checked too', () => {
    for (const resource of ['arn:aws:states:::sagemaker:createHyperParameterTuningJob', 'arn:aws:states:::aws-sdk:sagemaker:createHyperParameterTuningJob']) {
      const stack = newStack();
      stateMachine(stack, { Tune: tuningState({ HyperParameterTuningJobName: 't', HyperParameterTuningJobConfig: CONFIG, TrainingJobDefinition: goodDefinition({ EnableNetworkIsolation: undefined }) }, resource) });
      expect(findings(stack)).toEqual({ [ISOLATION]: ['Stack/StateMachine'] });
    }
  });

  test('SecureTuningJob output is compliant with every rule, and its opt-out is flagged (then acknowledged by the construct)', () => {
    const stack = newTestStack();
    new SecureTuningJob(stack, 'Tune', {
      image: TrainingImage.fromDeepLearningContainer(DLC),
      objective: { type: TuningObjectiveType.MINIMIZE, metricName: 'loss' },
      continuousParameterRanges: [{ name: 'lr', minValue: 0.001, maxValue: 0.1 }],
    });
    const node = stack.node.findAll().find((c) => c instanceof sfn.CfnStateMachine) as sfn.CfnStateMachine;
    for (const rule of RULES) {
      expect(rule(node)).toBe(NagRuleCompliance.COMPLIANT);
    }
    const open = newTestStack('Open');
    new SecureTuningJob(open, 'Tune', {
      image: TrainingImage.fromDeepLearningContainer(DLC),
      objective: { type: TuningObjectiveType.MINIMIZE, metricName: 'loss' },
      continuousParameterRanges: [{ name: 'lr', minValue: 0.001, maxValue: 0.1 }],
      allowInternetForContainer: true,
    });
    const openNode = open.node.findAll().find((c) => c instanceof sfn.CfnStateMachine) as sfn.CfnStateMachine;
    expect(JobDefinitionNetworkIsolation(openNode)).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(findings(open)).toEqual({});
  });
});
