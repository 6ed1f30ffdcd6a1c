import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { buildApp } from '../examples/secure-ml-platform';
import { SageMakerEnvironment, SageMakerWorkloadRole, SecureBucket } from '../lib';
import { newTestApp, newTestStack } from './helpers/compliance';
import { leastPrivilegeViolations } from './helpers/least-privilege';

describe('least privilege, on the synthesized policy documents', () => {
  test('no role in the main example can act on a bucket, key or role outside its template', () => {
    const app = buildApp(newTestApp());
    const assembly = app.synth();
    const templates = assembly.stacks.map((s) => JSON.parse(fs.readFileSync(path.join(assembly.directory, s.templateFile), 'utf-8')));
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      const policies = Object.values(t.Resources).filter((r: any) => r.Type === 'AWS::IAM::ManagedPolicy');
      expect(policies.length).toBeGreaterThan(0);
      expect(leastPrivilegeViolations(t)).toEqual([]);
    }
  });

  test('a default environment with a granted workload role passes', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    const role = new SageMakerWorkloadRole(stack, 'Role');
    env.dataBucket.grantRead(role, 'in/');
    env.artifactsBucket.grantWrite(role, 'out/');
    expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  // The checker must catch what it claims to catch, or the tests above prove nothing.
  describe('the checker itself', () => {
    function violationsOf(add: (role: SageMakerWorkloadRole, stack: Stack) => void): string[] {
      const stack = newTestStack();
      const role = new SageMakerWorkloadRole(stack, 'Role');
      add(role, stack);
      return leastPrivilegeViolations(Template.fromStack(stack).toJSON()).map((v) => v.problem);
    }

    test('flags a foreign bucket ARN', () => {
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::someone-else/*'] }))))
        .toEqual(['literal ARN of a resource the template does not own']);
    });

    test('flags Resource "*"', () => {
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: ['*'] }))))
        .toEqual(['Resource "*"']);
    });

    test('flags a service-wide action', () => {
      expect(violationsOf((r, s) => {
        const b = new SecureBucket(s, 'B');
        r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: [b.bucketArn] }));
      })).toEqual(['service-wide action']);
    });

    test('flags an S3 action on something that is not a bucket', () => {
      expect(violationsOf((r, s) => {
        const other = new SageMakerWorkloadRole(s, 'Other');
        r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [other.roleArn] }));
      })).toEqual(['s3 action on a AWS::IAM::Role']);
    });

    test('flags a notebook that is not in the template', () => {
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'], resources: ['arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/someone-elses'],
      })))).toEqual(['notebook-instance someone-elses is not in this template']);
    });

    test('flags a job wildcard without conditions', () => {
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['sagemaker:CreateTrainingJob'], resources: ['arn:aws:sagemaker:eu-west-1:111122223333:training-job/*'],
      })))).toEqual(['wildcard training-job ARN without conditions']);
    });

    test('accepts DescribeSpace on the spaces of a domain in the template, but not of a foreign domain, and not writes', () => {
      const inDomain = (actions: string[], domainId?: string) => violationsOf((r, s) => {
        const d = new sagemaker.CfnDomain(s, 'Domain', { authMode: 'IAM', domainName: 'd', defaultUserSettings: { executionRole: 'arn:aws:iam::111122223333:role/studio' } });
        r.addToPrincipalPolicy(new iam.PolicyStatement({
          actions, resources: [s.formatArn({ service: 'sagemaker', resource: 'space', resourceName: `${domainId ?? d.attrDomainId}/*` })],
        }));
      });
      expect(inDomain(['sagemaker:DescribeSpace'])).toEqual([]);
      expect(inDomain(['sagemaker:DescribeSpace'], 'd-foreign')).toEqual(['wildcard space ARN without conditions']);
      expect(inDomain(['sagemaker:DeleteSpace'])).toEqual(['wildcard space ARN without conditions']);
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:ListSpaces'], resources: ['*'] })))).toEqual([]);
    });

    test('accepts Resource "*" only for actions without resource-level permissions', () => {
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeSubnets'], resources: ['*'] })))).toEqual([]);
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: ['*'] })))).toEqual(['Resource "*"']);
    });

    test('accepts Step Functions log delivery and X-Ray actions on "*", but not log writes', () => {
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['logs:CreateLogDelivery', 'logs:DescribeLogGroups', 'xray:PutTraceSegments', 'cloudwatch:PutMetricData'], resources: ['*'],
      })))).toEqual([]);
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: ['*'] })))).toEqual(['Resource "*"']);
    });

    test('skips a policy only when it is a permissions boundary', () => {
      const stack = newTestStack();
      const boundary = new iam.ManagedPolicy(stack, 'Boundary', { statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })] });
      const role = new SageMakerWorkloadRole(stack, 'Role');
      iam.PermissionsBoundary.of(role).apply(boundary);
      expect(leastPrivilegeViolations(Template.fromStack(stack).toJSON())).toEqual([]);
      const other = newTestStack();
      const identity = new SageMakerWorkloadRole(other, 'Role');
      identity.addManagedPolicy(new iam.ManagedPolicy(other, 'Wide', { statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })] }));
      expect(leastPrivilegeViolations(Template.fromStack(other).toJSON()).map((v) => v.problem)).toEqual(['service-wide action', 'Resource "*"']);
    });

    test('flags a PassRole on a role ARN given as a literal', () => {
      expect(violationsOf((r) => r.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['arn:aws:iam::111122223333:role/admin'] }))))
        .toEqual(['literal ARN of a resource the template does not own']);
    });
  });
});
