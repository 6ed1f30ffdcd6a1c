import { Annotations, Duration, Names, RemovalPolicy, Resource, Stack, Stage, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { EndpointPerimeter } from './endpoint-perimeter';
import { ISageMakerEnvironment, ISageMakerNetwork, ISecureBucket } from './interfaces';
import {
  dataUseThroughServicesOnlyStatement, deploymentRoleArnOf, grantsForAwsResourcesOnlyStatement, keyAdministrationStatement, logGroupsStatement,
  sageMakerGrantsStatement, serviceDeliveryStatement,
} from './key-policy';
import { ExistingInterfaceEndpoint, SageMakerNetwork } from './sagemaker-network';
import { writeAcknowledgementsIntoTemplates } from '../nag/acknowledgement-writer';
import { acknowledge, acknowledgeImportedLogGroupKey, FINDINGS, RuleId } from '../private/acknowledge';
import { PrefixGrants } from '../private/bucket-grants';
import { applyBucketHygiene } from '../private/bucket-hygiene';
import { acknowledgeAutoDeleteProvider, autoDeleteProviderRoleArn } from '../private/cdk-providers';
import { validationError } from '../private/errors';
import * as perms from '../private/perms';
import { principalArnsOf } from '../private/principals';
import { ENVIRONMENT_TAG, EXECUTION_ROLE_TAG, NOTEBOOK_ROLE_TAGS, STUDIO_USER_TAG } from '../private/tags';

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
   * Whose principals and resources the interface endpoints the environment creates admit.
   *
   * @default - see `SageMakerNetworkProps.endpointPerimeter`
   */
  readonly endpointPerimeter?: EndpointPerimeter;

  /**
   * A DNS Firewall on the VPC that answers only AWS service domains and `allowedDnsDomains`.
   *
   * @default - see `SageMakerNetworkProps.dnsFirewall`
   */
  readonly dnsFirewall?: boolean;

  /**
   * Further domains workloads may resolve through the DNS Firewall.
   *
   * @default - see `SageMakerNetworkProps.allowedDnsDomains`
   */
  readonly allowedDnsDomains?: string[];

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
   * The IAM roles or users that administer the environment's key: change its policy, disable or
   * enable it, schedule or cancel its deletion, change its rotation, aliases, tags or description,
   * revoke its grants. Every other principal is denied these in the key policy, whatever its IAM
   * policies allow; the account's root user always keeps them (break-glass). Name the principal
   * that deploys the stack: KMS refuses a key policy that locks out the principal putting it, so a
   * wrong list fails the deployment rather than orphaning the key.
   *
   * Applies to the key the environment creates, and to an `encryptionKey` defined in this app
   * when set. Existing deployments: the next deploy adds the deny; deploy with the role named here.
   *
   * @default - the role CloudFormation deploys the stack with, when the stack's synthesizer names
   * one (`DefaultStackSynthesizer`: the bootstrapped `cfn-exec-role`). With a synthesizer that
   * deploys with the caller's credentials the administration is not restricted, and a warning
   * says so.
   */
  readonly keyAdministrators?: iam.IPrincipal[];

  /**
   * Deny decrypting, encrypting, re-encrypting and generating data keys with the environment's
   * key unless an AWS service makes the request (S3 for an object, EBS or EFS for a volume,
   * SageMaker for a job, SNS or SQS for a message, CloudWatch Logs, EventBridge and CloudTrail
   * themselves). Stolen credentials, or a principal allowed `kms:*`, then cannot decrypt through
   * the KMS API; data stays behind the services whose policies judge who reads it. Turn off
   * (warned) only for client-side encryption with the key.
   *
   * Applies to the key the environment creates, and to an `encryptionKey` defined in this app
   * when set to `true`.
   *
   * @default true
   */
  readonly keyDataUseThroughServicesOnly?: boolean;

  /**
   * How long the environment's log groups (flow logs, and the workloads' logs) are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Deny object reads, writes and deletes on the data and artifacts buckets that do not come
   * through the environment's S3 gateway endpoint, to every principal but
   * `bucketBreakGlassPrincipals`, AWS services acting for a principal or as themselves, and the
   * execution roles SageMaker uses for the environment's training jobs and models (tagged
   * `SageMakerEnvironment.EXECUTION_ROLE_TAG`). Stolen human or CI credentials replayed from
   * outside the VPC read nothing. Uploads from laptops and CI then go through the VPC or a
   * break-glass principal.
   *
   * Existing deployments: the next deploy adds the deny. Name the principals that upload from
   * outside the VPC in `bucketBreakGlassPrincipals` first, or set `false` (warned).
   *
   * @default true
   */
  readonly restrictBucketsToVpcEndpoint?: boolean;

  /**
   * IAM roles or users that may still read, write and delete objects of the data and artifacts
   * buckets from outside the VPC (break-glass, an ingestion or CI role), named by
   * `aws:PrincipalArn`.
   *
   * @default - none
   */
  readonly bucketBreakGlassPrincipals?: iam.IPrincipal[];

  /**
   * Deny object reads, writes and deletes on the data and artifacts buckets by the roles of
   * notebooks and Studio users (the credentials code in a notebook or app can read) unless they
   * arrive through the environment's S3 gateway endpoint, or through an AWS service acting for
   * the role (`aws:ViaAWSService`). Stolen notebook or Studio credentials replayed from outside
   * the VPC then read and write nothing. Other principals (humans, CI) are not affected: for them
   * see `restrictBucketsToVpcEndpoint`.
   *
   * @default true
   */
  readonly restrictInteractiveRolesToVpcEndpoint?: boolean;

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

/** The optional statements of `SageMakerEnvironment.keyPolicyStatements`. */
export interface KeyPolicyOptions {
  /**
   * Deny the key's administration to every principal but these and the account's root user
   * (see `SageMakerEnvironmentProps.keyAdministrators`).
   *
   * @default - administration is not restricted
   */
  readonly administrators?: iam.IPrincipal[];

  /**
   * Deny the key's data use unless an AWS service makes the request
   * (see `SageMakerEnvironmentProps.keyDataUseThroughServicesOnly`).
   *
   * @default false
   */
  readonly dataUseThroughServicesOnly?: boolean;
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
   * The tag key (value: the environment name) that marks an execution role SageMaker itself uses
   * for the environment's training jobs and models. The data and artifacts buckets'
   * `restrictBucketsToVpcEndpoint` exempts roles carrying it, because SageMaker may reach the
   * buckets for them from its own side. The library tags its training and model roles; tag a role
   * of yours only when SageMaker alone assumes it and no code can read its credentials (not a
   * notebook's or a person's role).
   */
  public static readonly EXECUTION_ROLE_TAG: string = EXECUTION_ROLE_TAG;

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
   * attaches, CloudWatch alarms and EventBridge for the encrypted alarm and alert topics, and a
   * deny of grants that are not for AWS resources (no principal can hand the key to another). A
   * key passed as `encryptionKey` from this app gets them automatically; add them to the policy of
   * a key managed elsewhere.
   *
   * With `options`, also the deny of the key's administration to all but its administrators and
   * the deny of its data use outside AWS services (the environment's `keyAdministrators` and
   * `keyDataUseThroughServicesOnly`).
   *
   * @param scope a construct in the stack of the environment (its account and Region are used)
   * @param environmentName the environment's `environmentName`
   * @param options the administration and data-use denies
   */
  public static keyPolicyStatements(scope: IConstruct, environmentName: string, options: KeyPolicyOptions = {}): iam.PolicyStatement[] {
    return [
      logGroupsStatement(scope, [`${logGroupPrefixOf(environmentName)}/*`]),
      sageMakerGrantsStatement(scope),
      serviceDeliveryStatement(scope, 'cloudwatch'),
      serviceDeliveryStatement(scope, 'events'),
      grantsForAwsResourcesOnlyStatement(),
      ...(options.administrators ? [keyAdministrationStatement(scope, principalArnsOf(scope, 'administrators', options.administrators))] : []),
      ...(options.dataUseThroughServicesOnly ? [dataUseThroughServicesOnlyStatement()] : []),
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

    if (props.keyAdministrators) {
      principalArnsOf(this, 'keyAdministrators', props.keyAdministrators);
    }
    if (props.bucketBreakGlassPrincipals) {
      principalArnsOf(this, 'bucketBreakGlassPrincipals', props.bucketBreakGlassPrincipals);
      if (props.bucketBreakGlassPrincipals.length && props.restrictBucketsToVpcEndpoint === false) {
        throw validationError(this, 'BreakGlassWithoutRestriction',
          '`bucketBreakGlassPrincipals` exempts principals from `restrictBucketsToVpcEndpoint`, which is false, so it would change nothing. Drop `restrictBucketsToVpcEndpoint: false` (the restriction is the default), or drop `bucketBreakGlassPrincipals`.');
      }
    }
    if (props.encryptionKey) {
      this.key = props.encryptionKey;
      if (Resource.isOwnedResource(props.encryptionKey)) {
        // A key of this app: add what the environment needs (an imported key's policy cannot be changed).
        SageMakerEnvironment.keyPolicyStatements(this, this.environmentName, {
          administrators: props.keyAdministrators,
          dataUseThroughServicesOnly: props.keyDataUseThroughServicesOnly === true,
        }).forEach((st) => props.encryptionKey!.addToResourcePolicy(st));
      } else {
        for (const prop of ['keyAdministrators', 'keyDataUseThroughServicesOnly'] as const) {
          if (props[prop] !== undefined) {
            throw validationError(this, 'KeyPolicyOfImportedKey',
              `\`${prop}\` changes the key policy, but \`encryptionKey\` is imported and its policy cannot be changed here. Add \`SageMakerEnvironment.keyPolicyStatements(scope, '${this.environmentName}', { administrators, dataUseThroughServicesOnly })\` to the key where it is defined, and drop \`${prop}\`.`);
          }
        }
        Annotations.of(this).addWarningV2('cdk-secure-sagemaker:ImportedKeyPolicy',
          `\`encryptionKey\` is imported, so its key policy cannot be changed here. It must let CloudWatch Logs use the key for log groups under ${this.logGroupPrefix}/ (the flow logs and every workload's logs), ` +
          'let SageMaker create grants for this account (kms:CreateGrant via SageMaker, GrantIsForAWSResource), let cloudwatch.amazonaws.com and events.amazonaws.com use it (kms:Decrypt, kms:GenerateDataKey*) for the encrypted alarm and alert topics, and deny grants that are not for AWS resources. ' +
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
      SageMakerEnvironment.keyPolicyStatements(this, this.environmentName, {
        administrators: props.keyAdministrators ?? this.defaultKeyAdministrators(),
        dataUseThroughServicesOnly: props.keyDataUseThroughServicesOnly ?? true,
      }).forEach((st) => key.addToResourcePolicy(st));
      if (props.keyDataUseThroughServicesOnly === false) {
        Annotations.of(this).addWarningV2('cdk-secure-sagemaker:KeyDataUseOutsideServices',
          '`keyDataUseThroughServicesOnly` is false: any principal whose IAM policies allow it can decrypt with the environment\'s key through the KMS API, outside the services whose policies guard the data. Keep the default unless workloads encrypt client-side with the key.');
      }
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
      endpointPerimeter: props.endpointPerimeter,
      dnsFirewall: props.dnsFirewall,
      allowedDnsDomains: props.allowedDnsDomains,
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
      restrictToVpcEndpoint: props.restrictBucketsToVpcEndpoint ?? true,
      breakGlassPrincipals: props.bucketBreakGlassPrincipals,
      restrictInteractiveRolesToVpcEndpoint: props.restrictInteractiveRolesToVpcEndpoint ?? true,
      removalPolicy: this.removalPolicy,
      emptyOnDelete,
    };
    this.dataBucket = new SecureBucket(this, 'DataBucket', { ...bucketProps, serverAccessLogsPrefix: 'data/' });
    this.artifactsBucket = new SecureBucket(this, 'ArtifactsBucket', { ...bucketProps, serverAccessLogsPrefix: 'artifacts/' });

    if (props.restrictBucketsToVpcEndpoint === false) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:BucketsOutsideVpc',
        '`restrictBucketsToVpcEndpoint` is false: any principal whose IAM policies allow it (stolen human or CI credentials included) can read and write the data and artifacts buckets from anywhere. Keep the default and name the principals that upload from outside the VPC in `bucketBreakGlassPrincipals`.');
    }
    if (props.restrictInteractiveRolesToVpcEndpoint === false) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:InteractiveRolesOutsideVpc',
        '`restrictInteractiveRolesToVpcEndpoint` is false: notebook and Studio credentials taken out of the VPC (by code in a notebook or app) can read and write the data and artifacts buckets from anywhere. Keep the default unless those roles must reach the buckets from outside the VPC.');
    }

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

    Tags.of(this).add(ENVIRONMENT_TAG, this.environmentName);
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

  /** The deployment role, or none (warned) when the stack deploys with the caller's credentials. */
  private defaultKeyAdministrators(): iam.IPrincipal[] | undefined {
    const role = deploymentRoleArnOf(this);
    if (role === undefined) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:KeyAdministratorsUnknown',
        'The stack\'s synthesizer deploys with the caller\'s credentials, so the environment cannot tell who administers its key: any principal whose IAM policies allow it can disable the key, schedule its deletion or rewrite its policy. Set `keyAdministrators` to the roles that deploy and administer the stack.');
      return undefined;
    }
    return [new iam.ArnPrincipal(role)];
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
  acknowledgeImportedLogGroupKey(group.node.defaultChild as logs.CfnLogGroup, env.key.keyArn);
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
const NOT_RETAINED_FINDINGS: RuleId[] = [
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

// SecureBucket lives in this module: the environment creates its buckets, and a bucket given no
// environment uses (and creates) the stack's default one, so each needs the other.

/**
 * Properties of a `SecureBucket`.
 */
export interface SecureBucketProps {
  /**
   * The environment whose key and access-logs bucket this bucket uses when they are not given.
   *
   * @default - the stack's default environment (`SageMakerEnvironment.of(this)`), created on first use
   */
  readonly environment?: SageMakerEnvironment;

  /**
   * The customer-managed KMS key that encrypts every object (SSE-KMS with an S3 Bucket Key).
   *
   * @default - the environment's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Where S3 server access logs of this bucket go.
   *
   * @default - the environment's access-logs bucket
   */
  readonly serverAccessLogsBucket?: AccessLogsBucket;

  /**
   * Key prefix of this bucket's access logs in the access-logs bucket.
   *
   * @default - `<unique id of this bucket>/`
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * Deny object reads, writes and deletes that do not arrive through the network's S3 gateway
   * endpoint (`aws:SourceVpce`), except for `breakGlassPrincipals`, AWS services acting for a
   * principal (`aws:ViaAWSService`) or as themselves, the execution roles of `environment`'s
   * training jobs and models (tagged `SageMakerEnvironment.EXECUTION_ROLE_TAG` with its name), and
   * the bucket's own auto-delete handler (`emptyOnDelete`). Bucket configuration stays
   * manageable from outside the VPC. Requires `network`.
   *
   * @default false (the environment's data and artifacts buckets: true)
   */
  readonly restrictToVpcEndpoint?: boolean;

  /**
   * IAM roles or users that `restrictToVpcEndpoint` does not bind: they may read, write and delete
   * objects from outside the VPC (break-glass, an ingestion or CI role). Named by
   * `aws:PrincipalArn`. Needs `restrictToVpcEndpoint`.
   *
   * @default - none
   */
  readonly breakGlassPrincipals?: iam.IPrincipal[];

  /**
   * Deny object reads, writes and deletes by the roles of notebooks and Studio users (roles
   * tagged `secure-sagemaker-notebook-job-role` or `secure-sagemaker-studio-user`) that do not
   * arrive through the network's S3 gateway endpoint or through an AWS service acting for them.
   * Requires `network`.
   *
   * @default false (the environment's data and artifacts buckets: true)
   */
  readonly restrictInteractiveRolesToVpcEndpoint?: boolean;

  /**
   * The network whose S3 gateway endpoint is the only allowed path when `restrictToVpcEndpoint` is set.
   * The bucket is also added to that endpoint's policy.
   *
   * @default - no network: the bucket is not restricted to a VPC endpoint
   */
  readonly network?: ISageMakerNetwork;

  /**
   * A physical name for the bucket.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly bucketName?: string;

  /**
   * What happens to the bucket when it leaves the stack. Anything but `RETAIN` is warned about.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Delete every object version when CloudFormation deletes the bucket, so that a sandbox stack
   * can be torn down. Needs `removalPolicy: RemovalPolicy.DESTROY`. Adds aws-cdk-lib's
   * auto-delete custom resource.
   *
   * @default false
   */
  readonly emptyOnDelete?: boolean;

  /**
   * Delete object versions this long after they become noncurrent (overwritten or deleted), in
   * whole days. Every bucket has a lifecycle rule that aborts incomplete multipart uploads after
   * 7 days and removes expired delete markers; this adds the expiry of old versions.
   *
   * @default - noncurrent versions are kept: they are how overwritten or deleted data is recovered
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * What `SecureBucket.fromBucketAttributes` needs to use a bucket created elsewhere.
 */
export interface SecureBucketAttributes {
  /** Name of the bucket. */
  readonly bucketName: string;

  /** The customer-managed key that encrypts the bucket's objects. */
  readonly encryptionKey: kms.IKey;
}

/**
 * An S3 bucket for SageMaker data and artifacts that is locked down by default.
 *
 * - SSE-KMS with the customer key and an S3 Bucket Key; uploads naming another key are denied
 * - all public access blocked, ACLs disabled (BucketOwnerEnforced), versioning on
 * - a lifecycle rule (incomplete uploads aborted after 7 days, expired delete markers removed,
 *   old versions kept unless `noncurrentVersionExpiration`), event notifications to EventBridge
 * - TLS-only (TLS 1.2 or later) for the bucket and its objects
 * - server access logs to the environment's access-logs bucket
 * - optionally reachable only through the VPC's S3 gateway endpoint
 * - retained when removed from the stack
 *
 * Grants are prefix-scoped: `grantRead(role, 'team-a/')` gives `s3:GetObject` on
 * `team-a/*` only, `s3:ListBucket` only for that prefix, and `kms:Decrypt` only through S3 for
 * this bucket.
 */
export class SecureBucket extends Construct implements ISecureBucket {
  /**
   * A bucket created elsewhere (another stack or app), with the same prefix-scoped grants. Its
   * policies (TLS only, key enforcement, VPC endpoint restriction) are its owner's: nothing is
   * added to them here.
   *
   * @param scope the construct to define the import in
   * @param id construct ID
   * @param attrs the bucket's name and key
   */
  public static fromBucketAttributes(scope: Construct, id: string, attrs: SecureBucketAttributes): ISecureBucket {
    return new ImportedSecureBucket(scope, id, attrs);
  }

  /** The underlying bucket, for constructs that take an `IBucket`. */
  public readonly bucket: s3.IBucket;

  /** The key that encrypts the objects. */
  public readonly encryptionKey: kms.IKey;

  /** Name of the bucket. */
  public readonly bucketName: string;

  /** ARN of the bucket. */
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);

    for (const prop of ['restrictToVpcEndpoint', 'restrictInteractiveRolesToVpcEndpoint'] as const) {
      if (props[prop] && !props.network) {
        throw validationError(this, 'RestrictionWithoutNetwork',
          `\`${prop}\` is set but \`network\` is not: a bucket can only be restricted to the S3 gateway endpoint of a known network. Pass \`network\` (for example \`environment.network\`) or drop \`${prop}\`.`);
      }
    }
    if (props.breakGlassPrincipals?.length && !props.restrictToVpcEndpoint) {
      throw validationError(this, 'BreakGlassWithoutRestriction',
        '`breakGlassPrincipals` exempts principals from `restrictToVpcEndpoint`, which is not set, so it would change nothing. Set `restrictToVpcEndpoint: true` (with `network`), or drop `breakGlassPrincipals`.');
    }
    const breakGlass = principalArnsOf(this, 'breakGlassPrincipals', props.breakGlassPrincipals ?? []);

    if (props.bucketName !== undefined && !Token.isUnresolved(props.bucketName)) {
      try {
        s3.Bucket.validateBucketName(props.bucketName);
      } catch (e) {
        throw validationError(this, 'InvalidBucketName', `\`bucketName\`: ${(e as Error).message}`);
      }
    }
    if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
      throw validationError(this, 'SnapshotRemovalPolicy',
        '`removalPolicy` is SNAPSHOT, which CloudFormation rejects for S3 buckets. Use RETAIN (the default), RETAIN_ON_UPDATE_OR_DELETE or DESTROY.');
    }
    const logsPrefix = props.serverAccessLogsPrefix;
    if (logsPrefix !== undefined && !Token.isUnresolved(logsPrefix) && /[*?]|\$\{/.test(logsPrefix)) {
      throw validationError(this, 'InvalidAccessLogsPrefix',
        `\`serverAccessLogsPrefix\` '${logsPrefix}' contains a wildcard or a policy variable ('*', '?', '\${'), which would widen the log delivery grant on the access-logs bucket. Use a plain prefix such as 'data-bucket/'.`);
    }

    if (props.emptyOnDelete && props.removalPolicy !== RemovalPolicy.DESTROY) {
      throw validationError(this, 'EmptyOnDeleteWithoutDestroy',
        `\`emptyOnDelete\` empties the bucket when CloudFormation deletes it, but \`removalPolicy\` is ${props.removalPolicy ?? RemovalPolicy.RETAIN}, so it is never deleted. Set \`removalPolicy: RemovalPolicy.DESTROY\` too (sandboxes only), or drop \`emptyOnDelete\`.`);
    }

    const env = (): SageMakerEnvironment => props.environment ?? SageMakerEnvironment.of(this);

    this.encryptionKey = props.encryptionKey ?? env().key;
    const logsBucket = props.serverAccessLogsBucket ?? env().accessLogsBucket;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      autoDeleteObjects: props.emptyOnDelete ?? false,
    });
    this.bucket = bucket;
    if (props.emptyOnDelete) {
      acknowledgeAutoDeleteProvider(this);
    }
    applyBucketHygiene(this, bucket, props.noncurrentVersionExpiration);
    this.bucketName = this.bucket.bucketName;
    this.bucketArn = this.bucket.bucketArn;

    // Access logging is set on the L1 with an explicit bucket-policy grant on the destination, so the
    // result does not depend on the `serverAccessLogsUseBucketPolicy` feature flag of the app.
    const logPrefix = props.serverAccessLogsPrefix ?? `${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}/`;
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.loggingConfiguration = {
      destinationBucketName: logsBucket.bucket.bucketName,
      logFilePrefix: logPrefix,
    };
    logsBucket.allowLogDelivery(this.bucket, logPrefix);

    // Uploads that ask for another key (or for SSE-S3) are refused; uploads without the header get the default.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUploadsWithOtherKmsKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEqualsIfExists: {
            's3:x-amz-server-side-encryption-aws-kms-key-id': this.encryptionKey.keyArn,
          },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUploadsWithoutKms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': ['aws:kms', 'aws:kms:dsse'] },
        },
      }),
    );

    if (props.network) {
      props.network.allowBucketThroughGateway(this.bucket);
    }
    if (props.restrictInteractiveRolesToVpcEndpoint && props.network) {
      // Stolen notebook or Studio credentials replayed from outside the VPC: the roles are known by
      // the tags the shared notebook and Studio policies read (one statement each: conditions AND).
      for (const [sid, tag] of [['DenyNotebookCredentialsOutsideVpc', NOTEBOOK_ROLE_TAGS.jobRole], ['DenyStudioCredentialsOutsideVpc', STUDIO_USER_TAG]]) {
        this.bucket.addToResourcePolicy(new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: perms.S3_DATA_ACTIONS,
          resources: [this.bucket.arnForObjects('*')],
          conditions: {
            Null: { [`aws:PrincipalTag/${tag}`]: 'false' },
            StringNotEquals: { 'aws:SourceVpce': props.network.s3Endpoint.vpcEndpointId },
            BoolIfExists: { 'aws:ViaAWSService': 'false' },
          },
        }));
      }
    }
    if (props.restrictToVpcEndpoint && props.network) {
      const autoDelete = props.emptyOnDelete ? autoDeleteProviderRoleArn(this) : undefined;
      const exempt = [...breakGlass, ...(autoDelete ? [autoDelete] : [])];
      const environmentName = props.environment?.environmentName;
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyDataAccessOutsideVpcEndpoint',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: perms.S3_DATA_ACTIONS,
          resources: [this.bucket.arnForObjects('*')],
          conditions: {
            StringNotEquals: { 'aws:SourceVpce': props.network.s3Endpoint.vpcEndpointId },
            BoolIfExists: { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' },
            ...(environmentName ? { StringNotEqualsIfExists: { [`aws:PrincipalTag/${EXECUTION_ROLE_TAG}`]: environmentName } } : {}),
            ...(exempt.length ? { ArnNotLike: { 'aws:PrincipalArn': exempt } } : {}),
          },
        }),
      );
    }

    if (removalPolicy !== RemovalPolicy.RETAIN) {
      Annotations.of(this).addWarningV2(
        'cdk-secure-sagemaker:BucketNotRetained',
        `removalPolicy is ${removalPolicy}: the bucket and every object version in it can be deleted with the stack. Keep the default (RETAIN) for training data and models.`,
      );
    }

    acknowledge(
      this.bucket,
      'Versioning, RETAIN and KMS protect the data in-Region; cross-Region replication needs a destination bucket and key in another Region chosen by the platform team, which this construct cannot create for you.',
      ...FINDINGS.bucketReplication,
    );
  }

  /**
   * Lets `grantee` read objects under `prefix`: `s3:GetObject`/`GetObjectVersion` on `prefix*`,
   * `s3:ListBucket` only for keys starting with `prefix`, and `kms:Decrypt` only through S3
   * for this bucket. A grantee the library did not create (an imported role, a user, a Lambda
   * function's role) gets a customer-managed policy, never an inline one.
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix, for example `datasets/team-a/`; no wildcards
   */
  public grantRead(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return new PrefixGrants(this).read(grantee, prefix);
  }

  /**
   * Lets `grantee` write (but not read or delete) objects under `prefix`, encrypting them with
   * this bucket's key through S3.
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix, for example `models/run-1/`; no wildcards
   */
  public grantWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return new PrefixGrants(this).write(grantee, prefix);
  }

  /**
   * Lets `grantee` read, write and delete objects under `prefix` (and list that prefix).
   *
   * @param grantee who gets the permissions
   * @param prefix key prefix, for example `scratch/alice/`; no wildcards
   */
  public grantReadWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return new PrefixGrants(this).readWrite(grantee, prefix);
  }

  /**
   * The S3 URI of a prefix in this bucket, for job and model definitions.
   *
   * @param prefix key prefix
   */
  public s3UrlForPrefix(prefix: string): string {
    return new PrefixGrants(this).s3Url(prefix);
  }
}

/** A bucket of an environment deployed elsewhere. */
class ImportedSecureBucket extends Construct implements ISecureBucket {
  public readonly bucket: s3.IBucket;
  public readonly encryptionKey: kms.IKey;
  public readonly bucketName: string;
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, attrs: SecureBucketAttributes) {
    super(scope, id);
    this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', { bucketName: attrs.bucketName, encryptionKey: attrs.encryptionKey });
    this.encryptionKey = attrs.encryptionKey;
    this.bucketName = this.bucket.bucketName;
    this.bucketArn = this.bucket.bucketArn;
  }

  public grantRead(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return new PrefixGrants(this).read(grantee, prefix);
  }

  public grantWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return new PrefixGrants(this).write(grantee, prefix);
  }

  public grantReadWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return new PrefixGrants(this).readWrite(grantee, prefix);
  }

  public s3UrlForPrefix(prefix: string): string {
    return new PrefixGrants(this).s3Url(prefix);
  }
}
