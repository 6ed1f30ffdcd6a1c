/**
 * Every IAM action list the library grants, in one place, so a reviewer can read what each
 * grant allows without hunting through constructs. Exact actions only: no wildcards.
 */

/** Object reads under a prefix. */
export const S3_OBJECT_READ = ['s3:GetObject', 's3:GetObjectVersion'];

/** Object writes under a prefix (multipart uploads included). */
export const S3_OBJECT_WRITE = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];

/** Object deletion under a prefix (read/write grants only). */
export const S3_OBJECT_DELETE = ['s3:DeleteObject', 's3:DeleteObjectVersion'];

/** Bucket-level reads; `s3:ListBucket` is always narrowed with an `s3:prefix` condition. */
export const S3_BUCKET_LIST = ['s3:ListBucket'];

/** Needed by SDKs to find the bucket's Region; reveals nothing about the objects. */
export const S3_BUCKET_LOCATION = ['s3:GetBucketLocation'];

/** What S3 needs from the key to decrypt objects for a reader (SSE-KMS). */
export const KMS_DECRYPT = ['kms:Decrypt'];

/** What S3 needs from the key to encrypt new objects for a writer (SSE-KMS, multipart included). */
export const KMS_ENCRYPT_FOR_S3 = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** Object data actions denied outside the allowed VPC endpoints when a bucket is endpoint-restricted. */
export const S3_DATA_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
];

/** What the S3 gateway endpoint lets principals in the VPC do on the environment's buckets. */
export const S3_GATEWAY_ENVIRONMENT_BUCKET_ACTIONS = [
  ...S3_OBJECT_READ,
  ...S3_OBJECT_WRITE,
  ...S3_OBJECT_DELETE,
  ...S3_BUCKET_LIST,
  ...S3_BUCKET_LOCATION,
  's3:ListBucketMultipartUploads',
];

/** What the S3 gateway endpoint lets principals in the VPC do on AWS-owned buckets. */
export const S3_GATEWAY_AWS_BUCKET_ACTIONS = ['s3:GetObject'];

/** CloudWatch Logs use of the environment key, for log groups whose ARN the key policy names. */
export const KMS_FOR_CLOUDWATCH_LOGS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
];

/**
 * Administration of a key: its policy, state, deletion, rotation, aliases, tags, grants revoked,
 * replicas and key material. Only the key administrators may call these on the environment's key.
 */
export const KMS_KEY_ADMINISTRATION = [
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:RevokeGrant',
  'kms:ReplicateKey',
  'kms:UpdatePrimaryRegion',
  'kms:ImportKeyMaterial',
  'kms:DeleteImportedKeyMaterial',
];

/** Cryptographic use of a key that yields or takes data: allowed on the environment's key only through AWS services. */
export const KMS_DATA_USE = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** Grant creation for AWS resources that SageMaker creates on a caller's behalf (volumes, EFS). */
export const KMS_SAGEMAKER_GRANTS = ['kms:CreateGrant', 'kms:DescribeKey'];

/** What a service needs of a key to deliver to an encrypted SNS topic or SQS queue (CloudWatch alarms, EventBridge). */
export const KMS_FOR_SERVICE_DELIVERY = ['kms:Decrypt', 'kms:GenerateDataKey*'];

/** Reading one model artifact object (SecureEndpoint model role). */
export const S3_MODEL_ARTIFACT_READ = ['s3:GetObject'];

/** Real-time inference on an endpoint (`grantInvoke`, and the sagemaker.runtime endpoint policy). */
export const SAGEMAKER_INVOKE_ENDPOINT = ['sagemaker:InvokeEndpoint'];

/** Streamed real-time inference, granted when asked for. */
export const SAGEMAKER_INVOKE_ENDPOINT_STREAM = ['sagemaker:InvokeEndpointWithResponseStream'];

/** Every runtime invocation action the sagemaker.runtime interface endpoint admits for the environment's endpoints. */
export const SAGEMAKER_RUNTIME_ENDPOINT_POLICY_ACTIONS = [
  'sagemaker:InvokeEndpoint',
  'sagemaker:InvokeEndpointAsync',
  'sagemaker:InvokeEndpointWithResponseStream',
];

/** Container logs of a hosted model, in its pre-created log group. */
export const LOGS_WRITE_STREAMS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** What CloudWatch (through SNS) needs from a key to publish alarms to a topic encrypted with it. */
export const KMS_FOR_ENCRYPTED_SNS_PUBLISHERS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/** Custom metrics of training jobs; always narrowed with a `cloudwatch:namespace` condition. */
export const CLOUDWATCH_PUT_METRIC_DATA = ['cloudwatch:PutMetricData'];

/** Network interfaces of VPC jobs and models, managed by SageMaker with the execution role. */
export const EC2_NETWORK_INTERFACE_MANAGE = [
  'ec2:CreateNetworkInterface',
  'ec2:CreateNetworkInterfacePermission',
  'ec2:DeleteNetworkInterface',
  'ec2:DeleteNetworkInterfacePermission',
];

/** Read-only network lookups of VPC jobs and models (no resource-level permissions exist for them). */
export const EC2_NETWORK_DESCRIBE = [
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeVpcs',
  'ec2:DescribeDhcpOptions',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
];

/** What CloudWatch alarms need on the topic they notify (topic policy, scoped to the alarms' ARNs). */
export const SNS_PUBLISH = ['sns:Publish'];

/** Opening one notebook instance from the console or a browser (presigned URL), scoped to its ARN. */
export const NOTEBOOK_PRESIGNED_URL = ['sagemaker:CreatePresignedNotebookInstanceUrl', 'sagemaker:DescribeNotebookInstance'];

/** Opening Studio as one user profile (presigned URL), scoped to the profile's ARN. */
export const STUDIO_PRESIGNED_DOMAIN_URL = ['sagemaker:CreatePresignedDomainUrl'];

// ECR, for SecureImageRepository: what its grants allow and its repository policy denies to everyone else.
/** Reading an image: its manifest and the download URLs of its layers (what a pull needs besides the layer check). */
export const ECR_IMAGE_READ = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** Whether layers already exist: part of both a pull and a push (`docker push` checks before uploading). */
export const ECR_LAYER_CHECK = ['ecr:BatchCheckLayerAvailability'];

/** Writing an image (a push): layer uploads and the manifest. */
export const ECR_IMAGE_WRITE = ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'];

/** Registry login; ECR supports no resource-level permissions for it (Resource `*`). */
export const ECR_AUTHORIZATION_TOKEN = ['ecr:GetAuthorizationToken'];

/** Feature Store record reads (online store). */
export const FEATURE_STORE_READ_RECORDS = ['sagemaker:GetRecord', 'sagemaker:BatchGetRecord'];

/** Feature Store record writes and deletions. */
export const FEATURE_STORE_WRITE_RECORDS = ['sagemaker:PutRecord', 'sagemaker:DeleteRecord'];
