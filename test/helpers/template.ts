import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** Renders a resolved Fn::Join / Fn::Base64 / literal as text, with references as <LogicalId> or <LogicalId.Attr>. */
export function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  if (value?.Ref) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value?.['Fn::Base64']) return render(value['Fn::Base64']);
  return JSON.stringify(value);
}

/**
 * Every statement of the managed policies whose logical ID starts with `logicalIdPrefix`: a role's
 * permissions may be spread over several managed policies (Permissions, Permissions2, ...).
 */
export function statementsOf(stack: Stack, logicalIdPrefix: string): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  const entries = Object.entries(policies).filter(([id]) => id.startsWith(logicalIdPrefix));
  expect(entries.length).toBeGreaterThan(0);
  return entries.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}
