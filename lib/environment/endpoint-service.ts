import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * An AWS service that SageMaker workloads reach through an interface VPC endpoint.
 *
 * Workloads ask the network for the services they need (`network.requireEndpoints(...)`), so an
 * environment pays only for the endpoints its workloads use. Each service has a monthly baseline
 * cost per Availability Zone, which the security report and the benchmarks add up.
 */
export class SageMakerEndpointService {
  /** The SageMaker API (`CreateTrainingJob`, `DescribeNotebookInstance`, ...). */
  public static readonly SAGEMAKER_API = new SageMakerEndpointService('sagemaker.api', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API);
  /** The SageMaker runtime (`InvokeEndpoint`). */
  public static readonly SAGEMAKER_RUNTIME = new SageMakerEndpointService('sagemaker.runtime', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME);
  /** Notebook instance UI and Jupyter traffic (`aws.sagemaker.<region>.notebook`). */
  public static readonly NOTEBOOK = new SageMakerEndpointService('notebook', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_NOTEBOOK);
  /** SageMaker Studio UI traffic (`aws.sagemaker.<region>.studio`). */
  public static readonly STUDIO = new SageMakerEndpointService('studio', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_STUDIO);
  /** AWS STS, for SDK credential and identity calls. */
  public static readonly STS = new SageMakerEndpointService('sts', ec2.InterfaceVpcEndpointAwsService.STS);
  /** CloudWatch Logs, for container and notebook logs. */
  public static readonly LOGS = new SageMakerEndpointService('logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS);
  /** CloudWatch metrics. */
  public static readonly MONITORING = new SageMakerEndpointService('monitoring', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING);
  /** The ECR API, for image pulls. */
  public static readonly ECR_API = new SageMakerEndpointService('ecr.api', ec2.InterfaceVpcEndpointAwsService.ECR);
  /** The ECR Docker registry, for image pulls. */
  public static readonly ECR_DKR = new SageMakerEndpointService('ecr.dkr', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER);
  /** AWS KMS, for client-side use of the environment key. */
  public static readonly KMS = new SageMakerEndpointService('kms', ec2.InterfaceVpcEndpointAwsService.KMS);
  /** AWS Step Functions, for starting pipelines from inside the VPC. */
  public static readonly STEP_FUNCTIONS = new SageMakerEndpointService('states', ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS);
  /** The SageMaker Feature Store runtime (`PutRecord`, `GetRecord`: the online store). */
  public static readonly FEATURESTORE_RUNTIME = new SageMakerEndpointService(
    'featurestore-runtime',
    ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_FEATURESTORE_RUNTIME,
  );
  /** AWS CodeArtifact API, for a private package repository (there is no internet). */
  public static readonly CODEARTIFACT_API = new SageMakerEndpointService('codeartifact.api', ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_API);
  /** AWS CodeArtifact repositories, for pip/conda through the private repository. */
  public static readonly CODEARTIFACT_REPOSITORIES = new SageMakerEndpointService(
    'codeartifact.repositories',
    ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_REPOSITORIES,
  );

  /**
   * Any other interface endpoint service.
   *
   * @param name a short name, unique per service, used in construct IDs and in the report
   * @param service the AWS service
   */
  public static of(name: string, service: ec2.InterfaceVpcEndpointAwsService): SageMakerEndpointService {
    return new SageMakerEndpointService(name, service);
  }

  /**
   * @param name short name of the service, for example `sagemaker.api`
   * @param service the interface endpoint service
   */
  private constructor(public readonly name: string, public readonly service: ec2.InterfaceVpcEndpointAwsService) {}
}
