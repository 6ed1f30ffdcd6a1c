/** Helpers to read CloudFormation values without deploying: tokens render as `<LogicalId>` / `<LogicalId.Attr>`. */

/** Renders a template value as a string; intrinsic functions become readable placeholders. */
export function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(render).join(', ');
  if (typeof value === 'object') {
    const v = value as Record<string, any>;
    if ('Ref' in v) return `<${v.Ref}>`;
    if ('Fn::GetAtt' in v) {
      const a = v['Fn::GetAtt'];
      return `<${Array.isArray(a) ? a.join('.') : String(a)}>`;
    }
    if ('Fn::Join' in v && Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'];
      return Array.isArray(parts) ? parts.map(render).join(String(sep)) : render(parts);
    }
    if ('Fn::Sub' in v) {
      const s = Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'][0] : v['Fn::Sub'];
      return String(s).replace(/\$\{([^}!]+)\}/g, '<$1>');
    }
    if ('Fn::Select' in v) return `<select ${render(v['Fn::Select'][1])}[${v['Fn::Select'][0]}]>`;
    if ('Fn::GetAZs' in v) return '<AZs>';
    if ('Fn::ImportValue' in v) return `<import ${render(v['Fn::ImportValue'])}>`;
    return JSON.stringify(value);
  }
  return String(value);
}

/** The logical ID a Ref / GetAtt points at, if the value is one. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') return v.Ref;
    const a = v['Fn::GetAtt'];
    if (Array.isArray(a)) return String(a[0]);
    if (typeof a === 'string') return a.split('.')[0];
  }
  return undefined;
}

/** A value as a list (CloudFormation lists may also be a single token). */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** True for `true` / `"true"` (CloudFormation accepts both). */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === 'True';
}

/** `<EnvironmentDataBucket045E0394.Arn>` → `EnvironmentDataBucket`: the CDK hash suffix adds nothing for a reader. */
export function friendly(text: string): string {
  return text.replace(/<([A-Za-z0-9]+?)[0-9A-F]{8}(\.[A-Za-z.]+)?>/g, (_m, id: string) => id)
    .replace(/<AWS::(Partition|Region|AccountId)>/g, (_m, p: string) => ({ Partition: 'aws', Region: '<region>', AccountId: '<account>' } as any)[p]);
}
