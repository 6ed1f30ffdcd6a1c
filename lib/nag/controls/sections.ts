import { ControlSection } from './control';

/** RULES.md sections, in the order the pack applies its controls. */
export const STORAGE_SECTION: ControlSection = { title: 'Data, keys and logs' };

export const NETWORK_SECTION: ControlSection = { title: 'Network' };

export const NOTEBOOK_SECTION: ControlSection = { title: 'SageMaker notebook instances' };

export const HOSTING_SECTION: ControlSection = { title: 'SageMaker models and endpoint configs (real-time endpoints)' };

export const JOBS_SECTION: ControlSection = {
  title: 'SageMaker training, processing, tuning and transform job definitions (Step Functions, SageMaker Pipelines)',
  intro: [
    'CloudFormation has no training-job resource, so jobs are defined inside other resources. These rules read',
    '`AWS::StepFunctions::StateMachine` (`DefinitionString` — a literal or an `Fn::Join` with tokens, rendered to text with a',
    'placeholder per token and parsed — `Definition`, `DefinitionSubstitutions`) and `AWS::SageMaker::Pipeline`',
    '(`PipelineDefinition.PipelineDefinitionBody`). A job is any Task state whose `Resource` is',
    '`arn:<partition>:states:::sagemaker:createTrainingJob` / `createProcessingJob` / `createHyperParameterTuningJob` / `createTransformJob` (with or without `.sync`, or the',
    '`aws-sdk:sagemaker:` form), at any depth (Parallel branches, Map `Iterator` / `ItemProcessor`), with its request in',
    '`Parameters` (JSONPath) or `Arguments` (JSONata); and any pipeline step of `Type` `Training` / `Processing` / `Tuning` / `Transform` at any',
    'depth (Condition steps included). They work on state machines written by hand as well as on `SecureTrainingJob`.',
    '',
    '- Resources without such jobs are not applicable. A definition that cannot be read at synth time — `DefinitionS3Location`,',
    '  `PipelineDefinitionS3Location`, a `CfnParameter`, text that does not parse — is **non-compliant under every rule**',
    '  (nothing can be proven); acknowledge with the reason if the definition is reviewed elsewhere.',
    '- A value chosen at run time (a `.$` JSONPath key, a JSONata `{% %}` expression, a pipeline `{"Get": ...}`) cannot be proven',
    '  and is non-compliant, except in place of subnet and security group IDs, where only presence is checked.',
    '- Hyperparameter tuning (`createHyperParameterTuningJob` tasks, pipeline `Tuning` steps): each `TrainingJobDefinition` /',
    '  `TrainingJobDefinitions[]` entry is judged as a training job.',
    '- Batch transform (`createTransformJob` tasks, pipeline `Transform` steps): only `JobDefinitionKmsKeys` applies',
    '  (`TransformOutput.KmsKeyId`, `TransformResources.VolumeKmsKeyId`); the VPC, network isolation and inter-container settings',
    '  of a transform job are the model\'s (ModelInVPC, ModelNetworkIsolation), and it has no `StoppingCondition`.',
  ].join('\n'),
};

export const STUDIO_SECTION: ControlSection = { title: 'SageMaker Studio domains and user profiles' };

export const MONITORING_SECTION: ControlSection = {
  title: 'SageMaker Model Monitor job definitions and monitoring schedules',
  intro: [
    'These rules read `AWS::SageMaker::DataQualityJobDefinition`, `ModelQualityJobDefinition`, `ModelBiasJobDefinition`,',
    '`ModelExplainabilityJobDefinition` and `AWS::SageMaker::MonitoringSchedule`. A schedule is judged by its inline',
    '`MonitoringScheduleConfig.MonitoringJobDefinition`, or, when it runs a job definition by name, by that job definition of the',
    'same template (found by `Ref` / `Fn::GetAtt`, or by a literal `JobDefinitionName`). A schedule that runs a job definition',
    'the template does not define is **non-compliant under every rule** (its settings cannot be proven): acknowledge it with the',
    'reason when the job definition is reviewed in its own stack.',
  ].join('\n'),
};

export const DATA_STORES_SECTION: ControlSection = { title: 'SageMaker Feature Store, model registry, inference experiments and images' };

export const ECR_SECTION: ControlSection = {
  title: 'Container images (Amazon ECR repositories)',
  intro: 'cdk-nag\'s AwsSolutions-ECR1 already flags repository policies that allow open access (`*` principals); these rules check the rest of the repository.',
};
