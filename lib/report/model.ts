/**
 * The shape of the security report, shared by the Markdown and JSON renderers.
 * Internal module: not exported from lib/index.ts (see lib/report/index.ts).
 */

/** PASS: the control is set in the template. FAIL: it is missing or set to the insecure value. */
export type ControlStatus = 'PASS' | 'FAIL';

/** One control of one SageMaker resource. */
export interface ControlRow {
  readonly control: string;
  readonly status: ControlStatus;
  readonly detail: string;
  /**
   * The SageMakerSecurity rules the row states the verdict of (the row and the rule run the same
   * check of the control catalogue); absent for a row the pack has no rule for.
   */
  readonly rules?: string[];
}

/** The verdict of one SageMakerSecurity rule on one resource it applies to. */
export interface RuleVerdict {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  /** `SageMakerSecurity-<RuleName>`. */
  readonly ruleId: string;
  readonly level: 'error' | 'warning';
  readonly compliant: boolean;
  /** What the rule observed, in plain words (for a finding, what fails). */
  readonly detail: string;
  /** The reason written into the template, when the finding is acknowledged. */
  readonly acknowledgedReason?: string;
}

/** A SageMaker resource (or a state machine that runs training jobs) and its controls. */
export interface ResourceReport {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  /** Human label, e.g. "Notebook instance team-a-explore". */
  readonly name: string;
  readonly controls: ControlRow[];
}

/** What one IAM role may do, statements grouped by service and described in plain words. */
export interface RoleReport {
  readonly stack: string;
  readonly logicalId: string;
  readonly description?: string;
  readonly assumedBy: string[];
  readonly permissions: ServicePermissions[];
}

/** The plain-words statements of one service in one role. */
export interface ServicePermissions {
  readonly service: string;
  readonly statements: string[];
}

/** A grant of InvokeEndpoint / CreatePresigned*Url: who may invoke or open what, and from where. */
export interface AccessGrant {
  readonly stack: string;
  readonly principal: string;
  readonly action: string;
  readonly resources: string[];
  /** "only through VPC endpoint sagemaker.runtime" or "from anywhere (no aws:SourceVpce / aws:SourceIp condition)". */
  readonly from: string;
  /** False when no network condition restricts the grant. */
  readonly restricted: boolean;
}

/** One acknowledged finding (deduplicated per rule ID + reason). */
export interface Acknowledgement {
  readonly ruleId: string;
  readonly reason: string;
  /** Stack/logical IDs of the resources carrying the acknowledgement. */
  readonly resources: string[];
  /** The finding details inside the rule ID brackets, e.g. "Resource::*" of AwsSolutions-IAM5. */
  readonly findings: string[];
}

/** An opt-out: an acknowledged SageMakerSecurity-* rule or a synth-time warning. */
export interface OptOut {
  readonly kind: 'acknowledgement' | 'warning';
  readonly id: string;
  readonly message: string;
  readonly where: string[];
}

/** One cost line. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly monthlyUsd: number;
}

/** Estimated monthly baseline cost. */
export interface CostReport {
  readonly basis: string;
  readonly lines: CostLine[];
  readonly totalMonthlyUsd: number;
}

/** A customer-managed policy of Deny statements only (such as `SageMakerGuardrails`), described once. */
export interface GuardrailPolicyReport {
  readonly stack: string;
  readonly logicalId: string;
  readonly description?: string;
  /** The deny statements in plain words. */
  readonly statements: string[];
  /** Logical IDs (or names) of the roles it is attached to. */
  readonly roles: string[];
}

/** The whole report. */
export interface SecurityReportData {
  readonly assembly: string;
  readonly stacks: string[];
  readonly resources: ResourceReport[];
  readonly roles: RoleReport[];
  readonly guardrails: GuardrailPolicyReport[];
  readonly access: AccessGrant[];
  readonly optOuts: OptOut[];
  readonly acknowledgements: Acknowledgement[];
  /** Every SageMakerSecurity rule on every resource it applies to: the pack's verdicts, read from the templates. */
  readonly rules: RuleVerdict[];
  readonly cost: CostReport;
  /** Mermaid `flowchart LR` of the network path. */
  readonly networkDiagram: string;
  readonly summary: {
    readonly pass: number;
    readonly fail: number;
  };
}
