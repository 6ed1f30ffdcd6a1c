import { NagRuleCompliance } from 'cdk-nag';
import { AssemblyStack, TemplateResource } from './assembly';
import { asList, friendly, isTrue, referencedId, render } from './cfn';
import { ControlRow, ResourceReport } from './model';
import {
  Control,
  CONTROLS,
  ControlSubject,
  evaluate,
  Observation,
  ruleIdOf,
  subjectOf,
  templateView,
  USER_PROFILE,
  USER_PROFILE_OWN_ROLE,
  FEATURE_GROUP,
  INFERENCE_EXPERIMENT,
  MONITORING_SCHEDULE,
  MONITORING_TYPES,
} from '../nag/controls';

const pass = (control: string, detail: string): ControlRow => ({ control, status: 'PASS', detail });
const fail = (control: string, detail: string): ControlRow => ({ control, status: 'FAIL', detail });
const check = (control: string, ok: boolean, okDetail: string, failDetail: string): ControlRow =>
  ok ? pass(control, okDetail) : fail(control, failDetail);

/** The resource types the report has a section for (state machines and pipelines: one per job). */
const REPORTED_TYPES = [
  'AWS::SageMaker::NotebookInstance',
  'AWS::SageMaker::Domain',
  'AWS::SageMaker::EndpointConfig',
  'AWS::SageMaker::Model',
  'AWS::SageMaker::Endpoint',
  'AWS::StepFunctions::StateMachine',
  'AWS::SageMaker::Pipeline',
  ...MONITORING_TYPES,
  FEATURE_GROUP,
  INFERENCE_EXPERIMENT,
];

/** The order of the rows of each section: the report's own controls among the rules'. */
const ROW_ORDER: Record<string, string[]> = {
  'AWS::SageMaker::NotebookInstance': [
    'KMS key (storage volume)', 'Network: VPC subnet', 'Network: direct internet access', 'Root access', 'IMDS', 'Platform', 'Lifecycle configuration',
  ],
  'AWS::SageMaker::Domain': [
    'KMS key (EFS)', 'Network: VPC only', 'Network: subnets', 'Auth mode', 'Root (Docker access)', 'Notebook output sharing', 'User profiles with own role',
  ],
  'AWS::SageMaker::EndpointConfig': ['KMS key (storage volume)', 'Data capture', 'Data capture KMS key', 'Async output KMS key', 'Instance count'],
  'AWS::SageMaker::Model': ['Network: VPC subnets', 'Network isolation'],
  'jobs': [
    'KMS key (training volume)', 'KMS key (processing volume)', 'KMS key (output)', 'Network: VPC subnets', 'Network isolation', 'Inter-container encryption', 'Max runtime',
  ],
};

/** Rows in the section's order (a label with a part, `Instance count (AllTraffic)`, sorts as its control). */
function ordered(rows: ControlRow[], order: string[] = []): ControlRow[] {
  const rank = (label: string) => {
    const i = order.findIndex((o) => label === o || label.startsWith(`${o} (`));
    return i < 0 ? order.length : i;
  };
  return rows.map((row, i) => ({ row, i })).sort((a, b) => rank(a.row.control) - rank(b.row.control) || a.i - b.i).map(({ row }) => row);
}

/**
 * The controls of every SageMaker resource, and of every training and processing job of a state
 * machine or pipeline, of a stack.
 *
 * A row with `rules` is the verdict of those SageMakerSecurity rules: it shows what the control's
 * check (the same function the rule runs) observed in the template. Other rows are the report's
 * own controls, which the pack has no rule for (cdk-nag's AwsSolutions SM1-SM3 cover the notebook
 * instance's key, subnet and direct internet access).
 */
export function resourceControls(stack: AssemblyStack): ResourceReport[] {
  const resources = stack.template.Resources ?? {};
  const template = templateView(stack.template);
  const out: ResourceReport[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (!REPORTED_TYPES.includes(r.Type)) continue;
    const subject = subjectOf(id, r, template);
    const parts = ruleRows(subject);
    const own = [...reportOnlyRows(subject, r), ...(parts.get(undefined)?.rows ?? [])];
    if (r.Type === 'AWS::SageMaker::Domain') own.push(userProfileRow(subject));
    const section = (name: string, controls: ControlRow[]) => out.push({ stack: stack.name, logicalId: id, type: r.Type, name, controls });
    if (own.length > 0) section(nameOf(subject), ordered(own, ROW_ORDER[r.Type]));
    for (const [key, part] of parts) {
      if (key !== undefined) section(part.name, ordered(part.rows, ROW_ORDER.jobs));
    }
  }
  return out;
}

function nameOf({ type, logicalId: id, properties: p }: ControlSubject): string {
  switch (type) {
    case 'AWS::SageMaker::NotebookInstance': return `Notebook instance ${render(p.NotebookInstanceName) || id}`;
    case 'AWS::SageMaker::Domain': return `Studio domain ${render(p.DomainName) || id}`;
    case 'AWS::SageMaker::EndpointConfig': return `Endpoint config ${render(p.EndpointConfigName) || id}`;
    case 'AWS::SageMaker::Model': return `Model ${render(p.ModelName) || id}`;
    case 'AWS::SageMaker::Endpoint': return `Endpoint ${render(p.EndpointName) || id}`;
    case MONITORING_SCHEDULE: return `Monitoring schedule ${render(p.MonitoringScheduleName) || id}`;
    case FEATURE_GROUP: return `Feature group ${render(p.FeatureGroupName) || id}`;
    case INFERENCE_EXPERIMENT: return `Inference experiment ${render(p.Name) || id}`;
    default: return MONITORING_TYPES.includes(type) ? `Monitoring job definition ${render(p.JobDefinitionName) || id}` : id;
  }
}

/**
 * The rows of the controls of the catalogue the report shows for this resource type, grouped by
 * the part of the resource they are about (`undefined`: the resource itself; else a job).
 */
function ruleRows(subject: ControlSubject): Map<string | undefined, { name: string; rows: ControlRow[] }> {
  const parts = new Map<string | undefined, { name: string; rows: ControlRow[] }>();
  for (const control of CONTROLS) {
    if (!control.report || !control.resourceTypes.includes(subject.type)) continue;
    for (const o of control.check(subject)) {
      const key = o.part?.key;
      if (!parts.has(key)) parts.set(key, { name: o.part?.name ?? '', rows: [] });
      addRow(parts.get(key)!.rows, rowOf(control, o));
    }
  }
  return parts;
}

/** A row from an observation of a control: PASS when compliant, FAIL when not. */
function rowOf(control: Control, o: Observation): ControlRow {
  const label = `${o.label ?? control.report!.label}${o.subject ? ` (${o.subject})` : ''}`;
  const status = o.verdict === NagRuleCompliance.COMPLIANT ? 'PASS'
    : o.verdict === NagRuleCompliance.NON_COMPLIANT ? 'FAIL'
      : control.report!.whenNotApplicable ?? 'PASS';
  return { control: label, status, detail: friendly(o.detail), rules: [ruleIdOf(control)] };
}

/** Adds a row, merging it into an identical one (a definition no job control can read: one row for all). */
function addRow(rows: ControlRow[], row: ControlRow): void {
  const same = rows.findIndex((r) => r.control === row.control && r.status === row.status && r.detail === row.detail);
  if (same < 0) {
    rows.push(row);
  } else {
    rows[same] = { ...rows[same], rules: [...rows[same].rules ?? [], ...row.rules ?? []] };
  }
}

/**
 * The domain's user profiles, each judged by the UserProfileOwnRole rule: PASS only when the rule
 * is compliant for every profile of the domain.
 */
function userProfileRow(domain: ControlSubject): ControlRow {
  const profiles = domain.template.resourcesOfType(USER_PROFILE)
    .filter(([, u]) => referencedId(u.Properties?.DomainId) === domain.logicalId)
    .map(([pid, u]) => subjectOf(pid, u, domain.template));
  const failing = profiles
    .filter((u) => evaluate(USER_PROFILE_OWN_ROLE, u) !== NagRuleCompliance.COMPLIANT)
    .map((u) => `${u.logicalId} (${USER_PROFILE_OWN_ROLE.check(u).filter((o) => o.verdict === NagRuleCompliance.NON_COMPLIANT).map((o) => o.detail).join('; ')})`);
  const row = check(USER_PROFILE_OWN_ROLE.report!.label, failing.length === 0,
    `${profiles.length} user profile(s), each with its own execution role`,
    `${failing.length} of ${profiles.length} user profile(s) have no execution role of their own: ${failing.join(', ')}`);
  return { ...row, detail: friendly(row.detail), rules: [ruleIdOf(USER_PROFILE_OWN_ROLE)] };
}

/** Rows of controls the pack has no rule for. */
function reportOnlyRows(subject: ControlSubject, r: TemplateResource): ControlRow[] {
  const p = subject.properties;
  switch (r.Type) {
    case 'AWS::SageMaker::NotebookInstance':
      return [
        check('KMS key (storage volume)', !!p.KmsKeyId, `KmsKeyId ${friendly(render(p.KmsKeyId))}`, 'no KmsKeyId: the ML storage volume uses an AWS owned key'),
        check('Network: VPC subnet', !!p.SubnetId, `subnet ${friendly(render(p.SubnetId))}, security groups ${friendly(render(p.SecurityGroupIds)) || 'none'}`,
          'no SubnetId: the notebook runs outside your VPC'),
        check('Network: direct internet access', p.DirectInternetAccess === 'Disabled', 'DirectInternetAccess Disabled: AWS APIs only through VPC endpoints',
          `DirectInternetAccess ${p.DirectInternetAccess ? render(p.DirectInternetAccess) : 'not set (defaults to Enabled)'}: the notebook has a SageMaker-managed internet path`),
      ];
    case 'AWS::SageMaker::Domain': {
      const sharing = p.DefaultUserSettings?.SharingSettings?.NotebookOutputOption;
      return [
        check('Network: subnets', asList(p.SubnetIds).length > 0, `VPC ${friendly(render(p.VpcId))}, subnets ${friendly(render(p.SubnetIds))}`, 'no SubnetIds'),
        // Both CloudFormation options are supported: IAM (presigned URLs governed by IAM) and SSO (IAM Identity Center users).
        check('Auth mode', p.AuthMode === 'IAM' || p.AuthMode === 'SSO',
          p.AuthMode === 'SSO' ? 'AuthMode SSO (IAM Identity Center users, each profile names its user)' : 'AuthMode IAM (presigned URLs governed by IAM)',
          `AuthMode ${render(p.AuthMode) || 'not set'}: neither IAM nor SSO`),
        check('Notebook output sharing', sharing === 'Disabled', 'NotebookOutputOption Disabled',
          `NotebookOutputOption ${sharing ? render(sharing) : 'not set (defaults to Allowed)'}: users can share notebook output`),
      ];
    }
    case 'AWS::SageMaker::EndpointConfig': {
      const capture = p.DataCaptureConfig;
      return [
        check('Data capture', !!capture && isTrue(capture.EnableCapture), `to ${friendly(render(capture?.DestinationS3Uri))}, ${render(capture?.InitialSamplingPercentage)}% sampled`,
          'no data capture: requests and responses are not recorded for audit'),
      ];
    }
    case 'AWS::SageMaker::Endpoint': {
      const configId = referencedId(p.EndpointConfigName);
      const configInTemplate = configId !== undefined && subject.template.resource(configId)?.Type === 'AWS::SageMaker::EndpointConfig';
      return [
        check('Endpoint config', configInTemplate, `${configId} (controls in its own section)`,
          `endpoint config ${friendly(render(p.EndpointConfigName))} is not in this template: its key, capture and instance count cannot be reviewed here`),
      ];
    }
    default:
      return [];
  }
}
