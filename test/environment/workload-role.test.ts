import { CfnParameter, Duration, Lazy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SageMakerWorkloadRole } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

describe('SageMakerWorkloadRole', () => {
  test('is assumed by SageMaker for this account only, for one hour at most', () => {
    const stack = newTestStack();
    new SageMakerWorkloadRole(stack, 'Role');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'sagemaker.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }],
      },
      MaxSessionDuration: 3600,
    });
  });

  test('keeps every permission in its own customer-managed policy, never inline', () => {
    const stack = newTestStack();
    const role = new SageMakerWorkloadRole(stack, 'Role');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: ['arn:aws:sagemaker:eu-west-1:111122223333:training-job/x'] }));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    const role0 = Object.values(t.findResources('AWS::IAM::Role'))[0];
    expect(role0.Properties.Policies).toBeUndefined();
    expect(role0.Properties.ManagedPolicyArns).toEqual([{ Ref: expect.stringMatching(/Permissions/) }]);
  });

  test('has zero unacknowledged findings', () => {
    const stack = newTestStack();
    const role = new SageMakerWorkloadRole(stack, 'Role', { maxSessionDuration: Duration.hours(2) });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: ['arn:aws:sagemaker:eu-west-1:111122223333:training-job/x'] }));
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('spreads many permissions over several managed policies, each under the IAM size limit', () => {
    const stack = newTestStack();
    const role = new SageMakerWorkloadRole(stack, 'Role');
    for (let i = 0; i < 80; i++) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:aws:s3:::bucket-number-${i}/some/long/prefix/for/dataset/${i}/*`],
      }));
    }
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policies.length).toBeGreaterThan(1);
    expect(role.permissionPolicies).toHaveLength(policies.length);
    for (const p of policies) {
      expect(JSON.stringify(p.Properties.PolicyDocument).length).toBeLessThanOrEqual(6144);
    }
    const total = policies.reduce((n, p: any) => n + p.Properties.PolicyDocument.Statement.length, 0);
    expect(total).toBe(80);
    const roleResource = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0];
    expect(roleResource.Properties.ManagedPolicyArns).toHaveLength(policies.length);
  });

  test('fails with the fix when the permissions need more than 10 managed policies', () => {
    const stack = newTestStack();
    const role = new SageMakerWorkloadRole(stack, 'Role');
    expect(() => {
      for (let i = 0; i < 1000; i++) {
        role.addToPrincipalPolicy(new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [`arn:aws:s3:::bucket-number-${i}/some/long/prefix/for/dataset/${i}/*`],
        }));
      }
    }).toThrow(/more than 10 managed policies.*split the workload into two roles/);
  });

  // Found by test/robustness/workload-role.property.test.ts.
  describe('props CreateRole refuses fail at synth, naming the prop', () => {
    test.each([[''], ['a b'], ['r'.repeat(65)]])('roleName %p', (roleName) => {
      expect(() => new SageMakerWorkloadRole(newTestStack(), 'Role', { roleName })).toThrow(/^`roleName` /);
    });

    test.each([['emoji 😀'], ['euro €'], ['d'.repeat(1001)]])('description %p', (description) => {
      expect(() => new SageMakerWorkloadRole(newTestStack(), 'Role', { description })).toThrow(/^`description` must be at most 1000 characters of printable Latin-1/);
    });

    test.each([[Duration.minutes(30)], [Duration.hours(13)], [Duration.millis(3_600_500)], [Duration.hours(Lazy.number({ produce: () => 2 }))]])('maxSessionDuration %p', (maxSessionDuration) => {
      expect(() => new SageMakerWorkloadRole(newTestStack(), 'Role', { maxSessionDuration })).toThrow(/^`maxSessionDuration` /);
    });
  });

  test('a token maxSessionDuration in seconds is set on the role (iam.Role refused it)', () => {
    const stack = newTestStack();
    const seconds = new CfnParameter(stack, 'Session', { type: 'Number', default: 7200 }).valueAsNumber;
    new SageMakerWorkloadRole(stack, 'Role', { maxSessionDuration: Duration.seconds(seconds) });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: { Ref: 'Session' } });
  });

  test('a long token description is cut to 1000 characters in the managed policy description once resolved', () => {
    const stack = newTestStack();
    const role = new SageMakerWorkloadRole(stack, 'Role', { description: Lazy.string({ produce: () => 'd'.repeat(1000) }) });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: ['arn:aws:sagemaker:eu-west-1:111122223333:training-job/x'] }));
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0];
    expect(policy.Properties.Description).toHaveLength(1000);
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });
});
