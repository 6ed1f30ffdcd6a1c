import { AssemblyStack } from './assembly';
import { asList, render } from './cfn';
import { serviceShortName } from './iam';
import { Acknowledgement, CostLine, CostReport, OptOut } from './model';
import { withStatedReasons } from '../nag/acknowledgement-writer';

/** How the report names a stack's template as the carrier of a template-wide acknowledgement. */
export const WHOLE_TEMPLATE = '(whole template)';

/** Acknowledged findings from the `cdk_nag.rules_to_suppress` metadata, deduplicated per rule ID + reason. */
export function acknowledgements(stacks: AssemblyStack[]): Acknowledgement[] {
  const byKey = new Map<string, { ruleId: string; reason: string; resources: Set<string>; findings: Set<string> }>();
  for (const stack of stacks) {
    // Template-wide acknowledgements sit in the template's own Metadata, once.
    const carriers: Array<[string, any]> = [
      [WHOLE_TEMPLATE, stack.template.Metadata],
      ...Object.entries(stack.template.Resources ?? {}).map(([id, r]): [string, any] => [id, r.Metadata]),
    ];
    for (const [id, metadata] of carriers) {
      for (const s of writtenAcknowledgements(metadata) as any[]) {
        const full = String(s.id ?? '');
        const m = /^([^[]+)(?:\[(.*)\])?$/.exec(full);
        const ruleId = m ? m[1] : full;
        const reason = s.reason;
        const key = `${ruleId}\u0000${reason}`;
        if (!byKey.has(key)) byKey.set(key, { ruleId, reason, resources: new Set(), findings: new Set() });
        const e = byKey.get(key)!;
        e.resources.add(stacks.length > 1 ? `${stack.name}/${id}` : id);
        if (m?.[2]) e.findings.add(m[2]);
        for (const f of asList(s.applies_to)) e.findings.add(typeof f === 'string' ? f : JSON.stringify(f));
      }
    }
  }
  return [...byKey.values()]
    .sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.reason.localeCompare(b.reason))
    .map(e => ({ ruleId: e.ruleId, reason: e.reason, resources: [...e.resources].sort(), findings: [...e.findings].sort() }));
}

/**
 * The acknowledgements written in a resource's (or a template's) `Metadata.cdk_nag.rules_to_suppress`,
 * each with the reason it refers to spelled out.
 */
export function writtenAcknowledgements(metadata: any): Array<{ readonly id: string; readonly reason: string; readonly applies_to?: unknown }> {
  const written = (asList(metadata?.cdk_nag?.rules_to_suppress) as any[])
    .map((s) => ({ ...s, id: String(s.id ?? ''), reason: String(s.reason ?? '(no reason given)') }));
  return withStatedReasons(written) as any[];
}

/** Opt-outs: acknowledged SageMakerSecurity-* rules and every synth-time warning. */
export function optOuts(stacks: AssemblyStack[], acks: Acknowledgement[]): OptOut[] {
  const out: OptOut[] = acks.filter(a => a.ruleId.startsWith('SageMakerSecurity-'))
    .map(a => ({ kind: 'acknowledgement' as const, id: a.ruleId, message: a.reason, where: a.resources }));
  const warnings = new Map<string, OptOut & { where: string[] }>();
  for (const stack of stacks) {
    for (const m of stack.messages.filter(x => x.level === 'warning')) {
      const idMatch = /\[ack: ([^\]]+)\]\s*$/.exec(m.message);
      const message = m.message.replace(/\s*\[ack: [^\]]+\]\s*$/, '');
      const key = message;
      if (!warnings.has(key)) warnings.set(key, { kind: 'warning', id: idMatch ? idMatch[1] : 'warning', message, where: [] });
      warnings.get(key)!.where.push(m.path);
    }
  }
  return [...out, ...warnings.values()];
}

/** List prices, us-east-1 (2026), used by the report and the benchmarks. */
export const LIST_PRICES = {
  /** An interface endpoint, per AZ and hour. */
  interfaceEndpointAzHourUsd: 0.01,
  /** Hours in a month, as AWS prices them. */
  hoursPerMonth: 730,
  /** A KMS customer managed key, per month. */
  kmsKeyMonthUsd: 1,
};
const INTERFACE_ENDPOINT_AZ_HOUR = LIST_PRICES.interfaceEndpointAzHourUsd;
const HOURS_PER_MONTH = LIST_PRICES.hoursPerMonth;
const KMS_KEY_MONTH = LIST_PRICES.kmsKeyMonthUsd;

/** Interface endpoints x AZs (their subnets) at $0.01/AZ-hour x 730, and $1/month per KMS key. */
export function baselineCost(stacks: AssemblyStack[]): CostReport {
  const lines: CostLine[] = [];
  let keys = 0;
  for (const stack of stacks) {
    for (const [id, r] of Object.entries(stack.template.Resources ?? {})) {
      if (r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties?.VpcEndpointType === 'Interface') {
        // A subnet list given as one token counts as one AZ: the minimum it can be.
        const azs = Math.max(1, asList(r.Properties?.SubnetIds).length);
        lines.push({
          item: `Interface endpoint ${serviceShortName(render(r.Properties?.ServiceName))} (${id})`,
          quantity: azs,
          unit: 'AZ',
          unitPriceUsd: round(INTERFACE_ENDPOINT_AZ_HOUR * HOURS_PER_MONTH),
          monthlyUsd: round(azs * INTERFACE_ENDPOINT_AZ_HOUR * HOURS_PER_MONTH),
        });
      }
      if (r.Type === 'AWS::KMS::Key') keys++;
    }
  }
  if (keys > 0) lines.push({ item: 'KMS customer managed keys', quantity: keys, unit: 'key', unitPriceUsd: KMS_KEY_MONTH, monthlyUsd: keys * KMS_KEY_MONTH });
  return {
    basis: 'list price, us-east-1, excluding usage (data processed, requests, instances, storage); gateway endpoints are free',
    lines,
    totalMonthlyUsd: round(lines.reduce((sum, l) => sum + l.monthlyUsd, 0)),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
