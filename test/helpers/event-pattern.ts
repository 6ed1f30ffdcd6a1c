/**
 * EventBridge event-pattern matching for tests, enough of the documented semantics ("Amazon
 * EventBridge event patterns") to check that an event the service would deliver matches a rule:
 * - a pattern is an object whose keys must all match (AND); a nested object matches a nested
 *   object of the event;
 * - a leaf is an array of values, any of which may match (OR): a string, number or boolean matches
 *   an equal event value; `{ prefix: 'x' }`, `{ suffix: 'x' }`, `{ 'anything-but': [...] }` and
 *   `{ exists: true|false }` match as their names say;
 * - an event value that is an array matches when any of its elements matches.
 * Unsupported operators throw, so a test never passes on a pattern it does not understand.
 */
export function eventMatches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => fieldMatches(expected, event[key], key));
}

function fieldMatches(expected: unknown, actual: unknown, key: string): boolean {
  if (Array.isArray(expected)) {
    if (expected.some((e) => typeof e === 'object' && e !== null && 'exists' in (e as object))) {
      const wanted = (expected.find((e) => typeof e === 'object' && e !== null && 'exists' in (e as object)) as { exists: boolean }).exists;
      return (actual !== undefined) === wanted;
    }
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((v) => v !== undefined && expected.some((e) => leafMatches(e, v, key)));
  }
  if (typeof expected === 'object' && expected !== null) {
    return typeof actual === 'object' && actual !== null && !Array.isArray(actual)
      && eventMatches(expected as Record<string, unknown>, actual as Record<string, unknown>);
  }
  throw new Error(`event-pattern: the pattern value of ${key} must be an array or an object`);
}

function leafMatches(expected: unknown, actual: unknown, key: string): boolean {
  if (typeof expected !== 'object' || expected === null) {
    return expected === actual;
  }
  const [operator, operand] = Object.entries(expected as Record<string, unknown>)[0];
  switch (operator) {
    case 'prefix': return typeof actual === 'string' && actual.startsWith(String(operand));
    case 'suffix': return typeof actual === 'string' && actual.endsWith(String(operand));
    case 'anything-but': return ![operand].flat().includes(actual);
    default: throw new Error(`event-pattern: unsupported operator ${operator} in ${key}`);
  }
}

/** The event EventBridge delivers for a CloudTrail-recorded API call ("AWS API Call via CloudTrail"). */
export function cloudTrailEvent(service: string, eventName: string, detail: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'version': '0',
    'source': `aws.${service}`,
    'detail-type': 'AWS API Call via CloudTrail',
    'account': '111122223333',
    'region': 'eu-west-1',
    'detail': {
      eventVersion: '1.09',
      eventSource: `${service}.amazonaws.com`,
      eventName,
      awsRegion: 'eu-west-1',
      sourceIPAddress: '203.0.113.7',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/admin/someone' },
      ...detail,
    },
  };
}

/**
 * The event S3 sends to EventBridge for an object of a bucket that has EventBridge notifications on
 * ("Amazon S3 Event Notifications with EventBridge"): `Object Created`, `Object Deleted`...
 */
export const s3ObjectEvent = (detailType: string, bucket: string, key: string): Record<string, unknown> => ({
  'version': '0',
  'source': 'aws.s3',
  'detail-type': detailType,
  'account': '111122223333',
  'region': 'us-east-1',
  'detail': {
    'version': '0',
    'bucket': { name: bucket },
    'object': { key, 'size': 1024, 'etag': 'e', 'version-id': 'v2' },
    'request-id': 'r',
    'requester': '111122223333',
    'source-ip-address': '10.42.0.17',
    'reason': 'PutObject',
  },
});
