import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SageMakerEnvironment, SageMakerGuardrails, SecureNotebook, SecureStudioDomain } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { denyingStatements, PolicyJson } from '../helpers/iam-eval';

// Only the allowed lifecycle scripts may be attached to notebooks and Studio: the attack of the
// issue (UpdateDomain with an attacker's lifecycle configuration, which then runs in every app of
// the domain) is denied by the deny policies and the SCPs, and the library's own requests pass.

const arn = (type: string, name: string) => `arn:aws:sagemaker:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:${type}/${name}`;
const ATTACKER_STUDIO = arn('studio-lifecycle-config', 'persist');
const ATTACKER_NOTEBOOK = arn('notebook-instance-lifecycle-config', 'persist');

function deliveries(stack: Stack): { policies: PolicyJson[]; scps: PolicyJson[] } {
  const t = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const of = (type: string, prefix: string, prop: string) => Object.entries(t.Resources)
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix)).map(([, r]) => asDeployed(t, r.Properties[prop]));
  return {
    policies: of('AWS::IAM::ManagedPolicy', 'GuardrailsDenyPolicy', 'PolicyDocument'),
    scps: of('AWS::Organizations::Policy', 'GuardrailsScp', 'Content').map((c) => (typeof c === 'string' ? JSON.parse(c) : c)),
  };
}

const req = (action: string, context: Record<string, string[]>) => ({ action: `sagemaker:${action}`, resource: '*', context });

describe('lifecycle configurations of the guardrails\' workloads', () => {
  const stack = newTestStack();
  const environment = new SageMakerEnvironment(stack, 'Env', { environmentName: 'ml' });
  const notebook = new SecureNotebook(stack, 'Nb', { environment, notebookName: 'team-a' });
  const studio = new SecureStudioDomain(stack, 'Studio', { environment, domainName: 'ml' });
  new SageMakerGuardrails(stack, 'Guardrails', { environment, workloads: [notebook, studio], scpTargetIds: ['ou-ab12-cdef3456'] });
  const { policies, scps } = deliveries(stack);
  const t = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const studioConfig = asDeployed(t, stack.resolve(studio.lifecycleConfigArns[0]));
  const notebookConfig = asDeployed(t, stack.resolve(notebook.lifecycleConfigArns[0]));

  test.each([
    ['UpdateDomain', 'sagemaker:StudioLifecycleConfigArns', ATTACKER_STUDIO],
    ['UpdateUserProfile', 'sagemaker:StudioLifecycleConfigArns', ATTACKER_STUDIO],
    ['CreateSpace', 'sagemaker:StudioLifecycleConfigArns', ATTACKER_STUDIO],
    ['CreateApp', 'sagemaker:StudioLifecycleConfigArns', ATTACKER_STUDIO],
    ['CreateNotebookInstance', 'sagemaker:NotebookInstanceLifecycleConfigArns', ATTACKER_NOTEBOOK],
    ['UpdateNotebookInstance', 'sagemaker:NotebookInstanceLifecycleConfigArns', ATTACKER_NOTEBOOK],
  ])('%s naming an attacker\'s lifecycle configuration is denied by the deny policies and the SCPs', (action, key, foreign) => {
    expect(denyingStatements(policies, req(action, { [key]: [foreign] }))).toEqual(expect.arrayContaining([expect.stringMatching(/^Foreign(Notebook|Studio)LifecycleConfig$/)]));
    expect(denyingStatements(scps, req(action, { [key]: [foreign] })).length).toBeGreaterThan(0);
  });

  test('an allowed configuration beside a foreign one is still denied (ForAnyValue)', () => {
    expect(denyingStatements(policies, req('UpdateDomain', { 'sagemaker:StudioLifecycleConfigArns': [studioConfig, ATTACKER_STUDIO] }))).toContain('ForeignStudioLifecycleConfig');
  });

  test('the workloads\' own configurations, and requests naming none, are not denied by these statements', () => {
    const lifecycle = (ids: string[]) => ids.filter((id) => /LifecycleConfig$/.test(id));
    expect(lifecycle(denyingStatements(policies, req('UpdateDomain', { 'sagemaker:StudioLifecycleConfigArns': [studioConfig] })))).toEqual([]);
    expect(lifecycle(denyingStatements(policies, req('CreateNotebookInstance', { 'sagemaker:NotebookInstanceLifecycleConfigArns': [notebookConfig] })))).toEqual([]);
    expect(lifecycle(denyingStatements(scps, req('CreateNotebookInstance', { 'sagemaker:NotebookInstanceLifecycleConfigArns': [notebookConfig] })))).toEqual([]);
    expect(lifecycle(denyingStatements(policies, req('CreateTrainingJob', {})))).toEqual([]);
  });

  test('the statements are in the deny policies and SCPs, not in the size-bound permissions boundary', () => {
    const boundary = Object.entries(t.Resources).find(([id]) => id.startsWith('GuardrailsPermissionsBoundary'))![1];
    expect(JSON.stringify(boundary)).not.toContain('LifecycleConfigArns');
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('a notebook name with capitals is allowed in both spellings', () => {
    const s = newTestStack('Caps');
    const nb = new SecureNotebook(s, 'Nb', { notebookName: 'Team-A' });
    expect(nb.lifecycleConfigArns.map((a) => s.resolve(a)['Fn::Join'][1].slice(-1)[0])).toEqual([':notebook-instance-lifecycle-config/Team-A', ':notebook-instance-lifecycle-config/team-a']);
  });
});

describe('the allowlist prop', () => {
  test('without workloads with scripts or lifecycleConfigArns, lifecycle configurations are not restricted', () => {
    const stack = newTestStack();
    new SageMakerGuardrails(stack, 'Guardrails', { environment: SageMakerEnvironment.of(stack) });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('LifecycleConfigArns');
  });

  test('explicit ARNs (wildcards allowed) are the allowlist', () => {
    const stack = newTestStack();
    new SageMakerGuardrails(stack, 'Guardrails', {
      environment: SageMakerEnvironment.of(stack),
      lifecycleConfigArns: [arn('studio-lifecycle-config', 'platform-*')],
    });
    const { policies } = deliveries(stack);
    expect(denyingStatements(policies, req('UpdateDomain', { 'sagemaker:StudioLifecycleConfigArns': [arn('studio-lifecycle-config', 'platform-sdk')] }))).toEqual([]);
    expect(denyingStatements(policies, req('UpdateDomain', { 'sagemaker:StudioLifecycleConfigArns': [ATTACKER_STUDIO] }))).toContain('ForeignStudioLifecycleConfig');
  });

  test('a workload added after the guardrails brings the statements at synthesis', () => {
    const stack = newTestStack();
    const environment = SageMakerEnvironment.of(stack);
    const guardrails = new SageMakerGuardrails(stack, 'Guardrails', { environment, scpTargetIds: ['ou-ab12-cdef3456'] });
    guardrails.addWorkload(new SecureNotebook(stack, 'Late', { environment, notebookName: 'late' }));
    const { policies, scps } = deliveries(stack);
    const late = req('CreateNotebookInstance', { 'sagemaker:NotebookInstanceLifecycleConfigArns': [ATTACKER_NOTEBOOK] });
    expect(denyingStatements(policies, late)).toContain('ForeignNotebookLifecycleConfig');
    expect(denyingStatements(scps, late).length).toBeGreaterThan(0);
    const own = req('CreateNotebookInstance', { 'sagemaker:NotebookInstanceLifecycleConfigArns': [arn('notebook-instance-lifecycle-config', 'late')] });
    expect(denyingStatements(policies, own).filter((id) => /LifecycleConfig$/.test(id))).toEqual([]);
  });

  test('an entry that is not a lifecycle configuration ARN is an error naming the prop', () => {
    const stack = newTestStack();
    expect(() => new SageMakerGuardrails(stack, 'Guardrails', { environment: SageMakerEnvironment.of(stack), lifecycleConfigArns: ['persist'] }))
      .toThrow(/`lifecycleConfigArns` has an invalid entry 'persist' \(expected a lifecycle configuration ARN/);
  });

  test('more than 10 in all is an error at synthesis naming the prop and the fix', () => {
    const stack = newTestStack();
    const environment = SageMakerEnvironment.of(stack);
    const guardrails = new SageMakerGuardrails(stack, 'Guardrails', {
      environment,
      lifecycleConfigArns: Array.from({ length: 10 }, (_, i) => arn('studio-lifecycle-config', `c${i}`)),
    });
    guardrails.addWorkload(new SecureNotebook(stack, 'Nb', { environment, notebookName: 'eleventh' }));
    expect(() => Template.fromStack(stack)).toThrow(/admit 11 lifecycle configurations; at most 10.*Share one lifecycle configuration/);
  });
});
