import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { ISecureBucket } from '../environment/interfaces';

/**
 * The inference container image of a `SecureEndpoint`.
 */
export class EndpointImage {
  /**
   * An image in an ECR repository (your own, in this account or another). The model role may pull
   * from that repository only, and the environment gets the ECR interface endpoints.
   *
   * @param repository the repository
   * @param tagOrDigest an image tag (`'1.4.2'`) or digest (`'sha256:...'`); a digest pins the exact image
   */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest: string): EndpointImage {
    return new EndpointImage(repository.repositoryUriForTagOrDigest(tagOrDigest), tagOrDigest, repository);
  }

  /**
   * An AWS Deep Learning Container (or another AWS-owned SageMaker image), by its full URI such as
   * `763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker`.
   * SageMaker pulls these images itself; the model role gets no ECR permissions.
   *
   * @param imageUri the full image URI, with a tag or digest
   */
  public static fromDlc(imageUri: string): EndpointImage {
    return new EndpointImage(imageUri, undefined, undefined);
  }

  /**
   * @param imageUri the image URI
   * @param tagOrDigest the tag or digest, for ECR images
   * @param repository the repository, for ECR images
   */
  private constructor(
    /** The image URI SageMaker pulls. */
    public readonly imageUri: string,
    /** The tag or digest, for images from `fromEcrRepository`. */
    public readonly tagOrDigest?: string,
    /** The repository, for images from `fromEcrRepository`. */
    public readonly repository?: ecr.IRepository,
  ) {}
}

/**
 * The model artifact (`model.tar.gz`) of a `SecureEndpoint`: one object in a `SecureBucket`.
 * The model role may read that object and no other.
 */
export class ModelData {
  /**
   * An object in a `SecureBucket` (or another `ISecureBucket`, such as one imported from another stack).
   *
   * @param bucket the bucket, such as the environment's artifacts bucket
   * @param key the object key of the compressed model artifact, such as `models/churn/v3/model.tar.gz`
   */
  public static fromBucket(bucket: ISecureBucket, key: string): ModelData {
    return new ModelData(bucket, key);
  }

  /**
   * The output of a SageMaker training run: `<outputPrefix><trainingJobName>/output/model.tar.gz`,
   * where SageMaker writes the model of a job whose `OutputDataConfig.S3OutputPath` is the prefix.
   *
   * @param bucket the bucket the job wrote to
   * @param outputPrefix the key prefix of the job's `S3OutputPath`, such as `training/churn/`
   * @param trainingJobName the name of the training job
   */
  public static fromTrainingOutput(bucket: ISecureBucket, outputPrefix: string, trainingJobName: string): ModelData {
    const prefix = outputPrefix === '' || outputPrefix.endsWith('/') ? outputPrefix : `${outputPrefix}/`;
    return new ModelData(bucket, `${prefix}${trainingJobName}/output/model.tar.gz`);
  }

  /**
   * @param bucket the bucket
   * @param key the object key
   */
  private constructor(
    /** The bucket that holds the artifact. */
    public readonly bucket: ISecureBucket,
    /** The object key of the artifact. */
    public readonly key: string,
  ) {}
}
