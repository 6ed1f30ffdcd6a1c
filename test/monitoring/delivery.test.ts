import { Stack, StackProps } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SageMakerEnvironment, SageMakerSecurityMonitoring, SageMakerSecurityMonitoringProps, SageMakerWorkloadRole, SecureNotebook } from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { evaluate, PolicyJson, StatementJson, substituteRefs } from '../helpers/iam-eval';

// Alerts that deliver: IAM rules only where IAM events arrive, watched workloads, one monitoring
// per account and Region, and resource and key policies that let EventBridge publish (deploy-time
// facts, checked with the IAM evaluator on the synthesized policies).

const ACCOUNT = '111122223333';
const US_EAST_1 = { account: ACCOUNT, region: 'us-east-1' };

/** A workload whose principal is its role, as every Secure* workload is. */
class Workload extends Construct implements iam.IGrantable {
  public readonly grantPrincipal: iam.IPrincipal;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.grantPrincipal = new SageMakerWorkloadRole(this, 'Role', { roleName: `${id.toLowerCase()}-role` });
  }
}

function monitored(props: Partial<SageMakerSecurityMonitoringProps> = {}, stackProps?: StackProps): Stack {
  const stack = newTestStack('S', stackProps);
  const encryptionKey = new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true });
  new SageMakerSecurityMonitoring(stack, 'Mon', { encryptionKey, ...props });
  return stack;
}

const roleChangeRules = (stack: Stack) => Object.entries(Template.fromStack(stack).findResources('AWS::Events::Rule')).filter(([id]) => id.startsWith('MonRoleChangeRule'));

describe('IAM events reach EventBridge only in us-east-1', () => {
  test('in a us-east-1 stack the role-change rule watches the roles of watchedWorkloads and watchedRoles', () => {
    const stack = newTestStack('S', { env: US_EAST_1 });
    const encryptionKey = new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true });
    const nb = new Workload(stack, 'Notebook');
    new SageMakerSecurityMonitoring(stack, 'Mon', {
      encryptionKey, watchedWorkloads: [nb, new Workload(stack, 'Training')], watchedRoles: [nb.grantPrincipal as iam.IRole],
    });
    const rules = roleChangeRules(stack);
    expect(rules).toHaveLength(1);
    expect(rules[0][1].Properties.EventPattern.detail.requestParameters.roleName)
      .toEqual([{ Ref: expect.stringMatching(/^NotebookRole/) }, { Ref: expect.stringMatching(/^TrainingRole/) }]);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('us-east-1'));
  });

  test('in a stack of another Region no dead rule is created, and the warning says how to get the events', () => {
    const stack = monitored({ watchedRoles: [iam.Role.fromRoleName(newTestStack(), 'R', 'team')] }, { env: { account: ACCOUNT, region: 'eu-west-1' } });
    expect(roleChangeRules(stack)).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/S/Mon', Match.stringLikeRegexp('in eu-west-1, so no role-change rule is created here .*Deploy a SageMakerSecurityMonitoring with the same watched roles in a us-east-1 stack'));
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('in a Region-agnostic stack the rule is kept, with a warning that it fires only in us-east-1', () => {
    const stack = newTestStack('S');
    const encryptionKey = new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true });
    new SageMakerSecurityMonitoring(stack, 'Mon', { encryptionKey, watchedWorkloads: [new Workload(stack, 'Nb')] });
    expect(roleChangeRules(stack)).toHaveLength(1);
    Annotations.fromStack(stack).hasWarning('/S/Mon', Match.stringLikeRegexp('fires only where it is deployed to us-east-1'));
  });

  test('watchIamEvents: false creates no rule; true outside us-east-1 fails, naming the prop', () => {
    const stack = newTestStack('S', { env: US_EAST_1 });
    const encryptionKey = new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true });
    new SageMakerSecurityMonitoring(stack, 'Mon', { encryptionKey, watchIamEvents: false, watchedWorkloads: [new Workload(stack, 'Nb')] });
    expect(roleChangeRules(stack)).toEqual([]);
    expect(() => monitored({ watchIamEvents: true, watchedRoles: [iam.Role.fromRoleName(newTestStack(), 'R', 'team')] }, { env: { account: ACCOUNT, region: 'eu-west-1' } }))
      .toThrow(/`watchIamEvents` is true in a stack in eu-west-1, .*us-east-1 only/);
  });

  test('a watched workload whose principal is not a role fails, naming the prop', () => {
    const notARole: iam.IGrantable = { grantPrincipal: new iam.ServicePrincipal('sagemaker.amazonaws.com') };
    expect(() => monitored({ watchedWorkloads: [notARole] })).toThrow(/`watchedWorkloads` entry #0 acts as a principal that is not an IAM role/);
  });
});

describe('one monitoring per account and Region', () => {
  const two = (regionA: string, regionB: string) => {
    const app = newTestApp();
    for (const [id, region] of [['A', regionA], ['B', regionB]]) {
      const stack = new Stack(app, id, { env: { account: ACCOUNT, region } });
      new SageMakerSecurityMonitoring(stack, 'Mon', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
    }
    return app;
  };

  test('a second one in the same account and Region is warned about: each alert would be sent twice', () => {
    const app = two('eu-west-1', 'eu-west-1');
    const stack = app.node.findChild('B') as Stack;
    Annotations.fromStack(stack).hasWarning('/B/Mon', Match.stringLikeRegexp('A/Mon is also in account 111122223333, Region eu-west-1: .*account-wide.*twice.*Keep one monitoring per account and Region'));
    Annotations.fromStack(app.node.findChild('A') as Stack).hasNoWarning('*', Match.stringLikeRegexp('twice'));
  });

  test('one in each Region is not', () => {
    const app = two('eu-west-1', 'us-east-1');
    Annotations.fromStack(app.node.findChild('B') as Stack).hasNoWarning('*', Match.stringLikeRegexp('twice'));
  });
});

describe('delivery: EventBridge may publish to the topic and the queue, and use their key', () => {
  // Concrete values for the template's references: the rule ARNs, the topic and the queue.
  const stack = monitored({}, { env: US_EAST_1 });
  const t = Template.fromStack(stack).toJSON();
  const concrete = (key: string) => {
    if (key.endsWith('.Arn') && key.includes('Rule')) return `arn:aws:events:us-east-1:${ACCOUNT}:rule/${key.split('.')[0]}`;
    if (key.startsWith('MonTopic')) return `arn:aws:sns:us-east-1:${ACCOUNT}:sagemaker-security-alerts`;
    if (key.startsWith('MonDeadLetterQueue')) return `arn:aws:sqs:us-east-1:${ACCOUNT}:sagemaker-security-alerts-dlq`;
    return `x-${key}`;
  };
  const ofType = (type: string) => Object.values(t.Resources as Record<string, any>).filter((r) => r.Type === type);
  /** The statements of a resource policy that name EventBridge as principal. */
  const forEventBridge = (doc: any): PolicyJson => ({
    Statement: (substituteRefs(doc, concrete).Statement as Array<StatementJson & { Principal?: any }>)
      .filter((s) => s.Effect === 'Deny' || s.Principal?.Service === 'events.amazonaws.com'),
  });
  const ruleIds = Object.entries(t.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::Events::Rule').map(([id]) => id);
  const topicPolicy = forEventBridge(ofType('AWS::SNS::TopicPolicy')[0].Properties.PolicyDocument);
  const queuePolicy = forEventBridge(ofType('AWS::SQS::QueuePolicy')[0].Properties.PolicyDocument);
  const keyPolicy = forEventBridge(ofType('AWS::KMS::Key')[0].Properties.KeyPolicy);
  const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:sagemaker-security-alerts`;
  const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:sagemaker-security-alerts-dlq`;

  test('the topic admits sns:Publish from each rule (aws:SourceArn), over TLS, and from no other rule', () => {
    expect(ruleIds.length).toBe(6); // the six categories; this stack has no role, so no role-change rule
    for (const id of ruleIds) {
      const publish = { action: 'sns:Publish', resource: TOPIC, context: { 'aws:SourceArn': concrete(`${id}.Arn`), 'aws:SecureTransport': 'true' } };
      expect([id, evaluate([topicPolicy], publish)]).toEqual([id, 'Allow']);
      expect(evaluate([topicPolicy], { ...publish, context: { ...publish.context, 'aws:SecureTransport': 'false' } })).toBe('ExplicitDeny');
    }
    expect(evaluate([topicPolicy], { action: 'sns:Publish', resource: TOPIC, context: { 'aws:SourceArn': 'arn:aws:events:us-east-1:444455556666:rule/x', 'aws:SecureTransport': 'true' } })).toBe('ImplicitDeny');
  });

  test('the dead-letter queue admits sqs:SendMessage from each rule only', () => {
    for (const id of ruleIds) {
      expect(evaluate([queuePolicy], { action: 'sqs:SendMessage', resource: QUEUE, context: { 'aws:SourceArn': concrete(`${id}.Arn`), 'aws:SecureTransport': 'true' } })).toBe('Allow');
    }
    expect(evaluate([queuePolicy], { action: 'sqs:SendMessage', resource: QUEUE, context: { 'aws:SourceArn': 'arn:aws:events:us-east-1:111122223333:rule/other', 'aws:SecureTransport': 'true' } })).toBe('ImplicitDeny');
  });

  test('the key lets EventBridge generate data keys and decrypt for this topic and this queue, not others', () => {
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      // SNS and SQS call KMS for EventBridge with the topic's or queue's ARN as encryption context
      // (and no aws:SourceAccount: the context alone scopes the grant, the ARN naming the account).
      const forTopic = { 'kms:EncryptionContext:aws:sns:topicArn': TOPIC };
      expect(evaluate([keyPolicy], { action, context: forTopic })).toBe('Allow');
      expect(evaluate([keyPolicy], { action, context: { 'kms:EncryptionContext:aws:sqs:arn': QUEUE } })).toBe('Allow');
      expect(evaluate([keyPolicy], { action, context: { ...forTopic, 'kms:EncryptionContext:aws:sns:topicArn': `${TOPIC}-other` } })).toBe('ImplicitDeny');
    }
    expect(evaluate([keyPolicy], { action: 'kms:ScheduleKeyDeletion', context: { 'kms:EncryptionContext:aws:sns:topicArn': TOPIC } })).toBe('ImplicitDeny');
  });

  test('an imported encryptionKey gets no statement: a warning gives the exact statements to add', () => {
    const s = newTestStack('S', { env: US_EAST_1 });
    const key = kms.Key.fromKeyArn(s, 'Imported', `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`);
    new SageMakerSecurityMonitoring(s, 'Mon', { encryptionKey: key });
    const warnings = Annotations.fromStack(s).findWarning('/S/Mon', Match.stringLikeRegexp('is imported'));
    expect(warnings).toHaveLength(2);
    const text = warnings.map((w) => String(w.entry.data)).join('\n');
    expect(text).toContain(`the key arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555 is imported`);
    expect(text).toContain('"Principal":{"Service":"events.amazonaws.com"}');
    expect(text).toMatch(/"Action":\["kms:Decrypt","kms:GenerateDataKey"\]/);
    expect(text).toMatch(/"kms:EncryptionContext:aws:sns:topicArn":.*:sns:us-east-1:111122223333:sagemaker-security-alerts"/);
    expect(text).toContain('"kms:EncryptionContext:aws:sqs:arn"');
  });
});

describe('watched roles of another stack', () => {
  test('are refused with the fix instead of a dependency cycle', () => {
    const app = newTestApp();
    const env = { account: '111111111111', region: 'us-east-1' };
    const platform = new Stack(app, 'Platform', { env });
    const environment = new SageMakerEnvironment(platform, 'Env', { environmentName: 'ml' });
    const team = new Stack(app, 'Team', { env });
    const notebook = new SecureNotebook(team, 'Nb', { environment, notebookName: 'team-nb' });
    expect(() => new SageMakerSecurityMonitoring(platform, 'Monitoring', { environment, watchedWorkloads: [notebook] }))
      .toThrow(/is in stack Team, but SageMakerSecurityMonitoring .* is in stack Platform.*iam.Role.fromRoleName/);
  });
});
