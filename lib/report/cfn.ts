/**
 * The report reads CloudFormation values with the rule pack's reader (lib/nag/controls), and adds
 * `friendly` for display: tokens render as `<LogicalId>` / `<LogicalId.Attr>` (display) or
 * `{LogicalId.Attr}` (the placeholders the checks write), shown without the CDK hash suffix.
 */
export { asList, isTrue, referencedId, render } from '../nag/controls/cfn-values';

const PSEUDO: Record<string, string> = { Partition: 'aws', Region: '<region>', AccountId: '<account>' };

/** `<EnvironmentDataBucket045E0394.Arn>` or `{EnvironmentDataBucket045E0394.Arn}` → `EnvironmentDataBucket`: the CDK hash suffix adds nothing for a reader. */
export function friendly(text: string): string {
  return text.replace(/<([A-Za-z0-9]+?)[0-9A-F]{8}(\.[A-Za-z.]+)?>/g, (_m, id: string) => id)
    .replace(/\{([A-Za-z0-9]+?)[0-9A-F]{8}(\.[A-Za-z.]+)?\}/g, (_m, id: string) => id)
    .replace(/<AWS::(Partition|Region|AccountId)>/g, (_m, p: string) => PSEUDO[p])
    .replace(/\{AWS_(Partition|Region|AccountId)\}/g, (_m, p: string) => PSEUDO[p]);
}
