import { Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { isEcrImageUri, isEcrTagOrDigest } from '../private/ecr-images';

/**
 * The container image a `SecureTrainingJob` runs.
 *
 * Either an image in one of your ECR repositories (the training role may pull from that repository
 * only) or an AWS Deep Learning Container / built-in algorithm image, which SageMaker pulls from the
 * AWS-owned registry itself (the training role gets no ECR permission at all).
 */
export class TrainingImage {
  /**
   * An image in an ECR repository of yours. The training role may pull from this repository only,
   * and the job security group reaches the ECR interface endpoints.
   *
   * @param repository the repository
   * @param tagOrDigest an image tag (`v1.2`) or digest (`sha256:...`), 'latest' when omitted; pin a digest for reproducible runs
   */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest: string = 'latest'): TrainingImage {
    const uri = tagOrDigest.startsWith('sha256:') ? repository.repositoryUriForDigest(tagOrDigest) : repository.repositoryUriForTag(tagOrDigest);
    return new TrainingImage(uri, repository, tagOrDigest);
  }

  /**
   * An AWS Deep Learning Container or built-in algorithm image, by its full URI, for example
   * `763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311`.
   * SageMaker pulls it from the AWS-owned registry; the training role needs no ECR permission.
   *
   * @param imageUri the image URI, with a tag or digest
   */
  public static fromDeepLearningContainer(imageUri: string): TrainingImage {
    return new TrainingImage(imageUri, undefined);
  }

  /**
   * @param imageUri the image URI the job runs
   * @param repository the ECR repository of yours the image is in, if any
   */
  private constructor(public readonly imageUri: string, public readonly repository?: ecr.IRepository, private readonly tagOrDigest?: string) {}

  /**
   * Why the image URI is unusable, or undefined when it is fine (or a token).
   * @internal
   */
  public _problem(): string | undefined {
    if (this.repository) {
      const tag = this.tagOrDigest;
      return tag === undefined || Token.isUnresolved(tag) || isEcrTagOrDigest(tag)
        ? undefined
        : `tag '${tag}' of \`TrainingImage.fromEcrRepository\` is neither an ECR tag nor a 'sha256:<64 hex>' digest`;
    }
    if (Token.isUnresolved(this.imageUri)) {
      return undefined;
    }
    return isEcrImageUri(this.imageUri)
      ? undefined
      : `'${this.imageUri}' is not an ECR image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>, at most 255 characters)`;
  }
}
