import { App, CfnDeletionPolicy, CfnParameter, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SageMakerSecurityChecks } from '../../../lib/nag';

const RETAINED = 'SageMakerSecurity-LogGroupRetained';

function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

describe('LogGroupRetained', () => {
  test('Retain / Retain is compliant', () => {
    const stack = newStack();
    new logs.CfnLogGroup(stack, 'Logs', { retentionInDays: 365 }).applyRemovalPolicy(RemovalPolicy.RETAIN);
    expect(findings(stack)).toEqual({});
  });

  test('the L2 log group default (RETAIN) is compliant', () => {
    const stack = newStack();
    new logs.LogGroup(stack, 'Logs');
    expect(findings(stack)).toEqual({});
  });

  test('an L1 log group without policies is non-compliant', () => {
    const stack = newStack();
    new logs.CfnLogGroup(stack, 'Logs');
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Logs'] });
  });

  test('L2 log group with removalPolicy DESTROY is non-compliant', () => {
    const stack = newStack();
    new logs.LogGroup(stack, 'Logs', { removalPolicy: RemovalPolicy.DESTROY });
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Logs/Resource'] });
  });

  test('Snapshot is not a retention (and not supported by log groups)', () => {
    const stack = newStack();
    const group = new logs.CfnLogGroup(stack, 'Logs');
    group.cfnOptions.deletionPolicy = CfnDeletionPolicy.SNAPSHOT;
    group.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Logs'] });
  });

  test('a DeletionPolicy that does not resolve (CfnParameter) is non-compliant', () => {
    const stack = newStack();
    const policy = new CfnParameter(stack, 'Policy', { type: 'String' });
    const group = new logs.CfnLogGroup(stack, 'Logs');
    group.applyRemovalPolicy(RemovalPolicy.RETAIN);
    group.addOverride('DeletionPolicy', policy.valueAsString);
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Logs'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const group = new logs.CfnLogGroup(stack, 'Logs');
    Validations.of(group).acknowledge({ id: RETAINED, reason: 'Debug log group of a short-lived experiment, no audit value.' });
    expect(findings(stack)).toEqual({});
  });

  test('does not fire on other resource types (log streams, metric filters)', () => {
    const stack = newStack();
    new logs.CfnLogStream(stack, 'Stream', { logGroupName: 'group' });
    new logs.CfnMetricFilter(stack, 'Filter', {
      logGroupName: 'group',
      filterPattern: 'ERROR',
      metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1' }],
    });
    expect(findings(stack)).toEqual({});
  });
});
