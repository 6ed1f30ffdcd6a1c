import { Aspects, CfnResource, IAspect, Stack, Validations } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { FindingProbes } from './finding-probe';
import { TEMPLATE_ACKNOWLEDGEMENTS_METADATA } from '../private/acknowledge';

/** One acknowledged rule as the template carries it (cdk-nag's `rules_to_suppress` format). */
export interface WrittenAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

const WRITER_ID = 'CdkSecureSageMakerAcknowledgements';
const NAG_METADATA = 'cdk_nag';

/**
 * Writes every acknowledgement of a stack into its template once, where it applies:
 *
 * - on a resource, the acknowledgements declared on the resource itself, and those declared on a
 *   construct above it (inside the stack) whose finding that resource really has: the packs are
 *   probed per resource, so a bucket's replication acknowledgement lands on the bucket and not on
 *   its policy, and a role's wildcard acknowledgement on the policy that holds the wildcard;
 * - in the template's own `Metadata`, once, the acknowledgements declared on the stack or above it
 *   (a stage, the app), which concern the whole template (such as aws-cdk-lib's own W3010).
 *
 * Acknowledgements of findings only a scanner of the written template reports
 * (`acknowledgeInTemplate`) are written on their resource.
 *
 * A rule of a pack the probes do not know (CloudFormation Validate, a third-party pack) is written
 * on the construct's primary resource (itself, or its default child), or on all of its resources
 * when it has none. Reasons given for one rule on several constructs above a resource are merged.
 *
 * It runs as the stack's last validation (it is the stack's last child, added at synthesis), after
 * cross-stack references are final and every other validation has added its acknowledgements, and
 * before the templates are written.
 */
class AcknowledgementWriter extends Construct {
  constructor(scope: Stack) {
    super(scope, WRITER_ID);
    this.node.addValidation({ validate: () => { this.write(); return []; } });
  }

  private write(): void {
    const stack = Stack.of(this);
    const probes = new FindingProbes();

    const stackWide = merge(declaredFromHereUp(stack));
    const metadata = { ...(stack.templateOptions.metadata ?? {}) };
    if (stackWide.length > 0) {
      metadata[NAG_METADATA] = { rules_to_suppress: stackWide };
    } else {
      delete metadata[NAG_METADATA];
    }
    stack.templateOptions.metadata = Object.keys(metadata).length > 0 ? metadata : undefined;

    for (const resource of resourcesOf(stack)) {
      const applicable: WrittenAcknowledgement[] = declaredOn(resource, TEMPLATE_ACKNOWLEDGEMENTS_METADATA);
      for (let c: IConstruct | undefined = resource; c && c !== stack; c = c.node.scope) {
        for (const rule of declaredOn(c)) {
          if (c === resource || concerns(probes, rule.id, resource, c)) {
            applicable.push(rule);
          }
        }
      }
      const rules = merge(applicable);
      if (rules.length > 0) {
        resource.addMetadata(NAG_METADATA, { rules_to_suppress: rules });
      }
    }
  }
}

/** Whether an acknowledgement declared on `declaringConstruct` (above `resource`) belongs on `resource`. */
function concerns(probes: FindingProbes, ruleId: string, resource: CfnResource, declaringConstruct: IConstruct): boolean {
  const fails = probes.fails(resource, ruleId);
  if (fails !== undefined) {
    return fails;
  }
  const primary = primaryResource(declaringConstruct);
  return primary === undefined || primary === resource;
}

function primaryResource(c: IConstruct): CfnResource | undefined {
  for (let current: IConstruct | undefined = c; current; current = current.node.defaultChild) {
    if (CfnResource.isCfnResource(current)) {
      return current;
    }
  }
  return undefined;
}

/** The CloudFormation resources of `stack`'s own template (a nested stack writes its own). */
function resourcesOf(stack: Stack): CfnResource[] {
  const out: CfnResource[] = [];
  const visit = (c: IConstruct) => {
    for (const child of c.node.children) {
      if (Stack.isStack(child)) {
        continue;
      }
      if (CfnResource.isCfnResource(child)) {
        out.push(child);
      }
      visit(child);
    }
  };
  visit(stack);
  return out;
}

/**
 * Acknowledgements declared on `c` itself: by default those of aws-cdk-lib's `Validations` (which
 * cdk-nag v3 reads), or those of another metadata type of the same shape.
 */
function declaredOn(c: IConstruct, type: string = Validations.ACKNOWLEDGED_RULES_METADATA_KEY): WrittenAcknowledgement[] {
  const out: WrittenAcknowledgement[] = [];
  for (const entry of c.node.metadata) {
    if (entry.type === type && entry.data) {
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
        // aws-cdk-lib qualifies acknowledged annotations as `Annotation::<id>`.
        out.push({ id: qualifiedId.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

/** The acknowledgements declared on `c` and on every construct above it, nearest first. */
function declaredFromHereUp(c: IConstruct): WrittenAcknowledgement[] {
  const out: WrittenAcknowledgement[] = [];
  for (let current: IConstruct | undefined = c; current; current = current.node.scope) {
    out.push(...declaredOn(current));
  }
  return out;
}

/**
 * One entry per rule ID, in first-seen order, with every distinct reason given for it. The same
 * finding under several packs' IDs (HIPAA, NIST and PCI name one check three times) carries one
 * reason: it is written out on the first ID and referred to from the others.
 */
export function merge(rules: WrittenAcknowledgement[]): WrittenAcknowledgement[] {
  const reasons = new Map<string, string[]>();
  for (const { id, reason } of rules) {
    const list = reasons.get(id) ?? [];
    if (!list.includes(reason)) {
      list.push(reason);
    }
    reasons.set(id, list);
  }
  const firstWith = new Map<string, string>();
  return [...reasons].map(([id, list]) => {
    const reason = list.map(sentence).join(' ');
    const first = firstWith.get(reason);
    if (first === undefined) {
      firstWith.set(reason, id);
      return { id, reason };
    }
    return { id, reason: sameReasonAs(first) };
  });
}

/** The reason written for a rule whose reason is, word for word, the one given for `id`. */
export function sameReasonAs(id: string): string {
  return `Same reason as ${id} here.`;
}

/** Reads `sameReasonAs`: the ID a reason refers to, if it is such a reference. */
function referredId(reason: string): string | undefined {
  return /^Same reason as (.+) here\.$/.exec(reason)?.[1];
}

/** The acknowledgements of one resource (or template), each with the reason it refers to spelled out. */
export function withStatedReasons(rules: WrittenAcknowledgement[]): WrittenAcknowledgement[] {
  return rules.map((r) => {
    const id = referredId(r.reason);
    const stated = id !== undefined ? rules.find((o) => o.id === id) : undefined;
    return stated ? { id: r.id, reason: stated.reason } : r;
  });
}

function sentence(reason: string): string {
  const trimmed = reason.trim();
  return /[.!?)]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

class EnsureAcknowledgementWriter implements IAspect {
  public visit(node: IConstruct): void {
    if (Stack.isStack(node) && !node.node.tryFindChild(WRITER_ID)) {
      new AcknowledgementWriter(node);
    }
  }
}

/**
 * Makes every stack under `scope` (a stack, a stage or the app) write its acknowledgements into
 * its template, once each (see `AcknowledgementWriter`). Idempotent.
 */
export function writeAcknowledgementsIntoTemplates(scope: IConstruct): void {
  const aspects = Aspects.of(scope);
  if (!aspects.all.some((a) => a instanceof EnsureAcknowledgementWriter)) {
    aspects.add(new EnsureAcknowledgementWriter());
  }
}
