import { Annotations, Duration, Names, RemovalPolicy, Resource, Stack, Stage, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { ISageMakerEnvironment, ISageMakerNetwork, ISecureBucket } from './interfaces';
import { logGroupsStatement, sageMakerGrantsStatement, serviceDeliveryStatement } from './key-policy';
import { ExistingInterfaceEndpoint, SageMakerNetwork } from './sagemaker-network';
import { SecureBucket } from './secure-bucket';
import { writeAcknowledgementsIntoTemplates } from '../nag/acknowledgement-writer';
import { acknowledge } from '../private/acknowledge';
import { validationError } from '../private/errors';

/**
 * Properties of a `SageMakerEnvironment`.
 */
export interface SageMakerEnvironmentProps {
  /**
   * Short name of the environment, used in the key alias, log group names and tags.
   * Letters, digits and hyphens, 1 to 32 characters.
   *
   * @default - derived from the construct path
   */
  readonly environmentName?: string;

  /**
   * An existing VPC for the workloads.
   *
   * @default - a new isolated VPC (see `SageMakerNetwork`)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` for workloads and endpoints. Public subnets are rejected.
   *
   * @default - the private isolated subnets of the VPC
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Availability Zones of the VPC this environment creates (at least 2).
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * ID of the Region's S3 managed prefix list, to narrow workload HTTPS egress to S3.
   *
   * @default - see `SageMakerNetworkProps.s3PrefixListId`
   */
  readonly s3PrefixListId?: string;

  /**
   * An S3 gateway endpoint `vpc` already has, to use instead of creating one.
   *
   * @default - see `SageMakerNetworkProps.s3GatewayEndpoint`
   */
  readonly s3GatewayEndpoint?: ec2.IGatewayVpcEndpoint;

  /**
   * Interface endpoints `vpc` already has, used instead of creating duplicates.
   *
   * @default - see `SageMakerNetworkProps.interfaceEndpoints`
   */
  readonly interfaceEndpoints?: ExistingInterfaceEndpoint[];

  /**
   * Whether the interface endpoints the environment creates have private DNS.
   *
   * @default - see `SageMakerNetworkProps.privateDnsForNewEndpoints`
   */
  readonly privateDnsForNewEndpoints?: boolean;

  /**
   * A customer-managed key to use instead of creating one. A key defined in this app gets the
   * statements the environment needs added to its policy; the policy of a key imported by ARN
   * cannot be changed here and must already hold them: see
   * `SageMakerEnvironment.keyPolicyStatements()` for the complete list.
   *
   * @default - a new key with rotation on, retained
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long the environment's log groups (flow logs, and the workloads' logs) are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Deny object reads and writes on the data and artifacts buckets that do not come through the
   * environment's S3 gateway endpoint. Uploads from laptops and CI then have to go through the VPC.
   *
   * @default false
   */
  readonly restrictBucketsToVpcEndpoint?: boolean;

  /**
   * What happens to the key, buckets and log groups when they leave the stack. Anything but
   * `RETAIN` is warned about: data, models and audit logs are lost.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Empty the data, artifacts and access-logs buckets (every object version) when they are
   * deleted, so that a sandbox stack can really be torn down. Needs
   * `removalPolicy: RemovalPolicy.DESTROY`. Adds aws-cdk-lib's auto-delete custom resource (a
   * Lambda function that only this stack's deletion invokes).
   *
   * @default false
   */
  readonly emptyBucketsOnDelete?: boolean;
}

/**
 * What `SageMakerEnvironment.fromEnvironmentAttributes` needs to rebuild a deployed environment
 * in another stack or app.
 */
export interface SageMakerEnvironmentAttributes {
  /** The `environmentName` of the deployed environment. */
  readonly environmentName: string;

  /**
   * The deployed network, for example from `SageMakerNetwork.fromNetworkAttributes`, or the
   * `network` of an environment in another stack of this app.
   */
  readonly network: ISageMakerNetwork;

  /** The environment's key, for example `kms.Key.fromKeyArn(...)`. */
  readonly key: kms.IKey;

  /** Name of the environment's data bucket. */
  readonly dataBucketName: string;

  /** Name of the environment's artifacts bucket. */
  readonly artifactsBucketName: string;

  /**
   * Retention of the log groups workloads create.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Removal policy of the data workloads create (log groups, Studio home file systems).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The shared foundation of secure SageMaker workloads in a stack: an isolated network, a
 * customer-managed KMS key, and locked-down data, artifacts and access-logs buckets.
 *
 * Every `Secure*` construct takes an optional `environment`; without one it uses the stack's
 * default environment, `SageMakerEnvironment.of(scope)`, created on first use. So a single
 * `new SecureNotebook(this, 'Nb')` is already secure, and two notebooks share one VPC.
 */
export class SageMakerEnvironment extends Construct implements ISageMakerEnvironment {
  /** Construct ID of the stack's default environment. */
  public static readonly DEFAULT_ID = 'SecureSageMakerEnvironment';

  /**
   * The environment of a stack for constructs that are given none: the one environment the stack
   * already has, or else a default one, created with default props on first use. A stack with
   * two or more environments has no implicit one: pass `environment` explicitly.
   *
   * @param scope any construct in the stack
   */
  public static of(scope: IConstruct): SageMakerEnvironment {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SageMakerEnvironment.DEFAULT_ID);
    if (existing) {
      if (!(existing instanceof SageMakerEnvironment)) {
        throw validationError(
          scope,
          'DefaultIdTaken',
          `a construct with the ID '${SageMakerEnvironment.DEFAULT_ID}' already exists in stack ${stack.stackName} and is not a SageMakerEnvironment. Rename it, or pass \`environment\` explicitly.`,
        );
      }
      return existing;
    }
    const explicit = environmentsIn(stack);
    if (explicit.length === 1) {
      return explicit[0];
    }
    if (explicit.length > 1) {
      throw validationError(scope, 'AmbiguousEnvironment',
        `${scope.node.path} was given no \`environment\`, and stack ${stack.node.path} has ${explicit.length} (${explicit.map((e) => e.node.path).join(', ')}). Pass \`environment\` to say which one it belongs to.`);
    }
    const created = new SageMakerEnvironment(stack, SageMakerEnvironment.DEFAULT_ID);
    // A default created before an explicit environment would double the network and key bill silently.
    created.node.addValidation({
      validate: () => environmentsIn(stack).filter((e) => e !== created).map((e) =>
        `a construct without \`environment\` created the default environment ${created.node.path} before ${e.node.path} was defined in the same stack, so the stack has two networks, keys and sets of buckets. Pass \`environment\` to every construct (or define the environment first).`),
    });
    return created;
  }

  /**
   * An environment deployed elsewhere (another stack, app or pipeline), rebuilt from its
   * attributes, so that workloads can be built on it. Nothing of the environment is created: the
   * workloads' own resources (roles, security groups, log groups) go in the stack of `scope`.
   *
   * @param scope the construct to define the import in
   * @param id construct ID
   * @param attrs the deployed environment's attributes
   */
  public static fromEnvironmentAttributes(scope: Construct, id: string, attrs: SageMakerEnvironmentAttributes): ISageMakerEnvironment {
    return new ImportedEnvironment(scope, id, attrs);
  }

  /**
   * The key policy statements a key of an environment named `environmentName` needs, besides the
   * default statement that lets the account's IAM policies use and administer it: CloudWatch Logs
   * for the environment's log groups, SageMaker grants for the volumes and file systems it
   * attaches, CloudWatch alarms and EventBridge for the encrypted alarm and alert topics. A key
   * passed as `encryptionKey` from this app gets them automatically; add them to the policy of a
   * key managed elsewhere.
   *
   * @param scope a construct in the stack of the environment (its account and Region are used)
   * @param environmentName the environment's `environmentName`
   */
  public static keyPolicyStatements(scope: IConstruct, environmentName: string): iam.PolicyStatement[] {
    return [
      logGroupsStatement(scope, [`${logGroupPrefixOf(environmentName)}/*`]),
      sageMakerGrantsStatement(scope),
      serviceDeliveryStatement(scope, 'cloudwatch'),
      serviceDeliveryStatement(scope, 'events'),
    ];
  }

  /** The network: VPC, subnets, endpoints. */
  public readonly network: ISageMakerNetwork;

  /** The customer-managed key for everything the environment and its workloads store. */
  public readonly key: kms.IKey;

  /** Training data and other inputs. */
  public readonly dataBucket: ISecureBucket;

  /** Models, job outputs, captured inference data, notebook outputs. */
  public readonly artifactsBucket: ISecureBucket;

  /** Destination of the S3 server access logs of the other buckets. */
  public readonly accessLogsBucket: AccessLogsBucket;

  /** Short name of the environment. */
  public readonly environmentName: string;

  /** Every log group of the environment is named under this prefix. */
  public readonly logGroupPrefix: string;

  /** Retention of the environment's log groups. */
  public readonly logRetention: logs.RetentionDays;

  /** Removal policy of the environment's data (key, buckets, log groups). */
  public readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: SageMakerEnvironmentProps = {}) {
    super(scope, id);

    this.environmentName = props.environmentName ?? Names.uniqueResourceName(this, { maxLength: 32, separator: '-' });
    validateEnvironmentName(this, this.environmentName);
    this.logGroupPrefix = logGroupPrefixOf(this.environmentName);
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    if (props.emptyBucketsOnDelete && this.removalPolicy !== RemovalPolicy.DESTROY) {
      throw validationError(this, 'EmptyBucketsWithoutDestroy',
        `\`emptyBucketsOnDelete\` empties the buckets when CloudFormation deletes them, but \`removalPolicy\` is ${this.removalPolicy}, so they are never deleted. Set \`removalPolicy: RemovalPolicy.DESTROY\` too (sandboxes only), or drop \`emptyBucketsOnDelete\`.`);
    }

    if (props.encryptionKey) {
      this.key = props.encryptionKey;
      if (Resource.isOwnedResource(props.encryptionKey)) {
        // A key of this app: add what the environment needs (an imported key's policy cannot be changed).
        SageMakerEnvironment.keyPolicyStatements(this, this.environmentName).forEach((st) => props.encryptionKey!.addToResourcePolicy(st));
      } else {
        Annotations.of(this).addWarningV2('cdk-secure-sagemaker:ImportedKeyPolicy',
          `\`encryptionKey\` is imported, so its key policy cannot be changed here. It must let CloudWatch Logs use the key for log groups under ${this.logGroupPrefix}/ (the flow logs and every workload's logs), ` +
          'let SageMaker create grants for this account (kms:CreateGrant via SageMaker, GrantIsForAWSResource), and let cloudwatch.amazonaws.com and events.amazonaws.com use it (kms:Decrypt, kms:GenerateDataKey*) for the encrypted alarm and alert topics. ' +
          'SageMakerEnvironment.keyPolicyStatements() returns these statements.');
      }
    } else {
      const key = new kms.Key(this, 'Key', {
        description: `SageMaker environment ${this.environmentName}: data, artifacts, volumes, logs`,
        enableKeyRotation: true,
        alias: `alias/secure-sagemaker/${this.environmentName}`,
        removalPolicy: this.removalPolicy,
        pendingWindow: this.removalPolicy === RemovalPolicy.DESTROY ? Duration.days(7) : undefined,
      });
      // The account (and so IAM policies) administers and uses the key: that is the default key
      // policy. The services that encrypt with it on the environment's behalf get their own statements.
      SageMakerEnvironment.keyPolicyStatements(this, this.environmentName).forEach((st) => key.addToResourcePolicy(st));
      this.key = key;
    }

    this.network = new SageMakerNetwork(this, 'Network', {
      encryptionKey: this.key,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      maxAzs: props.maxAzs,
      s3PrefixListId: props.s3PrefixListId,
      s3GatewayEndpoint: props.s3GatewayEndpoint,
      interfaceEndpoints: props.interfaceEndpoints,
      privateDnsForNewEndpoints: props.privateDnsForNewEndpoints,
      flowLogRetention: this.logRetention,
      logGroupPrefix: this.logGroupPrefix,
      removalPolicy: this.removalPolicy,
    });

    const emptyOnDelete = props.emptyBucketsOnDelete ?? false;
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogs', { removalPolicy: this.removalPolicy, emptyOnDelete });
    this.network.allowBucketThroughGateway(this.accessLogsBucket.bucket);
    const bucketProps = {
      environment: this,
      encryptionKey: this.key,
      serverAccessLogsBucket: this.accessLogsBucket,
      network: this.network,
      restrictToVpcEndpoint: props.restrictBucketsToVpcEndpoint ?? false,
      removalPolicy: this.removalPolicy,
      emptyOnDelete,
    };
    this.dataBucket = new SecureBucket(this, 'DataBucket', { ...bucketProps, serverAccessLogsPrefix: 'data/' });
    this.artifactsBucket = new SecureBucket(this, 'ArtifactsBucket', { ...bucketProps, serverAccessLogsPrefix: 'artifacts/' });

    if (this.removalPolicy !== RemovalPolicy.RETAIN) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:EnvironmentNotRetained',
        `removalPolicy is ${this.removalPolicy}: deleting the stack deletes the key (making every encrypted object, volume and log unreadable), the buckets and the logs. Keep the default (RETAIN) outside throwaway sandboxes.`,
      );
      // The opt-out is the user's explicit choice: the retention rules are acknowledged with it, so
      // the sandbox synthesizes, and the reviewer reads the choice in the template.
      acknowledge(this,
        `removalPolicy is ${this.removalPolicy} on the environment ${this.environmentName}: a sandbox whose key, buckets, log groups and Studio home file systems are meant to be deleted with the stack (named opt-out, warned at synth).`,
        ...NOT_RETAINED_FINDINGS);
    }

    Tags.of(this).add('secure-sagemaker:environment', this.environmentName);
    writeAcknowledgementsIntoTemplates(Stack.of(this));
  }

  /**
   * Creates a log group of this environment: named under `logGroupPrefix`, encrypted with the
   * environment key, with the environment's retention and removal policy.
   *
   * @param scope the construct that owns the log group
   * @param id construct ID
   * @param nameSuffix what follows `<logGroupPrefix>/` in the log group name
   */
  public createLogGroup(scope: Construct, id: string, nameSuffix: string): logs.ILogGroup {
    return createEnvironmentLogGroup(this, scope, id, nameSuffix);
  }
}

/** The log group prefix of an environment name; the key policy admits CloudWatch Logs under it. */
function logGroupPrefixOf(environmentName: string): string {
  return `/secure-sagemaker/${environmentName}`;
}

/** A log group under the environment's prefix, on its key, with its retention and removal policy. */
function createEnvironmentLogGroup(env: ISageMakerEnvironment, scope: Construct, id: string, nameSuffix: string): logs.LogGroup {
  const group = new logs.LogGroup(scope, id, {
    logGroupName: `${env.logGroupPrefix}/${nameSuffix}`,
    encryptionKey: env.key,
    retention: env.logRetention,
    removalPolicy: env.removalPolicy,
  });
  if (env.removalPolicy !== RemovalPolicy.RETAIN) {
    acknowledge(group, `The environment ${env.environmentName} is a sandbox (removalPolicy ${env.removalPolicy}): its log groups are deleted with the stack by the user's named opt-out.`,
      'SageMakerSecurity-LogGroupRetained');
  }
  return group;
}

/** The explicit (non-default) environments defined directly or deeper in `stack`, not in nested stages. */
function environmentsIn(stack: Stack): SageMakerEnvironment[] {
  const found: SageMakerEnvironment[] = [];
  const visit = (c: IConstruct): void => {
    for (const child of c.node.children) {
      if (child instanceof SageMakerEnvironment) {
        if (child.node.id !== SageMakerEnvironment.DEFAULT_ID || child.node.scope !== stack) {
          found.push(child);
        }
      } else if (!Stage.isStage(child) && !(Stack.isStack(child) && child !== stack)) {
        visit(child);
      }
    }
  };
  visit(stack);
  return found;
}

/** The rules an environment that is not retained fails by design. */
const NOT_RETAINED_FINDINGS = [
  'SageMakerSecurity-KMSKeyRetained',
  'SageMakerSecurity-S3BucketRetained',
  'SageMakerSecurity-LogGroupRetained',
];

/** An environment deployed elsewhere: its network, key and buckets by reference. */
class ImportedEnvironment extends Construct implements ISageMakerEnvironment {
  public readonly environmentName: string;
  public readonly network: ISageMakerNetwork;
  public readonly key: kms.IKey;
  public readonly dataBucket: ISecureBucket;
  public readonly artifactsBucket: ISecureBucket;
  public readonly logGroupPrefix: string;
  public readonly logRetention: logs.RetentionDays;
  public readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, attrs: SageMakerEnvironmentAttributes) {
    super(scope, id);
    validateEnvironmentName(this, attrs.environmentName);
    this.environmentName = attrs.environmentName;
    this.network = attrs.network;
    this.key = attrs.key;
    this.logGroupPrefix = logGroupPrefixOf(attrs.environmentName);
    this.logRetention = attrs.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.removalPolicy = attrs.removalPolicy ?? RemovalPolicy.RETAIN;
    this.dataBucket = SecureBucket.fromBucketAttributes(this, 'DataBucket', { bucketName: attrs.dataBucketName, encryptionKey: attrs.key });
    this.artifactsBucket = SecureBucket.fromBucketAttributes(this, 'ArtifactsBucket', { bucketName: attrs.artifactsBucketName, encryptionKey: attrs.key });
  }

  public createLogGroup(scope: Construct, id: string, nameSuffix: string): logs.ILogGroup {
    return createEnvironmentLogGroup(this, scope, id, nameSuffix);
  }
}

function validateEnvironmentName(scope: IConstruct, name: string): void {
  if (!Token.isUnresolved(name) && (name.length > 32 || !/^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/.test(name))) {
    throw validationError(
      scope,
      'InvalidEnvironmentName',
      `\`environmentName\` '${name}' must be 1-32 letters, digits or single hyphens, starting and ending with a letter or digit (it is used in the key alias, log group, topic and trail names). Pick a name such as 'ml-prod'.`,
    );
  }
}
