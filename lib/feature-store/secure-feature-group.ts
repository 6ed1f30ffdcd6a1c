import { Annotations, ArnFormat, Duration, RemovalPolicy, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IConstruct } from 'constructs';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import type { ISageMakerEnvironment } from '../environment/interfaces';
import { SageMakerEnvironment } from '../environment/sagemaker-environment';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { validateWholeSeconds } from '../private/durations';
import { validationError } from '../private/errors';
import { grantOnPrincipal } from '../private/grants';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { arnResourceName } from '../private/names';
import * as perms from '../private/perms';
import { ENVIRONMENT_TAG, EXECUTION_ROLE_TAG } from '../private/tags';
import { requireEndpointsWithoutConsumer } from '../private/vpc-access';

/** The type of a feature's values. */
export enum FeatureType {
  /** Whole numbers (64-bit). */
  INTEGRAL = 'Integral',
  /** Floating-point numbers (an event time as Unix epoch seconds). */
  FRACTIONAL = 'Fractional',
  /** Text (an event time in ISO-8601, `yyyy-MM-dd'T'HH:mm:ssZ`). */
  STRING = 'String',
}

/** One feature (column) of a feature group. */
export interface FeatureDefinition {
  /**
   * Name of the feature: 1-64 letters, digits, `_` and `-`, starting and ending with a letter or
   * digit; not `is_deleted`, `write_time` or `api_invocation_time` (the offline store's own columns).
   */
  readonly featureName: string;

  /** Type of its values. */
  readonly featureType: FeatureType;
}

/** The table format of the offline store. */
export enum OfflineStoreTableFormat {
  /** AWS Glue (the API's default): a Glue Data Catalog table over the Parquet files. */
  GLUE = 'Glue',
  /** Apache Iceberg: compaction and time travel; queried with Athena engine 3. */
  ICEBERG = 'Iceberg',
}

/**
 * Properties of a `SecureFeatureGroup`.
 */
export interface SecureFeatureGroupProps {
  /**
   * The environment whose key encrypts both stores, whose data bucket holds the offline store and
   * whose network gets the Feature Store runtime endpoint (for the online store).
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * Name of the feature group, unique in the account and Region: 1-64 letters, digits, `_` and
   * `-`, starting and ending with a letter or digit.
   */
  readonly featureGroupName: string;

  /**
   * What the features are and who owns them (1-128 characters): reviewers and the AWS Config rule
   * `sagemaker-featuregroup-description` read it.
   */
  readonly description: string;

  /** The features: at least the record identifier and the event time, at most 2,500. */
  readonly features: FeatureDefinition[];

  /** The feature whose value identifies a record (one of `features`). */
  readonly recordIdentifierFeatureName: string;

  /**
   * The feature that holds each record's event time (one of `features`, of type `STRING` in
   * ISO-8601 or `FRACTIONAL` in Unix epoch seconds).
   */
  readonly eventTimeFeatureName: string;

  /**
   * Keep the latest record per identifier in the online store (`GetRecord` in milliseconds, for
   * inference), encrypted with the environment key (Security Hub SageMaker.18). The Standard
   * storage tier: the InMemory tier takes no customer key.
   *
   * @default false (the SageMaker Python SDK's default: offline store only)
   */
  readonly onlineStore?: boolean;

  /**
   * How long a record stays in the online store after its event time (whole seconds, minutes,
   * hours, days or weeks). Needs `onlineStore`.
   *
   * @default - records stay until deleted or overwritten
   */
  readonly onlineStoreTtl?: Duration;

  /**
   * Keep every record in the offline store (Parquet files in the environment's data bucket,
   * encrypted with the environment key: Security Hub SageMaker.17), for training and batch jobs.
   *
   * @default true
   */
  readonly offlineStore?: boolean;

  /**
   * Where in the environment's data bucket the offline store writes (Feature Store adds
   * `<account>/sagemaker/<region>/offline-store/<group>-<creation time>/`). A key prefix ending in
   * `/`, without wildcards.
   *
   * @default `feature-store/<featureGroupName>/`
   */
  readonly offlineStorePrefix?: string;

  /**
   * The table format of the offline store.
   *
   * @default OfflineStoreTableFormat.GLUE
   */
  readonly tableFormat?: OfflineStoreTableFormat;

  /**
   * What happens to the feature group when it leaves the stack. The online store's records are
   * deleted with the feature group (the offline store's files stay in the retained data bucket),
   * so anything but `RETAIN` is warned about.
   *
   * @default - the environment's `removalPolicy` (`RemovalPolicy.RETAIN` unless it is a sandbox)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A feature group, created by `SecureFeatureGroup` or imported with `fromFeatureGroupAttributes`. */
export interface ISecureFeatureGroup extends IConstruct {
  /** Name of the feature group. */
  readonly featureGroupName: string;

  /** ARN of the feature group. */
  readonly featureGroupArn: string;

  /**
   * Lets `grantee` read records from the online store (`GetRecord`, `BatchGetRecord`).
   *
   * @param grantee who may read records
   */
  grantReadRecords(grantee: iam.IGrantable): iam.Grant;

  /**
   * Lets `grantee` write and delete records (`PutRecord`, `DeleteRecord`).
   *
   * @param grantee who may write records
   */
  grantWriteRecords(grantee: iam.IGrantable): iam.Grant;
}

/** A feature group defined elsewhere (another stack, app or tool), for its grants. */
export interface SecureFeatureGroupAttributes {
  /** Name of the feature group, in this stack's account and Region. */
  readonly featureGroupName: string;

  /**
   * The customer-managed key of its online store: Feature Store checks the data-plane caller's
   * `kms:Decrypt` on it, so the record grants include that.
   *
   * @default - no key permission (a group without an online store, or on an AWS owned key)
   */
  readonly onlineStoreKey?: kms.IKey;
}

/** CreateFeatureGroup's pattern for feature group and feature names. */
const NAME_PATTERN = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;
/** The offline store's own columns. */
const RESERVED_FEATURE_NAMES = ['is_deleted', 'write_time', 'api_invocation_time'];
const MAX_FEATURES = 2500;
/** TtlDuration units, largest first, with their length in seconds. */
const TTL_UNITS: Array<[string, number]> = [['Weeks', 604800], ['Days', 86400], ['Hours', 3600], ['Minutes', 60], ['Seconds', 1]];

/**
 * An Amazon SageMaker Feature Store feature group, locked down by default:
 *
 * - the offline store in the environment's data bucket under its own prefix, encrypted with the
 *   environment key (Security Hub SageMaker.17), written by a role of its own that SageMaker
 *   assumes for this account only, which may write under that prefix only (the bucket's
 *   VPC-endpoint restriction exempts it by the execution-role tag, as it does job roles: Feature
 *   Store writes from its own side);
 * - optionally an online store (Standard tier) encrypted with the environment key (SageMaker.18),
 *   reached from the VPC through the environment's Feature Store runtime interface endpoint;
 * - a description and the environment tag (the AWS Config rule and the pack's tagging rule), a
 *   name claimed against every other feature group of the app, retained when removed from the
 *   stack.
 *
 * Grant record access with `grantReadRecords` and `grantWriteRecords`, the offline store's files
 * with `grantReadOfflineStore`; admit a workload's security group to the runtime endpoint with
 * `allowRecordAccessFrom`.
 */
export class SecureFeatureGroup extends Construct implements ISecureFeatureGroup {
  /**
   * A feature group defined elsewhere, by name (and the key of its online store), for its grants.
   *
   * @param scope the scope
   * @param id construct ID
   * @param attrs the feature group's name and online store key
   */
  public static fromFeatureGroupAttributes(scope: Construct, id: string, attrs: SecureFeatureGroupAttributes): ISecureFeatureGroup {
    validateFeatureGroupName(scope, attrs.featureGroupName, ' of `SecureFeatureGroup.fromFeatureGroupAttributes`');
    return new ImportedFeatureGroup(scope, id, attrs);
  }

  /** Name of the feature group. */
  public readonly featureGroupName: string;

  /** ARN of the feature group (its name in lowercase, as IAM authorizes it). */
  public readonly featureGroupArn: string;

  /** The environment the feature group belongs to. */
  public readonly environment: ISageMakerEnvironment;

  /** Whether the feature group has an online store. */
  public readonly onlineStoreEnabled: boolean;

  /** The offline store's key prefix in the environment's data bucket, when it has an offline store. */
  public readonly offlineStorePrefix?: string;

  /** The role Feature Store writes the offline store with, when it has an offline store. */
  public readonly offlineStoreRole?: iam.IRole;

  /** The feature group resource. */
  public readonly featureGroup: sagemaker.CfnFeatureGroup;

  constructor(scope: Construct, id: string, props: SecureFeatureGroupProps) {
    super(scope, id);

    const env = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const online = props.onlineStore ?? false;
    const offline = props.offlineStore ?? true;
    const removalPolicy = props.removalPolicy ?? env.removalPolicy;
    validateProps(this, props, online, offline, removalPolicy);
    this.onlineStoreEnabled = online;
    this.featureGroupName = props.featureGroupName;
    claimSageMakerName(this, NAME_KINDS.featureGroup, props.featureGroupName);

    const stack = Stack.of(this);
    this.featureGroupArn = stack.formatArn({ service: 'sagemaker', resource: 'feature-group', resourceName: arnResourceName(props.featureGroupName) });
    const key = env.key;

    // CfnFeatureGroup takes both store configurations as JSON: written in CloudFormation's (the API's) casing.
    let offlineStoreConfig: Record<string, unknown> | undefined;
    let role: SageMakerWorkloadRole | undefined;
    if (offline) {
      const prefix = props.offlineStorePrefix ?? `feature-store/${props.featureGroupName}/`;
      this.offlineStorePrefix = prefix;
      role = new SageMakerWorkloadRole(this, 'OfflineStoreRole', { description: `Feature Store writes the offline store of feature group ${props.featureGroupName} with this role` });
      // SageMaker writes the files from its own side: the buckets' VPC-endpoint restriction exempts the role by this tag.
      Tags.of(role).add(EXECUTION_ROLE_TAG, env.environmentName);
      this.offlineStoreRole = role;
      // PutObject and GenerateDataKey through S3 under the prefix (the AmazonSageMakerFeatureStoreAccess
      // managed policy's actions, narrowed from every bucket named *sagemaker* to this prefix).
      env.dataBucket.grantWrite(role, prefix);
      const objects = env.dataBucket.bucket.arnForObjects(`${prefix}*`);
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OfflineStoreObjectAcl', actions: ['s3:PutObjectAcl'], resources: [objects] }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OfflineStoreBucketAcl', actions: ['s3:GetBucketAcl'], resources: [env.dataBucket.bucketArn] }));
      // The object wildcard is the write grant's own, acknowledged there.
      offlineStoreConfig = {
        S3StorageConfig: { S3Uri: `s3://${env.dataBucket.bucketName}/${prefix}`, KmsKeyId: key.keyArn },
        TableFormat: props.tableFormat ?? OfflineStoreTableFormat.GLUE,
      };
    }

    let onlineStoreConfig: Record<string, unknown> | undefined;
    if (online) {
      onlineStoreConfig = {
        EnableOnlineStore: true,
        StorageType: 'Standard',
        SecurityConfig: { KmsKeyId: key.keyArn },
        TtlDuration: props.onlineStoreTtl ? ttlDuration(this, props.onlineStoreTtl) : undefined,
      };
      // Code in the VPC reaches the online store only through the runtime endpoint; workloads are
      // admitted to it by `allowRecordAccessFrom`.
      requireEndpointsWithoutConsumer(env.network, [SageMakerEndpointService.FEATURESTORE_RUNTIME]);
    }

    this.featureGroup = new sagemaker.CfnFeatureGroup(this, 'Resource', {
      featureGroupName: props.featureGroupName,
      description: props.description,
      recordIdentifierFeatureName: props.recordIdentifierFeatureName,
      eventTimeFeatureName: props.eventTimeFeatureName,
      featureDefinitions: props.features.map((f) => ({ featureName: f.featureName, featureType: f.featureType })),
      offlineStoreConfig,
      onlineStoreConfig,
      roleArn: role?.roleArn,
    });
    this.featureGroup.applyRemovalPolicy(removalPolicy);
    if (role) {
      // CreateFeatureGroup checks that SageMaker can assume the role and write with it.
      this.featureGroup.node.addDependency(role);
    }
    if (removalPolicy !== RemovalPolicy.RETAIN) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:FeatureGroupNotRetained',
        `removalPolicy is ${removalPolicy}: the feature group can be deleted with the stack${online ? ', and the online store\'s records with it' : ''} (the offline store's files stay in the data bucket). Keep RETAIN outside throwaway sandboxes.`);
    }
    Tags.of(this).add(ENVIRONMENT_TAG, env.environmentName);
  }

  /**
   * Lets `grantee` read records from the online store: `sagemaker:GetRecord` and
   * `sagemaker:BatchGetRecord` on this feature group, and `kms:Decrypt` on the environment key,
   * which Feature Store's data plane checks for the caller of a group encrypted with a customer
   * key (the key policy refuses the key's direct use, so only Feature Store and the other
   * services use it for the caller). A role the library did not create gets a customer-managed
   * policy. Needs `onlineStore`.
   *
   * @param grantee who may read records
   */
  public grantReadRecords(grantee: iam.IGrantable): iam.Grant {
    if (!this.onlineStoreEnabled) {
      throw validationError(this, 'NoOnlineStore',
        '`grantReadRecords` on a feature group without an online store: GetRecord and BatchGetRecord read the online store only. Set `onlineStore: true`, or read the offline store with `grantReadOfflineStore`.');
    }
    return this.recordGrant(grantee, perms.FEATURE_STORE_READ_RECORDS);
  }

  /**
   * Lets `grantee` write and delete records: `sagemaker:PutRecord` and `sagemaker:DeleteRecord` on
   * this feature group (Feature Store writes them to the online store and, with its own role, to
   * the offline store), and with an online store `kms:Decrypt` on the environment key as for
   * `grantReadRecords`.
   *
   * @param grantee who may write records
   */
  public grantWriteRecords(grantee: iam.IGrantable): iam.Grant {
    return this.recordGrant(grantee, perms.FEATURE_STORE_WRITE_RECORDS);
  }

  /**
   * Lets `grantee` read the offline store's files (training and batch jobs, Athena queries by a
   * role): the data bucket's read grant on the offline store prefix. Needs `offlineStore`.
   *
   * @param grantee who may read the offline store
   */
  public grantReadOfflineStore(grantee: iam.IGrantable): iam.Grant {
    if (this.offlineStorePrefix === undefined) {
      throw validationError(this, 'NoOfflineStore',
        '`grantReadOfflineStore` on a feature group without an offline store (`offlineStore: false`). Keep the offline store (the default), or read records with `grantReadRecords`.');
    }
    return this.environment.dataBucket.grantRead(grantee, this.offlineStorePrefix);
  }

  /**
   * Admits a workload in the environment's VPC (its security group) to the Feature Store runtime
   * interface endpoint, the only way it reaches the online store or writes records from the VPC.
   *
   * @param consumer a notebook, job or function in the environment's VPC
   */
  public allowRecordAccessFrom(consumer: ec2.IConnectable): void {
    this.environment.network.requireEndpoints(consumer, [SageMakerEndpointService.FEATURESTORE_RUNTIME]);
  }

  private recordGrant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return recordGrant(grantee, actions, this.featureGroupArn, this.onlineStoreEnabled ? this.environment.key : undefined);
  }
}

/** A feature group from `SecureFeatureGroup.fromFeatureGroupAttributes`. */
class ImportedFeatureGroup extends Resource implements ISecureFeatureGroup {
  public readonly featureGroupName: string;
  public readonly featureGroupArn: string;
  private readonly onlineStoreKey?: kms.IKey;

  constructor(scope: Construct, id: string, attrs: SecureFeatureGroupAttributes) {
    super(scope, id);
    this.featureGroupName = attrs.featureGroupName;
    this.featureGroupArn = Stack.of(this).formatArn({
      service: 'sagemaker', resource: 'feature-group', resourceName: arnResourceName(attrs.featureGroupName), arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.onlineStoreKey = attrs.onlineStoreKey;
  }

  public grantReadRecords(grantee: iam.IGrantable): iam.Grant {
    return recordGrant(grantee, perms.FEATURE_STORE_READ_RECORDS, this.featureGroupArn, this.onlineStoreKey);
  }

  public grantWriteRecords(grantee: iam.IGrantable): iam.Grant {
    return recordGrant(grantee, perms.FEATURE_STORE_WRITE_RECORDS, this.featureGroupArn, this.onlineStoreKey);
  }
}

/** The record actions on the group, and `kms:Decrypt` on its online store key when it has one. */
function recordGrant(grantee: iam.IGrantable, actions: string[], featureGroupArn: string, onlineStoreKey?: kms.IKey): iam.Grant {
  const records = grantOnPrincipal({ grantee, actions, resourceArns: [featureGroupArn] });
  if (!onlineStoreKey) {
    return records;
  }
  return records.combine(grantOnPrincipal({ grantee, actions: perms.KMS_DECRYPT, resourceArns: [onlineStoreKey.keyArn] }));
}

/** The TtlDuration of a Duration: the largest unit it is a whole number of (a token: seconds). */
function ttlDuration(scope: Construct, ttl: Duration): { Unit: string; Value: number } {
  validateWholeSeconds(scope, 'onlineStoreTtl', ttl, {
    code: 'InvalidOnlineStoreTtl',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    outOfRange: () => `\`onlineStoreTtl\` is ${ttl.toHumanString()}: Feature Store takes a whole number of seconds, minutes, hours, days or weeks, at least 1 second. Use for example \`Duration.days(30)\`.`,
  });
  if (ttl.isUnresolved()) {
    return { Unit: 'Seconds', Value: ttl.toSeconds() };
  }
  const seconds = ttl.toSeconds();
  const [unit, length] = TTL_UNITS.find(([, l]) => seconds % l === 0)!;
  return { Unit: unit, Value: seconds / length };
}

/** CreateFeatureGroup's name pattern; `where` names the method the name was given to. */
function validateFeatureGroupName(scope: Construct, name: string, where: string): void {
  if (!Token.isUnresolved(name) && !NAME_PATTERN.test(name)) {
    throw validationError(scope, 'InvalidFeatureGroupName',
      `\`featureGroupName\` '${name}'${where} must be 1-64 letters, digits, '_' and '-', starting and ending with a letter or digit (CreateFeatureGroup's pattern), such as 'customers-churn'.`);
  }
}

function validateProps(scope: Construct, props: SecureFeatureGroupProps, online: boolean, offline: boolean, removalPolicy: RemovalPolicy): void {
  validateFeatureGroupName(scope, props.featureGroupName, '');
  const description = props.description;
  if (!Token.isUnresolved(description) && (description.trim().length === 0 || description.length > 128)) {
    throw validationError(scope, 'InvalidDescription',
      `\`description\` is ${description.trim().length === 0 ? 'empty' : `${description.length} characters`}: give 1-128 characters saying what the features are and who owns them.`);
  }
  const features = props.features;
  if (features.length < 1 || features.length > MAX_FEATURES) {
    throw validationError(scope, 'InvalidFeatures',
      `\`features\` has ${features.length} entries: a feature group has 1 to ${MAX_FEATURES} features, among them the record identifier and the event time.`);
  }
  const seen = new Set<string>();
  for (const f of features) {
    if (Token.isUnresolved(f.featureName)) {
      continue;
    }
    if (!NAME_PATTERN.test(f.featureName)) {
      throw validationError(scope, 'InvalidFeatureName',
        `\`features\` entry '${f.featureName}' must be 1-64 letters, digits, '_' and '-', starting and ending with a letter or digit, such as 'customer_id'.`);
    }
    if (RESERVED_FEATURE_NAMES.includes(f.featureName.toLowerCase())) {
      throw validationError(scope, 'ReservedFeatureName',
        `\`features\` entry '${f.featureName}' is a column the offline store adds itself (${RESERVED_FEATURE_NAMES.join(', ')}). Rename the feature.`);
    }
    if (seen.has(f.featureName.toLowerCase())) {
      throw validationError(scope, 'DuplicateFeatureName',
        `\`features\` names '${f.featureName}' twice (feature names are compared without case). Keep one definition per feature.`);
    }
    seen.add(f.featureName.toLowerCase());
  }
  const find = (featureName: string) => features.find((f) => f.featureName === featureName);
  for (const [prop, featureName] of [['recordIdentifierFeatureName', props.recordIdentifierFeatureName], ['eventTimeFeatureName', props.eventTimeFeatureName]]) {
    if (!Token.isUnresolved(featureName) && features.every((f) => !Token.isUnresolved(f.featureName)) && !find(featureName)) {
      throw validationError(scope, 'UndefinedFeature',
        `\`${prop}\` '${featureName}' is not one of \`features\` (${features.map((f) => f.featureName).join(', ')}). Add its definition to \`features\`.`);
    }
  }
  const eventTime = find(props.eventTimeFeatureName);
  if (eventTime && eventTime.featureType === FeatureType.INTEGRAL) {
    throw validationError(scope, 'InvalidEventTimeType',
      `\`eventTimeFeatureName\` '${eventTime.featureName}' is an INTEGRAL feature: an event time is a STRING (ISO-8601) or a FRACTIONAL (Unix epoch seconds). Change its \`featureType\`.`);
  }
  if (!online && !offline) {
    throw validationError(scope, 'NoStore',
      '`onlineStore` is false and `offlineStore` is false: a feature group needs at least one store. Keep the offline store (the default) or set `onlineStore: true`.');
  }
  if (props.onlineStoreTtl !== undefined && !online) {
    throw validationError(scope, 'TtlWithoutOnlineStore',
      '`onlineStoreTtl` is set but `onlineStore` is false: the time to live applies to the online store only. Set `onlineStore: true` or drop `onlineStoreTtl`.');
  }
  const prefix = props.offlineStorePrefix;
  if (prefix !== undefined) {
    if (!offline) {
      throw validationError(scope, 'PrefixWithoutOfflineStore',
        '`offlineStorePrefix` is set but `offlineStore` is false. Keep the offline store or drop `offlineStorePrefix`.');
    }
    if (!Token.isUnresolved(prefix) && (!/^[A-Za-z0-9!_.'()/-]+\/$/.test(prefix) || prefix.startsWith('/') || prefix.includes('//'))) {
      throw validationError(scope, 'InvalidOfflineStorePrefix',
        `\`offlineStorePrefix\` '${prefix}' must be an S3 key prefix ending in '/', without wildcards, a leading '/' or empty segments, such as 'feature-store/customers/'.`);
    }
  }
  if (removalPolicy === RemovalPolicy.SNAPSHOT) {
    throw validationError(scope, 'SnapshotRemovalPolicy',
      '`removalPolicy` is SNAPSHOT, which CloudFormation does not support for feature groups. Use RETAIN (the default), RETAIN_ON_UPDATE_OR_DELETE or DESTROY.');
  }
}
