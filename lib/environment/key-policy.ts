import { ArnFormat, DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import * as perms from '../private/perms';

/**
 * Lets CloudWatch Logs in this Region use `key` for the log groups whose names match `namePatterns`
 * (and no other), through the `aws:logs:arn` encryption context.
 *
 * Keys imported with `Key.fromKeyArn` cannot be changed; their policy must already allow this.
 */
export function allowLogGroupsToUseKey(scope: IConstruct, key: kms.IKey, namePatterns: string[]): void {
  key.addToResourcePolicy(logGroupsStatement(scope, namePatterns));
}

/** The key policy statement of `allowLogGroupsToUseKey`. */
export function logGroupsStatement(scope: IConstruct, namePatterns: string[]): iam.PolicyStatement {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: perms.KMS_FOR_CLOUDWATCH_LOGS,
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': namePatterns.map((n) =>
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: n, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ),
      },
    },
  });
}

/**
 * Lets SageMaker create grants on `key` for the volumes and file systems it attaches on behalf of
 * this account's principals (`kms:ViaService` SageMaker, `kms:GrantIsForAWSResource`).
 */
export function sageMakerGrantsStatement(scope: IConstruct): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowSageMakerGrantsForAwsResources',
    principals: [new iam.AccountRootPrincipal()],
    actions: perms.KMS_SAGEMAKER_GRANTS,
    resources: ['*'],
    conditions: {
      StringEquals: { 'kms:ViaService': `sagemaker.${Stack.of(scope).region}.amazonaws.com` },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    },
  });
}

/**
 * Denies `kms:CreateGrant` to every principal unless the grant is for an AWS resource (a volume or
 * file system a service attaches) or the caller is an AWS service: nobody can hand a grant on the
 * key to a principal of their choosing, even with `kms:*` from an IAM policy (AWS Control Tower
 * proactive control CT.KMS.PR.3, in the shape its rule checks).
 */
export function grantsForAwsResourcesOnlyStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/**
 * Lets a service that publishes to an SNS topic (or sends to an SQS queue) encrypted with a key
 * use that key: `cloudwatch.amazonaws.com` for alarm actions, `events.amazonaws.com` for
 * EventBridge targets. Without it the deliveries fail silently at run time ("Enable compatibility
 * between event sources from AWS services and encrypted topics", Amazon SNS Developer Guide).
 *
 * CloudWatch's requests carry `aws:SourceAccount`, so its statement is scoped to this account.
 * EventBridge's KMS requests carry neither `aws:SourceAccount` nor `aws:SourceArn` (the EventBridge
 * User Guide says these keys are not supported in a key policy for its deliveries), so its
 * statement has no condition; the topic or queue policy scopes it to the rules instead.
 */
export function serviceDeliveryStatement(scope: IConstruct, service: 'cloudwatch' | 'events'): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: service === 'cloudwatch' ? 'AllowCloudWatchAlarmsToUseKey' : 'AllowEventBridgeToUseKey',
    principals: [new iam.ServicePrincipal(`${service}.amazonaws.com`)],
    actions: perms.KMS_FOR_SERVICE_DELIVERY,
    resources: ['*'],
    conditions: service === 'cloudwatch' ? { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } : undefined,
  });
}

/**
 * The role CloudFormation deploys the stack of `scope` with, when the stack's synthesizer names it
 * (`DefaultStackSynthesizer` and its subclasses with a bootstrapped or given role); undefined when
 * the deployment uses the caller's own credentials (`CliCredentialsStackSynthesizer`,
 * `LegacyStackSynthesizer`, `BootstraplessSynthesizer` without a role).
 */
export function deploymentRoleArnOf(scope: IConstruct): string | undefined {
  const synthesizer = Stack.of(scope).synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) return undefined;
  let arn: string;
  try {
    arn = synthesizer.cloudFormationExecutionRoleArn;
  } catch {
    return undefined;
  }
  // The synthesizer keeps `${AWS::AccountId}`-style placeholders for the CLI to fill; in a template
  // they must sit inside an Fn::Sub.
  return /\$\{AWS::[A-Za-z]+\}/.test(arn) ? Fn.sub(arn) : arn;
}

/**
 * Denies the administration of the key (`perms.KMS_KEY_ADMINISTRATION`: its policy, state,
 * deletion, rotation, aliases, tags) to every principal but `administratorArns` and the account's
 * root user (the break-glass principal). The default statement still delegates the key to the
 * account's IAM policies; this deny keeps an IAM principal allowed `kms:*` from disabling the key,
 * scheduling its deletion or rewriting its policy. KMS refuses a policy that would lock out the
 * principal putting it, so naming the wrong administrators fails the deployment instead of
 * orphaning the key.
 */
export function keyAdministrationStatement(scope: IConstruct, administratorArns: string[]): iam.PolicyStatement {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    sid: 'DenyKeyAdministrationExceptAdministrators',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: perms.KMS_KEY_ADMINISTRATION,
    resources: ['*'],
    conditions: {
      ArnNotLike: { 'aws:PrincipalArn': [...administratorArns, `arn:${stack.partition}:iam::${stack.account}:root`] },
    },
  });
}

/**
 * Denies the key's data use (`perms.KMS_DATA_USE`: decrypt, encrypt, re-encrypt, data keys) unless
 * an AWS service makes the request for the caller (`kms:ViaService`: S3 reading an object, EBS or
 * EFS a volume, SageMaker a job's output, SNS or SQS a message) or is the caller itself (CloudWatch
 * Logs, EventBridge, CloudTrail). Nobody, whatever IAM allows them, decrypts with the key through
 * the KMS API: data is reachable only through the services whose own policies (bucket policies,
 * VPC endpoints) judge who may read it.
 */
export function dataUseThroughServicesOnlyStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyDataUseExceptThroughAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: perms.KMS_DATA_USE,
    resources: ['*'],
    conditions: {
      Null: { 'kms:ViaService': 'true' },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/** Marks a key whose policy already lets a service's deliveries use it (a child of the key). */
const DELIVERIES_MAY_USE_KEY = { cloudwatch: 'SecureSageMakerAlarmsMayUseKey', events: 'SecureSageMakerEventsMayUseKey' };

/**
 * Lets CloudWatch alarms (or EventBridge rules) publish to topics encrypted with `key`, once per
 * key and service, whoever asks (an endpoint's alarms, its served-artifact rule, a model monitor):
 * the statement the environment also puts on its own key. It refers only to the key's own stack's
 * account, so adding it to a key in another stack creates no dependency and no cycle. Returns the
 * statement when the key's policy cannot be changed here (an imported key), for the caller's
 * warning; undefined when the key admits the deliveries.
 */
export function allowDeliveriesToUseKey(key: kms.IKey, service: 'cloudwatch' | 'events'): iam.PolicyStatement | undefined {
  if (key.node.tryFindChild(DELIVERIES_MAY_USE_KEY[service])) {
    return undefined;
  }
  const statement = serviceDeliveryStatement(key, service);
  if (key.addToResourcePolicy(statement, true).statementAdded) {
    new Construct(key as unknown as Construct, DELIVERIES_MAY_USE_KEY[service]);
    return undefined;
  }
  return statement;
}
