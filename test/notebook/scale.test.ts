import { Template } from 'aws-cdk-lib/assertions';
import { SageMakerEnvironment, SecureNotebook } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// CloudFormation's per-stack limits: 500 resources, and a template body (as uploaded from S3) of
// at most 1 MB. One stack must hold 40 notebooks, each with a data prefix of its own.
const RESOURCE_LIMIT = 500;
const TEMPLATE_BYTES_LIMIT = 1_000_000;

describe('notebooks per stack', () => {
  test('40 notebooks of one environment fit in one stack, each with its own data prefix, with zero unacknowledged findings', () => {
    const stack = newTestStack();
    const env = SageMakerEnvironment.of(stack);
    for (let i = 0; i < 40; i++) {
      new SecureNotebook(stack, `Nb${i}`, { notebookName: `team-${i}`, dataAccess: [{ bucket: env.dataBucket, prefix: `datasets/team-${i}/` }] });
    }
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
    const template = Template.fromStack(stack).toJSON();
    expect(Object.keys(template.Resources).length).toBeLessThan(RESOURCE_LIMIT);
    // The CLI writes (and uploads) the template with a one-space indent.
    expect(Buffer.byteLength(JSON.stringify(template, undefined, 1))).toBeLessThan(TEMPLATE_BYTES_LIMIT);
    // The notebooks share the environment's notebook policies: no notebook brings more than its data policy.
    const policies = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::IAM::ManagedPolicy');
    expect(policies.filter((id) => /^Nb\d+/.test(id))).toHaveLength(40);
  });
});
