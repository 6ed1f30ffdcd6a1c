import { App, CfnDeletionPolicy, CfnParameter, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SageMakerSecurityChecks } from '../../../lib/nag';

const RETAINED = 'SageMakerSecurity-KMSKeyRetained';

function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

describe('KMSKeyRetained', () => {
  test('Retain / Retain is compliant', () => {
    const stack = newStack();
    new kms.CfnKey(stack, 'Key').applyRemovalPolicy(RemovalPolicy.RETAIN);
    expect(findings(stack)).toEqual({});
  });

  test('the L2 key default (RETAIN) is compliant', () => {
    const stack = newStack();
    new kms.Key(stack, 'Key', { enableKeyRotation: true });
    expect(findings(stack)).toEqual({});
  });

  test('an L1 key without policies is non-compliant', () => {
    const stack = newStack();
    new kms.CfnKey(stack, 'Key');
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Key'] });
  });

  test('RemovalPolicy.DESTROY is non-compliant, whatever the pending window', () => {
    const stack = newStack();
    const key = new kms.CfnKey(stack, 'Key', { pendingWindowInDays: 30 });
    key.applyRemovalPolicy(RemovalPolicy.DESTROY);
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Key'] });
  });

  test('L2 key with removalPolicy DESTROY reports the L1 path', () => {
    const stack = newStack();
    new kms.Key(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: undefined });
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Key/Resource'] });
  });

  test('deleted on replacement is non-compliant', () => {
    const stack = newStack();
    const key = new kms.CfnKey(stack, 'Key');
    key.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    key.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.DELETE;
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Key'] });
  });

  test('an UpdateReplacePolicy that does not resolve (CfnParameter) is non-compliant', () => {
    const stack = newStack();
    const policy = new CfnParameter(stack, 'ReplacePolicy', { type: 'String' });
    const key = new kms.CfnKey(stack, 'Key');
    key.applyRemovalPolicy(RemovalPolicy.RETAIN);
    key.addOverride('UpdateReplacePolicy', policy.valueAsString);
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Key'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY });
    Validations.of(key).acknowledge({ id: RETAINED, reason: 'Ephemeral test key that never encrypts persisted data.' });
    expect(findings(stack)).toEqual({});
  });

  test('does not fire on other resource types (aliases, topics)', () => {
    const stack = newStack();
    new kms.CfnAlias(stack, 'Alias', { aliasName: 'alias/x', targetKeyId: 'abc' });
    new sns.CfnTopic(stack, 'Topic');
    expect(findings(stack)).toEqual({});
  });
});
