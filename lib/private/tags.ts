/**
 * AWS's tag rules (the SageMaker API's, and those of every service that takes `Tags`): keys of 1
 * to 128 and values of 0 to 256 Unicode letters, digits, whitespace and `_ . : / = + - @`; keys
 * starting with `aws:` (any case) are reserved for AWS.
 */

/** A tag key AWS accepts from a user: 1-128 characters, not starting with `aws:`. */
export const TAG_KEY_PATTERN = /^(?![aA][wW][sS]:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/** A tag value AWS accepts: 0-256 characters. */
export const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** What `TAG_KEY_PATTERN` accepts, for messages. */
export const TAG_KEY_RULE = "1-128 letters, digits, spaces and _.:/=+-@, not starting with the reserved 'aws:'";

/** What `TAG_VALUE_PATTERN` accepts, for messages. */
export const TAG_VALUE_RULE = '0-256 letters, digits, spaces and _.:/=+-@';

/** True for a key with the reserved `aws:` prefix (any case). */
export function isReservedTagKey(key: string): boolean {
  return key.toLowerCase().startsWith('aws:');
}

/** Tag on every resource of an environment and every job its workloads launch (value: the environment name). */
export const ENVIRONMENT_TAG = 'secure-sagemaker:environment';

/** Tag that marks a notebook's resources and the jobs it launches (value: the notebook name); its role may only see and stop those jobs. */
export const NOTEBOOK_OWNER_TAG = 'secure-sagemaker:notebook';

/** Tag on every job a `SecureTrainingJob` starts (value: the job name prefix); its roles act only on jobs carrying it. */
export const TRAINING_OWNER_TAG = 'secure-sagemaker:training-job';

/** Tag on every job a `SecureProcessingJob` starts (value: the job name prefix); its roles act only on jobs carrying it. */
export const PROCESSING_OWNER_TAG = 'secure-sagemaker:processing-job';

/** Tag on every tuning job a `SecureTuningJob` starts, and so on the training jobs it launches (value: the job name prefix); its roles act only on jobs carrying it. */
export const TUNING_OWNER_TAG = 'secure-sagemaker:tuning-job';

/** Tag on every transform job a `SecureTransformJob` starts and on its model (value: the job name prefix); its roles act only on jobs carrying it. */
export const TRANSFORM_OWNER_TAG = 'secure-sagemaker:transform-job';

/** Tag that marks an endpoint's resources (value: the endpoint name). */
export const ENDPOINT_OWNER_TAG = 'secure-sagemaker:endpoint';

/** Tag on every model and endpoint configuration a `SecureModelPromotion` execution creates (value: its name prefix). */
export const PROMOTION_OWNER_TAG = 'secure-sagemaker:promotion';

/** Tag that marks a Studio domain's resources and the jobs its users launch (value: the domain name). */
export const STUDIO_DOMAIN_TAG = 'secure-sagemaker:studio-domain';

/** Tag that names the Studio user behind a role (value: the user profile name): the shared policy scopes S3 prefixes with it. */
export const STUDIO_USER_TAG = 'secure-sagemaker-studio-user';

/**
 * Tags on a notebook's two roles that the environment's shared notebook policies read back as
 * policy variables (`${aws:PrincipalTag/<key>}`), so that one policy serves every notebook and
 * each role still reaches only its own notebook's resources. The keys have no ':' (like
 * `STUDIO_USER_TAG`): a policy variable names the key, and a key without a colon has one reading.
 */
export const NOTEBOOK_ROLE_TAGS = {
  /** The notebook's name: its workspace prefix, log streams, instance and jobs. */
  name: 'secure-sagemaker-notebook',
  /** The ID of the security group the notebook's jobs must use. */
  jobSecurityGroup: 'secure-sagemaker-notebook-job-group',
  /** The name of the role the notebook's jobs run as (the only role it may pass). */
  jobRole: 'secure-sagemaker-notebook-job-role',
} as const;

/**
 * Tag on the execution roles SageMaker itself uses for a workload of an environment (value: the
 * environment name): training and model roles. SageMaker may reach the buckets for them from its
 * own side (model downloads, data capture), so the buckets' VPC-endpoint restriction exempts them;
 * the roles are never handed to code that could carry their credentials out. No ':' in the key.
 */
export const EXECUTION_ROLE_TAG = 'secure-sagemaker-execution-role';

/** The policy variable that IAM fills with a principal's tag `key` at evaluation. */
export function principalTagVariable(key: string): string {
  return `\${aws:PrincipalTag/${key}}`;
}
