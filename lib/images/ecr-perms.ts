/**
 * The ECR action lists of `SecureImageRepository`: what its grants allow and what its repository
 * policy denies to everyone else. Exact actions only.
 */

/** Reading an image: its manifest and the download URLs of its layers (what a pull needs besides the layer check). */
export const ECR_IMAGE_READ = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** Whether layers already exist: part of both a pull and a push (`docker push` checks before uploading). */
export const ECR_LAYER_CHECK = ['ecr:BatchCheckLayerAvailability'];

/** Writing an image (a push): layer uploads and the manifest. */
export const ECR_IMAGE_WRITE = ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'];

/** Registry login; ECR supports no resource-level permissions for it (Resource `*`). */
export const ECR_AUTHORIZATION_TOKEN = ['ecr:GetAuthorizationToken'];
