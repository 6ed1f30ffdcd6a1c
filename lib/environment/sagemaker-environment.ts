import { Annotations, Aspects, Names, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { WriteNagSuppressionsToCloudFormationAspect } from 'cdk-nag';
import { Construct, IConstruct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { allowLogGroupsToUseKey } from './key-policy';
import { SageMakerNetwork } from './sagemaker-network';
import { SecureBucket } from './secure-bucket';
import { validationError } from '../private/errors';
import * as perms from '../private/perms';

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
   * A customer-managed key to use instead of creating one. Its key policy must already let
   * CloudWatch Logs use it for this environment's log groups and let SageMaker create grants;
   * a key imported by ARN cannot be changed here.
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
}

/**
 * The shared foundation of secure SageMaker workloads in a stack: an isolated network, a
 * customer-managed KMS key, and locked-down data, artifacts and access-logs buckets.
 *
 * Every `Secure*` construct takes an optional `environment`; without one it uses the stack's
 * default environment, `SageMakerEnvironment.of(scope)`, created on first use. So a single
 * `new SecureNotebook(this, 'Nb')` is already secure, and two notebooks share one VPC.
 */
export class SageMakerEnvironment extends Construct {
  /** Construct ID of the stack's default environment. */
  public static readonly DEFAULT_ID = 'SecureSageMakerEnvironment';

  /**
   * The stack's default environment, created with default props on first use.
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
    return new SageMakerEnvironment(stack, SageMakerEnvironment.DEFAULT_ID);
  }

  /** The network: VPC, subnets, endpoints. */
  public readonly network: SageMakerNetwork;

  /** The customer-managed key for everything the environment and its workloads store. */
  public readonly key: kms.IKey;

  /** Training data and other inputs. */
  public readonly dataBucket: SecureBucket;

  /** Models, job outputs, captured inference data, notebook outputs. */
  public readonly artifactsBucket: SecureBucket;

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
    if (!Token.isUnresolved(this.environmentName)
      && (this.environmentName.length > 32 || !/^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/.test(this.environmentName))) {
      throw validationError(
        this,
        'InvalidEnvironmentName',
        `\`environmentName\` '${this.environmentName}' must be 1-32 letters, digits or single hyphens, starting and ending with a letter or digit (it is used in the key alias, log group, topic and trail names). Pick a name such as 'ml-prod'.`,
      );
    }
    this.logGroupPrefix = `/secure-sagemaker/${this.environmentName}`;
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    if (props.encryptionKey) {
      this.key = props.encryptionKey;
      Annotations.of(this).addInfo(
        'A key was passed in: its key policy must let CloudWatch Logs use it for log groups under ' +
        `${this.logGroupPrefix}/ and let SageMaker create grants (kms:CreateGrant via sagemaker, GrantIsForAWSResource).`,
      );
    } else {
      const key = new kms.Key(this, 'Key', {
        description: `SageMaker environment ${this.environmentName}: data, artifacts, volumes, logs`,
        enableKeyRotation: true,
        alias: `alias/secure-sagemaker/${this.environmentName}`,
        removalPolicy: this.removalPolicy,
      });
      // The account (and so IAM policies) administers and uses the key: that is the default key
      // policy. SageMaker additionally creates grants for the volumes and file systems it attaches.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowSageMakerGrantsForAwsResources',
          principals: [new iam.AccountRootPrincipal()],
          actions: perms.KMS_SAGEMAKER_GRANTS,
          resources: ['*'],
          conditions: {
            StringEquals: { 'kms:ViaService': `sagemaker.${Stack.of(this).region}.amazonaws.com` },
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
          },
        }),
      );
      this.key = key;
    }
    allowLogGroupsToUseKey(this, this.key, [`${this.logGroupPrefix}/*`]);

    this.network = new SageMakerNetwork(this, 'Network', {
      encryptionKey: this.key,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      maxAzs: props.maxAzs,
      s3PrefixListId: props.s3PrefixListId,
      flowLogRetention: this.logRetention,
      logGroupPrefix: this.logGroupPrefix,
      removalPolicy: this.removalPolicy,
    });

    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogs', { removalPolicy: this.removalPolicy });
    this.network.allowBucketThroughGateway(this.accessLogsBucket.bucket);
    const bucketProps = {
      environment: this,
      encryptionKey: this.key,
      serverAccessLogsBucket: this.accessLogsBucket,
      network: this.network,
      restrictToVpcEndpoint: props.restrictBucketsToVpcEndpoint ?? false,
      removalPolicy: this.removalPolicy,
    };
    this.dataBucket = new SecureBucket(this, 'DataBucket', { ...bucketProps, serverAccessLogsPrefix: 'data/' });
    this.artifactsBucket = new SecureBucket(this, 'ArtifactsBucket', { ...bucketProps, serverAccessLogsPrefix: 'artifacts/' });

    if (this.removalPolicy !== RemovalPolicy.RETAIN) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:EnvironmentNotRetained',
        `removalPolicy is ${this.removalPolicy}: deleting the stack deletes the key (making every encrypted object, volume and log unreadable), the buckets and the logs. Keep the default (RETAIN) outside throwaway sandboxes.`,
      );
    }

    Tags.of(this).add('secure-sagemaker:environment', this.environmentName);
    addSuppressionWriter(Stack.of(this));
  }

  /**
   * Creates a log group of this environment: named under `logGroupPrefix`, encrypted with the
   * environment key, with the environment's retention and removal policy.
   *
   * @param scope the construct that owns the log group
   * @param id construct ID
   * @param nameSuffix what follows `<logGroupPrefix>/` in the log group name
   */
  public createLogGroup(scope: Construct, id: string, nameSuffix: string): logs.LogGroup {
    return new logs.LogGroup(scope, id, {
      logGroupName: `${this.logGroupPrefix}/${nameSuffix}`,
      encryptionKey: this.key,
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
  }
}

const SUPPRESSION_WRITER = Symbol.for('cdk-secure-sagemaker.suppression-writer');

/**
 * Writes every acknowledgement in the stack into the template (`cdk_nag` metadata), so reviewers
 * read each exception and its reason in the artifact they review. Added once per stack.
 */
function addSuppressionWriter(stack: Stack): void {
  const marked = stack as unknown as Record<symbol, boolean>;
  if (marked[SUPPRESSION_WRITER]) {
    return;
  }
  marked[SUPPRESSION_WRITER] = true;
  Aspects.of(stack).add(new WriteNagSuppressionsToCloudFormationAspect());
}
