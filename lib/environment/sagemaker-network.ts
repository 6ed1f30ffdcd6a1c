import { Annotations, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SageMakerEndpointService } from './endpoint-service';
import { allowLogGroupsToUseKey } from './key-policy';
import { SageMakerWorkloadRole } from './workload-role';
import { validationError } from '../private/errors';
import * as perms from '../private/perms';

/**
 * Properties of a `SageMakerNetwork`.
 */
export interface SageMakerNetworkProps {
  /**
   * The key that encrypts the VPC flow log group.
   */
  readonly encryptionKey: kms.IKey;

  /**
   * An existing VPC to place workloads in, instead of creating an isolated one.
   *
   * @default - a new VPC with private isolated subnets only (no internet or NAT gateway)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Which subnets of `vpc` workloads and endpoints use. Public subnets are rejected.
   *
   * @default - the private isolated subnets of the VPC
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * IP range of the VPC this construct creates. Ignored with `vpc`.
   *
   * @default - 10.42.0.0/16
   */
  readonly ipAddresses?: ec2.IIpAddresses;

  /**
   * Availability Zones of the VPC this construct creates (at least 2). Ignored with `vpc`.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * How long VPC flow logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * Name prefix of the log groups this network creates; the environment key admits CloudWatch
   * Logs for log groups under this prefix only.
   *
   * @default - `/secure-sagemaker/<unique id of this construct>`
   */
  readonly logGroupPrefix?: string;

  /**
   * ID of the S3 managed prefix list of the Region (`com.amazonaws.<region>.s3`, `pl-...`).
   * With it, workload security groups allow HTTPS egress only to S3 through the gateway endpoint;
   * without it they allow HTTPS egress to any address, which in isolated subnets only reaches
   * VPC-local addresses and S3 through the gateway (there is no other route).
   *
   * @default - HTTPS egress to 0.0.0.0/0 (no route leaves the VPC except through the S3 gateway)
   */
  readonly s3PrefixListId?: string;

  /**
   * What happens to the flow log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The network of a SageMaker environment: an isolated VPC (or an existing one), the interface
 * endpoints its workloads need, and an S3 gateway endpoint with a policy.
 *
 * - no internet gateway, no NAT gateway: private isolated subnets in 2+ Availability Zones
 * - DNS support and hostnames on (private DNS for interface endpoints)
 * - the default security group has no rules
 * - flow logs of all traffic to a KMS-encrypted, retained log group
 * - interface endpoints are created on demand, once each, with private DNS and one security group
 *   that admits HTTPS only from the workloads that asked for them
 * - the S3 gateway endpoint allows only the environment's buckets and the AWS-owned buckets ECR
 *   image layers and Amazon Linux packages come from
 */
export class SageMakerNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;

  /** The subnets workloads and interface endpoints use. */
  public readonly vpcSubnets: ec2.SubnetSelection;

  /** The security group of every interface endpoint. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;

  /** The S3 gateway endpoint. */
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;

  /** The flow log group, when this construct created the VPC. */
  public readonly flowLogGroup?: logs.LogGroup;

  private readonly endpoints = new Map<string, ec2.InterfaceVpcEndpoint>();
  private readonly registeredConsumers = new Set<string>();
  private readonly s3Consumers = new Set<string>();
  private environmentBucketsStatement?: iam.PolicyStatement;
  private readonly s3PrefixListId?: string;
  private readonly subnetAzCount: number;

  constructor(scope: Construct, id: string, props: SageMakerNetworkProps) {
    super(scope, id);

    const maxAzs = props.maxAzs ?? 2;
    if (!Token.isUnresolved(maxAzs) && (!Number.isInteger(maxAzs) || maxAzs < 2)) {
      throw validationError(
        this,
        'TooFewAzs',
        `\`maxAzs\` is ${maxAzs}: the network needs at least 2 Availability Zones so that endpoints and multi-instance endpoints survive the loss of one. Set \`maxAzs\` to 2 or more.`,
      );
    }
    if (props.vpcSubnets && !props.vpc) {
      throw validationError(
        this,
        'SubnetsWithoutVpc',
        '`vpcSubnets` selects subnets of an existing VPC but `vpc` is not set. Pass `vpc` too, or drop `vpcSubnets` to get a new isolated VPC.',
      );
    }
    this.s3PrefixListId = props.s3PrefixListId;
    const logGroupPrefix = props.logGroupPrefix ?? `/secure-sagemaker/${Names.uniqueResourceName(this, { maxLength: 64, separator: '-' })}`;

    if (props.vpc) {
      this.vpc = props.vpc;
      this.vpcSubnets = this.validateSubnets(props.vpc, props.vpcSubnets);
      Annotations.of(this).addInfo(
        'Existing VPC: flow logs, DNS settings and the absence of internet routes are the responsibility of the VPC owner; the SageMakerSecurity pack checks them only for resources in this app.',
      );
    } else {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        ipAddresses: props.ipAddresses ?? ec2.IpAddresses.cidr('10.42.0.0/16'),
        maxAzs,
        natGateways: 0,
        createInternetGateway: false,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        restrictDefaultSecurityGroup: true,
        subnetConfiguration: [
          { name: 'workloads', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
        ],
      });
      this.vpc = vpc;
      this.vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

      this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
        logGroupName: `${logGroupPrefix}/vpc-flow-logs`,
        encryptionKey: props.encryptionKey,
        retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      allowLogGroupsToUseKey(this, props.encryptionKey, [`${logGroupPrefix}/*`]);
      // The delivery role keeps its permissions in a customer-managed policy, like every role here.
      const flowLogRole = new SageMakerWorkloadRole(this, 'FlowLogRole', {
        assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
        description: 'Delivers the VPC flow logs of the SageMaker environment to its log group',
      });
      vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
    }
    this.subnetAzCount = this.countAzs();

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints of the SageMaker environment: HTTPS from registered workloads only',
      allowAllOutbound: false,
    });

    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Gateway', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.vpcSubnets],
    });
    const region = Stack.of(this).region;
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AwsOwnedBuckets',
        principals: [new iam.AnyPrincipal()],
        actions: perms.S3_GATEWAY_AWS_BUCKET_ACTIONS,
        resources: [
          // ECR stores image layers here; image pulls go through the gateway.
          `arn:${Stack.of(this).partition}:s3:::prod-${region}-starport-layer-bucket/*`,
          // Amazon Linux 2 and 2023 package repositories used by notebook instances and Studio images.
          `arn:${Stack.of(this).partition}:s3:::amazonlinux-2-repos-${region}/*`,
          `arn:${Stack.of(this).partition}:s3:::al2023-repos-${region}-de612dc2/*`,
        ],
      }),
    );
  }

  /** Short names of the interface endpoints this network has, in creation order. */
  public get endpointServiceNames(): string[] {
    return Array.from(this.endpoints.keys());
  }

  /**
   * Adds the interface endpoints `consumer` needs (each at most once per network) and lets
   * `consumer` reach them on HTTPS, and reach S3 through the gateway endpoint.
   *
   * @param consumer the workload (its security groups) that calls the services
   * @param services the services it calls
   */
  public requireEndpoints(consumer: ec2.IConnectable, services: SageMakerEndpointService[]): void {
    for (const s of services) {
      if (!this.endpoints.has(s.name)) {
        const endpoint = new ec2.InterfaceVpcEndpoint(this, `Endpoint-${s.name}`, {
          vpc: this.vpc,
          service: s.service,
          privateDnsEnabled: true,
          subnets: this.vpcSubnets,
          securityGroups: [this.endpointSecurityGroup],
          open: false,
        });
        this.endpoints.set(s.name, endpoint);
      }
    }
    for (const sg of consumer.connections.securityGroups) {
      if (this.registeredConsumers.has(sg.node.path)) {
        continue;
      }
      this.registeredConsumers.add(sg.node.path);
      this.endpointSecurityGroup.connections.allowFrom(sg, ec2.Port.tcp(443), 'HTTPS from a registered SageMaker workload');
    }
    this.allowS3Through(consumer);
  }

  /**
   * Lets `consumer` reach S3 (HTTPS) through the gateway endpoint.
   *
   * @param consumer the workload
   */
  public allowS3Through(consumer: ec2.IConnectable): void {
    for (const sg of consumer.connections.securityGroups) {
      if (this.s3Consumers.has(sg.node.path)) {
        continue;
      }
      this.s3Consumers.add(sg.node.path);
      const peer = this.s3PrefixListId ? ec2.Peer.prefixList(this.s3PrefixListId) : ec2.Peer.anyIpv4();
      sg.addEgressRule(peer, ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');
    }
  }

  /**
   * Admits a bucket in the S3 gateway endpoint's policy (objects and listing).
   *
   * @param bucket a bucket of the environment
   */
  public allowBucketThroughGateway(bucket: s3.IBucket): void {
    if (!this.environmentBucketsStatement) {
      this.environmentBucketsStatement = new iam.PolicyStatement({
        sid: 'EnvironmentBuckets',
        principals: [new iam.AnyPrincipal()],
        actions: perms.S3_GATEWAY_ENVIRONMENT_BUCKET_ACTIONS,
      });
      this.s3Endpoint.addToPolicy(this.environmentBucketsStatement);
    }
    this.environmentBucketsStatement.addResources(bucket.bucketArn, bucket.arnForObjects('*'));
  }

  /**
   * The interface endpoint of a service, if a workload asked for it.
   *
   * @param service the service
   */
  public endpointFor(service: SageMakerEndpointService): ec2.InterfaceVpcEndpoint | undefined {
    return this.endpoints.get(service.name);
  }

  /** Number of distinct Availability Zones of the workload subnets (0 when unknown at synth time). */
  public get availabilityZoneCount(): number {
    return this.subnetAzCount;
  }

  private validateSubnets(vpc: ec2.IVpc, selection?: ec2.SubnetSelection): ec2.SubnetSelection {
    if (!selection && vpc.isolatedSubnets.length === 0) {
      throw validationError(
        this,
        'NoIsolatedSubnets',
        'the given `vpc` has no private isolated subnets and `vpcSubnets` is not set. Pass `vpcSubnets` selecting private subnets (isolated preferred), or let the network create an isolated VPC.',
      );
    }
    const chosen = selection ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const selected = vpc.selectSubnets(chosen);
    const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
    if (selected.hasPublic || selected.subnets.some((s) => publicIds.has(s.subnetId))) {
      throw validationError(
        this,
        'PublicSubnets',
        '`vpcSubnets` selects public subnets: SageMaker workloads must not have a route to an internet gateway. Select private isolated subnets, e.g. `{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }`.',
      );
    }
    const egressIds = new Set(vpc.privateSubnets.map((s) => s.subnetId));
    if (selected.subnets.some((s) => egressIds.has(s.subnetId))) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:SubnetsWithEgress',
        '`vpcSubnets` selects private subnets with egress (a NAT gateway): workloads can reach the internet. Prefer private isolated subnets and interface endpoints.',
      );
    }
    return chosen;
  }

  private countAzs(): number {
    const selected = this.vpc.selectSubnets(this.vpcSubnets);
    const azs = new Set(selected.subnets.map((s) => s.availabilityZone).filter((az) => az && !Token.isUnresolved(az)));
    if (selected.subnets.length > 0 && azs.size === 1) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:SingleAz',
        'the workload subnets span a single Availability Zone: endpoints and Studio lose service when that zone fails. Select subnets in at least two zones.',
      );
    }
    return azs.size;
  }
}
