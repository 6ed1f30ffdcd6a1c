import { ControlSection } from './control';

/** RULES.md sections, in the order the pack applies its controls. */
export const STORAGE_SECTION: ControlSection = { title: 'Data, keys and logs' };

export const NETWORK_SECTION: ControlSection = { title: 'Network' };

export const NOTEBOOK_SECTION: ControlSection = { title: 'SageMaker notebook instances' };

export const HOSTING_SECTION: ControlSection = { title: 'SageMaker models and endpoint configs (real-time endpoints)' };

export const JOBS_SECTION: ControlSection = {
  title: 'SageMaker training and processing job definitions (Step Functions, SageMaker Pipelines)',
  intro: [
    'CloudFormation has no training-job resource, so jobs are defined inside other resources. These rules read',
    '`AWS::StepFunctions::StateMachine` (`DefinitionString` — a literal or an `Fn::Join` with tokens, rendered to text with a',
    'placeholder per token and parsed — `Definition`, `DefinitionSubstitutions`) and `AWS::SageMaker::Pipeline`',
    '(`PipelineDefinition.PipelineDefinitionBody`). A job is any Task state whose `Resource` is',
    '`arn:<partition>:states:::sagemaker:createTrainingJob` / `createProcessingJob` (with or without `.sync`, or the',
    '`aws-sdk:sagemaker:` form), at any depth (Parallel branches, Map `Iterator` / `ItemProcessor`), with its request in',
    '`Parameters` (JSONPath) or `Arguments` (JSONata); and any pipeline step of `Type` `Training` / `Processing` at any',
    'depth (Condition steps included). They work on state machines written by hand as well as on `SecureTrainingJob`.',
    '',
    '- Resources without such jobs are not applicable. A definition that cannot be read at synth time — `DefinitionS3Location`,',
    '  `PipelineDefinitionS3Location`, a `CfnParameter`, text that does not parse — is **non-compliant under every rule**',
    '  (nothing can be proven); acknowledge with the reason if the definition is reviewed elsewhere.',
    '- A value chosen at run time (a `.$` JSONPath key, a JSONata `{% %}` expression, a pipeline `{"Get": ...}`) cannot be proven',
    '  and is non-compliant, except in place of subnet and security group IDs, where only presence is checked.',
    '- Not covered yet: hyperparameter tuning (`createHyperParameterTuningJob`, pipeline `Tuning` steps), transform jobs.',
  ].join('\n'),
};

export const STUDIO_SECTION: ControlSection = { title: 'SageMaker Studio domains and user profiles' };
