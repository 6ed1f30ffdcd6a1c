import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { isPlainObject } from './cfn-values';
import { CfnTemplateResource, TemplateView } from './template';

/**
 * A control of the catalogue: one check, written once over a resource as the template holds it,
 * from which both the `SageMakerSecurity-<id>` rule of the pack and the rows of the reviewer report
 * are derived. Internal: not exported from the package.
 */
export interface Control {
  /** Rule ID suffix: the rule is `SageMakerSecurity-<id>`, and its file `lib/nag/rules/<service>/<id>.ts`. */
  readonly id: string;
  /** The CloudFormation types the control applies to; NOT_APPLICABLE for every other type. */
  readonly resourceTypes: readonly string[];
  /** Level of the pack's finding. */
  readonly level: NagMessageLevel;
  /** RULES.md section. */
  readonly section: ControlSection;
  /** The finding's message (the pack's `info`). */
  readonly info: string;
  /** Why the control exists (the pack's `explanation`, shown with `verbose`). */
  readonly explanation: string;
  /** RULES.md text. */
  readonly doc: ControlDoc;
  /** How the report shows the control; absent when the report has no row for it (the rule verdicts list it all the same). */
  readonly report?: ControlReportRow;
  /**
   * The check: what the control observes on one resource of one of `resourceTypes`. The verdict of
   * the rule is {@link verdictOf} the observations, and the report's rows are the observations.
   */
  readonly check: (subject: ControlSubject) => Observation[];
}

/** The RULES.md text of a control. */
export interface ControlDoc {
  /** What is flagged, precisely (Markdown). */
  readonly cause: string;
  /** How to fix it (Markdown). */
  readonly fix: string;
  /** Security Hub / AWS Config / AWS documentation / project guidance behind the control (Markdown). */
  readonly sources: string;
}

/** How the report shows a control. */
export interface ControlReportRow {
  /** Row label, e.g. `IMDS`; an observation may name a part (`Instance count (AllTraffic)`) or bring its own label. */
  readonly label: string;
  /**
   * Report status of a NOT_APPLICABLE observation.
   * @default 'PASS'
   */
  readonly whenNotApplicable?: 'PASS' | 'FAIL';
}

/** A group of controls in RULES.md. */
export interface ControlSection {
  readonly title: string;
  /** Markdown paragraphs shown before the section's rules. */
  readonly intro?: string;
}

/** The resource a control checks, as the template holds it. */
export interface ControlSubject {
  readonly logicalId: string;
  readonly type: string;
  /** `Properties` (an empty object when the resource has none). */
  readonly properties: { readonly [key: string]: any };
  readonly deletionPolicy?: unknown;
  readonly updateReplacePolicy?: unknown;
  /** The template the resource is part of. */
  readonly template: TemplateView;
}

/** One thing a control observed on a resource. */
export interface Observation {
  readonly verdict: NagRuleCompliance;
  /** In plain words, for the report. */
  readonly detail: string;
  /** Replaces the control's report label (a control that checks two settings, such as two keys). */
  readonly label?: string;
  /** The element of the resource observed, appended to the label: a variant name. */
  readonly subject?: string;
  /** A part of the resource the report lists apart from it: a job of a state machine or pipeline. */
  readonly part?: ObservedPart;
}

/** A part of a resource with controls of its own in the report. */
export interface ObservedPart {
  /** Unique within the resource. */
  readonly key: string;
  /** Report heading, e.g. `Training (state machine X, state Train)`. */
  readonly name: string;
}

/**
 * The verdict of a rule from its observations: NON_COMPLIANT if any is, else COMPLIANT if any is,
 * else NOT_APPLICABLE (no observation, or only not-applicable ones).
 */
export function verdictOf(observations: readonly Observation[]): NagRuleCompliance {
  if (observations.some((o) => o.verdict === NagRuleCompliance.NON_COMPLIANT)) {
    return NagRuleCompliance.NON_COMPLIANT;
  }
  return observations.some((o) => o.verdict === NagRuleCompliance.COMPLIANT) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NOT_APPLICABLE;
}

/** The subject for a resource of a template (`Properties` that are not an object read as none). */
export function subjectOf(logicalId: string, resource: CfnTemplateResource, template: TemplateView): ControlSubject {
  return {
    logicalId,
    type: resource.Type,
    properties: isPlainObject(resource.Properties) ? resource.Properties : {},
    deletionPolicy: resource.DeletionPolicy,
    updateReplacePolicy: resource.UpdateReplacePolicy,
    template,
  };
}

/** The verdict of a control on a resource: NOT_APPLICABLE for types it does not check. */
export function evaluate(control: Control, subject: ControlSubject): NagRuleCompliance {
  if (!control.resourceTypes.includes(subject.type)) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return verdictOf(control.check(subject));
}

/** A compliant observation. */
export function pass(detail: string, extra: Partial<Observation> = {}): Observation {
  return { ...extra, verdict: NagRuleCompliance.COMPLIANT, detail };
}

/** A non-compliant observation. */
export function fail(detail: string, extra: Partial<Observation> = {}): Observation {
  return { ...extra, verdict: NagRuleCompliance.NON_COMPLIANT, detail };
}

/** A not-applicable observation (shown by the report, not counted by the rule). */
export function notApplicable(detail: string, extra: Partial<Observation> = {}): Observation {
  return { ...extra, verdict: NagRuleCompliance.NOT_APPLICABLE, detail };
}

/** A compliant or non-compliant observation. */
export function judge(ok: boolean, passDetail: string, failDetail: string, extra: Partial<Observation> = {}): Observation {
  return ok ? pass(passDetail, extra) : fail(failDetail, extra);
}
