/**
 * What SageMaker accepts as a container image of a job or model: an ECR image URI with a tag or
 * digest, `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>(:<tag>|@sha256:<digest>)`,
 * of at most 255 characters.
 */

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>(:<tag>|@<digest>)` */
const ECR_IMAGE_URI = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** An ECR image tag (`v1.2`) or digest (`sha256:<64 hex>`). */
const ECR_TAG_OR_DIGEST = /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$/;

/** Longest image URI CreateTrainingJob and CreateModel accept. */
const MAX_IMAGE_URI_LENGTH = 255;

/** True for an ECR image URI with a tag or digest that SageMaker accepts (a literal, not a token). */
export function isEcrImageUri(uri: string): boolean {
  return uri.length <= MAX_IMAGE_URI_LENGTH && ECR_IMAGE_URI.test(uri);
}

/** True for an ECR image tag or a `sha256:` digest (a literal, not a token). */
export function isEcrTagOrDigest(tagOrDigest: string): boolean {
  return ECR_TAG_OR_DIGEST.test(tagOrDigest);
}
