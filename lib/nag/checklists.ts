/**
 * The public SageMaker checklists (AWS Security Hub CSPM controls, AWS Config managed rules,
 * Prowler checks, Checkov checks) mapped to what enforces each check at synth time: rules of the
 * SageMakerSecurity pack, rules of the generic cdk-nag packs `SageMakerCompliance.applyTo` runs
 * with it, or the reason a template cannot show it. RULES.md renders these tables
 * (lib/nag/rules-doc.ts); test/nag/checklists.test.ts checks every rule named here exists and is
 * tested with a compliant and a non-compliant resource. Internal: not exported from the package.
 *
 * Only the IDs and titles of the checks are taken from the public lists (Prowler and Checkov are
 * Apache-2.0); the mapping and the reasons are this project's.
 */

/** One check of a public checklist. */
export interface ChecklistRow {
  /** The check's ID as its list names it (`SageMaker.1`, `sagemaker-model-in-vpc`, `CKV_AWS_22`). */
  readonly id: string;
  /** The check's title as its list gives it (AWS Config rules: what the rule checks, in short). */
  readonly title: string;
  /** The SageMakerSecurity rules (full rule IDs) that enforce the check. */
  readonly rules?: readonly string[];
  /** Rules (full rule IDs) of the generic cdk-nag packs `SageMakerCompliance.applyTo` also runs that enforce it. */
  readonly packRules?: readonly string[];
  /** Why the check cannot be made on a template (run-time state, an account setting, a resource outside CloudFormation). */
  readonly notCheckable?: string;
  /** Why a check that a template could show is deliberately not a rule of the pack. */
  readonly notEnforced?: string;
  /** Where the coverage differs from the check (stricter, narrower, a parameter not read). */
  readonly note?: string;
}

/** A public checklist. */
export interface Checklist {
  /** RULES.md heading. */
  readonly title: string;
  /** Where the list comes from (Markdown). */
  readonly source: string;
  readonly rows: readonly ChecklistRow[];
}

const our = (...ids: string[]) => ids.map((id) => `SageMakerSecurity-${id}`);

/** cdk-nag rules that flag notebook instances without a KMS key (SageMakerNotebookInstanceKMSKeyConfigured). */
const NOTEBOOK_KMS_PACK_RULES = [
  'AwsSolutions-SM2',
  'HIPAA.Security-SageMakerNotebookInstanceKMSKeyConfigured',
  'NIST.800.53.R5-SageMakerNotebookInstanceKMSKeyConfigured',
  'PCI.DSS.321-SageMakerNotebookInstanceKMSKeyConfigured',
];
/** cdk-nag rules that flag notebook instances with direct internet access (SageMakerNotebookNoDirectInternetAccess). */
const NOTEBOOK_INTERNET_PACK_RULES = [
  'AwsSolutions-SM3',
  'HIPAA.Security-SageMakerNotebookNoDirectInternetAccess',
  'NIST.800.53.R5-SageMakerNotebookNoDirectInternetAccess',
  'PCI.DSS.321-SageMakerNotebookNoDirectInternetAccess',
];
/** cdk-nag's rule that flags notebook instances outside a VPC (SageMakerNotebookInVPC). */
const NOTEBOOK_VPC_PACK_RULES = ['AwsSolutions-SM1'];
/** cdk-nag rules that flag endpoint configs without a KMS key (SageMakerEndpointConfigurationKMSKeyConfigured; not NVMe-aware). */
const ENDPOINT_CONFIG_KMS_PACK_RULES = [
  'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured',
  'NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured',
  'PCI.DSS.321-SageMakerEndpointConfigurationKMSKeyConfigured',
];

const ISOLATION = our('MonitoringJobNetworkIsolation');
const ENCRYPTION_IN_TRANSIT = our('MonitoringJobInterContainerEncryption');
const TAGGED = our('SageMakerResourceTagged');
const TAG_KEYS_NOTE = 'The `requiredKeyTags` parameter (the tag keys an account requires) is an account setting and is not read: the rule asks for one tag of the resource\'s own.';
const PRIVATE_REGISTRY = 'the check asks for `ImageConfig.RepositoryAccessMode: Vpc`, which the SageMaker API reserves for images in a private Docker registry in the VPC; '
  + 'images in Amazon ECR, which this library uses and pulls through the environment\'s ECR interface endpoints, must use `Platform` (ImageConfig in the SageMaker API '
  + 'Reference). A rule would forbid ECR images.';
const NVME_NOTE = 'SageMakerSecurity-EndpointConfigKMSKey passes a config without `KmsKeyId` whose variants all use local NVMe storage, for which CreateEndpointConfig rejects a key.';
const RUN_TIME_JOBS = 'Training jobs exist only at run time: the rules judge the requests of the state machines and pipelines of the template; jobs started from a notebook or '
  + 'the SDK are not in any template.';

/** AWS Security Hub CSPM controls for SageMaker AI. */
export const SECURITY_HUB_CHECKLIST: Checklist = {
  title: 'AWS Security Hub CSPM controls',
  source: 'AWS Security Hub User Guide, [Security Hub CSPM controls for SageMaker AI](https://docs.aws.amazon.com/securityhub/latest/userguide/sagemaker-controls.html) '
    + '(SageMaker.1 to SageMaker.25).',
  rows: [
    { id: 'SageMaker.1', title: 'Amazon SageMaker notebook instances should not have direct internet access', packRules: NOTEBOOK_INTERNET_PACK_RULES },
    { id: 'SageMaker.2', title: 'SageMaker notebook instances should be launched in a custom VPC', packRules: NOTEBOOK_VPC_PACK_RULES },
    { id: 'SageMaker.3', title: 'Users should not have root access to SageMaker notebook instances', rules: our('NotebookRootAccessDisabled') },
    { id: 'SageMaker.4', title: 'SageMaker endpoint production variants should have an initial instance count greater than 1', rules: our('EndpointConfigMultiInstance') },
    { id: 'SageMaker.5', title: 'SageMaker models should have network isolation enabled', rules: our('ModelNetworkIsolation') },
    { id: 'SageMaker.6', title: 'SageMaker app image configurations should be tagged', rules: TAGGED, note: TAG_KEYS_NOTE },
    { id: 'SageMaker.7', title: 'SageMaker images should be tagged', rules: TAGGED, note: TAG_KEYS_NOTE },
    { id: 'SageMaker.8', title: 'SageMaker notebook instances should run on supported platforms', rules: our('NotebookCurrentPlatform') },
    { id: 'SageMaker.9', title: 'SageMaker data quality job definitions should have inter-container traffic encryption enabled', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'SageMaker.10', title: 'SageMaker model explainability job definitions should have inter-container traffic encryption enabled', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'SageMaker.11', title: 'SageMaker data quality job definitions should have network isolation enabled', rules: ISOLATION },
    { id: 'SageMaker.12', title: 'SageMaker model bias job definitions should have network isolation enabled', rules: ISOLATION },
    { id: 'SageMaker.13', title: 'SageMaker model quality job definitions should have inter-container traffic encryption enabled', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'SageMaker.14', title: 'SageMaker monitoring schedules should have network isolation enabled', rules: ISOLATION },
    {
      id: 'SageMaker.15',
      title: 'SageMaker model bias job definitions should have inter-container traffic encryption enabled',
      rules: ENCRYPTION_IN_TRANSIT,
      note: 'Stricter: the control skips definitions with one instance; the rule asks for encryption whatever the instance count.',
    },
    { id: 'SageMaker.16', title: 'SageMaker models should use private registry in VPC for primary containers', notEnforced: PRIVATE_REGISTRY },
    { id: 'SageMaker.17', title: 'SageMaker feature group offline stores should be encrypted with AWS KMS keys', rules: our('FeatureGroupKMSKeys') },
    { id: 'SageMaker.18', title: 'SageMaker feature group online stores with standard storage should be encrypted with AWS KMS keys', rules: our('FeatureGroupKMSKeys') },
    { id: 'SageMaker.19', title: 'SageMaker models should use private registry in VPC for multi-container inference pipelines', notEnforced: PRIVATE_REGISTRY },
    { id: 'SageMaker.20', title: 'SageMaker model explainability job definitions should have network isolation enabled', rules: ISOLATION },
    { id: 'SageMaker.21', title: 'SageMaker notebook instances should be encrypted with customer managed AWS KMS keys', packRules: NOTEBOOK_KMS_PACK_RULES },
    { id: 'SageMaker.22', title: 'SageMaker monitoring schedules should have inter-container traffic encryption enabled', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'SageMaker.23', title: 'SageMaker inference experiments should have instance storage volume encrypted with customer managed AWS KMS keys', rules: our('InferenceExperimentKMSKeys') },
    { id: 'SageMaker.24', title: 'SageMaker inference experiments should have data storage encrypted with customer managed AWS KMS keys', rules: our('InferenceExperimentKMSKeys') },
    { id: 'SageMaker.25', title: 'SageMaker model quality job definitions should have network isolation enabled', rules: ISOLATION },
  ],
};

/** AWS Config managed rules whose names start `sagemaker-`. */
export const AWS_CONFIG_CHECKLIST: Checklist = {
  title: 'AWS Config managed rules',
  source: 'AWS Config Developer Guide, [List of AWS Config Managed Rules](https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html): '
    + 'the rules whose names start `sagemaker-`.',
  rows: [
    { id: 'sagemaker-app-image-config-tagged', title: 'App image configs have tags', rules: TAGGED, note: TAG_KEYS_NOTE },
    { id: 'sagemaker-data-quality-job-encrypt-in-transit', title: 'Data quality job definitions encrypt inter-container traffic', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'sagemaker-data-quality-job-isolation', title: 'Data quality job definitions have network isolation', rules: ISOLATION },
    { id: 'sagemaker-domain-in-vpc', title: 'Domains use a customer VPC for non-EFS traffic (AppNetworkAccessType VpcOnly)', rules: our('DomainVpcOnly') },
    { id: 'sagemaker-domain-tagged', title: 'Domains have tags', rules: TAGGED, note: TAG_KEYS_NOTE },
    { id: 'sagemaker-endpoint-config-kms-key-required', title: 'Endpoint configs set a customer managed KmsKeyId', rules: our('EndpointConfigKMSKey'), note: NVME_NOTE },
    { id: 'sagemaker-endpoint-config-prod-instance-count', title: 'Production variants have an initial instance count greater than 1', rules: our('EndpointConfigMultiInstance') },
    {
      id: 'sagemaker-endpoint-configuration-kms-key-configured',
      title: 'Endpoint configs have a KMS key configured',
      rules: our('EndpointConfigKMSKey'),
      packRules: ENDPOINT_CONFIG_KMS_PACK_RULES,
      note: `${NVME_NOTE} The \`kmsKeyArns\` parameter (the keys an account allows) is an account setting and is not read.`,
    },
    { id: 'sagemaker-feature-group-tagged', title: 'Feature groups have tags', rules: TAGGED, note: TAG_KEYS_NOTE },
    { id: 'sagemaker-featuregroup-description', title: 'Feature groups have a description', rules: our('FeatureGroupDescription') },
    { id: 'sagemaker-featuregroup-encryption-at-rest', title: 'Feature group offline stores are encrypted with a KMS key', rules: our('FeatureGroupKMSKeys') },
    { id: 'sagemaker-featuregroup-online-store-encryption', title: 'Feature group online stores with standard storage are encrypted with a KMS key', rules: our('FeatureGroupKMSKeys') },
    { id: 'sagemaker-image-tagged', title: 'Images have tags', rules: TAGGED, note: TAG_KEYS_NOTE },
    { id: 'sagemaker-inf-experiment-data-storage-kms-encrypted', title: 'Inference experiments that capture data encrypt it with a customer managed key', rules: our('InferenceExperimentKMSKeys') },
    { id: 'sagemaker-inf-experiment-instance-storage-kms-encrypted', title: 'Inference experiments encrypt instance storage with a KMS key', rules: our('InferenceExperimentKMSKeys') },
    { id: 'sagemaker-model-bias-job-encrypt-in-transit', title: 'Model bias job definitions encrypt inter-container traffic', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'sagemaker-model-bias-job-isolation', title: 'Model bias job definitions have network isolation', rules: ISOLATION },
    { id: 'sagemaker-model-explainability-job-encrypt-in-transit', title: 'Model explainability job definitions encrypt inter-container traffic', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'sagemaker-model-explainability-job-network-isolation', title: 'Model explainability job definitions have network isolation', rules: ISOLATION },
    { id: 'sagemaker-model-in-vpc', title: 'Models use a VPC for container traffic', rules: our('ModelInVPC') },
    { id: 'sagemaker-model-isolation-enabled', title: 'Hosted models have network isolation enabled', rules: our('ModelNetworkIsolation') },
    { id: 'sagemaker-model-multicontainer-private-registry', title: 'Multi-container models pull images from a private registry in a VPC', notEnforced: PRIVATE_REGISTRY },
    { id: 'sagemaker-model-private-registry-required', title: 'Models pull the primary container image from a private registry in a VPC', notEnforced: PRIVATE_REGISTRY },
    { id: 'sagemaker-model-quality-job-definition-isolation', title: 'Model quality job definitions have network isolation', rules: ISOLATION },
    { id: 'sagemaker-model-quality-job-encrypt-in-transit', title: 'Model quality job definitions encrypt inter-container traffic', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'sagemaker-monitoring-schedule-isolation', title: 'Monitoring schedules have network isolation', rules: ISOLATION },
    { id: 'sagemaker-monitoring-schedule-traffic-encryption', title: 'Monitoring schedules encrypt inter-container traffic', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'sagemaker-notebook-instance-inside-vpc', title: 'Notebook instances are launched in a custom VPC', packRules: NOTEBOOK_VPC_PACK_RULES },
    { id: 'sagemaker-notebook-instance-kms-key-configured', title: 'Notebook instances have a KMS key configured', packRules: NOTEBOOK_KMS_PACK_RULES },
    { id: 'sagemaker-notebook-instance-platform-version', title: 'Notebook instances run on a supported platform', rules: our('NotebookCurrentPlatform') },
    { id: 'sagemaker-notebook-instance-root-access-check', title: 'Notebook instances do not give users root access', rules: our('NotebookRootAccessDisabled') },
    { id: 'sagemaker-notebook-instance-storage-vol-kms-encrypted', title: 'Notebook instance storage volumes are encrypted with a customer managed key', packRules: NOTEBOOK_KMS_PACK_RULES },
    { id: 'sagemaker-notebook-no-direct-internet-access', title: 'Notebook instances have no direct internet access', packRules: NOTEBOOK_INTERNET_PACK_RULES },
  ],
};

/** Prowler's SageMaker checks. */
export const PROWLER_CHECKLIST: Checklist = {
  title: 'Prowler checks',
  source: 'Prowler (Apache-2.0), `prowler/providers/aws/services/sagemaker/`: one folder per check.',
  rows: [
    {
      id: 'sagemaker_clarify_exists',
      title: 'Amazon SageMaker Clarify processing jobs exist in the region',
      notCheckable: 'it asks whether Clarify jobs have run in the Region: run-time state of the account, not a property of a resource a template defines.',
    },
    {
      id: 'sagemaker_domain_sso_configured',
      title: 'SageMaker domains use SSO authentication instead of IAM mode',
      notEnforced: '`AuthMode` is a choice of the organization, not a weakness: `SecureStudioDomain` supports both (`StudioAuthMode.IAM` by default, with presigned URLs for '
        + 'federated users, or `StudioAuthMode.SSO` with IAM Identity Center). The reviewer report shows it as the "Auth mode" row.',
    },
    { id: 'sagemaker_endpoint_config_kms_encryption_enabled', title: 'SageMaker endpoint configuration is encrypted with a KMS key', rules: our('EndpointConfigKMSKey'), packRules: ENDPOINT_CONFIG_KMS_PACK_RULES, note: NVME_NOTE },
    { id: 'sagemaker_endpoint_config_prod_variant_instances', title: 'SageMaker endpoint configuration has all production variants with at least two initial instances', rules: our('EndpointConfigMultiInstance') },
    {
      id: 'sagemaker_models_monitor_enabled',
      title: 'Amazon SageMaker has a monitoring schedule scheduled',
      notCheckable: 'it asks whether any monitoring schedule exists in the Region (account state); the schedules a template defines are judged by the MonitoringJob* rules, '
        + 'but a template cannot show that none exists elsewhere.',
    },
    { id: 'sagemaker_models_network_isolation_enabled', title: 'Amazon SageMaker model has network isolation enabled', rules: our('ModelNetworkIsolation') },
    {
      id: 'sagemaker_models_registry_in_use',
      title: 'Amazon SageMaker Model Registry should have at least one approved model package',
      notCheckable: 'approval is run-time state of the registry (UpdateModelPackage changes `ModelApprovalStatus` after deployment), not a property of a template.',
    },
    { id: 'sagemaker_models_vpc_settings_configured', title: 'Amazon SageMaker model has VPC settings enabled', rules: our('ModelInVPC') },
    { id: 'sagemaker_notebook_instance_encryption_enabled', title: 'SageMaker notebook instance is encrypted with a KMS key', packRules: NOTEBOOK_KMS_PACK_RULES },
    { id: 'sagemaker_notebook_instance_no_secrets', title: 'SageMaker notebook instance lifecycle configuration contains no hardcoded secrets', rules: our('NotebookLifecycleConfigNoSecrets'), note: 'Pattern-based: AWS keys, private keys and quoted passwords or tokens, not every kind of secret.' },
    { id: 'sagemaker_notebook_instance_root_access_disabled', title: 'Amazon SageMaker notebook instance has root access disabled', rules: our('NotebookRootAccessDisabled') },
    { id: 'sagemaker_notebook_instance_vpc_settings_configured', title: 'Amazon SageMaker notebook instance has VPC settings configured', packRules: NOTEBOOK_VPC_PACK_RULES },
    { id: 'sagemaker_notebook_instance_without_direct_internet_access_configured', title: 'Amazon SageMaker notebook instance has direct internet access disabled', packRules: NOTEBOOK_INTERNET_PACK_RULES },
    { id: 'sagemaker_training_jobs_intercontainer_encryption_enabled', title: 'Amazon SageMaker training job has inter-container traffic encryption enabled', rules: our('JobDefinitionInterContainerEncryption'), note: RUN_TIME_JOBS },
    { id: 'sagemaker_training_jobs_network_isolation_enabled', title: 'Amazon SageMaker training job has network isolation enabled', rules: our('JobDefinitionNetworkIsolation'), note: RUN_TIME_JOBS },
    { id: 'sagemaker_training_jobs_volume_and_output_encryption_enabled', title: 'Amazon SageMaker training job volume has KMS encryption enabled', rules: our('JobDefinitionKmsKeys'), note: RUN_TIME_JOBS },
    { id: 'sagemaker_training_jobs_vpc_settings_configured', title: 'Amazon SageMaker training job has VPC configuration enabled', rules: our('JobDefinitionVpc'), note: RUN_TIME_JOBS },
  ],
};

/** Checkov's SageMaker checks (CloudFormation and Terraform). */
export const CHECKOV_CHECKLIST: Checklist = {
  title: 'Checkov checks',
  source: 'Checkov (Apache-2.0), `checkov/cloudformation/checks/resource/aws/`, `checkov/terraform/checks/resource/aws/` and the graph checks: every check of a '
    + 'SageMaker resource, CloudFormation and Terraform together.',
  rows: [
    { id: 'CKV_AWS_22', title: 'Ensure SageMaker Notebook is encrypted at rest using KMS CMK', packRules: NOTEBOOK_KMS_PACK_RULES },
    { id: 'CKV_AWS_98', title: 'Ensure all data stored in the Sagemaker Endpoint is securely encrypted at rest', rules: our('EndpointConfigKMSKey'), packRules: ENDPOINT_CONFIG_KMS_PACK_RULES, note: NVME_NOTE },
    { id: 'CKV_AWS_122', title: 'Ensure that direct internet access is disabled for an Amazon SageMaker Notebook Instance', packRules: NOTEBOOK_INTERNET_PACK_RULES },
    {
      id: 'CKV_AWS_187',
      title: 'Ensure Sagemaker domain and notebook instance are encrypted by KMS using a customer managed Key (CMK)',
      rules: our('DomainKMSKey'),
      packRules: NOTEBOOK_KMS_PACK_RULES,
    },
    { id: 'CKV_AWS_306', title: 'Ensure SageMaker notebook instances should be launched into a custom VPC', packRules: NOTEBOOK_VPC_PACK_RULES },
    { id: 'CKV_AWS_307', title: 'Ensure SageMaker Users should not have root access to SageMaker notebook instances', rules: our('NotebookRootAccessDisabled') },
    { id: 'CKV_AWS_367', title: 'Ensure Amazon Sagemaker Data Quality Job uses KMS to encrypt model artifacts', rules: our('MonitoringJobKmsKeys') },
    { id: 'CKV_AWS_368', title: 'Ensure Amazon Sagemaker Data Quality Job uses KMS to encrypt data on attached storage volume', rules: our('MonitoringJobKmsKeys') },
    { id: 'CKV_AWS_369', title: 'Ensure Amazon Sagemaker Data Quality Job encrypts all communications between instances used for monitoring jobs', rules: ENCRYPTION_IN_TRANSIT },
    { id: 'CKV_AWS_370', title: 'Ensure Amazon SageMaker model uses network isolation', rules: our('ModelNetworkIsolation') },
    { id: 'CKV_AWS_371', title: 'Ensure Amazon SageMaker Notebook Instance only allows for IMDSv2', rules: our('NotebookIMDSv2') },
    {
      id: 'CKV_AWS_372',
      title: 'Ensure Amazon SageMaker Flow Definition uses KMS for output configurations',
      notCheckable: 'a flow definition (Amazon Augmented AI human review workflow, Terraform `aws_sagemaker_flow_definition`) has no CloudFormation resource type, so it is never in a template.',
    },
    { id: 'CKV2_AWS_68', title: 'Ensure SageMaker notebook instance IAM policy is not overly permissive', rules: our('NotebookRoleTrustScoped'), note: 'Checkov reads the trust policy of the notebook role; so does the rule, for a role the template defines.' },
  ],
};

/** The four checklists, in the order RULES.md shows them. */
export const CHECKLISTS: readonly Checklist[] = [SECURITY_HUB_CHECKLIST, AWS_CONFIG_CHECKLIST, PROWLER_CHECKLIST, CHECKOV_CHECKLIST];

/** How a row is covered. */
export type Coverage = 'rule' | 'pack' | 'not-checkable' | 'not-enforced';

/** How a row is covered: by a rule of this pack (with or without generic pack rules), only by generic pack rules, or not. */
export function coverageOf(row: ChecklistRow): Coverage {
  if (row.rules && row.rules.length > 0) return 'rule';
  if (row.packRules && row.packRules.length > 0) return 'pack';
  return row.notCheckable !== undefined ? 'not-checkable' : 'not-enforced';
}
