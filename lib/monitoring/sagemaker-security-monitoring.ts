import { Annotations, ArnFormat, AspectPriority, Aspects, CfnResource, Duration, IAspect, Lazy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as config from 'aws-cdk-lib/aws-config';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { CATEGORY_EVENTS, ROLE_CHANGE_EVENTS, SageMakerThreatCategory } from './threat-categories';
import { ISageMakerEnvironment } from '../environment/interfaces';
import { grantsForAwsResourcesOnlyStatement } from '../environment/key-policy';
import { SageMakerEnvironment, SecureBucket } from '../environment/sagemaker-environment';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge, acknowledgeControls } from '../private/acknowledge';
import { validationError } from '../private/errors';
import * as perms from '../private/perms';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/** The ROLE_CHANGE event pattern for `roleNames`. */
function roleChangePattern(roleNames: string[]): events.EventPattern {
  return {
    source: ['aws.iam'],
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['iam.amazonaws.com'],
      eventName: ROLE_CHANGE_EVENTS,
      requestParameters: { roleName: roleNames },
    },
  };
}

/** EventBridge's default cap on an event pattern (Amazon EventBridge quotas, "Event pattern size"). */
const EVENT_PATTERN_MAX_CHARACTERS = 2048;

/**
 * How many role names fit one ROLE_CHANGE pattern: the pattern without names, then each name at
 * IAM's maximum of 64 characters with its quotes and comma.
 */
const ROLE_NAMES_PER_PATTERN = Math.floor((EVENT_PATTERN_MAX_CHARACTERS - JSON.stringify({
  'source': ['aws.iam'],
  'detail-type': ['AWS API Call via CloudTrail'],
  'detail': { eventSource: ['iam.amazonaws.com'], eventName: ROLE_CHANGE_EVENTS, requestParameters: { roleName: [] } },
}).length) / (64 + 3));

/** The platform identifier the Config rule accepts (the only one that can be created today). */
const CURRENT_NOTEBOOK_PLATFORM = 'notebook-al2023-v1';

/**
 * Properties of a `SageMakerSecurityMonitoring`.
 */
export interface SageMakerSecurityMonitoringProps {
  /**
   * The environment whose key encrypts the alerts (and the trail) and whose buckets the trail
   * records data events for.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * The key that encrypts the alert topic and queue, for monitoring without an environment (for
   * example in every account and Region of an organization, rolled out with `SageMakerStackSet`).
   * Given without `environment`, no environment is looked up or created, and `trail` is not
   * available (it records the environment's buckets). Statements letting EventBridge use the key
   * for this topic and queue are added to its key policy; for a key imported into the app, whose
   * policy the app cannot change, a warning gives the exact statements to add.
   *
   * @default - the environment's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Roles whose permission changes (inline and managed policy attachments, trust policy,
   * permissions boundary, deletion) raise a ROLE_CHANGE alert. IAM events reach EventBridge in
   * us-east-1 only, so the rule only fires in a stack deployed there (see `watchIamEvents`).
   *
   * @default - no role-change rule
   */
  readonly watchedRoles?: iam.IRole[];

  /**
   * Workloads whose roles are watched like `watchedRoles`: each one's `grantPrincipal` must be a
   * role. Every `Secure*` workload of this library is an `iam.IGrantable` whose principal is its
   * execution role.
   *
   * @default - none
   */
  readonly watchedWorkloads?: iam.IGrantable[];

  /**
   * Also watch, like `watchedRoles`, every IAM role defined in this monitoring's stack: the
   * execution, state-machine, flow-log and trail roles of the library's constructs, the roles of
   * aws-cdk-lib's custom-resource handlers, and yours. The roles are collected at synthesis, so
   * roles defined after the monitoring count too. EventBridge caps an event pattern at 2,048
   * characters, so the role names are split over as many ROLE_CHANGE rules as they need
   * (`roleChangeRules`). Roles of other stacks are watched only through `watchedRoles`.
   *
   * @default true
   */
  readonly watchStackRoles?: boolean;

  /**
   * Create the rule on IAM events (ROLE_CHANGE, for `watchedRoles`/`watchedWorkloads`). IAM is a
   * global service whose CloudTrail events reach EventBridge only in us-east-1, so a rule on
   * `aws.iam` elsewhere never fires. By default the rule is created where IAM events arrive: in a
   * us-east-1 stack, and in a Region-agnostic stack (warned: it fires only if deployed to
   * us-east-1); in a stack of another Region none is created (warned) — deploy a monitoring with
   * the same watched roles in a us-east-1 stack. `false` never creates it (for example when a
   * us-east-1 monitoring watches the roles); `true` in a stack of another Region is an error.
   *
   * @default - only where IAM events arrive
   */
  readonly watchIamEvents?: boolean;

  /**
   * Also alert on the read-only calls the playbook lists (`DescribeModelPackage`,
   * `DescribeTrainingJob`, `DescribeNotebookInstance`): adds the DATA_EXFILTRATION rule and
   * `DescribeNotebookInstance` to CREDENTIAL_THEFT, with those rules enabled for all CloudTrail
   * management events. Every SDK `wait()` and every Step Functions `.sync` task polls these
   * calls, so expect many alerts; filter by caller downstream.
   *
   * @default false
   */
  readonly alertOnReadOnlyEvents?: boolean;

  /**
   * Email addresses subscribed to the alert topic (each must confirm the subscription).
   *
   * @default - no subscription; subscribe to `topic` yourself
   */
  readonly alertEmails?: string[];

  /**
   * Create a multi-Region CloudTrail trail: KMS-encrypted with the environment key, log file
   * validation on, delivered to a `SecureBucket` and to a CloudWatch Logs log group of the
   * environment, with S3 data events on the environment's data and artifacts buckets.
   *
   * @default false - the account's existing trail (or event history) is relied on
   */
  readonly trail?: boolean;

  /**
   * Create AWS Config managed rules for SageMaker notebooks, endpoint configurations, models and
   * domains. They need an AWS Config configuration recorder in the account and Region, which
   * this construct does not create.
   *
   * @default false
   */
  readonly configRules?: boolean;
}

/**
 * Detective controls for SageMaker, after the AWS SageMaker incident response playbook.
 *
 * - one EventBridge rule per threat category on the CloudTrail events the playbook lists
 *   (`SageMakerThreatCategory`), plus one on permission changes of the roles you watch;
 * - every rule publishes a short message (category, event, caller, source IP, Region, time,
 *   request parameters) to an SNS topic encrypted with the environment key and reachable over
 *   TLS only; undeliverable alerts go to an encrypted, TLS-only SQS dead-letter queue;
 * - optionally a CloudTrail trail and AWS Config managed rules.
 *
 * RUNBOOK.md maps each category to the playbook's analysis questions and containment steps.
 */
export class SageMakerSecurityMonitoring extends Construct {
  /** Where alerts are published. */
  public readonly topic: sns.Topic;

  /** Alerts EventBridge could not deliver to the topic. */
  public readonly deadLetterQueue: sqs.Queue;

  /**
   * Every ROLE_CHANGE rule: the first is `rules.RoleChange`. With `watchStackRoles` the rules are
   * complete only at synthesis: the first is created then unless `watchedRoles` or
   * `watchedWorkloads` name a role, and the others when the names do not fit one event pattern.
   */
  public readonly roleChangeRules: events.Rule[] = [];

  /** The EventBridge rule of each category that is watched. */
  public readonly rules: Record<string, events.Rule> = {};

  /** The trail, when `trail` is set. */
  public readonly trail?: cloudtrail.CfnTrail;

  /** The bucket the trail writes to, when `trail` is set. */
  public readonly trailBucket?: SecureBucket;

  /** The log group the trail delivers to, when `trail` is set. */
  public readonly trailLogGroup?: logs.ILogGroup;

  /** The AWS Config rules, when `configRules` is set. */
  public readonly configRules: config.ManagedRule[] = [];

  /**
   * What this monitoring watches: its environment, or its stack when it has none. Its topic,
   * queue and trail have names fixed by it, so there can be only one monitoring of each.
   */
  private readonly monitored?: IConstruct;

  /** The role names watched by name (`watchedRoles`, `watchedWorkloads`). */
  private watchedRoleNames: string[] = [];
  private watchesStackRoles = false;
  private roleNameChunks?: string[][];

  constructor(scope: Construct, id: string, props: SageMakerSecurityMonitoringProps = {}) {
    super(scope, id);
    const env = props.environment ?? (props.encryptionKey ? undefined : SageMakerEnvironment.of(this));
    const key: kms.IKey = props.encryptionKey ?? env!.key;
    const stack = Stack.of(this);
    if (props.encryptionKey && Resource.isOwnedResource(props.encryptionKey) && props.encryptionKey !== env?.key) {
      // A key of this app for the alerts alone: nobody may hand a grant on it to a principal of
      // their choosing (AWS Control Tower CT.KMS.PR.3), as on the environment's key.
      props.encryptionKey.addToResourcePolicy(grantsForAwsResourcesOnlyStatement());
    }
    if (props.trail && !env) {
      throw validationError(this, 'MonitoringTrailWithoutEnvironment',
        '`trail` records the data events of an environment\'s buckets and uses its key, bucket and log group: pass `environment` as well, or rely on the organization trail (leave `trail` unset).');
    }

    const emails = new Set<string>();
    for (const email of props.alertEmails ?? []) {
      if (!Token.isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw validationError(this, 'InvalidAlertEmail', `\`alertEmails\` entry '${email}' is not an email address. Pass addresses such as 'secops@example.com', or subscribe to \`topic\` yourself.`);
      }
      if (!Token.isUnresolved(email) && emails.has(email.toLowerCase())) {
        throw validationError(this, 'DuplicateAlertEmail', `\`alertEmails\` lists '${email}' twice. List each address once.`);
      }
      emails.add(email.toLowerCase());
    }
    // Names are fixed per environment (or per stack without one): one monitoring each, found through the tree.
    const owner: IConstruct = env ?? stack;
    const others = this.node.root.node.findAll()
      .filter((c): c is SageMakerSecurityMonitoring => c instanceof SageMakerSecurityMonitoring && c !== this);
    const existing = others.find((m) => m.monitored === owner);
    if (existing) {
      throw validationError(this, 'EnvironmentAlreadyMonitored', env
        ? `\`environment\` ${env.node.path} already has a SageMakerSecurityMonitoring (${existing.node.path}): the alert topic, dead-letter queue and trail have names fixed by the environment name, so a second one would fail to deploy. Add what you need to the existing one.`
        : `stack ${stack.node.path} already has a SageMakerSecurityMonitoring without \`environment\` (${existing.node.path}): the alert topic and dead-letter queue have fixed names, so a second one would fail to deploy. Add what you need to the existing one.`);
    }
    this.monitored = owner;
    this.warnIfAnotherMonitoringSharesTheRegion(stack, others);

    // Physical names are fixed so the key policy can name the topic and queue ARNs without a
    // reference (the key would otherwise depend on resources that depend on the key).
    const namePrefix = env ? `${env.environmentName}-` : '';
    const topicName = `${namePrefix}sagemaker-security-alerts`;
    const queueName = `${namePrefix}sagemaker-security-alerts-dlq`;

    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: env ? `SageMaker security alerts (${env.environmentName})` : 'SageMaker security alerts',
      masterKey: key,
      enforceSSL: true,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeControls(this.deadLetterQueue.node.defaultChild as sqs.CfnQueue,
      'This queue is the dead-letter queue: it holds the alerts EventBridge could not deliver to the topic, for 14 days; a dead-letter queue of its own would only move them again.',
      'CT.SQS.PR.1');
    // EventBridge encrypts what it publishes to the topic and sends to the queue with the key;
    // the encryption context pins each grant to that one topic or queue (whose ARN names this
    // account). No aws:SourceAccount: EventBridge's deliveries do not support it in a key policy
    // (see environment/key-policy.ts), so the condition could never match and alerts would not arrive.
    this.addKeyStatement(key, new iam.PolicyStatement({
      sid: 'AllowEventBridgeToPublishSecurityAlerts',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: perms.KMS_FOR_ENCRYPTED_SNS_PUBLISHERS,
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:EncryptionContext:aws:sns:topicArn': stack.formatArn({ service: 'sns', resource: topicName }),
        },
      },
    }));
    this.addKeyStatement(key, new iam.PolicyStatement({
      sid: 'AllowEventBridgeToQueueUndeliveredAlerts',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: perms.KMS_FOR_ENCRYPTED_SNS_PUBLISHERS,
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:EncryptionContext:aws:sqs:arn': stack.formatArn({ service: 'sqs', resource: queueName }),
        },
      },
    }));
    for (const email of props.alertEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    acknowledge(
      this.deadLetterQueue,
      'This queue is itself the dead-letter queue of the EventBridge alert targets; a queue behind it would only hold alerts that failed twice, and the events stay in CloudTrail for replay.',
      'AwsSolutions-SQS3',
    );

    const readOnly = props.alertOnReadOnlyEvents ?? false;
    for (const [category, spec] of Object.entries(CATEGORY_EVENTS)) {
      const eventNames = [...spec.eventNames, ...(readOnly ? spec.readOnlyEventNames : [])];
      if (eventNames.length === 0) {
        continue;
      }
      const rule = this.addCategoryRule(category as SageMakerThreatCategory, {
        source: spec.sources,
        detailType: ['AWS API Call via CloudTrail'],
        detail: { eventName: eventNames },
      });
      if (readOnly && spec.readOnlyEventNames.length > 0) {
        // Read-only management events reach only rules in this state.
        (rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
      }
    }

    const watched = [...(props.watchedRoles ?? []), ...(props.watchedWorkloads ?? []).map((w, i) => this.roleOf(w, i))];
    for (const role of watched) {
      if (role instanceof iam.Role && Stack.of(role) !== stack) {
        // The rule's pattern would name the role: this stack would depend on the role's stack,
        // which depends on the environment's (usually this one): a cycle.
        throw validationError(this, 'WatchedRoleInOtherStack',
          `the watched role ${role.node.path} is in stack ${Stack.of(role).node.path}, but SageMakerSecurityMonitoring ${this.node.path} is in stack ${stack.node.path}: its rule would reference the role across stacks. ` +
          'Give the role a fixed `roleName` and watch it here as `iam.Role.fromRoleName(this, ..., name)`, or watch it from a monitoring in its own stack (with `watchIamEvents` where IAM events arrive).');
      }
    }
    const watchStackRoles = props.watchStackRoles ?? true;
    if ((watched.length > 0 || watchStackRoles) && this.watchIamEvents(stack, props.watchIamEvents)) {
      this.watchedRoleNames = watched.map((r) => r.roleName);
      this.watchesStackRoles = watchStackRoles;
      if (watched.length > 0) {
        // Known now: the rule exists from construction (a stack without roles gets none).
        this.addRoleChangeRule(0);
      }
      if (watchStackRoles) {
        // Once every construct exists (aspects run at synthesis): the stack's roles are known,
        // and the rules beyond the first are added for the names that do not fit it.
        const monitoring = this;
        Aspects.of(stack).add(new class implements IAspect {
          public visit(node: IConstruct): void {
            if (node === stack) monitoring.addRoleChangeRulesForStackRoles();
          }
        }(), { priority: AspectPriority.MUTATING });
      }
    }

    if (props.trail) {
      const created = this.createTrail(env!);
      this.trail = created.trail;
      this.trailBucket = created.bucket;
      this.trailLogGroup = created.logGroup;
    }
    if (props.configRules) {
      this.createConfigRules();
    }
  }

  /**
   * Whether to create the rule on IAM events. IAM is a global service: its CloudTrail events are
   * delivered to EventBridge in us-east-1 only (AWS re:Post Knowledge Center, "Why does my
   * EventBridge rule for IAM events only trigger in the us-east-1 Region?", and "How do I use an
   * EventBridge rule across Regions?": "AWS global services, such as AWS Identity and Access
   * Management (IAM) ... deliver events only to us-east-1 Region").
   */
  private watchIamEvents(stack: Stack, requested: boolean | undefined): boolean {
    if (requested === false) {
      return false;
    }
    if (Token.isUnresolved(stack.region)) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:RoleChangeRuleOnlyInUsEast1',
        'The role-change rule (watchStackRoles, watchedRoles, watchedWorkloads): IAM events reach EventBridge in us-east-1 only, and this stack has no Region, so the role-change rule fires only where it is deployed to us-east-1. Give the stack `env.region`, or set `watchIamEvents: false` where a us-east-1 monitoring watches the roles.');
      return true;
    }
    if (stack.region === 'us-east-1') {
      return true;
    }
    if (requested === true) {
      throw validationError(this, 'IamEventsOutsideUsEast1',
        `\`watchIamEvents\` is true in a stack in ${stack.region}, but IAM events reach EventBridge in us-east-1 only, so the rule would never fire. Drop \`watchIamEvents\` here and deploy a SageMakerSecurityMonitoring with the same watched roles in a us-east-1 stack.`);
    }
    Annotations.of(this).addWarningV2('cdk-secure-sagemaker:RoleChangeRuleOutsideUsEast1',
      `The role-change rule (watchStackRoles, watchedRoles, watchedWorkloads): IAM events reach EventBridge in us-east-1 only, and this stack is in ${stack.region}, so no role-change rule is created here (it would never fire). Deploy a SageMakerSecurityMonitoring with the same watched roles in a us-east-1 stack of this account.`);
    return false;
  }

  /**
   * The watched role names (given, and the stack's roles when `watchStackRoles`), deduplicated,
   * in chunks that each fit one event pattern. Computed once: at synthesis every role exists.
   */
  private roleChunks(): string[][] {
    if (this.roleNameChunks) return this.roleNameChunks;
    const stack = Stack.of(this);
    const names = [...this.watchedRoleNames];
    if (this.watchesStackRoles) {
      for (const c of stack.node.findAll()) {
        if (CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::IAM::Role' && Stack.of(c) === stack) {
          names.push(c.ref);
        }
      }
    }
    const seen = new Set<string>();
    const unique = names.filter((n) => {
      const key = JSON.stringify(stack.resolve(n));
      return seen.has(key) ? false : (seen.add(key), true);
    });
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += ROLE_NAMES_PER_PATTERN) {
      chunks.push(unique.slice(i, i + ROLE_NAMES_PER_PATTERN));
    }
    this.roleNameChunks = chunks;
    return chunks;
  }

  /** The ROLE_CHANGE rule for chunk `index` of the watched role names. */
  private addRoleChangeRule(index: number): events.Rule {
    const rule = this.addCategoryRule(SageMakerThreatCategory.ROLE_CHANGE, roleChangePattern(Lazy.list({ produce: () => this.roleChunks()[index] })), index === 0 ? '' : `${index + 1}`);
    this.roleChangeRules.push(rule);
    return rule;
  }

  /** Adds a ROLE_CHANGE rule for each chunk beyond the first (called once, at synthesis). */
  private addRoleChangeRulesForStackRoles(): void {
    const chunks = this.roleChunks();
    for (let i = this.roleChangeRules.length; i < chunks.length; i++) {
      this.addRoleChangeRule(i);
    }
  }

  /** The role of a watched workload (its `grantPrincipal`). */
  private roleOf(workload: iam.IGrantable, index: number): iam.IRole {
    const principal = workload.grantPrincipal as Partial<iam.IRole>;
    if (typeof principal.roleName !== 'string' || typeof principal.roleArn !== 'string') {
      const path = (workload as Partial<IConstruct>).node?.path ?? `#${index}`;
      throw validationError(this, 'WatchedWorkloadWithoutRole',
        `\`watchedWorkloads\` entry ${path} acts as a principal that is not an IAM role, so there is no role whose changes to watch. Pass workloads whose \`grantPrincipal\` is a role, or the role itself in \`watchedRoles\`.`);
    }
    return principal as iam.IRole;
  }

  /** Adds a statement to the key policy, or says exactly what to add when the key is imported. */
  private addKeyStatement(key: kms.IKey, statement: iam.PolicyStatement): void {
    if (key.addToResourcePolicy(statement, true).statementAdded) {
      return;
    }
    const stack = Stack.of(this);
    Annotations.of(this).addWarningV2(`cdk-secure-sagemaker:AlertKeyImported${statement.sid}`,
      `the key ${Token.isUnresolved(key.keyArn) ? key.node.path : key.keyArn} is imported, so its key policy cannot be changed here and EventBridge cannot encrypt alerts with it until you add this statement to it: ` +
      `${JSON.stringify(stack.resolve(statement.toStatementJson()))}. Without it every alert fails to deliver.`);
  }

  /**
   * Rules on CloudTrail events are account-wide. They are not narrowed to an environment: the
   * events that matter most (a notebook, job or endpoint created without the environment's key,
   * subnets or roles) carry nothing of the environment, and narrowing by request parameters
   * would let the caller choose to go unseen. So two monitorings in one account and Region each
   * receive every alert: warned, naming the fix. The role-change rule is per monitoring (it
   * matches the watched roles by name).
   */
  private warnIfAnotherMonitoringSharesTheRegion(stack: Stack, others: SageMakerSecurityMonitoring[]): void {
    const same = (a: string, b: string) => (Token.isUnresolved(a) && Token.isUnresolved(b)) || a === b;
    const other = others.find((c) => same(Stack.of(c).account, stack.account) && same(Stack.of(c).region, stack.region));
    if (other) {
      const where = Token.isUnresolved(stack.region) ? 'Region-agnostic stacks (deployed to the same account and Region by default)' : `account ${Token.isUnresolved(stack.account) ? '(unresolved)' : stack.account}, Region ${stack.region}`;
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:DuplicateMonitoringInRegion',
        `SageMakerSecurityMonitoring ${other.node.path} is also in ${where}: EventBridge rules on CloudTrail events are account-wide, so each alert would be sent twice, to both topics. ` +
        'Keep one monitoring per account and Region (subscribe every team to its `topic` or list them in `alertEmails`), and watch other roles with `watchedRoles`/`watchedWorkloads` on that one.');
    }
  }

  private addCategoryRule(category: SageMakerThreatCategory, eventPattern: events.EventPattern, suffix = ''): events.Rule {
    const rule = new events.Rule(this, `${category}${suffix}Rule`, {
      description: `SageMaker incident playbook category ${category}: alerts on the API calls it lists`,
      eventPattern,
    });
    // A target of our own rather than `targets.SnsTopic`: that one grants EventBridge the key
    // without any condition. Here the topic and queue admit these rules only (aws:SourceArn),
    // and the key policy admits this topic and queue only (encryption context).
    const message = events.RuleTargetInput.fromObject({
      category,
      eventName: events.EventField.fromPath('$.detail.eventName'),
      eventSource: events.EventField.fromPath('$.detail.eventSource'),
      caller: events.EventField.fromPath('$.detail.userIdentity.arn'),
      sourceIp: events.EventField.fromPath('$.detail.sourceIPAddress'),
      account: events.EventField.account,
      region: events.EventField.region,
      time: events.EventField.time,
      eventId: events.EventField.fromPath('$.detail.eventID'),
      resource: events.EventField.fromPath('$.detail.requestParameters'),
      errorCode: events.EventField.fromPath('$.detail.errorCode'),
      runbook: `RUNBOOK.md#${category.toLowerCase()}`,
    });
    rule.addTarget({
      bind: () => ({
        arn: this.topic.topicArn,
        input: message,
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: Duration.hours(24).toSeconds() },
      }),
    });
    const fromThisRule = { ArnEquals: { 'aws:SourceArn': rule.ruleArn } };
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: `Publish${category}${suffix}Alerts`,
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: fromThisRule,
    }));
    this.deadLetterQueue.addToResourcePolicy(new iam.PolicyStatement({
      sid: `Queue${category}${suffix}UndeliveredAlerts`,
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [this.deadLetterQueue.queueArn],
      conditions: fromThisRule,
    }));
    if (!suffix) this.rules[category] = rule;
    return rule;
  }

  private createTrail(environment: ISageMakerEnvironment): { trail: cloudtrail.CfnTrail; bucket: SecureBucket; logGroup: logs.ILogGroup } {
    if (!(environment instanceof SageMakerEnvironment)) {
      throw validationError(this, 'TrailNeedsOwnedEnvironment',
        '`trail: true` stores the trail in a bucket that logs to the environment\'s access-logs bucket, which an environment imported with `fromEnvironmentAttributes` does not expose. Enable the trail where the environment is defined (its own stack or app), or leave `trail` off here.');
    }
    const env = environment;
    const stack = Stack.of(this);
    const trailName = `${env.environmentName}-sagemaker-trail`;
    // Named, not referenced: the bucket policy and key policy must exist before the trail.
    const trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: trailName });

    const bucket = new SecureBucket(this, 'TrailBucket', {
      environment: env,
      encryptionKey: env.key,
      serverAccessLogsBucket: env.accessLogsBucket,
      serverAccessLogsPrefix: 'trail/',
      removalPolicy: env.removalPolicy,
    });
    const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    bucket.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailAclCheck',
      principals: [cloudTrail],
      actions: ['s3:GetBucketAcl'],
      resources: [bucket.bucketArn],
      conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
    }));
    bucket.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailWrite',
      principals: [cloudTrail],
      actions: ['s3:PutObject'],
      resources: [bucket.bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
      conditions: {
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn },
      },
    }));

    this.addKeyStatement(env.key, new iam.PolicyStatement({
      sid: 'AllowCloudTrailToEncryptTrailLogs',
      principals: [cloudTrail],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceArn': trailArn },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/${trailName}` },
      },
    }));
    this.addKeyStatement(env.key, new iam.PolicyStatement({
      sid: 'AllowCloudTrailToDescribeKey',
      principals: [cloudTrail],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
    }));

    const logGroup = env.createLogGroup(this, 'TrailLogGroup', 'cloudtrail');
    const role = new SageMakerWorkloadRole(this, 'TrailLogsRole', {
      assumedBy: new iam.ServicePrincipal('cloudtrail.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
      }),
      description: `CloudTrail delivery of ${trailName} to its log group`,
    });
    const streams = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${env.logGroupPrefix}/cloudtrail:log-stream:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: perms.LOGS_WRITE_STREAMS, resources: [streams] }));
    acknowledgeScopedWildcards(role, [streams], 'Log streams of the trail\'s own log group: CloudTrail names a stream per account and Region at delivery time, so the stream name is a wildcard inside one log group.');

    const dataResourceValues = [env.dataBucket.bucketArn, env.artifactsBucket.bucketArn].map((arn) => `${arn}/`);
    const trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName,
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: env.key.keyArn,
      s3BucketName: bucket.bucketName,
      cloudWatchLogsLogGroupArn: logGroup.logGroupArn,
      cloudWatchLogsRoleArn: role.roleArn,
      eventSelectors: [{
        includeManagementEvents: true,
        readWriteType: 'All',
        dataResources: [{ type: 'AWS::S3::Object', values: dataResourceValues }],
      }],
    });
    if (bucket.bucket.policy) {
      trail.node.addDependency(bucket.bucket.policy);
    }
    trail.node.addDependency(role);
    for (const policy of role.permissionPolicies) {
      trail.node.addDependency(policy);
    }
    return { trail, bucket, logGroup };
  }

  private createConfigRules(): void {
    const ids = config.ManagedRuleIdentifiers;
    const rules: Array<[string, string, Record<string, string>?]> = [
      ['NotebookNoDirectInternet', ids.SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS],
      ['NotebookKmsKey', ids.SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED],
      ['NotebookInsideVpc', 'SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC'],
      ['NotebookRootAccess', 'SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK'],
      ['NotebookPlatformVersion', 'SAGEMAKER_NOTEBOOK_INSTANCE_PLATFORM_VERSION', { supportedPlatformIdentifierVersions: CURRENT_NOTEBOOK_PLATFORM }],
      ['EndpointConfigKmsKey', ids.SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED],
      ['EndpointConfigInstanceCount', 'SAGEMAKER_ENDPOINT_CONFIG_PROD_INSTANCE_COUNT'],
      ['ModelIsolation', 'SAGEMAKER_MODEL_ISOLATION_ENABLED'],
      ['ModelInVpc', 'SAGEMAKER_MODEL_IN_VPC'],
      ['DomainInVpc', 'SAGEMAKER_DOMAIN_IN_VPC'],
    ];
    for (const [id, identifier, inputParameters] of rules) {
      this.configRules.push(new config.ManagedRule(this, `Config${id}`, {
        identifier,
        inputParameters,
        description: `SageMaker detective control (${identifier}); needs an AWS Config configuration recorder`,
      }));
    }
    Annotations.of(this).addInfo('configRules: AWS Config rules evaluate nothing without a configuration recorder in this account and Region; this construct does not create one.');
  }
}
