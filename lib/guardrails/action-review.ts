/**
 * The reviewed SageMaker actions that no guardrail deny statement judges, each with the reason
 * none is needed. docs/guardrail-coverage.md lists them beside the actions the statements judge;
 * test/guardrails/action-coverage.test.ts fails when an action of IAM's catalogue is in neither.
 */

/** Why read and list actions need no deny. */
export const READ_ONLY_REASON = 'Read or list: starts no compute and attaches no network, key, role, script, image or remote access; what a principal may read is its identity policies\' grant (least privilege, tested per role).';

/** One group of reviewed actions (IAM action patterns) and the reason. */
export interface ActionReview {
  readonly actions: string[];
  readonly reason: string;
}

export const sm = (...names: string[]) => names.map((n) => `sagemaker:${n}`);

/** Reviewed actions, in the order the coverage table lists the reasons. */
export const ACTION_REVIEW: ActionReview[] = [
  {
    actions: sm('Delete*', 'Stop*', 'Deregister*', 'Disassociate*', 'Detach*', 'BatchDeleteClusterNodes', 'DisableSagemakerServicecatalogPortfolio'),
    reason: 'Removes, stops, detaches or deregisters: attaches no network, key, role, script, image or remote access. What a principal may destroy is its identity policies\' grant; the environment retains its buckets, key, log groups and Studio home by default.',
  },
  {
    actions: sm('AddTags', 'DeleteTags'),
    reason: 'Tags. The library\'s roles may tag only at creation (`sagemaker:TaggingAction` and `aws:RequestTag` conditions in their policies); required tags are judged on the create requests (RequiredTag*). Who else may retag is the identity policies\' grant (docs/limits.md: tag tampering).',
  },
  {
    actions: sm('AddAssociation', 'AssociateTrialComponent', 'BatchPutMetrics', 'CreateAction', 'CreateArtifact', 'CreateContext', 'CreateExperiment',
      'CreateTrial', 'CreateTrialComponent', 'UpdateAction', 'UpdateArtifact', 'UpdateContext', 'UpdateExperiment', 'UpdateTrial', 'UpdateTrialComponent'),
    reason: 'Experiment and lineage metadata: records runs and their links; starts no compute and reaches no network.',
  },
  {
    actions: sm('CreateModelPackage', 'CreateModelPackageGroup', 'UpdateModelPackage', 'CreateModelCard', 'UpdateModelCard', 'CreateModelCardExportJob'),
    reason: 'Model registry and model cards: metadata and an S3 location. Nothing is served or trained until a CreateModel, CreateEndpointConfig, CreateTrainingJob or CreateTransformJob request, which the statements judge; a card export writes a PDF where the caller may write. A model package\'s optional validation runs transform jobs as the role it names: who may pass that role is the identity policies\' grant (docs/limits.md).',
  },
  {
    actions: sm('BatchAddClusterNodes', 'BatchRebootClusterNodes', 'BatchReplaceClusterNodes', 'UpdateClusterSoftware', 'StartClusterHealthCheck',
      'UpdateClusterInference', 'CreateClusterSchedulerConfig', 'UpdateClusterSchedulerConfig', 'CreateComputeQuota', 'UpdateComputeQuota'),
    reason: 'Nodes, software, health checks, inference operator, scheduling and quotas of a HyperPod cluster whose subnets, security groups and instance types CreateCluster and UpdateCluster fixed (NoSubnets, ForeignSubnets, ForeignSecurityGroups, JobTypes).',
  },
  {
    actions: sm('CreateReservedCapacity', 'CreateTrainingPlan', 'ExtendTrainingPlan'),
    reason: 'Buys capacity: billing, not access. Jobs and clusters that use it are judged on their own requests.',
  },
  {
    actions: sm('PutRecord', 'BatchWriteRecord', 'UpdateFeatureGroup', 'UpdateFeatureMetadata'),
    reason: 'Records and feature metadata of a feature group whose online and offline stores and keys CreateFeatureGroup fixed (OnlineStoreKey, OfflineStoreKey); UpdateFeatureGroup adds features or changes TTL and throughput, not the stores.',
  },
  {
    actions: sm('CreateImage', 'UpdateImage', 'UpdateImageVersion', 'CreateAppImageConfig', 'UpdateAppImageConfig'),
    reason: 'Image metadata, aliases and kernel settings. The container image itself comes only with CreateImageVersion, an unguarded action.',
  },
  {
    actions: sm('UpdateEndpoint', 'UpdateEndpointWeightsAndCapacities', 'UpdateInferenceComponentRuntimeConfig'),
    reason: 'UpdateEndpoint moves an endpoint to another endpoint config, which CreateEndpointConfig judged; the others change weights, copies and capacity.',
  },
  {
    actions: sm('CreateHub', 'UpdateHub', 'ImportHubContent', 'UpdateHubContent', 'CreateHubContentReference', 'UpdateHubContentReference', 'DeployHubModel', 'TrainHubModel'),
    reason: 'Private hubs: catalogue entries of models and notebooks. Deploying or training one is a CreateModel, CreateEndpointConfig or CreateTrainingJob request (DeployHubModel and TrainHubModel authorize the hub content in it), which the statements judge.',
  },
  {
    actions: sm('CreateHumanTaskUi', 'StartHumanLoop', 'CreateWorkteam', 'UpdateWorkteam'),
    reason: 'Human review task UIs, loops and work teams. The workforce behind a team (CreateWorkforce, unguarded) and the public crowd (PublicWorkforce) are judged.',
  },
  {
    actions: sm('RegisterDevices', 'UpdateDevices', 'SendHeartbeat', 'CreateEdgeDeploymentStage', 'StartEdgeDeploymentStage'),
    reason: 'Devices of a device fleet and stages of an edge deployment plan: the fleet and the plan are unguarded actions (CreateDeviceFleet, CreateEdgeDeploymentPlan), denied at creation.',
  },
  {
    actions: sm('StartPipelineExecution', 'RetryPipelineExecution', 'UpdatePipelineExecution', 'UpdatePipelineVersion', 'SendPipelineExecutionStepSuccess', 'SendPipelineExecutionStepFailure'),
    reason: 'Runs or steers a pipeline that CreatePipeline, an unguarded action, created: with it denied there is none; where it is permitted, the steps run as the pipeline\'s role, which must carry these guardrails.',
  },
  {
    actions: sm('CreateNotebookInstanceLifecycleConfig', 'UpdateNotebookInstanceLifecycleConfig', 'CreateStudioLifecycleConfig'),
    reason: 'Alerted, not denied: SageMakerSecurityMonitoring\'s ConfigurationChange rule reports each call. A deny would bind the deployment role too (through the SCPs), and the library deploys its own scripts. Which scripts run is judged where they are attached: the notebook, domain, profile, space and app requests name only the allowed configurations (lifecycleConfigArns, ForeignNotebookLifecycleConfig, ForeignStudioLifecycleConfig).',
  },
  {
    actions: sm('StartNotebookInstance', 'StartMonitoringSchedule', 'StartInferenceExperiment', 'StartMlflowTrackingServer', 'UpdateMonitoringAlert'),
    reason: 'Starts (or retunes the alerts of) a resource whose network, keys and role its create request fixed: judged there, or denied there as an unguarded action. StartNotebookInstance is also alerted (ConfigurationChange).',
  },
  {
    actions: sm('CallMlflowAppApi', 'CallPartnerAppApi'),
    reason: 'Calls into an MLflow or Partner AI App, which CreateMlflowApp and CreatePartnerApp, unguarded actions, created.',
  },
  {
    actions: sm('CreateProject', 'UpdateProject', 'EnableSagemakerServicecatalogPortfolio'),
    reason: 'Provisions a Service Catalog product: what it creates runs as the product\'s launch role, which these guardrails bind when attached to it or through the SCPs.',
  },
  {
    actions: sm('CreateSharedModel', 'UpdateSharedModel', 'SendSharedModelEvent'),
    reason: 'Shares a model\'s description with users of the same Studio domain; its artifacts stay readable only by the roles already granted.',
  },
  {
    actions: sm('CreateAIWorkloadConfig', 'CompleteRollout', 'UpdateReward', 'Sample', 'SampleWithResponseStream'),
    reason: 'Configures AI benchmark and recommendation jobs (unguarded actions), or steers and samples a running model customization job, whose network and output key CreateJob fixed (NoSubnets, OutputKey).',
  },
];
