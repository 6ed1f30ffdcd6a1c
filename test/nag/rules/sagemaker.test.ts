import { App, Aws, CfnCondition, CfnParameter, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { NagRuleCompliance } from 'cdk-nag';
import { SageMakerSecurityChecks } from '../../../lib/nag';
import {
  NotebookCurrentPlatform,
  NotebookIMDSv2,
  NotebookLifecycleConfigAttached,
  NotebookNitroInstanceType,
  NotebookRootAccessDisabled,
} from '../../../lib/nag/rules';

const ROOT_ACCESS = 'SageMakerSecurity-NotebookRootAccessDisabled';
const IMDS_V2 = 'SageMakerSecurity-NotebookIMDSv2';
const PLATFORM = 'SageMakerSecurity-NotebookCurrentPlatform';
const LIFECYCLE = 'SageMakerSecurity-NotebookLifecycleConfigAttached';
const NITRO = 'SageMakerSecurity-NotebookNitroInstanceType';
const NOTEBOOK_RULE_IDS = [ROOT_ACCESS, IMDS_V2, PLATFORM, LIFECYCLE, NITRO];
const NOTEBOOK_RULES = [
  NotebookRootAccessDisabled,
  NotebookIMDSv2,
  NotebookCurrentPlatform,
  NotebookLifecycleConfigAttached,
  NotebookNitroInstanceType,
];

/**
 * Rule ID -> violating construct paths, for the notebook instance rules only: the pack applies its
 * other rules to the same stack, and those are tested in their own files.
 */
function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations
    .filter((v) => NOTEBOOK_RULE_IDS.includes(v.ruleName))
    .map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

/** A notebook instance compliant with every notebook rule, to be weakened by each test. */
function goodNotebook(stack: Stack, props: Partial<sagemaker.CfnNotebookInstanceProps> = {}, id = 'Notebook'): sagemaker.CfnNotebookInstance {
  return new sagemaker.CfnNotebookInstance(stack, id, {
    instanceType: 'ml.t3.medium',
    roleArn: 'arn:aws:iam::111122223333:role/NotebookRole',
    rootAccess: 'Disabled',
    instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' },
    platformIdentifier: 'notebook-al2023-v1',
    lifecycleConfigName: 'secure-notebook-defaults',
    ...props,
  });
}

describe('notebook instance rules', () => {
  test('a hardened notebook instance is compliant with every rule', () => {
    const stack = newStack();
    goodNotebook(stack);
    expect(findings(stack)).toEqual({});
  });

  test('a notebook instance with only the required properties violates every rule, as errors', () => {
    const stack = newStack();
    new sagemaker.CfnNotebookInstance(stack, 'Notebook', { instanceType: 'ml.t2.medium', roleArn: 'arn:aws:iam::111122223333:role/NotebookRole' });
    expect(findings(stack)).toEqual({
      [ROOT_ACCESS]: ['Stack/Notebook'],
      [IMDS_V2]: ['Stack/Notebook'],
      [PLATFORM]: ['Stack/Notebook'],
      [LIFECYCLE]: ['Stack/Notebook'],
      [NITRO]: ['Stack/Notebook'],
    });
    const report = new SageMakerSecurityChecks().validateScope(stack);
    for (const violation of report.violations.filter((v) => NOTEBOOK_RULE_IDS.includes(v.ruleName))) {
      expect(violation.severity).toBe('error');
      expect(violation.description.length).toBeGreaterThan(20);
    }
  });

  test('the rules are named after their files', () => {
    expect(NOTEBOOK_RULES.map((rule) => rule.name)).toEqual([
      'NotebookRootAccessDisabled',
      'NotebookIMDSv2',
      'NotebookCurrentPlatform',
      'NotebookLifecycleConfigAttached',
      'NotebookNitroInstanceType',
    ]);
  });

  test('the rules are not applicable to other resource types', () => {
    const stack = newStack();
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    const lifecycleConfig = new sagemaker.CfnNotebookInstanceLifecycleConfig(stack, 'LifecycleConfig', {
      onStart: [{ content: Fn.base64('#!/bin/bash\necho start') }],
    });
    for (const rule of NOTEBOOK_RULES) {
      expect(rule(bucket)).toBe(NagRuleCompliance.NOT_APPLICABLE);
      expect(rule(lifecycleConfig)).toBe(NagRuleCompliance.NOT_APPLICABLE);
    }
    expect(findings(stack)).toEqual({});
  });

  test('the rules return COMPLIANT and NON_COMPLIANT on notebook instances', () => {
    const stack = newStack();
    const good = goodNotebook(stack);
    const bare = new sagemaker.CfnNotebookInstance(stack, 'Bare', { instanceType: 'ml.p2.xlarge', roleArn: 'arn:aws:iam::111122223333:role/NotebookRole' });
    for (const rule of NOTEBOOK_RULES) {
      expect(rule(good)).toBe(NagRuleCompliance.COMPLIANT);
      expect(rule(bare)).toBe(NagRuleCompliance.NON_COMPLIANT);
    }
  });
});

describe('NotebookRootAccessDisabled', () => {
  test('RootAccess Disabled is compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { rootAccess: 'Disabled' });
    expect(findings(stack)).toEqual({});
  });

  test('RootAccess Enabled is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { rootAccess: 'Enabled' });
    expect(findings(stack)).toEqual({ [ROOT_ACCESS]: ['Stack/Notebook'] });
  });

  test('RootAccess absent is non-compliant (CloudFormation defaults to Enabled)', () => {
    const stack = newStack();
    goodNotebook(stack, { rootAccess: undefined });
    expect(findings(stack)).toEqual({ [ROOT_ACCESS]: ['Stack/Notebook'] });
  });

  test('a value in another case is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { rootAccess: 'disabled' });
    expect(findings(stack)).toEqual({ [ROOT_ACCESS]: ['Stack/Notebook'] });
  });

  test('RootAccess from a CfnParameter does not resolve and is non-compliant', () => {
    const stack = newStack();
    const rootAccess = new CfnParameter(stack, 'RootAccess', { type: 'String', allowedValues: ['Enabled', 'Disabled'], default: 'Disabled' });
    goodNotebook(stack, { rootAccess: rootAccess.valueAsString });
    expect(findings(stack)).toEqual({ [ROOT_ACCESS]: ['Stack/Notebook'] });
  });

  test('property overrides count: an override to Enabled is non-compliant, an override to Disabled is compliant', () => {
    const stack = newStack();
    goodNotebook(stack, {}, 'Overridden').addPropertyOverride('RootAccess', 'Enabled');
    goodNotebook(stack, { rootAccess: 'Enabled' }, 'Fixed').addPropertyOverride('RootAccess', 'Disabled');
    expect(findings(stack)).toEqual({ [ROOT_ACCESS]: ['Stack/Overridden'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const notebook = goodNotebook(stack, { rootAccess: 'Enabled' });
    Validations.of(notebook).acknowledge({ id: ROOT_ACCESS, reason: 'Break-glass instance for the platform team, time-boxed by ticket.' });
    expect(findings(stack)).toEqual({});
  });
});

describe('NotebookIMDSv2', () => {
  test('a minimum IMDS version of 2 is compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' } });
    expect(findings(stack)).toEqual({});
  });

  test('a numeric 2 written with an override is compliant', () => {
    const stack = newStack();
    goodNotebook(stack).addPropertyOverride('InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion', 2);
    expect(findings(stack)).toEqual({});
  });

  test('a minimum IMDS version of 1 is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '1' } });
    expect(findings(stack)).toEqual({ [IMDS_V2]: ['Stack/Notebook'] });
  });

  test('no IMDS configuration is non-compliant (the API default is 1)', () => {
    const stack = newStack();
    goodNotebook(stack, { instanceMetadataServiceConfiguration: undefined });
    expect(findings(stack)).toEqual({ [IMDS_V2]: ['Stack/Notebook'] });
  });

  test('an IMDS configuration without a version is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack).addPropertyDeletionOverride('InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion');
    expect(findings(stack)).toEqual({ [IMDS_V2]: ['Stack/Notebook'] });
  });

  test('a version from a CfnParameter does not resolve and is non-compliant', () => {
    const stack = newStack();
    const version = new CfnParameter(stack, 'ImdsVersion', { type: 'String', allowedValues: ['1', '2'], default: '2' });
    goodNotebook(stack, { instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: version.valueAsString } });
    expect(findings(stack)).toEqual({ [IMDS_V2]: ['Stack/Notebook'] });
  });

  test('an IMDS configuration chosen by a condition does not resolve and is non-compliant', () => {
    const stack = newStack();
    const condition = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(Aws.ACCOUNT_ID, '111122223333') });
    goodNotebook(stack).addPropertyOverride(
      'InstanceMetadataServiceConfiguration',
      Fn.conditionIf(condition.logicalId, { MinimumInstanceMetadataServiceVersion: '2' }, { MinimumInstanceMetadataServiceVersion: '1' }),
    );
    expect(findings(stack)).toEqual({ [IMDS_V2]: ['Stack/Notebook'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const notebook = goodNotebook(stack, { instanceMetadataServiceConfiguration: undefined });
    Validations.of(notebook).acknowledge({ id: IMDS_V2, reason: 'Legacy tooling on this instance still calls IMDSv1; migration tracked.' });
    expect(findings(stack)).toEqual({});
  });
});

describe('NotebookCurrentPlatform', () => {
  test('notebook-al2023-v1 is compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { platformIdentifier: 'notebook-al2023-v1' });
    expect(findings(stack)).toEqual({});
  });

  test.each(['notebook-al1-v1', 'notebook-al2-v1', 'notebook-al2-v2', 'notebook-al2-v3'])('%s is non-compliant', (platformIdentifier) => {
    const stack = newStack();
    goodNotebook(stack, { platformIdentifier });
    expect(findings(stack)).toEqual({ [PLATFORM]: ['Stack/Notebook'] });
  });

  test('PlatformIdentifier absent is non-compliant (the default depends on the date)', () => {
    const stack = newStack();
    goodNotebook(stack, { platformIdentifier: undefined });
    expect(findings(stack)).toEqual({ [PLATFORM]: ['Stack/Notebook'] });
  });

  test('PlatformIdentifier from a CfnParameter does not resolve and is non-compliant', () => {
    const stack = newStack();
    const platform = new CfnParameter(stack, 'Platform', { type: 'String', default: 'notebook-al2023-v1' });
    goodNotebook(stack, { platformIdentifier: platform.valueAsString });
    expect(findings(stack)).toEqual({ [PLATFORM]: ['Stack/Notebook'] });
  });

  test('an override to an Amazon Linux 2 platform is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack).addPropertyOverride('PlatformIdentifier', 'notebook-al2-v3');
    expect(findings(stack)).toEqual({ [PLATFORM]: ['Stack/Notebook'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const notebook = goodNotebook(stack, { platformIdentifier: 'notebook-al2-v3' });
    Validations.of(notebook).acknowledge({ id: PLATFORM, reason: 'Migration to AL2023 scheduled before the AL2 end-of-support date.' });
    expect(findings(stack)).toEqual({});
  });
});

describe('NotebookLifecycleConfigAttached', () => {
  test('a literal lifecycle configuration name is compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { lifecycleConfigName: 'secure-notebook-defaults' });
    expect(findings(stack)).toEqual({});
  });

  test('the name of a lifecycle configuration in the stack (Fn::GetAtt) is compliant', () => {
    const stack = newStack();
    const lifecycleConfig = new sagemaker.CfnNotebookInstanceLifecycleConfig(stack, 'LifecycleConfig', {
      onStart: [{ content: Fn.base64('#!/bin/bash\necho start') }],
    });
    goodNotebook(stack, { lifecycleConfigName: lifecycleConfig.attrNotebookInstanceLifecycleConfigName });
    expect(findings(stack)).toEqual({});
  });

  test('a Ref to a resource, an imported name and a name built from the stack name are compliant', () => {
    const stack = newStack();
    const lifecycleConfig = new sagemaker.CfnNotebookInstanceLifecycleConfig(stack, 'LifecycleConfig', {
      onStart: [{ content: Fn.base64('#!/bin/bash\necho start') }],
    });
    goodNotebook(stack, { lifecycleConfigName: lifecycleConfig.ref }, 'RefNotebook');
    goodNotebook(stack, { lifecycleConfigName: Fn.importValue('Platform-NotebookLifecycleConfigName') }, 'ImportNotebook');
    goodNotebook(stack, { lifecycleConfigName: Fn.sub('${AWS::StackName}-defaults') }, 'SubNotebook');
    expect(findings(stack)).toEqual({});
  });

  test('no lifecycle configuration is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { lifecycleConfigName: undefined });
    expect(findings(stack)).toEqual({ [LIFECYCLE]: ['Stack/Notebook'] });
  });

  test('an empty or blank name is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { lifecycleConfigName: '' }, 'Empty');
    goodNotebook(stack, { lifecycleConfigName: '  ' }, 'Blank');
    expect(findings(stack)).toEqual({ [LIFECYCLE]: ['Stack/Empty', 'Stack/Blank'] });
  });

  test('AWS::NoValue is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { lifecycleConfigName: Aws.NO_VALUE });
    expect(findings(stack)).toEqual({ [LIFECYCLE]: ['Stack/Notebook'] });
  });

  test('a name from a CfnParameter cannot be proven and is non-compliant', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'LifecycleConfigName', { type: 'String', default: 'secure-notebook-defaults' });
    goodNotebook(stack, { lifecycleConfigName: name.valueAsString });
    expect(findings(stack)).toEqual({ [LIFECYCLE]: ['Stack/Notebook'] });
  });

  test('a name chosen by a condition cannot be proven and is non-compliant', () => {
    const stack = newStack();
    const condition = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(Aws.ACCOUNT_ID, '111122223333') });
    goodNotebook(stack, { lifecycleConfigName: Fn.conditionIf(condition.logicalId, 'secure-notebook-defaults', Aws.NO_VALUE).toString() });
    expect(findings(stack)).toEqual({ [LIFECYCLE]: ['Stack/Notebook'] });
  });

  test('removing the name with an override is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack).addPropertyDeletionOverride('LifecycleConfigName');
    expect(findings(stack)).toEqual({ [LIFECYCLE]: ['Stack/Notebook'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const notebook = goodNotebook(stack, { lifecycleConfigName: undefined });
    Validations.of(notebook).acknowledge({ id: LIFECYCLE, reason: 'Short-lived demo instance, deleted by the workshop teardown.' });
    expect(findings(stack)).toEqual({});
  });
});

describe('NotebookNitroInstanceType', () => {
  test.each(['ml.t3.medium', 'ml.m5.xlarge', 'ml.c5.2xlarge', 'ml.g5.xlarge', 'ml.p3dn.24xlarge', 'ml.r6i.large'])('%s (Nitro) is compliant', (instanceType) => {
    const stack = newStack();
    goodNotebook(stack, { instanceType });
    expect(findings(stack)).toEqual({});
  });

  test.each(['ml.t2.medium', 'ml.m4.xlarge', 'ml.c4.2xlarge', 'ml.p2.xlarge', 'ml.p3.2xlarge'])('%s (Xen) is non-compliant', (instanceType) => {
    const stack = newStack();
    goodNotebook(stack, { instanceType });
    expect(findings(stack)).toEqual({ [NITRO]: ['Stack/Notebook'] });
  });

  test('a type that is not an ML instance type is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack, { instanceType: 't3.medium' });
    expect(findings(stack)).toEqual({ [NITRO]: ['Stack/Notebook'] });
  });

  test('an instance type from a CfnParameter does not resolve and is non-compliant', () => {
    const stack = newStack();
    const instanceType = new CfnParameter(stack, 'InstanceType', { type: 'String', default: 'ml.t3.medium' });
    goodNotebook(stack, { instanceType: instanceType.valueAsString });
    expect(findings(stack)).toEqual({ [NITRO]: ['Stack/Notebook'] });
  });

  test('an override to a Xen type is non-compliant', () => {
    const stack = newStack();
    goodNotebook(stack).addPropertyOverride('InstanceType', 'ml.t2.medium');
    expect(findings(stack)).toEqual({ [NITRO]: ['Stack/Notebook'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const notebook = goodNotebook(stack, { instanceType: 'ml.p3.2xlarge' });
    Validations.of(notebook).acknowledge({ id: NITRO, reason: 'Reserved capacity on p3 until the end of the quarter.' });
    expect(findings(stack)).toEqual({});
  });
});
