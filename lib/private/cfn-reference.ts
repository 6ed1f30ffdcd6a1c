/**
 * A CloudFormation value flattened the way cdk-nag names the findings of rules that report one
 * finding per value (`AwsSolutions-IAM5[Resource::<flattened>]`): `Ref` and `Fn::GetAtt` become
 * `<Name>` and `<Name.Attribute>`, `Fn::Sub` placeholders `<...>`, `Fn::Join` is joined and
 * `Fn::ImportValue` is its export name. This is cdk-nag's public naming scheme (Apache-2.0), kept
 * here so the library does not import cdk-nag's internals; a test compares it with the IDs the
 * pack reports.
 */
export function flattenCfnReference(value: unknown): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '<').replace(/}/g, '>');
  }
  const v = value as Record<string, any>;
  if (v['Fn::Join']) {
    const [delimiter, items] = v['Fn::Join'] as [string, unknown[]];
    return items.map(flattenCfnReference).join(delimiter);
  }
  if (v['Fn::Sub']) {
    return flattenCfnReference(v['Fn::Sub']);
  }
  if (v['Fn::GetAtt']) {
    const [resource, attribute] = v['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
  }
  if (v['Fn::ImportValue']) {
    return flattenCfnReference(v['Fn::ImportValue']);
  }
  if (v.Ref) {
    return `<${flattenCfnReference(v.Ref)}>`;
  }
  return JSON.stringify(value);
}
