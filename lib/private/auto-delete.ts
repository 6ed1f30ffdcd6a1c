import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledge } from './acknowledge';

/**
 * Acknowledges, once per stack, the findings on aws-cdk-lib's S3 auto-delete provider (a
 * `CfnResource` Lambda function and role that aws-cdk-lib writes without an L2), which a sandbox
 * with `emptyOnDelete` adds: it runs only when CloudFormation deletes the bucket.
 */
export function acknowledgeAutoDeleteProvider(scope: IConstruct): void {
  const stack = Stack.of(scope);
  const provider = stack.node.tryFindChild(AUTO_DELETE_PROVIDER_ID);
  if (!provider) {
    return;
  }
  acknowledge(provider,
    'aws-cdk-lib\'s S3 auto-delete custom resource provider, added only for a sandbox (emptyOnDelete with removalPolicy DESTROY): CloudFormation invokes it once, when the stack deletes the bucket, to delete its object versions. Its code, runtime, role (AWSLambdaBasicExecutionRole) and non-VPC placement are aws-cdk-lib\'s and cannot be configured.',
    ...AUTO_DELETE_PROVIDER_FINDINGS);
}

/** Construct ID aws-cdk-lib gives the auto-delete provider (one per stack). */
const AUTO_DELETE_PROVIDER_ID = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';

/** What the packs report on that provider's L1 Lambda function and role. */
const AUTO_DELETE_PROVIDER_FINDINGS = [
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'AwsSolutions-L1',
  'HIPAA.Security-LambdaConcurrency', 'HIPAA.Security-LambdaDLQ', 'HIPAA.Security-LambdaInsideVPC',
  'HIPAA.Security-IAMNoInlinePolicy',
  'NIST.800.53.R5-LambdaConcurrency', 'NIST.800.53.R5-LambdaDLQ', 'NIST.800.53.R5-LambdaInsideVPC',
  'NIST.800.53.R5-IAMNoInlinePolicy',
  'PCI.DSS.321-LambdaInsideVPC', 'PCI.DSS.321-IAMNoInlinePolicy',
];
