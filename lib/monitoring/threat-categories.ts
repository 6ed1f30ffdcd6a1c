/**
 * The threat categories of the AWS incident response playbook for SageMaker ("Incident Response
 * Playbook: Responding to SageMaker Security Events", in the AWS Customer Playbook Framework),
 * each watched by one EventBridge rule of `SageMakerSecurityMonitoring`.
 *
 * The playbook lists several API calls under more than one category (`CreateTrainingJob` is
 * poisoning, resource misuse, denial of service and cryptojacking). Each call is watched by one
 * rule only, so one call raises one alert; RUNBOOK.md lists every playbook category a call may
 * mean.
 */
export enum SageMakerThreatCategory {
  /** Reading model packages and training job details (read-only calls; opt-in). */
  DATA_EXFILTRATION = 'DataExfiltration',
  /** New or changed model packages, batch transforms and training jobs (also: malware in model packages). */
  DATA_POISONING = 'DataPoisoning',
  /** New or changed endpoints (also: denial of service). */
  RESOURCE_MISUSE = 'ResourceMisuse',
  /** New compute: notebook instances, training and tuning jobs (also: malware deployment, denial of service). */
  CRYPTOJACKING = 'Cryptojacking',
  /** Lifecycle configurations (notebook and Studio), endpoint configurations, and rewritten Studio domains, profiles and spaces. */
  CONFIGURATION_CHANGE = 'ConfigurationChange',
  /**
   * Jobs stopped; CloudTrail, CloudWatch Logs, AWS Config and flow logs switched off or deleted;
   * the alerting itself silenced (rules disabled, deleted or emptied, subscribers removed, the
   * topic or dead-letter queue deleted or purged); keys disabled, deleted or re-policied.
   */
  LOG_TAMPERING = 'LogTampering',
  /** Presigned notebook and Studio URLs (and, opt-in, notebook instance details). */
  CREDENTIAL_THEFT = 'CredentialTheft',
  /** Permission changes on the watched roles. */
  ROLE_CHANGE = 'RoleChange',
}

/** One EventBridge rule's worth of CloudTrail events. */
export interface CategoryEvents {
  /** `source` values of the pattern. */
  readonly sources: string[];
  /** Write (mutating) API calls: always delivered to EventBridge. */
  readonly eventNames: string[];
  /** Read-only calls (Describe*): delivered only to rules enabled for all management events. */
  readonly readOnlyEventNames: string[];
}

/**
 * The API calls of each category, from the playbook's "CloudTrail events" section.
 *
 * Left out on purpose: `GetModelPackageModelMetrics` and `PutModelPackageModelMetrics` (named by
 * the playbook but not SageMaker API operations), `UpdateEndpointConfig` (no such operation:
 * endpoint configurations are immutable), and IAM `CreateRole`/`UpdateRole` on any role (the
 * ROLE_CHANGE rule watches the given roles instead).
 */
export const CATEGORY_EVENTS: Record<Exclude<SageMakerThreatCategory, SageMakerThreatCategory.ROLE_CHANGE>, CategoryEvents> = {
  [SageMakerThreatCategory.DATA_EXFILTRATION]: {
    sources: ['aws.sagemaker'],
    eventNames: [],
    readOnlyEventNames: ['DescribeModelPackage', 'DescribeTrainingJob'],
  },
  [SageMakerThreatCategory.DATA_POISONING]: {
    sources: ['aws.sagemaker'],
    eventNames: ['CreateModelPackage', 'UpdateModelPackage', 'CreateTransformJob', 'UpdateTrainingJob'],
    readOnlyEventNames: [],
  },
  [SageMakerThreatCategory.RESOURCE_MISUSE]: {
    sources: ['aws.sagemaker'],
    eventNames: ['CreateEndpoint', 'UpdateEndpoint'],
    readOnlyEventNames: [],
  },
  [SageMakerThreatCategory.CRYPTOJACKING]: {
    sources: ['aws.sagemaker'],
    eventNames: ['CreateNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance', 'CreateTrainingJob', 'CreateHyperParameterTuningJob'],
    readOnlyEventNames: [],
  },
  [SageMakerThreatCategory.CONFIGURATION_CHANGE]: {
    sources: ['aws.sagemaker'],
    eventNames: [
      'CreateNotebookInstanceLifecycleConfig', 'UpdateNotebookInstanceLifecycleConfig', 'DeleteNotebookInstanceLifecycleConfig',
      'DeleteNotebookInstance', 'CreateEndpointConfig',
      // Persistence in other users' compute: a Studio lifecycle configuration (runs in every app of
      // the domain, profile or space that names it), or a profile's or space's settings rewritten
      // (another execution role, security groups, images, remote access)
      'CreateStudioLifecycleConfig', 'UpdateDomain', 'UpdateUserProfile', 'UpdateSpace',
    ],
    readOnlyEventNames: [],
  },
  [SageMakerThreatCategory.LOG_TAMPERING]: {
    sources: ['aws.sagemaker', 'aws.cloudtrail', 'aws.logs', 'aws.config', 'aws.events', 'aws.sns', 'aws.sqs', 'aws.ec2', 'aws.kms', 'aws.route53resolver'],
    eventNames: [
      // SageMaker (playbook)
      'StopTrainingJob',
      'StopTransformJob',
      // CloudTrail
      'StopLogging',
      'DeleteTrail',
      'UpdateTrail',
      'PutEventSelectors',
      // CloudWatch Logs
      'DeleteLogGroup',
      'DeleteLogStream',
      'PutRetentionPolicy',
      'DisassociateKmsKey',
      // AWS Config
      'StopConfigurationRecorder',
      'DeleteConfigurationRecorder',
      'DeleteDeliveryChannel',
      // The alerting itself: rules switched off or emptied, subscribers removed, the topic or the
      // dead-letter queue deleted or purged
      'DisableRule',
      'DeleteRule',
      'RemoveTargets',
      'Unsubscribe',
      'DeleteTopic',
      'PurgeQueue',
      'DeleteQueue',
      // Flow logs, and the DNS Firewall that keeps DNS tunnelling out
      'DeleteFlowLogs',
      'DisassociateFirewallRuleGroup',
      'UpdateFirewallRuleGroupAssociation',
      'UpdateFirewallRule',
      'DeleteFirewallRule',
      'UpdateFirewallDomains',
      // Keys: a disabled, deleted or re-policied key stops every service that encrypts with it
      'DisableKey',
      'ScheduleKeyDeletion',
      'PutKeyPolicy',
      'DisableKeyRotation',
    ],
    readOnlyEventNames: [],
  },
  [SageMakerThreatCategory.CREDENTIAL_THEFT]: {
    sources: ['aws.sagemaker'],
    eventNames: ['CreatePresignedNotebookInstanceUrl', 'CreatePresignedDomainUrl'],
    readOnlyEventNames: ['DescribeNotebookInstance'],
  },
};

/**
 * IAM calls that change what a role may do or who may assume it. Tag changes count: the shared
 * notebook and Studio policies name each role's own resources through its tags.
 */
export const ROLE_CHANGE_EVENTS = [
  'PutRolePolicy',
  'DeleteRolePolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'UpdateAssumeRolePolicy',
  'PutRolePermissionsBoundary',
  'DeleteRolePermissionsBoundary',
  'UpdateRole',
  'DeleteRole',
  'TagRole',
  'UntagRole',
];
