import { CfnResource, CustomResourceProviderBase, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeControls, acknowledgeInTemplate, RuleId } from './acknowledge';

/**
 * The findings a scanner of the written template reports on an aws-cdk-lib custom-resource
 * provider (`CustomResourceProvider`): its role and handler are raw `CfnResource`s in the tree,
 * which the packs over the tree do not type, and typed L1s once the template is read back.
 */
const PROVIDER_ROLE_FINDINGS: RuleId[] = [
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
];
/** For a provider whose role carries its permissions inline (the auto-delete one's are in the bucket policy). */
const INLINE_POLICY_FINDINGS: RuleId[] = ['HIPAA.Security-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'];
const PROVIDER_HANDLER_FINDINGS: RuleId[] = [
  'HIPAA.Security-LambdaConcurrency', 'HIPAA.Security-LambdaDLQ', 'HIPAA.Security-LambdaInsideVPC',
  'NIST.800.53.R5-LambdaConcurrency', 'NIST.800.53.R5-LambdaDLQ', 'NIST.800.53.R5-LambdaInsideVPC',
  'PCI.DSS.321-LambdaInsideVPC',
];

/** Acknowledges, in the template, the findings on one aws-cdk-lib provider of `stack`, if present. */
function acknowledgeProvider(stack: Stack, providerId: string, what: string, inlinePolicy: boolean): void {
  const provider = stack.node.tryFindChild(providerId);
  if (!provider) {
    return;
  }
  const role = provider.node.tryFindChild('Role');
  const handler = provider.node.tryFindChild('Handler');
  const reason = `aws-cdk-lib's ${what} custom resource provider: CloudFormation invokes it only while it creates, updates or deletes the stack. Its code, runtime, role (AWSLambdaBasicExecutionRole${inlinePolicy ? ' and an inline policy' : ''}), concurrency and placement outside the VPC are aws-cdk-lib's and cannot be configured.`;
  if (role && CfnResource.isCfnResource(role)) {
    acknowledgeInTemplate(role, reason, ...PROVIDER_ROLE_FINDINGS, ...(inlinePolicy ? INLINE_POLICY_FINDINGS : []));
  }
  if (handler && CfnResource.isCfnResource(handler)) {
    acknowledgeInTemplate(handler, reason, ...PROVIDER_HANDLER_FINDINGS);
    acknowledgeControls(handler, reason, 'CT.LAMBDA.PR.3');
  }
}

/**
 * Acknowledges, once per stack, the findings on aws-cdk-lib's S3 auto-delete provider, which a
 * sandbox with `emptyOnDelete` adds: it runs only when CloudFormation deletes the bucket, to
 * delete its object versions.
 */
export function acknowledgeAutoDeleteProvider(scope: IConstruct): void {
  acknowledgeProvider(Stack.of(scope), 'Custom::S3AutoDeleteObjectsCustomResourceProvider', 'S3 auto-delete (sandboxes only: it empties the bucket when the stack deletes it)', false);
}

/**
 * Acknowledges the findings a template scanner reports for a VPC whose default security group
 * aws-cdk-lib empties (`restrictDefaultSecurityGroup`): on the provider that does it, and on the
 * VPC itself, whose default group the template alone does not show closed (cdk-nag's rule looks
 * for the L2's custom resource in the tree).
 */
export function acknowledgeRestrictedDefaultSecurityGroup(vpc: IConstruct): void {
  const cfnVpc = vpc.node.defaultChild;
  const restrict = vpc.node.tryFindChild('RestrictDefaultSecurityGroupCustomResource');
  if (!restrict || !cfnVpc || !CfnResource.isCfnResource(cfnVpc)) {
    return;
  }
  const custom = restrict.node.defaultChild as CfnResource | undefined;
  const logicalId = custom ? Stack.of(vpc).getLogicalId(custom) : 'its Custom::VpcRestrictDefaultSG resource';
  acknowledgeInTemplate(cfnVpc,
    `The default security group's rules are removed at deploy time by ${logicalId} (Custom::VpcRestrictDefaultSG, aws-cdk-lib's restrictDefaultSecurityGroup), in this template; a scan of the template alone cannot see that it is closed.`,
    'HIPAA.Security-VPCDefaultSecurityGroupClosed', 'NIST.800.53.R5-VPCDefaultSecurityGroupClosed', 'PCI.DSS.321-VPCDefaultSecurityGroupClosed');
  acknowledgeProvider(Stack.of(vpc), 'Custom::VpcRestrictDefaultSGCustomResourceProvider', 'default security group restriction (it removes the VPC default group\'s rules)', true);
}

/**
 * The role of aws-cdk-lib's S3 auto-delete handler in the stack of `scope`, if the stack has one
 * (a bucket with `autoDeleteObjects`): it empties buckets from Lambda, outside the VPC, so the
 * buckets' denies exempt it for a sandbox to tear down.
 */
export function autoDeleteProviderRoleArn(scope: IConstruct): string | undefined {
  const provider = Stack.of(scope).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider') as CustomResourceProviderBase | undefined;
  return provider?.roleArn;
}
