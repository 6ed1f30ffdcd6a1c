import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SageMakerEnvironment, SageMakerSecurityMonitoring, SageMakerSecurityMonitoringProps, SageMakerWorkloadRole } from '../../lib';
import { unneededAcknowledgements } from '../helpers/acknowledgements';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { cloudTrailEvent, eventMatches } from '../helpers/event-pattern';
import { leastPrivilegeViolations } from '../helpers/least-privilege';

const CLOUDTRAIL = 'AWS API Call via CloudTrail';

function ruleOf(stack: Stack, category: string): any {
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  const entry = Object.entries(rules).find(([id]) => id.startsWith(`Mon${category}Rule`));
  return entry?.[1];
}

function keyStatements(stack: Stack): any[] {
  const keys = Template.fromStack(stack).findResources('AWS::KMS::Key');
  return Object.values(keys).flatMap((k: any) => k.Properties.KeyPolicy.Statement);
}

function allOptions(stack: Stack): { monitoring: SageMakerSecurityMonitoring; role: SageMakerWorkloadRole } {
  const role = new SageMakerWorkloadRole(stack, 'Watched');
  const monitoring = new SageMakerSecurityMonitoring(stack, 'Mon', {
    trail: true,
    configRules: true,
    alertOnReadOnlyEvents: true,
    watchedRoles: [role],
    alertEmails: ['secops@example.com'],
  });
  return { monitoring, role };
}

describe('SageMakerSecurityMonitoring', () => {
  describe('compliance', () => {
    test('with default props it has zero unacknowledged findings under all packs and CloudFormation Validate', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('with every option on it has zero unacknowledged findings', () => {
      const stack = newTestStack();
      allOptions(stack);
      expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    });

    test('every acknowledgement silences a real finding (defaults and every option)', () => {
      const a = newTestStack();
      new SageMakerSecurityMonitoring(a, 'Mon');
      expect(unneededAcknowledgements(a)).toEqual([]);
      const b = newTestStack();
      allOptions(b);
      expect(unneededAcknowledgements(b)).toEqual([]);
    });

    test('the trail delivery role passes the least-privilege checker', () => {
      const stack = newTestStack();
      allOptions(stack);
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    });
  });

  describe('event rules', () => {
    test.each([
      ['DataPoisoning', ['aws.sagemaker'], ['CreateModelPackage', 'UpdateModelPackage', 'CreateTransformJob', 'UpdateTrainingJob']],
      ['ResourceMisuse', ['aws.sagemaker'], ['CreateEndpoint', 'UpdateEndpoint']],
      ['Cryptojacking', ['aws.sagemaker'], ['CreateNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance', 'CreateTrainingJob', 'CreateHyperParameterTuningJob']],
      ['ConfigurationChange', ['aws.sagemaker'], [
        'CreateNotebookInstanceLifecycleConfig', 'UpdateNotebookInstanceLifecycleConfig', 'DeleteNotebookInstanceLifecycleConfig',
        'DeleteNotebookInstance', 'CreateEndpointConfig',
        'CreateStudioLifecycleConfig', 'UpdateDomain', 'UpdateUserProfile', 'UpdateSpace',
      ]],
      ['LogTampering', ['aws.sagemaker', 'aws.cloudtrail', 'aws.logs', 'aws.config', 'aws.events', 'aws.sns', 'aws.sqs', 'aws.ec2', 'aws.kms', 'aws.route53resolver'], [
        'StopTrainingJob', 'StopTransformJob',
        'StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors',
        'DeleteLogGroup', 'DeleteLogStream', 'PutRetentionPolicy', 'DisassociateKmsKey',
        'StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel',
        'DisableRule', 'DeleteRule', 'RemoveTargets', 'Unsubscribe', 'DeleteTopic', 'PurgeQueue', 'DeleteQueue',
        'DeleteFlowLogs', 'DisassociateFirewallRuleGroup', 'UpdateFirewallRuleGroupAssociation', 'UpdateFirewallRule', 'DeleteFirewallRule', 'UpdateFirewallDomains',
        'DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy', 'DisableKeyRotation',
      ]],
      ['CredentialTheft', ['aws.sagemaker'], ['CreatePresignedNotebookInstanceUrl', 'CreatePresignedDomainUrl']],
    ])('%s: exact pattern by default, enabled for write events only', (category, source, eventNames) => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      const rule = ruleOf(stack, category);
      expect(rule.Properties.EventPattern).toEqual({ 'source': source, 'detail-type': [CLOUDTRAIL], 'detail': { eventName: eventNames } });
      expect(rule.Properties.State).toBe('ENABLED');
    });

    test.each([
      ['events', 'DisableRule', { requestParameters: { name: 'SecurityMonitoringLogTamperingRule' } }],
      ['events', 'RemoveTargets', { requestParameters: { rule: 'SecurityMonitoringLogTamperingRule', ids: ['Target0'] } }],
      ['sns', 'Unsubscribe', { requestParameters: { subscriptionArn: 'arn:aws:sns:eu-west-1:111122223333:alerts:1f2e' } }],
      ['sns', 'DeleteTopic', { requestParameters: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts' } }],
      ['sqs', 'PurgeQueue', { requestParameters: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/dlq' } }],
      ['ec2', 'DeleteFlowLogs', { requestParameters: { DeleteFlowLogsRequest: { FlowLogId: { tag: 1, content: 'fl-0123' } } } }],
      ['route53resolver', 'DisassociateFirewallRuleGroup', { requestParameters: { firewallRuleGroupAssociationId: 'rslvr-frgassoc-0123' } }],
      ['kms', 'ScheduleKeyDeletion', { requestParameters: { keyId: '1234abcd', pendingWindowInDays: 7 } }],
      ['kms', 'PutKeyPolicy', { requestParameters: { keyId: '1234abcd', policyName: 'default' } }],
      ['cloudtrail', 'StopLogging', { requestParameters: { name: 'trail' } }],
    ])('an attacker silencing the monitoring (%s %s) is alerted: the CloudTrail event matches the LogTampering rule', (service, eventName, detail) => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      const pattern = ruleOf(stack, 'LogTampering').Properties.EventPattern;
      expect(eventMatches(pattern, cloudTrailEvent(service, eventName, detail))).toBe(true);
    });

    test.each([
      ['UpdateDomain', { requestParameters: { domainId: 'd-1', defaultUserSettings: { jupyterLabAppSettings: { lifecycleConfigArns: ['arn:aws:sagemaker:eu-west-1:111122223333:studio-lifecycle-config/backdoor'] } } } }],
      ['UpdateUserProfile', { requestParameters: { domainId: 'd-1', userProfileName: 'alice', userSettings: { executionRole: 'arn:aws:iam::111122223333:role/attacker' } } }],
      ['UpdateNotebookInstanceLifecycleConfig', { requestParameters: { notebookInstanceLifecycleConfigName: 'team-a-explore' } }],
      ['UpdateSpace', { requestParameters: { domainId: 'd-1', spaceName: 'alice', spaceSettings: { remoteAccess: 'ENABLED' } } }],
    ])('persistence in other users\' compute (%s) is alerted: the CloudTrail event matches the ConfigurationChange rule', (eventName, detail) => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      expect(eventMatches(ruleOf(stack, 'ConfigurationChange').Properties.EventPattern, cloudTrailEvent('sagemaker', eventName, detail))).toBe(true);
    });

    test('ordinary calls of the same services (Publish, PutMetricData, Encrypt) do not match the LogTampering rule', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      const pattern = ruleOf(stack, 'LogTampering').Properties.EventPattern;
      for (const [service, name] of [['sns', 'Publish'], ['sqs', 'SendMessage'], ['kms', 'Encrypt'], ['events', 'PutEvents'], ['elasticloadbalancing', 'DeleteRule']]) {
        expect(eventMatches(pattern, cloudTrailEvent(service, name))).toBe(false);
      }
    });

    test('by default there are seven rules: no read-only exfiltration rule; the role-change rule watches every role of the stack', () => {
      const stack = newTestStack();
      const monitoring = new SageMakerSecurityMonitoring(stack, 'Mon');
      // Defined after the monitoring: collected at synthesis all the same.
      const late = new iam.Role(stack, 'LateRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 7);
      expect(ruleOf(stack, 'DataExfiltration')).toBeUndefined();
      const roleIds = Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Role'));
      expect(roleIds.length).toBeGreaterThanOrEqual(3);
      const watched = ruleOf(stack, 'RoleChange').Properties.EventPattern.detail.requestParameters.roleName.map((r: any) => r.Ref);
      expect(watched.sort()).toEqual(roleIds.sort());
      expect(watched).toContain(stack.getLogicalId(late.node.defaultChild as iam.CfnRole));
      expect(monitoring.roleChangeRules).toHaveLength(1);
      expect(monitoring.rules.RoleChange).toBe(monitoring.roleChangeRules[0]);
    });

    test('watchStackRoles: false and no watched roles: six rules, no role-change rule', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { watchStackRoles: false });
      Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 6);
      expect(ruleOf(stack, 'RoleChange')).toBeUndefined();
    });

    test('a stack without roles gets no role-change rule (an empty pattern would not deploy)', () => {
      const stack = newTestStack('S', { env: { account: '111111111111', region: 'us-east-1' } });
      new SageMakerSecurityMonitoring(stack, 'Mon', { encryptionKey: new kms.Key(stack, 'Key') });
      expect(ruleOf(stack, 'RoleChange')).toBeUndefined();
    });

    test('many roles are split over rules whose patterns each fit EventBridge\'s 2,048 characters; each role is in exactly one', () => {
      const stack = newTestStack('S', { env: { account: '111111111111', region: 'us-east-1' } });
      const monitoring = new SageMakerSecurityMonitoring(stack, 'Mon');
      for (let i = 0; i < 60; i++) {
        new iam.Role(stack, `Role${i}`, { roleName: `team-${String(i).padStart(2, '0')}-${'x'.repeat(56)}`, assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      }
      const template = Template.fromStack(stack);
      const roleIds = Object.keys(template.findResources('AWS::IAM::Role'));
      const rules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) => id.startsWith('MonRoleChange'));
      expect(rules.length).toBeGreaterThan(1);
      expect(monitoring.roleChangeRules).toHaveLength(rules.length);
      const named = rules.flatMap(([, r]) => r.Properties.EventPattern.detail.requestParameters.roleName.map((n: any) => n.Ref));
      expect(named.sort()).toEqual(roleIds.sort());
      for (const [, r] of rules) {
        // Deployed, each Ref is a role name of at most 64 characters (IAM's limit).
        const deployed = JSON.stringify(r.Properties.EventPattern).replace(/\{"Ref":"[A-Za-z0-9]+"\}/g, `"${'n'.repeat(64)}"`);
        expect(deployed.length).toBeLessThanOrEqual(2048);
      }
      // The topic admits each of them.
      const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement;
      for (const [id] of rules) {
        expect(topicPolicy.some((s: any) => JSON.stringify(s.Condition ?? {}).includes(id))).toBe(true);
      }
    });

    test('alertOnReadOnlyEvents adds the exfiltration rule and DescribeNotebookInstance, enabled for all management events', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { alertOnReadOnlyEvents: true });
      const exfiltration = ruleOf(stack, 'DataExfiltration');
      expect(exfiltration.Properties.EventPattern).toEqual({
        'source': ['aws.sagemaker'], 'detail-type': [CLOUDTRAIL], 'detail': { eventName: ['DescribeModelPackage', 'DescribeTrainingJob'] },
      });
      expect(exfiltration.Properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
      const theft = ruleOf(stack, 'CredentialTheft');
      expect(theft.Properties.EventPattern.detail.eventName).toEqual(['CreatePresignedNotebookInstanceUrl', 'CreatePresignedDomainUrl', 'DescribeNotebookInstance']);
      expect(theft.Properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
      expect(ruleOf(stack, 'DataPoisoning').Properties.State).toBe('ENABLED');
    });

    test('watchedRoles: IAM policy and trust changes of exactly those roles', () => {
      const stack = newTestStack('S', { env: { account: '111111111111', region: 'us-east-1' } });
      const role = new SageMakerWorkloadRole(stack, 'Watched');
      new SageMakerSecurityMonitoring(stack, 'Mon', { watchedRoles: [role], watchStackRoles: false });
      expect(ruleOf(stack, 'RoleChange').Properties.EventPattern).toEqual({
        'source': ['aws.iam'],
        'detail-type': [CLOUDTRAIL],
        'detail': {
          eventSource: ['iam.amazonaws.com'],
          eventName: [
            'PutRolePolicy', 'DeleteRolePolicy', 'AttachRolePolicy', 'DetachRolePolicy', 'UpdateAssumeRolePolicy',
            'PutRolePermissionsBoundary', 'DeleteRolePermissionsBoundary', 'UpdateRole', 'DeleteRole', 'TagRole', 'UntagRole',
          ],
          requestParameters: { roleName: [{ Ref: expect.stringMatching(/^Watched/) }] },
        },
      });
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('RoleChangeRuleOutsideUsEast1'));
    });

    test('watchedRoles outside us-east-1 is warned about (IAM events only reach EventBridge there)', () => {
      const stack = newTestStack('S', { env: { account: '111111111111', region: 'eu-west-1' } });
      const role = new SageMakerWorkloadRole(stack, 'Watched');
      new SageMakerSecurityMonitoring(stack, 'Mon', { watchedRoles: [role] });
      Annotations.fromStack(stack).hasWarning('/S/Mon', Match.stringLikeRegexp('us-east-1'));
    });

    test('every rule targets the topic with the dead-letter queue, retries and the alert message', () => {
      const stack = newTestStack();
      allOptions(stack);
      const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
      expect(Object.keys(rules)).toHaveLength(8);
      for (const rule of Object.values(rules) as any[]) {
        expect(rule.Properties.Targets).toHaveLength(1);
        const target = rule.Properties.Targets[0];
        expect(target.Arn.Ref).toMatch(/^MonTopic/);
        expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^MonDeadLetterQueue/);
        expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
        expect(target.InputTransformer.InputPathsMap).toEqual({
          'detail-eventName': '$.detail.eventName',
          'detail-eventSource': '$.detail.eventSource',
          'detail-userIdentity-arn': '$.detail.userIdentity.arn',
          'detail-sourceIPAddress': '$.detail.sourceIPAddress',
          'account': '$.account',
          'region': '$.region',
          'time': '$.time',
          'detail-eventID': '$.detail.eventID',
          'detail-requestParameters': '$.detail.requestParameters',
          'detail-errorCode': '$.detail.errorCode',
        });
        const template: string = target.InputTransformer.InputTemplate;
        const category = /"category":"(\w+)"/.exec(template)![1];
        expect(rule.Properties.Description).toContain(category);
        for (const field of ['"eventName":<detail-eventName>', '"caller":<detail-userIdentity-arn>', '"sourceIp":<detail-sourceIPAddress>',
          '"region":<region>', '"time":<time>', '"resource":<detail-requestParameters>']) {
          expect(template).toContain(field);
        }
      }
    });
  });

  describe('topic and dead-letter queue', () => {
    test('the topic is encrypted with the environment key and denies non-TLS requests', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
      });
      t.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Sid: 'PublishDataPoisoningAlerts',
              Effect: 'Allow',
              Action: 'sns:Publish',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonDataPoisoningRule'), 'Arn'] } } },
            }),
          ]),
        },
      });
    });

    test('the dead-letter queue is encrypted with the environment key, TLS-only, kept 14 days, and only the rules may send', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
        MessageRetentionPeriod: 1209600,
      });
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Sid: 'QueueDataPoisoningUndeliveredAlerts',
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonDataPoisoningRule'), 'Arn'] } } },
            }),
          ]),
        },
      });
    });

    test('the key lets EventBridge encrypt for this topic and this queue only (encryption context)', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      const statements = keyStatements(stack).filter((s) => ['AllowEventBridgeToPublishSecurityAlerts', 'AllowEventBridgeToQueueUndeliveredAlerts'].includes(s.Sid));
      expect(statements).toHaveLength(2);
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.AllowEventBridgeToPublishSecurityAlerts.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(JSON.stringify(bySid.AllowEventBridgeToPublishSecurityAlerts.Condition.StringEquals['kms:EncryptionContext:aws:sns:topicArn']))
        .toContain('-sagemaker-security-alerts');
      expect(JSON.stringify(bySid.AllowEventBridgeToQueueUndeliveredAlerts.Condition.StringEquals['kms:EncryptionContext:aws:sqs:arn']))
        .toContain('-sagemaker-security-alerts-dlq');
      for (const s of statements) {
        expect(Object.keys(s.Condition.StringEquals)).toHaveLength(1);
      }
    });

    test('alertEmails subscribe to the topic; a malformed address fails', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { alertEmails: ['secops@example.com'] });
      Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
      expect(() => new SageMakerSecurityMonitoring(newTestStack(), 'Mon', { alertEmails: ['secops'] })).toThrow(/alertEmails/);
    });
  });

  describe('trail', () => {
    test('no trail and no Config rules by default', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::CloudTrail::Trail', 0);
      t.resourceCountIs('AWS::Config::ConfigRule', 0);
    });

    test('KMS-encrypted, validated, multi-Region, to the log group, with S3 data events on the environment buckets', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { trail: true });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::CloudTrail::Trail', {
        IsLogging: true,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentKey'), 'Arn'] },
        S3BucketName: { Ref: Match.stringLikeRegexp('^MonTrailBucket') },
        CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonTrailLogGroup'), 'Arn'] },
        CloudWatchLogsRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonTrailLogsRole'), 'Arn'] },
        EventSelectors: [{
          IncludeManagementEvents: true,
          ReadWriteType: 'All',
          DataResources: [{
            Type: 'AWS::S3::Object',
            Values: [
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentDataBucket'), 'Arn'] }, '/']] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('SecureSageMakerEnvironmentArtifactsBucket'), 'Arn'] }, '/']] },
            ],
          }],
        }],
      });
      t.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: Match.stringLikeRegexp('^/secure-sagemaker/.+/cloudtrail$'),
        KmsKeyId: Match.anyValue(),
      });
    });

    test('the trail bucket is a SecureBucket that admits CloudTrail for this trail only', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { trail: true });
      const t = Template.fromStack(stack);
      const policies = t.findResources('AWS::S3::BucketPolicy');
      const policy = Object.entries(policies).find(([id]) => id.startsWith('MonTrailBucket'))![1] as any;
      const statements = policy.Properties.PolicyDocument.Statement;
      const bySid = Object.fromEntries(statements.filter((s: any) => s.Sid).map((s: any) => [s.Sid, s]));
      expect(bySid.AllowCloudTrailAclCheck).toMatchObject({ Action: 's3:GetBucketAcl', Principal: { Service: 'cloudtrail.amazonaws.com' } });
      expect(bySid.AllowCloudTrailWrite).toMatchObject({
        Action: 's3:PutObject',
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
      });
      for (const s of [bySid.AllowCloudTrailAclCheck, bySid.AllowCloudTrailWrite]) {
        expect(JSON.stringify(s.Condition.StringEquals['aws:SourceArn'])).toContain(':trail/');
      }
      expect(bySid.DenyUploadsWithoutKms).toBeDefined();
      expect(statements.some((s: any) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
      t.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({ LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'trail/' } }),
      });
      const trail = Object.values(t.findResources('AWS::CloudTrail::Trail'))[0] as any;
      expect(trail.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^MonTrailBucket.*Policy/)]));
    });

    test('the key lets CloudTrail encrypt for this trail only (source ARN and encryption context)', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { trail: true });
      const statements = keyStatements(stack).filter((s) => s.Principal?.Service === 'cloudtrail.amazonaws.com');
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.AllowCloudTrailToEncryptTrailLogs.Action).toBe('kms:GenerateDataKey*');
      expect(JSON.stringify(bySid.AllowCloudTrailToEncryptTrailLogs.Condition.StringLike['kms:EncryptionContext:aws:cloudtrail:arn']))
        .toMatch(/cloudtrail:\*:.*:trail\/.*-sagemaker-trail/);
      expect(JSON.stringify(bySid.AllowCloudTrailToEncryptTrailLogs.Condition.StringEquals['aws:SourceArn'])).toContain('-sagemaker-trail');
      expect(bySid.AllowCloudTrailToDescribeKey.Action).toBe('kms:DescribeKey');
    });

    test('the delivery role is assumable by CloudTrail for this trail and writes streams of its log group only', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { trail: true });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceArn': Match.anyValue() } },
          })],
        },
      });
      const policies = t.findResources('AWS::IAM::ManagedPolicy');
      const statements = Object.entries(policies).filter(([id]) => id.startsWith('MonTrailLogsRole')).flatMap(([, p]: any) => p.Properties.PolicyDocument.Statement);
      expect(statements).toHaveLength(1);
      expect(statements[0].Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(JSON.stringify(statements[0].Resource)).toMatch(/\/cloudtrail:log-stream:\*"/);
    });
  });

  describe('Config rules', () => {
    test('configRules creates the SageMaker managed rules, the platform rule with the current platform', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon', { configRules: true });
      const t = Template.fromStack(stack);
      const identifiers = Object.values(t.findResources('AWS::Config::ConfigRule')).map((r: any) => r.Properties.Source.SourceIdentifier);
      expect(identifiers.sort()).toEqual([
        'SAGEMAKER_DOMAIN_IN_VPC',
        'SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED',
        'SAGEMAKER_ENDPOINT_CONFIG_PROD_INSTANCE_COUNT',
        'SAGEMAKER_MODEL_IN_VPC',
        'SAGEMAKER_MODEL_ISOLATION_ENABLED',
        'SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC',
        'SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED',
        'SAGEMAKER_NOTEBOOK_INSTANCE_PLATFORM_VERSION',
        'SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK',
        'SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS',
      ]);
      t.hasResourceProperties('AWS::Config::ConfigRule', {
        Source: { Owner: 'AWS', SourceIdentifier: 'SAGEMAKER_NOTEBOOK_INSTANCE_PLATFORM_VERSION' },
        InputParameters: { supportedPlatformIdentifierVersions: 'notebook-al2023-v1' },
      });
      Annotations.fromStack(stack).hasInfo('/TestStack/Mon', Match.stringLikeRegexp('configuration recorder'));
    });
  });

  test('uses the given environment', () => {
    const stack = newTestStack();
    const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml-prod' });
    new SageMakerSecurityMonitoring(stack, 'Mon', { environment: env, trail: true });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'ml-prod-sagemaker-security-alerts' });
    t.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'ml-prod-sagemaker-security-alerts-dlq' });
    t.hasResourceProperties('AWS::CloudTrail::Trail', { TrailName: 'ml-prod-sagemaker-trail' });
    expect(stack.node.tryFindChild(SageMakerEnvironment.DEFAULT_ID)).toBeUndefined();
    void iam;
  });

  describe('without an environment (encryptionKey)', () => {
    const standalone = (props: Partial<SageMakerSecurityMonitoringProps> = {}) => {
      const stack = newTestStack();
      const key = new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true });
      new SageMakerSecurityMonitoring(stack, 'Mon', { encryptionKey: key, ...props });
      return stack;
    };

    test('creates no environment; the topic and queue use the given key, which admits EventBridge for them only', () => {
      const stack = standalone({ configRules: true });
      const t = Template.fromStack(stack);
      expect(stack.node.tryFindChild(SageMakerEnvironment.DEFAULT_ID)).toBeUndefined();
      expect(Object.keys(t.findResources('AWS::EC2::VPC'))).toEqual([]);
      const keyId = Object.keys(t.findResources('AWS::KMS::Key'))[0];
      t.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'sagemaker-security-alerts', KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
      t.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'sagemaker-security-alerts-dlq', KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: 'AllowEventBridgeToPublishSecurityAlerts', Principal: { Service: 'events.amazonaws.com' } }),
            Match.objectLike({ Sid: 'AllowEventBridgeToQueueUndeliveredAlerts', Principal: { Service: 'events.amazonaws.com' } }),
          ]),
        },
      });
      expect(Object.keys(t.findResources('AWS::Config::ConfigRule')).length).toBeGreaterThan(0);
    });

    test('has zero unacknowledged findings', () => {
      expect(formatFindings(unacknowledgedFindings(standalone({ configRules: true })))).toBe('');
    });

    test('a trail needs an environment: the error names both props', () => {
      expect(() => standalone({ trail: true })).toThrow(/`trail` .* pass `environment`/);
    });
  });

  // Found by test/robustness/monitoring.property.test.ts.
  describe('configurations that cannot deploy fail at synth, naming the prop', () => {
    test('an alert email listed twice (in any case)', () => {
      expect(() => new SageMakerSecurityMonitoring(newTestStack(), 'Mon', { alertEmails: ['secops@example.com', 'SecOps@example.com'] }))
        .toThrow(/`alertEmails` lists 'SecOps@example.com' twice/);
    });

    test('a second monitoring of the same environment, whose topic, queue and trail names would collide', () => {
      const stack = newTestStack();
      new SageMakerSecurityMonitoring(stack, 'Mon');
      expect(() => new SageMakerSecurityMonitoring(stack, 'Mon2', { environment: SageMakerEnvironment.of(stack) }))
        .toThrow(/`environment` .* already has a SageMakerSecurityMonitoring/);
    });

    test.each([['-ml'], ['ml-'], ['ml--prod']])('environment name %p, which would make an invalid CloudTrail name, is refused by the environment', (environmentName) => {
      const stack = newTestStack();
      expect(() => new SageMakerSecurityMonitoring(stack, 'Mon', { trail: true, environment: new SageMakerEnvironment(stack, 'Env', { environmentName }) }))
        .toThrow(/`environmentName` .* single hyphens/);
    });
  });
});
