import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { SageMakerEndpointService } from './endpoint-service';

/**
 * The network of a SageMaker environment, created here (`SageMakerNetwork`) or imported
 * (`SageMakerNetwork.fromNetworkAttributes`).
 */
export interface ISageMakerNetwork extends IConstruct {
  /** The VPC. */
  readonly vpc: ec2.IVpc;

  /** The subnets workloads and interface endpoints use. */
  readonly vpcSubnets: ec2.SubnetSelection;

  /** The S3 gateway endpoint workloads reach S3 through. */
  readonly s3Endpoint: ec2.IGatewayVpcEndpoint;

  /** Number of distinct Availability Zones of the workload subnets (0 when unknown at synth time). */
  readonly availabilityZoneCount: number;

  /** Short names of the interface endpoints the network's workloads use (created or reused). */
  readonly endpointServiceNames: string[];

  /** Short names of the interface endpoints this network created (resources in its stack). */
  readonly createdEndpointServiceNames: string[];

  /** Short names of the interface endpoints this network uses but did not create. */
  readonly reusedEndpointServiceNames: string[];

  /**
   * Makes sure the interface endpoints `consumer` needs exist (created once, or reused), and lets
   * `consumer` reach them on HTTPS and reach S3 through the gateway endpoint. The security-group
   * rules are created in `consumer`'s stack, so a workload in another stack adds no dependency
   * from the network's stack to its own.
   *
   * @param consumer the workload (its security groups) that calls the services
   * @param services the services it calls
   */
  requireEndpoints(consumer: ec2.IConnectable, services: SageMakerEndpointService[]): void;

  /**
   * Lets `consumer` reach S3 (HTTPS) through the gateway endpoint.
   *
   * @param consumer the workload
   */
  allowS3Through(consumer: ec2.IConnectable): void;

  /**
   * Admits a bucket in the S3 gateway endpoint's policy (objects and listing).
   *
   * @param bucket a bucket of the environment
   */
  allowBucketThroughGateway(bucket: s3.IBucket): void;

  /**
   * The interface endpoint of a service, if the network has one (created or reused).
   *
   * @param service the service
   */
  endpointFor(service: SageMakerEndpointService): ec2.IInterfaceVpcEndpoint | undefined;
}

/**
 * A locked-down bucket of a SageMaker environment, created here (`SecureBucket`) or imported
 * (`SecureBucket.fromBucketAttributes`). Grants are prefix-scoped.
 */
export interface ISecureBucket extends IConstruct {
  /** The underlying bucket, for constructs that take an `IBucket`. */
  readonly bucket: s3.IBucket;

  /** The key that encrypts the objects. */
  readonly encryptionKey: kms.IKey;

  /** Name of the bucket. */
  readonly bucketName: string;

  /** ARN of the bucket. */
  readonly bucketArn: string;

  /**
   * Lets `grantee` read objects under `prefix` (and list that prefix), decrypting through S3 only.
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix, for example `datasets/team-a/`; no wildcards
   */
  grantRead(grantee: iam.IGrantable, prefix: string): iam.Grant;

  /**
   * Lets `grantee` write (but not read or delete) objects under `prefix`.
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix; no wildcards
   */
  grantWrite(grantee: iam.IGrantable, prefix: string): iam.Grant;

  /**
   * Lets `grantee` read, write and delete objects under `prefix` (and list that prefix).
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix; no wildcards
   */
  grantReadWrite(grantee: iam.IGrantable, prefix: string): iam.Grant;

  /**
   * The S3 URI of a prefix in this bucket, for job and model definitions.
   *
   * @param prefix key prefix
   */
  s3UrlForPrefix(prefix: string): string;
}

/**
 * A SageMaker environment: network, key, buckets and naming shared by workloads. Created with
 * `new SageMakerEnvironment(...)`, or imported into another stack or app with
 * `SageMakerEnvironment.fromEnvironmentAttributes(...)`.
 */
export interface ISageMakerEnvironment extends IConstruct {
  /** Short name of the environment. */
  readonly environmentName: string;

  /** The network: VPC, subnets, endpoints. */
  readonly network: ISageMakerNetwork;

  /** The customer-managed key for everything the environment and its workloads store. */
  readonly key: kms.IKey;

  /** Training data and other inputs. */
  readonly dataBucket: ISecureBucket;

  /** Models, job outputs, captured inference data, notebook outputs. */
  readonly artifactsBucket: ISecureBucket;

  /** Every log group of the environment is named under this prefix. */
  readonly logGroupPrefix: string;

  /** Retention of the environment's log groups. */
  readonly logRetention: logs.RetentionDays;

  /** Removal policy of the data workloads create (log groups, Studio home file systems). */
  readonly removalPolicy: RemovalPolicy;

  /**
   * Creates a log group of this environment in `scope`: named under `logGroupPrefix`, encrypted
   * with the environment key, with the environment's retention and removal policy.
   *
   * @param scope the construct that owns the log group (its stack holds the log group)
   * @param id construct ID
   * @param nameSuffix what follows `<logGroupPrefix>/` in the log group name
   */
  createLogGroup(scope: Construct, id: string, nameSuffix: string): logs.ILogGroup;
}
