import { App, Aws, CfnParameter, Duration, Fn, Size, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { NagRuleCompliance } from 'cdk-nag';
import { SecureTrainingJob, TrainingImage } from '../../../lib';
import { SageMakerSecurityChecks } from '../../../lib/nag';
import {
  JobDefinitionInterContainerEncryption,
  JobDefinitionKmsKeys,
  JobDefinitionMaxRuntime,
  JobDefinitionNetworkIsolation,
  JobDefinitionVpc,
} from '../../../lib/nag/rules';

const VPC = 'SageMakerSecurity-JobDefinitionVpc';
const ISOLATION = 'SageMakerSecurity-JobDefinitionNetworkIsolation';
const ENCRYPTION = 'SageMakerSecurity-JobDefinitionInterContainerEncryption';
const KMS = 'SageMakerSecurity-JobDefinitionKmsKeys';
const RUNTIME = 'SageMakerSecurity-JobDefinitionMaxRuntime';
const IDS = [VPC, ISOLATION, ENCRYPTION, KMS, RUNTIME];
const RULES = [JobDefinitionVpc, JobDefinitionNetworkIsolation, JobDefinitionInterContainerEncryption, JobDefinitionKmsKeys, JobDefinitionMaxRuntime];
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Rule ID -> violating construct paths, for the job definition rules only. */
function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations
    .filter((v) => IDS.includes(v.ruleName))
    .map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

/** Every rule flags exactly these paths. */
function all(...paths: string[]): Record<string, string[]> {
  return Object.fromEntries(IDS.map((id) => [id, paths]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

/** A CreateTrainingJob request with every secure setting. */
function goodTraining(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    'TrainingJobName.$': "States.Format('churn-{}', $$.Execution.Name)",
    'RoleArn': 'arn:aws:iam::111122223333:role/training',
    'AlgorithmSpecification': { TrainingImage: '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311', TrainingInputMode: 'File' },
    'OutputDataConfig': { S3OutputPath: 's3://artifacts/models', KmsKeyId: KEY },
    'ResourceConfig': { InstanceType: 'ml.m5.xlarge', InstanceCount: 2, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
    'StoppingCondition': { MaxRuntimeInSeconds: 86400 },
    'VpcConfig': { Subnets: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] },
    'EnableNetworkIsolation': true,
    'EnableInterContainerTrafficEncryption': true,
    ...overrides,
  };
}

/** A CreateProcessingJob request with every secure setting. */
function goodProcessing(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    ProcessingJobName: 'prep',
    RoleArn: 'arn:aws:iam::111122223333:role/processing',
    AppSpecification: { ImageUri: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/prep:1' },
    ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY } },
    ProcessingOutputConfig: { KmsKeyId: KEY, Outputs: [{ OutputName: 'out', S3Output: { S3Uri: 's3://artifacts/prep', LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } }] },
    NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: { Subnets: ['subnet-1'], SecurityGroupIds: ['sg-1'] } },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    ...overrides,
  };
}

function trainingState(parameters: Record<string, unknown>, resource = 'arn:aws:states:::sagemaker:createTrainingJob.sync'): Record<string, unknown> {
  return { Type: 'Task', Resource: resource, Parameters: parameters, End: true };
}

/** A hand-written state machine, as users write them: a JSON string. */
function stateMachine(stack: Stack, states: Record<string, unknown>, id = 'StateMachine'): sfn.CfnStateMachine {
  return new sfn.CfnStateMachine(stack, id, {
    roleArn: 'arn:aws:iam::111122223333:role/states',
    definitionString: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
  });
}

function pipeline(stack: Stack, steps: unknown[], id = 'Pipeline'): sagemaker.CfnPipeline {
  return new sagemaker.CfnPipeline(stack, id, {
    pipelineName: id.toLowerCase(),
    roleArn: 'arn:aws:iam::111122223333:role/pipeline',
    pipelineDefinition: { PipelineDefinitionBody: JSON.stringify({ Version: '2020-12-01', Steps: steps }) },
  });
}

describe('job definition rules', () => {
  test('the rules are named after their files', () => {
    expect(RULES.map((r) => r.name)).toEqual([
      'JobDefinitionVpc', 'JobDefinitionNetworkIsolation', 'JobDefinitionInterContainerEncryption', 'JobDefinitionKmsKeys', 'JobDefinitionMaxRuntime',
    ]);
  });

  test('not applicable to other resource types, nor to state machines and pipelines without SageMaker jobs', () => {
    const stack = newStack();
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    const lambdaOnly = stateMachine(stack, { Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true } });
    const passOnly = stateMachine(stack, { Done: { Type: 'Pass', End: true } }, 'Pass');
    const conditionOnly = pipeline(stack, [{ Name: 'Fail', Type: 'Fail', Arguments: { ErrorMessage: 'no' } }]);
    for (const rule of RULES) {
      for (const node of [bucket, lambdaOnly, passOnly, conditionOnly]) {
        expect(rule(node)).toBe(NagRuleCompliance.NOT_APPLICABLE);
      }
    }
    expect(findings(stack)).toEqual({});
  });

  describe('Step Functions state machines written by hand', () => {
    test('a training task with every secure setting is compliant with every rule', () => {
      const stack = newStack();
      const node = stateMachine(stack, { Train: trainingState(goodTraining()) });
      for (const rule of RULES) {
        expect(rule(node)).toBe(NagRuleCompliance.COMPLIANT);
      }
      expect(findings(stack)).toEqual({});
    });

    test('a bare training task violates every rule, as errors', () => {
      const stack = newStack();
      stateMachine(stack, {
        Train: trainingState({
          TrainingJobName: 'bare',
          RoleArn: 'arn:aws:iam::111122223333:role/training',
          AlgorithmSpecification: { TrainingImage: 'x', TrainingInputMode: 'File' },
          OutputDataConfig: { S3OutputPath: 's3://b/o' },
          ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
        }),
      });
      expect(findings(stack)).toEqual(all('Stack/StateMachine'));
      for (const v of new SageMakerSecurityChecks().validateScope(stack).violations.filter((x) => IDS.includes(x.ruleName))) {
        expect(v.severity).toBe('error');
      }
    });

    test.each([
      ['no VpcConfig', { VpcConfig: undefined }],
      ['no subnets', { VpcConfig: { Subnets: [], SecurityGroupIds: ['sg-1'] } }],
      ['no security groups', { VpcConfig: { Subnets: ['subnet-1'] } }],
      ['a VpcConfig from the input', { 'VpcConfig': undefined, 'VpcConfig.$': '$.vpc' }],
      ['subnets from the input', { VpcConfig: { 'Subnets.$': '$.subnets', 'SecurityGroupIds': ['sg-1'] } }],
    ])('JobDefinitionVpc: %s is non-compliant', (_, overrides) => {
      const stack = newStack();
      stateMachine(stack, { Train: trainingState(goodTraining(overrides)) });
      expect(findings(stack)).toEqual({ [VPC]: ['Stack/StateMachine'] });
    });

    test.each([
      ['absent', { EnableNetworkIsolation: undefined }],
      ['false', { EnableNetworkIsolation: false }],
      ['the string "true"', { EnableNetworkIsolation: 'true' }],
      ['from the input', { 'EnableNetworkIsolation': undefined, 'EnableNetworkIsolation.$': '$.isolate' }],
    ])('JobDefinitionNetworkIsolation: %s is non-compliant', (_, overrides) => {
      const stack = newStack();
      stateMachine(stack, { Train: trainingState(goodTraining(overrides)) });
      expect(findings(stack)).toEqual({ [ISOLATION]: ['Stack/StateMachine'] });
    });

    test.each([
      ['absent', { EnableInterContainerTrafficEncryption: undefined }],
      ['false', { EnableInterContainerTrafficEncryption: false }],
    ])('JobDefinitionInterContainerEncryption: %s is non-compliant', (_, overrides) => {
      const stack = newStack();
      stateMachine(stack, { Train: trainingState(goodTraining(overrides)) });
      expect(findings(stack)).toEqual({ [ENCRYPTION]: ['Stack/StateMachine'] });
    });

    test.each([
      ['no output key', { OutputDataConfig: { S3OutputPath: 's3://b/o' } }],
      ['no volume key', { ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } }],
      ['an empty output key', { OutputDataConfig: { S3OutputPath: 's3://b/o', KmsKeyId: '' } }],
      ['an output key from the input', { OutputDataConfig: { 'S3OutputPath': 's3://b/o', 'KmsKeyId.$': '$.key' } }],
      ['no volume key and an instance type from the input', { ResourceConfig: { 'InstanceType.$': '$.type', 'InstanceCount': 1, 'VolumeSizeInGB': 30 } }],
    ])('JobDefinitionKmsKeys: %s is non-compliant', (_, overrides) => {
      const stack = newStack();
      stateMachine(stack, { Train: trainingState(goodTraining(overrides)) });
      expect(findings(stack)).toEqual({ [KMS]: ['Stack/StateMachine'] });
    });

    test.each([['ml.g5.2xlarge'], ['ml.p4d.24xlarge'], ['ml.c5d.xlarge']])('JobDefinitionKmsKeys: no volume key on local-NVMe type %s is compliant', (instanceType) => {
      const stack = newStack();
      const resourceConfig = { InstanceType: instanceType, InstanceCount: 1, VolumeSizeInGB: 30 };
      stateMachine(stack, { Train: trainingState(goodTraining({ ResourceConfig: resourceConfig })) });
      expect(findings(stack)).toEqual({});
    });

    test.each([
      ['no stopping condition', { StoppingCondition: undefined }],
      ['no max runtime', { StoppingCondition: { MaxWaitTimeInSeconds: 100 } }],
      ['over 28 days', { StoppingCondition: { MaxRuntimeInSeconds: 2419201 } }],
      ['zero', { StoppingCondition: { MaxRuntimeInSeconds: 0 } }],
      ['a string', { StoppingCondition: { MaxRuntimeInSeconds: '3600' } }],
      ['from the input', { StoppingCondition: { 'MaxRuntimeInSeconds.$': '$.runtime' } }],
    ])('JobDefinitionMaxRuntime: %s is non-compliant', (_, overrides) => {
      const stack = newStack();
      stateMachine(stack, { Train: trainingState(goodTraining(overrides)) });
      expect(findings(stack)).toEqual({ [RUNTIME]: ['Stack/StateMachine'] });
    });

    test('JobDefinitionMaxRuntime: exactly 28 days is compliant', () => {
      const stack = newStack();
      stateMachine(stack, { Train: trainingState(goodTraining({ StoppingCondition: { MaxRuntimeInSeconds: 2419200 } })) });
      expect(findings(stack)).toEqual({});
    });

    test('the request/response and aws-sdk integrations are checked too', () => {
      const stack = newStack();
      stateMachine(stack, { Train: trainingState(goodTraining({ EnableNetworkIsolation: false }), 'arn:aws:states:::sagemaker:createTrainingJob') }, 'Plain');
      stateMachine(stack, { Train: trainingState(goodTraining({ EnableNetworkIsolation: false }), 'arn:aws:states:::aws-sdk:sagemaker:createTrainingJob') }, 'Sdk');
      expect(findings(stack)).toEqual({ [ISOLATION]: ['Stack/Plain', 'Stack/Sdk'] });
    });

    test('processing tasks: compliant with every setting, each missing setting flagged', () => {
      const stack = newStack();
      const resource = 'arn:aws:states:::sagemaker:createProcessingJob.sync';
      stateMachine(stack, { Prep: trainingState(goodProcessing(), resource) }, 'Good');
      stateMachine(stack, { Prep: trainingState(goodProcessing({ NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true } }), resource) }, 'NoVpc');
      stateMachine(stack, { Prep: trainingState(goodProcessing({ NetworkConfig: undefined }), resource) }, 'NoNetworkConfig');
      stateMachine(stack, { Prep: trainingState(goodProcessing({ ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } } }), resource) }, 'NoVolumeKey');
      stateMachine(stack, { Prep: trainingState(goodProcessing({ ProcessingOutputConfig: { Outputs: [] } }), resource) }, 'NoOutputKey');
      stateMachine(stack, { Prep: trainingState(goodProcessing({ ProcessingOutputConfig: undefined }), resource) }, 'NoOutputs');
      stateMachine(stack, { Prep: trainingState(goodProcessing({ StoppingCondition: undefined }), resource) }, 'NoRuntime');
      expect(findings(stack)).toEqual({
        [VPC]: ['Stack/NoVpc', 'Stack/NoNetworkConfig'],
        [ISOLATION]: ['Stack/NoNetworkConfig'],
        [ENCRYPTION]: ['Stack/NoNetworkConfig'],
        [KMS]: ['Stack/NoVolumeKey', 'Stack/NoOutputKey'],
        [RUNTIME]: ['Stack/NoRuntime'],
      });
    });

    test('tasks nested in Parallel branches and Map states (Iterator and ItemProcessor) are checked', () => {
      const stack = newStack();
      const bad = trainingState(goodTraining({ EnableInterContainerTrafficEncryption: false }));
      stateMachine(stack, {
        Fan: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'Ok', States: { Ok: trainingState(goodTraining()) } }, { StartAt: 'Bad', States: { Bad: bad } }] },
      }, 'Parallel');
      stateMachine(stack, { Each: { Type: 'Map', End: true, Iterator: { StartAt: 'Bad', States: { Bad: bad } } } }, 'MapIterator');
      stateMachine(stack, {
        Each: {
          Type: 'Map',
          End: true,
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Inner', States: { Inner: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'Bad', States: { Bad: bad } }] } } },
        },
      }, 'MapItemProcessor');
      expect(findings(stack)).toEqual({ [ENCRYPTION]: ['Stack/Parallel', 'Stack/MapIterator', 'Stack/MapItemProcessor'] });
    });

    test('one bad job among good ones makes the state machine non-compliant', () => {
      const stack = newStack();
      stateMachine(stack, {
        First: { ...trainingState(goodTraining()), End: undefined, Next: 'Second' },
        Second: trainingState(goodTraining({ VpcConfig: undefined })),
      });
      expect(findings(stack)).toEqual({ [VPC]: ['Stack/StateMachine'] });
    });

    test('the Definition object form is read', () => {
      const stack = newStack();
      new sfn.CfnStateMachine(stack, 'Good', { roleArn: 'arn:aws:iam::111122223333:role/states', definition: { StartAt: 'Train', States: { Train: trainingState(goodTraining()) } } });
      new sfn.CfnStateMachine(stack, 'Bad', {
        roleArn: 'arn:aws:iam::111122223333:role/states',
        definition: { StartAt: 'Train', States: { Train: trainingState(goodTraining({ StoppingCondition: undefined })) } },
      });
      expect(findings(stack)).toEqual({ [RUNTIME]: ['Stack/Bad'] });
    });

    test('a DefinitionString built with Fn::Join and tokens is rendered with placeholders and parsed', () => {
      const stack = newStack();
      const count = new CfnParameter(stack, 'Count', { type: 'Number', default: 2 });
      const text = JSON.stringify({ StartAt: 'Train', States: { Train: trainingState(goodTraining({ ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 999, VolumeSizeInGB: 30, VolumeKmsKeyId: 'KEY_ARN' } })) } });
      const [before, after] = text.split('999');
      new sfn.CfnStateMachine(stack, 'Joined', {
        roleArn: 'arn:aws:iam::111122223333:role/states',
        // a token inside a JSON string (the key ARN) and one outside any string (the instance count)
        definitionString: Fn.join('', [before, count.valueAsString, after.replace('KEY_ARN', `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/abc`)]),
      });
      expect(findings(stack)).toEqual({});
    });

    test('a key from a CfnParameter inside the definition cannot be proven and is non-compliant', () => {
      const stack = newStack();
      const key = new CfnParameter(stack, 'Key', { type: 'String' });
      const text = JSON.stringify({ StartAt: 'Train', States: { Train: trainingState(goodTraining({ OutputDataConfig: { S3OutputPath: 's3://b/o', KmsKeyId: 'KEY' } })) } });
      const [before, after] = text.split('"KEY"');
      new sfn.CfnStateMachine(stack, 'Param', {
        roleArn: 'arn:aws:iam::111122223333:role/states',
        definitionString: Fn.join('', [before, '"', key.valueAsString, '"', after]),
      });
      expect(findings(stack)).toEqual({ [KMS]: ['Stack/Param'] });
    });

    test('DefinitionSubstitutions are applied', () => {
      const stack = newStack();
      const text = JSON.stringify({ StartAt: 'Train', States: { Train: trainingState(goodTraining({ OutputDataConfig: { S3OutputPath: 's3://b/o', KmsKeyId: '${OutputKey}' } })) } });
      const bucket = new s3.CfnBucket(stack, 'Bucket');
      new sfn.CfnStateMachine(stack, 'Substituted', {
        roleArn: 'arn:aws:iam::111122223333:role/states', definitionString: text, definitionSubstitutions: { OutputKey: bucket.attrArn },
      });
      new sfn.CfnStateMachine(stack, 'Empty', {
        roleArn: 'arn:aws:iam::111122223333:role/states', definitionString: text, definitionSubstitutions: { OutputKey: '' },
      });
      expect(findings(stack)).toEqual({ [KMS]: ['Stack/Empty'] });
    });

    test('a definition in S3, from a parameter, or that does not parse is unverifiable and violates every rule', () => {
      const stack = newStack();
      new sfn.CfnStateMachine(stack, 'FromS3', { roleArn: 'arn:aws:iam::111122223333:role/states', definitionS3Location: { bucket: 'defs', key: 'train.json' } });
      const text = new CfnParameter(stack, 'Definition', { type: 'String' });
      new sfn.CfnStateMachine(stack, 'FromParameter', { roleArn: 'arn:aws:iam::111122223333:role/states', definitionString: text.valueAsString });
      new sfn.CfnStateMachine(stack, 'Broken', { roleArn: 'arn:aws:iam::111122223333:role/states', definitionString: '{"StartAt": "Train", ' });
      expect(findings(stack)).toEqual(all('Stack/FromS3', 'Stack/FromParameter', 'Stack/Broken'));
    });

    test('JSONata: literal Arguments are checked, an expression for the whole request is non-compliant', () => {
      const stack = newStack();
      const jsonata = (args: unknown) => ({ QueryLanguage: 'JSONata', StartAt: 'Train', States: { Train: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', Arguments: args, End: true } } });
      const { 'TrainingJobName.$': _, ...request } = goodTraining();
      new sfn.CfnStateMachine(stack, 'Literal', { roleArn: 'arn:aws:iam::111122223333:role/states', definitionString: JSON.stringify(jsonata({ ...request, TrainingJobName: '{% $states.context.Execution.Name %}' })) });
      new sfn.CfnStateMachine(stack, 'Expression', { roleArn: 'arn:aws:iam::111122223333:role/states', definitionString: JSON.stringify(jsonata('{% $states.input.request %}')) });
      new sfn.CfnStateMachine(stack, 'DynamicFlag', {
        roleArn: 'arn:aws:iam::111122223333:role/states',
        definitionString: JSON.stringify(jsonata({ ...request, EnableNetworkIsolation: '{% $states.input.isolate %}' })),
      });
      expect(findings(stack)).toEqual({ ...all('Stack/Expression'), [ISOLATION]: ['Stack/Expression', 'Stack/DynamicFlag'] });
    });

    test('acknowledgement removes the violation', () => {
      const stack = newStack();
      const node = stateMachine(stack, { Train: trainingState(goodTraining({ EnableNetworkIsolation: false })) });
      Validations.of(node).acknowledge({ id: ISOLATION, reason: 'The container downloads a licensed model at start; egress is limited by the VPC endpoints.' });
      expect(findings(stack)).toEqual({});
    });
  });

  describe('state machines built with aws-cdk-lib', () => {
    test('SecureTrainingJob output is compliant with every rule', () => {
      const stack = newStack();
      new SecureTrainingJob(stack, 'Train', { image: TrainingImage.fromDeepLearningContainer('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311') });
      expect(findings(stack)).toEqual({});
    });

    test('the L2 SageMakerCreateTrainingJob task with a VPC and keys still lacks inter-container encryption and network isolation by default', () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const key = new kms.Key(stack, 'Key');
      const bucket = s3.Bucket.fromBucketName(stack, 'B', 'artifacts');
      const task = new tasks.SageMakerCreateTrainingJob(stack, 'Train', {
        trainingJobName: sfn.JsonPath.stringAt('$$.Execution.Name'),
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        algorithmSpecification: { algorithmName: 'BlazingText', trainingInputMode: tasks.InputMode.FILE },
        outputDataConfig: { s3OutputLocation: tasks.S3Location.fromBucket(bucket, 'out'), encryptionKey: key },
        resourceConfig: { instanceCount: 1, instanceType: new ec2.InstanceType('m5.xlarge'), volumeSize: Size.gibibytes(30), volumeEncryptionKey: key },
        stoppingCondition: { maxRuntime: Duration.hours(1) },
        vpcConfig: { vpc },
      });
      new sfn.StateMachine(stack, 'StateMachine', { definitionBody: sfn.DefinitionBody.fromChainable(task) });
      expect(findings(stack)).toEqual({
        [ISOLATION]: ['Stack/StateMachine/Resource'],
        [ENCRYPTION]: ['Stack/StateMachine/Resource'],
      });
    });
  });

  describe('SageMaker pipelines', () => {
    test('Training and Processing steps with every secure setting are compliant', () => {
      const stack = newStack();
      const { 'TrainingJobName.$': _, ...training } = goodTraining();
      const node = pipeline(stack, [
        { Name: 'Prep', Type: 'Processing', Arguments: goodProcessing() },
        { Name: 'Train', Type: 'Training', Arguments: training },
      ]);
      for (const rule of RULES) {
        expect(rule(node)).toBe(NagRuleCompliance.COMPLIANT);
      }
    });

    test('a step nested in a Condition step is checked', () => {
      const stack = newStack();
      pipeline(stack, [{
        Name: 'Check',
        Type: 'Condition',
        Arguments: { Conditions: [], IfSteps: [{ Name: 'Train', Type: 'Training', Arguments: goodTraining({ EnableNetworkIsolation: false }) }], ElseSteps: [] },
      }]);
      expect(findings(stack)).toEqual({ [ISOLATION]: ['Stack/Pipeline'] });
    });

    test('pipeline parameters (Get) in place of a flag or a key cannot be proven; in place of subnet IDs they are accepted', () => {
      const stack = newStack();
      pipeline(stack, [{
        Name: 'Train',
        Type: 'Training',
        Arguments: goodTraining({
          EnableNetworkIsolation: { Get: 'Parameters.Isolate' },
          VpcConfig: { Subnets: [{ Get: 'Parameters.Subnet' }], SecurityGroupIds: ['sg-1'] },
          OutputDataConfig: { S3OutputPath: 's3://b/o', KmsKeyId: { Get: 'Parameters.Key' } },
        }),
      }]);
      expect(findings(stack)).toEqual({ [ISOLATION]: ['Stack/Pipeline'], [KMS]: ['Stack/Pipeline'] });
    });

    test('a definition in S3 is unverifiable and violates every rule', () => {
      const stack = newStack();
      new sagemaker.CfnPipeline(stack, 'FromS3', {
        pipelineName: 'from-s3',
        roleArn: 'arn:aws:iam::111122223333:role/pipeline',
        pipelineDefinition: { PipelineDefinitionS3Location: { Bucket: 'defs', Key: 'pipeline.json' } },
      });
      expect(findings(stack)).toEqual(all('Stack/FromS3'));
    });

    test('a bare training step violates every rule', () => {
      const stack = newStack();
      pipeline(stack, [{ Name: 'Train', Type: 'Training', Arguments: { AlgorithmSpecification: { TrainingImage: 'x', TrainingInputMode: 'File' }, OutputDataConfig: { S3OutputPath: 's3://b/o' } } }]);
      expect(findings(stack)).toEqual(all('Stack/Pipeline'));
    });
  });
});
