import { Annotations, Names, RemovalPolicy, Stack, Stage, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DnsFirewall } from './dns-firewall';
import { EndpointPerimeter } from './endpoint-perimeter';
import { InterfaceEndpointPolicy } from './endpoint-policy';
import { SageMakerEndpointService } from './endpoint-service';
import { ISageMakerNetwork } from './interfaces';
import { allowLogGroupsToUseKey } from './key-policy';
import { SageMakerWorkloadRole } from './workload-role';
import { acknowledge, acknowledgeImportedLogGroupKey } from '../private/acknowledge';
import { acknowledgeRestrictedDefaultSecurityGroup } from '../private/cdk-providers';
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

  /**
   * An S3 gateway endpoint the VPC already has (a landing-zone VPC usually does). The network
   * then creates none: a route table can hold one gateway endpoint per service, so a second one
   * fails at deploy. Its policy belongs to its owner and is not changed here: it must admit the
   * environment's buckets and the AWS-owned buckets ECR and Amazon Linux use (a warning says so).
   *
   * @default - the network creates one on the route tables of `vpcSubnets` (or reuses the one of
   * another `SageMakerNetwork` on the same VPC in this app); with a `vpc` whose route tables are
   * unknown this prop is required
   */
  readonly s3GatewayEndpoint?: ec2.IGatewayVpcEndpoint;

  /**
   * Interface endpoints the VPC already has. Workloads that need one of these services are
   * admitted on the endpoint's security groups (the rule lives in the workload's stack) and no
   * second endpoint is created for the service.
   *
   * @default - none: endpoints are created as workloads need them (or reused from another
   * `SageMakerNetwork` on the same VPC in this app)
   */
  readonly interfaceEndpoints?: ExistingInterfaceEndpoint[];

  /**
   * Whether the interface endpoints this network creates have private DNS. In a VPC shared with
   * other tenants, or one that already has an endpoint for a service, a private-DNS endpoint
   * either fails at deploy (the private hosted zone of the name exists) or takes the service name
   * over for every tenant. Without private DNS, workloads resolve the public service names unless
   * the VPC's DNS points them at the endpoint (warned, and the private-DNS finding acknowledged).
   * Endpoints shared with another `SageMakerNetwork` on the same VPC follow that network's setting.
   *
   * @default - true when the network creates the VPC or `vpc` is an `ec2.Vpc` defined in this app;
   * false for an imported VPC (`Vpc.fromLookup`, `Vpc.fromVpcAttributes`)
   */
  readonly privateDnsForNewEndpoints?: boolean;

  /**
   * Whose principals and resources the interface endpoints this network creates admit, in their
   * endpoint policies. By default only principals of this account acting on resources of this
   * account (plus pulls of the AWS Deep Learning Container images on the ECR endpoints), so that
   * credentials of another account, or calls to another account's log groups, roles, repositories
   * or SageMaker resources, do not pass; the sagemaker.runtime endpoint admits invocations of this
   * account's endpoints, then of the environment's once a `SecureEndpoint` exists. Endpoints
   * passed in (`interfaceEndpoints`) keep the policy their owner gave them.
   *
   * @default EndpointPerimeter.account()
   */
  readonly endpointPerimeter?: EndpointPerimeter;

  /**
   * A Route 53 Resolver DNS Firewall on the VPC that answers only the AWS service domains
   * (`*.amazonaws.com`, `*.api.aws`, `*.sagemaker.aws`), the VPC's internal host names and
   * `allowedDnsDomains`, and NXDOMAIN to every other name: without it, code in the VPC can
   * tunnel data out in DNS queries for a domain it controls, even with no internet route.
   * `false` is warned. In a VPC passed in (`vpc`), the firewall would apply to every tenant of
   * the VPC, so it is created only when set to `true`.
   *
   * @default - true when the network creates the VPC; false for a VPC passed in
   */
  readonly dnsFirewall?: boolean;

  /**
   * Further domains workloads may resolve through the DNS Firewall (a private package mirror, a
   * corporate domain), such as `pypi.mirror.example.com` or `*.corp.example.com`. Notebooks add
   * the hosts of their `pipIndexUrl` and `condaChannels` themselves.
   *
   * @default - none
   */
  readonly allowedDnsDomains?: string[];
}

/**
 * An interface VPC endpoint that already exists, for a service workloads need.
 */
export interface ExistingInterfaceEndpoint {
  /** The service the endpoint serves. */
  readonly service: SageMakerEndpointService;

  /**
   * The endpoint, e.g. from `ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes` with
   * its security groups (workloads are admitted on them).
   */
  readonly endpoint: ec2.IInterfaceVpcEndpoint;
}

/**
 * An interface VPC endpoint of an imported network, by ID.
 */
export interface SageMakerInterfaceEndpointAttributes {
  /** The service the endpoint serves. */
  readonly service: SageMakerEndpointService;

  /** ID of the endpoint (`vpce-...`). */
  readonly vpcEndpointId: string;

  /** ID of the endpoint's security group (`sg-...`); workloads are admitted on it for HTTPS. */
  readonly securityGroupId: string;
}

/**
 * What another stack or app needs to know of a deployed `SageMakerNetwork`.
 */
export interface SageMakerNetworkAttributes {
  /** The VPC (e.g. `ec2.Vpc.fromLookup` or `ec2.Vpc.fromVpcAttributes`). */
  readonly vpc: ec2.IVpc;

  /**
   * Which subnets of `vpc` workloads use. Public subnets are rejected.
   *
   * @default - the private isolated subnets of the VPC
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /** ID of the S3 gateway endpoint (`vpce-...`) workloads reach S3 through. */
  readonly s3GatewayEndpointId: string;

  /**
   * The interface endpoints of the network. A workload that needs a service not listed here
   * fails at synth time, naming the service.
   *
   * @default - none
   */
  readonly interfaceEndpoints?: SageMakerInterfaceEndpointAttributes[];

  /**
   * ID of the Region's S3 managed prefix list, to narrow workload HTTPS egress to S3.
   *
   * @default - see `SageMakerNetworkProps.s3PrefixListId`
   */
  readonly s3PrefixListId?: string;
}

const HTTPS = ec2.Port.tcp(443);
const ADMIT_DESCRIPTION = 'HTTPS from a registered SageMaker workload';

/**
 * The network of a SageMaker environment: an isolated VPC (or an existing one), the interface
 * endpoints its workloads need, and an S3 gateway endpoint with a policy.
 *
 * - no internet gateway, no NAT gateway: private isolated subnets in 2+ Availability Zones
 * - DNS support and hostnames on (private DNS for interface endpoints)
 * - the default security group has no rules
 * - flow logs of all traffic to a KMS-encrypted, retained log group
 * - interface endpoints are created on demand, once each, with one security group that admits
 *   HTTPS only from the workloads that asked for them, and private DNS in a VPC the app defines
 * - the S3 gateway endpoint allows only the environment's buckets and the AWS-owned buckets ECR
 *   image layers and Amazon Linux packages come from
 *
 * In an existing VPC it reuses what is there: the S3 gateway endpoint and interface endpoints
 * passed in (`s3GatewayEndpoint`, `interfaceEndpoints`), and those of another `SageMakerNetwork`
 * on the same VPC in the same app. The rules that admit a workload on the endpoints' security
 * groups are created in the workload's stack, so workloads can live in other stacks.
 */
export class SageMakerNetwork extends Construct implements ISageMakerNetwork {
  /**
   * A network deployed elsewhere (another stack or app), by its attributes. Workloads that call
   * `requireEndpoints` are admitted on the listed endpoints' security groups by rules in their own
   * stack; a service that is not listed fails at synth time.
   *
   * @param scope the construct that holds the import (usually in the workloads' stack)
   * @param id construct ID
   * @param attrs the deployed network's VPC, subnets and endpoints
   */
  public static fromNetworkAttributes(scope: Construct, id: string, attrs: SageMakerNetworkAttributes): ISageMakerNetwork {
    return new ImportedSageMakerNetwork(scope, id, attrs);
  }

  /** The VPC. */
  public readonly vpc: ec2.IVpc;

  /** The subnets workloads and interface endpoints use. */
  public readonly vpcSubnets: ec2.SubnetSelection;

  /**
   * The security group of every interface endpoint this network creates (that of the network it
   * shares endpoints with, when another `SageMakerNetwork` on the same VPC creates them).
   */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;

  /** The S3 gateway endpoint, created here or reused. */
  public readonly s3Endpoint: ec2.IGatewayVpcEndpoint;

  /** The flow log group, when this construct created the VPC. */
  public readonly flowLogGroup?: logs.LogGroup;

  /** Every interface endpoint in use, by service name, in the order workloads asked for them. */
  private readonly endpoints = new Map<string, ec2.IInterfaceVpcEndpoint>();
  private readonly createdEndpoints = new Set<string>();
  private readonly existingEndpoints = new Map<string, ec2.IInterfaceVpcEndpoint>();
  private readonly registeredConsumers = new Set<string>();
  private readonly s3Consumers = new Set<string>();
  private environmentBucketsStatement?: iam.PolicyStatement;
  private readonly s3PrefixListId?: string;
  private readonly subnetAzCount: number;
  private readonly privateDns: boolean;
  private readonly endpointPerimeter: EndpointPerimeter;
  /** The DNS Firewall on the VPC, when this network (or the peer it shares the VPC with) has one. */
  private readonly dns?: DnsFirewall;
  /** The network on the same VPC whose endpoints this one shares, if any. */
  private readonly peer?: SageMakerNetwork;
  /** The gateway endpoint, when this network created it (its policy is this network's to write). */
  private readonly ownS3Endpoint?: ec2.GatewayVpcEndpoint;
  /** The network that owns the gateway endpoint this one reuses, if any. */
  private readonly s3EndpointOwner?: SageMakerNetwork;
  private warnedForeignGatewayPolicy = false;

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
    if ((props.s3GatewayEndpoint || props.interfaceEndpoints) && !props.vpc) {
      throw validationError(
        this,
        'EndpointsWithoutVpc',
        `\`${props.s3GatewayEndpoint ? 's3GatewayEndpoint' : 'interfaceEndpoints'}\` names endpoints of an existing VPC but \`vpc\` is not set, so the network creates a new VPC they are not in. Pass that VPC as \`vpc\`, or drop the endpoints.`,
      );
    }
    for (const e of props.interfaceEndpoints ?? []) {
      if (this.existingEndpoints.has(e.service.name)) {
        throw validationError(
          this,
          'DuplicateExistingEndpoint',
          `\`interfaceEndpoints\` lists the service '${e.service.name}' twice. Keep one endpoint per service.`,
        );
      }
      this.existingEndpoints.set(e.service.name, e.endpoint);
    }
    this.s3PrefixListId = props.s3PrefixListId;
    const logGroupPrefix = props.logGroupPrefix ?? `/secure-sagemaker/${Names.uniqueResourceName(this, { maxLength: 64, separator: '-' })}`;

    let ownedVpc: ec2.Vpc | undefined;
    if (props.vpc) {
      this.vpc = props.vpc;
      this.vpcSubnets = validateSubnets(this, props.vpc, props.vpcSubnets);
      Annotations.of(this).addInfo(
        'Existing VPC: flow logs, DNS settings and the absence of internet routes are the responsibility of the VPC owner; the SageMakerSecurity pack checks them only for resources in this app.',
      );
      this.peer = this.findPeer(props.vpc);
    } else {
      ownedVpc = new ec2.Vpc(this, 'Vpc', {
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
      acknowledgeRestrictedDefaultSecurityGroup(ownedVpc);
      this.vpc = ownedVpc;
      this.vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

      this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
        logGroupName: `${logGroupPrefix}/vpc-flow-logs`,
        encryptionKey: props.encryptionKey,
        retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      allowLogGroupsToUseKey(this, props.encryptionKey, [`${logGroupPrefix}/*`]);
      acknowledgeImportedLogGroupKey(this.flowLogGroup.node.defaultChild as logs.CfnLogGroup, props.encryptionKey.keyArn);
      // The delivery role keeps its permissions in a customer-managed policy, like every role here.
      const flowLogRole = new SageMakerWorkloadRole(this, 'FlowLogRole', {
        assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
        description: 'Delivers the VPC flow logs of the SageMaker environment to its log group',
      });
      ownedVpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
    }
    this.subnetAzCount = countAzs(this, this.vpc, this.vpcSubnets);
    // A VPC defined in this app is known whole; an imported one may be shared and already serve
    // the services under their private DNS names.
    this.privateDns = props.privateDnsForNewEndpoints ?? (!props.vpc || props.vpc instanceof ec2.Vpc);
    this.endpointPerimeter = props.endpointPerimeter ?? EndpointPerimeter.account();
    InterfaceEndpointPolicy.warnIfOpen(this, this.endpointPerimeter);
    this.dns = this.dnsFirewallFor(props);

    this.endpointSecurityGroup = this.peer?.endpointSecurityGroup ?? new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints of the SageMaker environment: HTTPS from registered workloads only',
      allowAllOutbound: false,
    });

    if (props.s3GatewayEndpoint) {
      this.s3Endpoint = props.s3GatewayEndpoint;
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:ExistingS3GatewayEndpoint',
        '`s3GatewayEndpoint` is an existing endpoint: its policy belongs to its owner and is not changed here. It must admit the environment\'s buckets and the AWS-owned buckets ECR image layers and Amazon Linux packages come from (prod-<region>-starport-layer-bucket, amazonlinux-2-repos-<region>, al2023-repos-<region>-de612dc2), and nothing wider.',
      );
    } else if (this.peer && (this.peer.s3EndpointOwner ?? this.peer).s3EndpointCovers(routeTablesOf(this.vpc, this.vpcSubnets))) {
      this.s3Endpoint = this.peer.s3Endpoint;
      this.s3EndpointOwner = this.peer.s3EndpointOwner ?? this.peer;
    } else {
      this.ownS3Endpoint = ownedVpc
        // Under the VPC this construct owns: keeps the logical ID of earlier versions.
        ? ownedVpc.addGatewayEndpoint('S3Gateway', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.vpcSubnets] })
        : this.createGatewayEndpointInExistingVpc();
      this.s3Endpoint = this.ownS3Endpoint;
      const region = Stack.of(this).region;
      const partition = Stack.of(this).partition;
      this.ownS3Endpoint.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AwsOwnedBuckets',
          principals: [new iam.AnyPrincipal()],
          actions: perms.S3_GATEWAY_AWS_BUCKET_ACTIONS,
          resources: [
            // ECR stores image layers here; image pulls go through the gateway.
            `arn:${partition}:s3:::prod-${region}-starport-layer-bucket/*`,
            // Amazon Linux 2 and 2023 package repositories used by notebook instances and Studio images.
            `arn:${partition}:s3:::amazonlinux-2-repos-${region}/*`,
            `arn:${partition}:s3:::al2023-repos-${region}-de612dc2/*`,
          ],
        }),
      );
    }
  }

  /**
   * Lets workloads in the VPC resolve `domains` through the DNS Firewall (a private package
   * mirror, for example): `pypi.mirror.example.com` or `*.corp.example.com`. Nothing to do when
   * the VPC has no DNS Firewall of this library.
   *
   * @param domains the domains
   */
  public allowDnsDomains(domains: string[]): void {
    this.dns?.allowDomains(this, 'allowDnsDomains', domains);
  }

  /** Whether the VPC has this library's DNS Firewall (created here or by the network it shares the VPC with). */
  public get hasDnsFirewall(): boolean {
    return this.dns !== undefined;
  }

  /** The DNS Firewall: created with a VPC of its own unless opted out, in a VPC passed in only on request, shared with a peer. */
  private dnsFirewallFor(props: SageMakerNetworkProps): DnsFirewall | undefined {
    if (this.peer) {
      if (props.allowedDnsDomains) {
        this.peer.allowDnsDomains(props.allowedDnsDomains);
      }
      return this.peer.dns;
    }
    const wanted = props.dnsFirewall ?? !props.vpc;
    if (!wanted) {
      if (!props.vpc) {
        Annotations.of(this).addWarningV2('cdk-secure-sagemaker:NoDnsFirewall',
          '`dnsFirewall` is false: the VPC resolves every domain, so code in it can tunnel data out in DNS queries for a domain it controls, although it has no internet route.');
      }
      return undefined;
    }
    return new DnsFirewall(this, 'DnsFirewall', this.vpc, props.allowedDnsDomains ?? []);
  }

  /** Short names of the interface endpoints this network uses (created or reused), in the order workloads asked for them. */
  public get endpointServiceNames(): string[] {
    return Array.from(this.endpoints.keys());
  }

  /** Short names of the interface endpoints this network created (resources in its stack). */
  public get createdEndpointServiceNames(): string[] {
    return this.endpointServiceNames.filter((name) => this.createdEndpoints.has(name));
  }

  /**
   * Short names of the interface endpoints this network uses but did not create: passed in with
   * `interfaceEndpoints`, or created by another `SageMakerNetwork` on the same VPC.
   */
  public get reusedEndpointServiceNames(): string[] {
    return this.endpointServiceNames.filter((name) => !this.createdEndpoints.has(name));
  }

  /** Whether this network created its S3 gateway endpoint (false when it reuses one). */
  public get createdS3GatewayEndpoint(): boolean {
    return this.ownS3Endpoint !== undefined;
  }

  /**
   * Makes sure the interface endpoints `consumer` needs exist (each at most once per VPC in the
   * app, or reused), lets `consumer` reach them on HTTPS and reach S3 through the gateway endpoint.
   * The rules are created in `consumer`'s stack when it is not the network's.
   *
   * @param consumer the workload (its security groups) that calls the services
   * @param services the services it calls
   */
  public requireEndpoints(consumer: ec2.IConnectable, services: SageMakerEndpointService[]): void {
    const targets = new Set<ec2.IInterfaceVpcEndpoint>(services.map((s) => this.endpointOf(s)));
    for (const endpoint of targets) {
      admit(consumer, endpoint, this.registeredConsumers);
    }
    this.allowS3Through(consumer);
  }

  /**
   * Lets `consumer` reach S3 (HTTPS) through the gateway endpoint.
   *
   * @param consumer the workload
   */
  public allowS3Through(consumer: ec2.IConnectable): void {
    allowS3Egress(consumer, this.s3PrefixListId, this.s3Consumers);
  }

  /**
   * Admits a bucket in the S3 gateway endpoint's policy (objects and listing). When the gateway
   * endpoint is not this network's (`s3GatewayEndpoint`), its owner has to admit the bucket: warned.
   *
   * @param bucket a bucket of the environment
   */
  public allowBucketThroughGateway(bucket: s3.IBucket): void {
    if (this.s3EndpointOwner) {
      const ownerStack = Stack.of(this.s3EndpointOwner);
      if (ownerStack === Stack.of(this) || ownerStack === Stack.of(bucket)) {
        this.s3EndpointOwner.allowBucketThroughGateway(bucket);
        return;
      }
      // Naming the bucket there would make the owner's stack depend on this one, which depends on it.
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:SharedGatewayPolicyInOtherStack',
        `the S3 gateway endpoint is shared with ${this.s3EndpointOwner.node.path} in stack ${ownerStack.stackName}: naming bucket ${describeBucket(bucket)} in its policy from here would create a dependency cycle. Admit it in that stack (\`allowBucketThroughGateway\` with \`s3.Bucket.fromBucketName(...)\`), or workloads are denied access to it.`,
      );
      return;
    }
    if (!this.ownS3Endpoint) {
      if (!this.warnedForeignGatewayPolicy) {
        this.warnedForeignGatewayPolicy = true;
        Annotations.of(this).addWarningV2(
          'cdk-secure-sagemaker:GatewayPolicyNotOwned',
          `the S3 gateway endpoint (\`s3GatewayEndpoint\`) is not this network's: its owner must admit the environment's buckets (starting with ${describeBucket(bucket)}) in its policy, objects and listing, or workloads are denied access to them.`,
        );
      }
      return;
    }
    if (!this.environmentBucketsStatement) {
      this.environmentBucketsStatement = new iam.PolicyStatement({
        sid: 'EnvironmentBuckets',
        principals: [new iam.AnyPrincipal()],
        actions: perms.S3_GATEWAY_ENVIRONMENT_BUCKET_ACTIONS,
      });
      this.ownS3Endpoint.addToPolicy(this.environmentBucketsStatement);
    }
    this.environmentBucketsStatement.addResources(bucket.bucketArn, bucket.arnForObjects('*'));
  }

  /**
   * The interface endpoint of a service, if a workload asked for it (created or reused).
   *
   * @param service the service
   */
  public endpointFor(service: SageMakerEndpointService): ec2.IInterfaceVpcEndpoint | undefined {
    return this.endpoints.get(service.name);
  }

  /** Number of distinct Availability Zones of the workload subnets (0 when unknown at synth time). */
  public get availabilityZoneCount(): number {
    return this.subnetAzCount;
  }

  /**
   * The first other network on `vpc` that does not itself share another's endpoints, in the same
   * stage and environment (references cannot cross stages, Regions or accounts).
   */
  private findPeer(vpc: ec2.IVpc): SageMakerNetwork | undefined {
    const stage = Stage.of(this);
    const environment = Stack.of(this).environment;
    return this.node.root.node.findAll().find((c): c is SageMakerNetwork =>
      c !== this && c instanceof SageMakerNetwork && c.peer === undefined && sameVpc(c.vpc, vpc)
      && Stage.of(c) === stage && Stack.of(c).environment === environment);
  }

  /**
   * Whether subnets on `routeTableIds` reach S3 through this network's gateway endpoint: true
   * when they are among its route tables, or when either side's route tables are unknown.
   */
  private s3EndpointCovers(routeTableIds: string[] | undefined): boolean {
    const own = this.ownS3Endpoint?.node.defaultChild as ec2.CfnVPCEndpoint | undefined;
    const covered = own?.routeTableIds;
    if (!routeTableIds || !Array.isArray(covered)) {
      return true;
    }
    return routeTableIds.every((r) => covered.includes(r));
  }

  /** The endpoint of `service`: already in use, passed in, shared by the peer network, or created now. */
  private endpointOf(service: SageMakerEndpointService): ec2.IInterfaceVpcEndpoint {
    const inUse = this.endpoints.get(service.name);
    if (inUse) {
      return inUse;
    }
    let endpoint = this.existingEndpoints.get(service.name) ?? this.peer?.endpointOf(service);
    if (!endpoint) {
      endpoint = this.createEndpoint(service);
      this.createdEndpoints.add(service.name);
    }
    this.endpoints.set(service.name, endpoint);
    return endpoint;
  }

  private createEndpoint(service: SageMakerEndpointService): ec2.InterfaceVpcEndpoint {
    const endpoint = new ec2.InterfaceVpcEndpoint(this, `Endpoint-${service.name}`, {
      vpc: this.vpc,
      service: service.service,
      privateDnsEnabled: this.privateDns,
      subnets: this.vpcSubnets,
      securityGroups: [this.endpointSecurityGroup],
      open: false,
    });
    InterfaceEndpointPolicy.apply(endpoint, service, this.endpointPerimeter);
    if (!this.privateDns) {
      Annotations.of(endpoint).addWarningV2(
        'cdk-secure-sagemaker:EndpointWithoutPrivateDns',
        `the ${service.name} interface endpoint has no private DNS (\`privateDnsForNewEndpoints\` is false; the default in an imported VPC): workloads resolve the public service name and cannot reach the service unless the VPC's DNS (a Route 53 private hosted zone or resolver rule) points that name at this endpoint. Pass an endpoint the VPC already has in \`interfaceEndpoints\`, or set \`privateDnsForNewEndpoints: true\` if no other endpoint in the VPC serves ${service.name}.`,
      );
      acknowledge(
        endpoint,
        'Private DNS is off on purpose: in an imported or shared VPC, a second private-DNS endpoint for a service fails at deploy or takes the service name over for every tenant; the VPC owner points the name at this endpoint (synth-time warning EndpointWithoutPrivateDns).',
        'SageMakerSecurity-VPCInterfaceEndpointPrivateDNS',
      );
    }
    return endpoint;
  }

  /** An S3 gateway endpoint under this construct, on the route tables of the selected subnets of an existing VPC. */
  private createGatewayEndpointInExistingVpc(): ec2.GatewayVpcEndpoint {
    const routeTableIds = routeTablesOf(this.vpc, this.vpcSubnets);
    if (!routeTableIds) {
      throw validationError(
        this,
        'NoRouteTablesForS3Gateway',
        'the route tables of the `vpcSubnets` of `vpc` are not known, so no S3 gateway endpoint can be created. Pass the VPC\'s existing S3 gateway endpoint as `s3GatewayEndpoint` (`ec2.GatewayVpcEndpoint.fromGatewayVpcEndpointId(...)`), or import the VPC with its route tables (`isolatedSubnetRouteTableIds` of `ec2.Vpc.fromVpcAttributes`, or `ec2.Vpc.fromLookup`).',
      );
    }
    const existing = findS3GatewayInApp(this, this.vpc, routeTableIds);
    if (existing) {
      throw validationError(
        this,
        'S3GatewayExists',
        `\`vpc\` already has an S3 gateway endpoint in this app (${(existing.node.scope ?? existing).node.path}) on route tables of \`vpcSubnets\`; a second one on the same route tables fails at deploy. Pass it as \`s3GatewayEndpoint\`, or select subnets whose route tables it covers entirely or not at all.`,
      );
    }
    if (!(this.vpc instanceof ec2.Vpc)) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:S3GatewayInImportedVpc',
        'an S3 gateway endpoint is created on the route tables of the imported `vpc`: a route table holds one gateway endpoint per service, so the deployment fails if the VPC already has one there. Pass the existing one as `s3GatewayEndpoint` in that case.',
      );
    }
    return new ec2.GatewayVpcEndpoint(this, 'S3Gateway', {
      vpc: this.vpc,
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.vpcSubnets],
    });
  }
}

/**
 * A network deployed elsewhere: its VPC, gateway endpoint and interface endpoints by ID. It
 * creates no endpoint; it admits workloads on the endpoints' security groups.
 */
class ImportedSageMakerNetwork extends Construct implements ISageMakerNetwork {
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly s3Endpoint: ec2.IGatewayVpcEndpoint;
  public readonly availabilityZoneCount: number;
  private readonly endpoints = new Map<string, ec2.IInterfaceVpcEndpoint>();
  private readonly registeredConsumers = new Set<string>();
  private readonly s3Consumers = new Set<string>();
  private readonly s3PrefixListId?: string;
  private warnedGatewayPolicy = false;

  constructor(scope: Construct, id: string, attrs: SageMakerNetworkAttributes) {
    super(scope, id);
    this.vpc = attrs.vpc;
    this.vpcSubnets = validateSubnets(this, attrs.vpc, attrs.vpcSubnets);
    this.availabilityZoneCount = countAzs(this, attrs.vpc, this.vpcSubnets);
    this.s3PrefixListId = attrs.s3PrefixListId;
    this.s3Endpoint = ec2.GatewayVpcEndpoint.fromGatewayVpcEndpointId(this, 'S3Gateway', attrs.s3GatewayEndpointId);
    const groups = new Map<string, ec2.ISecurityGroup>();
    for (const e of attrs.interfaceEndpoints ?? []) {
      if (this.endpoints.has(e.service.name)) {
        throw validationError(
          this,
          'DuplicateImportedEndpoint',
          `\`interfaceEndpoints\` lists the service '${e.service.name}' twice. Keep one endpoint per service.`,
        );
      }
      const securityGroup = groups.get(e.securityGroupId) ?? ec2.SecurityGroup.fromSecurityGroupId(this, `EndpointSecurityGroup-${e.service.name}`, e.securityGroupId, {
        allowAllOutbound: false,
      });
      groups.set(e.securityGroupId, securityGroup);
      this.endpoints.set(e.service.name, ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, `Endpoint-${e.service.name}`, {
        vpcEndpointId: e.vpcEndpointId,
        port: 443,
        securityGroups: [securityGroup],
      }));
    }
  }

  public get endpointServiceNames(): string[] {
    return Array.from(this.endpoints.keys());
  }

  public get createdEndpointServiceNames(): string[] {
    return [];
  }

  public get reusedEndpointServiceNames(): string[] {
    return this.endpointServiceNames;
  }

  public requireEndpoints(consumer: ec2.IConnectable, services: SageMakerEndpointService[]): void {
    const missing = services.filter((s) => !this.endpoints.has(s.name)).map((s) => `'${s.name}'`);
    if (missing.length > 0) {
      throw validationError(
        this,
        'ImportedNetworkMissingEndpoint',
        `the imported network has no interface endpoint for ${missing.join(', ')}, which a workload needs. Create it in the network's own stack, then add { service, vpcEndpointId, securityGroupId } for it to the \`interfaceEndpoints\` attribute of \`SageMakerNetwork.fromNetworkAttributes\`.`,
      );
    }
    const targets = new Set(services.map((s) => this.endpoints.get(s.name)!));
    for (const endpoint of targets) {
      admit(consumer, endpoint, this.registeredConsumers);
    }
    this.allowS3Through(consumer);
  }

  public allowS3Through(consumer: ec2.IConnectable): void {
    allowS3Egress(consumer, this.s3PrefixListId, this.s3Consumers);
  }

  public allowBucketThroughGateway(bucket: s3.IBucket): void {
    if (this.warnedGatewayPolicy) {
      return;
    }
    this.warnedGatewayPolicy = true;
    Annotations.of(this).addWarningV2(
      'cdk-secure-sagemaker:GatewayPolicyNotOwned',
      `the S3 gateway endpoint of an imported network cannot be changed here: the owner's gateway-endpoint policy must admit the buckets workloads use (starting with ${describeBucket(bucket)}), objects and listing, or their requests are denied.`,
    );
  }

  public endpointFor(service: SageMakerEndpointService): ec2.IInterfaceVpcEndpoint | undefined {
    return this.endpoints.get(service.name);
  }
}

/**
 * Lets every security group of `consumer` reach `endpoint` on HTTPS. `allowTo` makes the
 * endpoint's ingress rule a remote rule: in the consumer's stack when the stacks differ, so the
 * network's stack never depends on a workload's.
 */
function admit(consumer: ec2.IConnectable, endpoint: ec2.IConnectable, seen: Set<string>): void {
  for (const from of consumer.connections.securityGroups) {
    for (const to of endpoint.connections.securityGroups) {
      // By group ID: endpoints often share one group, imported more than once; a duplicate rule fails at deploy.
      const key = `${groupKey(from)}|${groupKey(to)}`;
      if (seen.has(key)) {
        continue;
      }
      seen.add(key);
      from.connections.allowTo(to, HTTPS, ADMIT_DESCRIPTION);
    }
  }
}

function groupKey(sg: ec2.ISecurityGroup): string {
  return Token.isUnresolved(sg.securityGroupId) ? sg.node.path : sg.securityGroupId;
}

/** HTTPS egress of each of `consumer`'s groups to S3 (the prefix list, or any address: only S3 routes out). */
function allowS3Egress(consumer: ec2.IConnectable, prefixListId: string | undefined, seen: Set<string>): void {
  for (const sg of consumer.connections.securityGroups) {
    if (seen.has(sg.node.path)) {
      continue;
    }
    seen.add(sg.node.path);
    const peer = prefixListId ? ec2.Peer.prefixList(prefixListId) : ec2.Peer.anyIpv4();
    sg.addEgressRule(peer, HTTPS, 'HTTPS to S3 through the gateway endpoint');
  }
}

function describeBucket(bucket: s3.IBucket): string {
  return Token.isUnresolved(bucket.bucketName) ? bucket.node.path : bucket.bucketName;
}

/** Same VPC: the same construct, or the same literal VPC ID (two imports of one VPC). */
function sameVpc(a: ec2.IVpc, b: ec2.IVpc): boolean {
  return a === b || (!Token.isUnresolved(a.vpcId) && a.vpcId === b.vpcId);
}

/** An S3 gateway endpoint of the app on `vpc` (e.g. `vpc.addGatewayEndpoint(...)` by the user). */
function findS3GatewayInApp(self: Construct, vpc: ec2.IVpc, routeTableIds: string[]): ec2.CfnVPCEndpoint | undefined {
  return self.node.root.node.findAll().find((c): c is ec2.CfnVPCEndpoint =>
    c instanceof ec2.CfnVPCEndpoint
    && (c.vpcEndpointType === undefined || c.vpcEndpointType === 'Gateway')
    && c.serviceName === ec2.GatewayVpcEndpointAwsService.S3.name
    && c.vpcId === vpc.vpcId
    // Route tables that are not a plain list are taken to overlap.
    && (!Array.isArray(c.routeTableIds) || c.routeTableIds.some((r) => routeTableIds.includes(r))));
}

/** The route tables of the selected subnets, or undefined when any is unknown (imported without them). */
function routeTablesOf(vpc: ec2.IVpc, selection: ec2.SubnetSelection): string[] | undefined {
  const subnets = vpc.selectSubnets(selection).subnets;
  const ids = subnets.map((s) => s.routeTable?.routeTableId);
  if (subnets.length === 0 || ids.some((r) => r === undefined)) {
    return undefined;
  }
  return Array.from(new Set(ids as string[]));
}

function validateSubnets(scope: Construct, vpc: ec2.IVpc, selection?: ec2.SubnetSelection): ec2.SubnetSelection {
  if (!selection && vpc.isolatedSubnets.length === 0) {
    throw validationError(
      scope,
      'NoIsolatedSubnets',
      'the given `vpc` has no private isolated subnets and `vpcSubnets` is not set. Pass `vpcSubnets` selecting private subnets (isolated preferred), or let the network create an isolated VPC.',
    );
  }
  const chosen = selection ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  const selected = vpc.selectSubnets(chosen);
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  if (selected.hasPublic || selected.subnets.some((s) => publicIds.has(s.subnetId))) {
    throw validationError(
      scope,
      'PublicSubnets',
      '`vpcSubnets` selects public subnets: SageMaker workloads must not have a route to an internet gateway. Select private isolated subnets, e.g. `{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }`.',
    );
  }
  const egressIds = new Set(vpc.privateSubnets.map((s) => s.subnetId));
  if (selected.subnets.some((s) => egressIds.has(s.subnetId))) {
    Annotations.of(scope).addWarningV2(
      'cdk-secure-sagemaker:SubnetsWithEgress',
      '`vpcSubnets` selects private subnets with egress (a NAT gateway): workloads can reach the internet. Prefer private isolated subnets and interface endpoints.',
    );
  }
  return chosen;
}

function countAzs(scope: Construct, vpc: ec2.IVpc, selection: ec2.SubnetSelection): number {
  const selected = vpc.selectSubnets(selection);
  let zones: string[];
  try {
    zones = selected.subnets.map((s) => s.availabilityZone);
  } catch {
    // Subnets imported by ID alone (`Subnet.fromSubnetId`) have no zone: unknown.
    return 0;
  }
  const azs = new Set(zones.filter((az) => az && !Token.isUnresolved(az)));
  if (selected.subnets.length > 0 && azs.size === 1) {
    Annotations.of(scope).addWarningV2(
      'cdk-secure-sagemaker:SingleAz',
      'the workload subnets span a single Availability Zone: endpoints and Studio lose service when that zone fails. Select subnets in at least two zones.',
    );
  }
  return azs.size;
}
