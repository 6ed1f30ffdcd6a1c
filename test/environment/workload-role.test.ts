import { Duration } from 'aws-cdk-lib';
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

  test('fails synthesis when the managed policy exceeds the IAM size limit, saying how to fix it', () => {
    const stack = newTestStack();
    const role = new SageMakerWorkloadRole(stack, 'Role');
    for (let i = 0; i < 80; i++) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:aws:s3:::bucket-number-${i}/some/long/prefix/for/dataset/${i}/*`],
      }));
    }
    expect(() => Template.fromStack(stack)).toThrow(/over the IAM limit of 6144.*split the workload/);
  });
});
