import { App, CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { NagRuleCompliance } from 'cdk-nag';
import { SageMakerSecurityChecks } from '../../../lib/nag';
import {
  EndpointConfigDataCaptureEncrypted,
  EndpointConfigKMSKey,
  EndpointConfigMultiInstance,
  EndpointConfigNoKMSKeyOnNVMe,
  ModelInVPC,
  ModelNetworkIsolation,
} from '../../../lib/nag/rules';

const ISOLATION = 'SageMakerSecurity-ModelNetworkIsolation';
const IN_VPC = 'SageMakerSecurity-ModelInVPC';
const KMS = 'SageMakerSecurity-EndpointConfigKMSKey';
const NVME_KEY = 'SageMakerSecurity-EndpointConfigNoKMSKeyOnNVMe';
const CAPTURE = 'SageMakerSecurity-EndpointConfigDataCaptureEncrypted';
const MULTI = 'SageMakerSecurity-EndpointConfigMultiInstance';
const IDS = [ISOLATION, IN_VPC, KMS, NVME_KEY, CAPTURE, MULTI];
const RULES = [
  ModelNetworkIsolation,
  ModelInVPC,
  EndpointConfigKMSKey,
  EndpointConfigNoKMSKeyOnNVMe,
  EndpointConfigDataCaptureEncrypted,
  EndpointConfigMultiInstance,
];
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Rule ID -> violating construct paths, for the hosting rules only. */
function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations
    .filter((v) => IDS.includes(v.ruleName))
    .map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

function goodModel(stack: Stack, props: Partial<sagemaker.CfnModelProps> = {}, id = 'Model'): sagemaker.CfnModel {
  return new sagemaker.CfnModel(stack, id, {
    executionRoleArn: 'arn:aws:iam::111122223333:role/ModelRole',
    primaryContainer: { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/m:1', modelDataUrl: 's3://b/model.tar.gz' },
    enableNetworkIsolation: true,
    vpcConfig: { subnets: ['subnet-1', 'subnet-2'], securityGroupIds: ['sg-1'] },
    ...props,
  });
}

function variant(instanceType: string, count = 2): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
  return { variantName: 'AllTraffic', modelName: 'm', instanceType, initialInstanceCount: count, initialVariantWeight: 1 };
}

function goodConfig(stack: Stack, props: Partial<sagemaker.CfnEndpointConfigProps> = {}, id = 'Config'): sagemaker.CfnEndpointConfig {
  return new sagemaker.CfnEndpointConfig(stack, id, {
    kmsKeyId: KEY,
    productionVariants: [variant('ml.m5.large')],
    dataCaptureConfig: {
      enableCapture: true,
      initialSamplingPercentage: 100,
      destinationS3Uri: 's3://b/datacapture/',
      kmsKeyId: KEY,
      captureOptions: [{ captureMode: 'Input' }],
    },
    ...props,
  });
}

describe('model and endpoint config rules', () => {
  test('a hardened model and endpoint config are compliant with every rule', () => {
    const stack = newStack();
    goodModel(stack);
    goodConfig(stack);
    expect(findings(stack)).toEqual({});
  });

  test('a bare model and a bare single-instance endpoint config break the rules that apply to them', () => {
    const stack = newStack();
    new sagemaker.CfnModel(stack, 'Model', { executionRoleArn: 'arn:aws:iam::111122223333:role/r' });
    new sagemaker.CfnEndpointConfig(stack, 'Config', {
      productionVariants: [variant('ml.m5.large', 1)],
      dataCaptureConfig: { initialSamplingPercentage: 100, destinationS3Uri: 's3://b/c/', captureOptions: [{ captureMode: 'Input' }] },
    });
    expect(findings(stack)).toEqual({
      [ISOLATION]: ['Stack/Model'],
      [IN_VPC]: ['Stack/Model'],
      [KMS]: ['Stack/Config'],
      [CAPTURE]: ['Stack/Config'],
      [MULTI]: ['Stack/Config'],
    });
    const severities = Object.fromEntries(new SageMakerSecurityChecks().validateScope(stack).violations.map((v) => [v.ruleName, v.severity]));
    expect(severities[MULTI]).toBe('warning');
    expect(severities[KMS]).toBe('error');
  });

  test('the rules are named after their files and not applicable to other resource types', () => {
    expect(RULES.map((r) => r.name)).toEqual([
      'ModelNetworkIsolation', 'ModelInVPC', 'EndpointConfigKMSKey', 'EndpointConfigNoKMSKeyOnNVMe', 'EndpointConfigDataCaptureEncrypted', 'EndpointConfigMultiInstance',
    ]);
    const stack = newStack();
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    const endpoint = new sagemaker.CfnEndpoint(stack, 'Endpoint', { endpointConfigName: 'c' });
    for (const rule of RULES) {
      expect(rule(bucket)).toBe(NagRuleCompliance.NOT_APPLICABLE);
      expect(rule(endpoint)).toBe(NagRuleCompliance.NOT_APPLICABLE);
    }
  });
});

describe('ModelNetworkIsolation', () => {
  test('true is compliant; false, absent and a parameter are not', () => {
    const stack = newStack();
    const p = new CfnParameter(stack, 'Iso', { type: 'String', default: 'true' });
    expect(ModelNetworkIsolation(goodModel(stack))).toBe(NagRuleCompliance.COMPLIANT);
    expect(ModelNetworkIsolation(goodModel(stack, { enableNetworkIsolation: false }, 'False'))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(ModelNetworkIsolation(goodModel(stack, { enableNetworkIsolation: undefined }, 'Absent'))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(ModelNetworkIsolation(goodModel(stack, { enableNetworkIsolation: p.valueAsString as any }, 'Param'))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  test('an override to false is non-compliant', () => {
    const stack = newStack();
    goodModel(stack).addPropertyOverride('EnableNetworkIsolation', false);
    expect(findings(stack)).toEqual({ [ISOLATION]: ['Stack/Model'] });
  });
});

describe('ModelInVPC', () => {
  test('subnets and security groups are compliant; missing, empty or parameter lists are not', () => {
    const stack = newStack();
    const subnets = new CfnParameter(stack, 'Subnets', { type: 'List<AWS::EC2::Subnet::Id>' });
    expect(ModelInVPC(goodModel(stack))).toBe(NagRuleCompliance.COMPLIANT);
    expect(ModelInVPC(goodModel(stack, { vpcConfig: undefined }, 'None'))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(ModelInVPC(goodModel(stack, { vpcConfig: { subnets: [], securityGroupIds: ['sg-1'] } }, 'NoSubnets'))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(ModelInVPC(goodModel(stack, { vpcConfig: { subnets: ['subnet-1'], securityGroupIds: [] } }, 'NoGroups'))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(ModelInVPC(goodModel(stack, { vpcConfig: { subnets: subnets.valueAsList, securityGroupIds: ['sg-1'] } }, 'Param'))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });
});

describe('EndpointConfigKMSKey (NVMe-aware)', () => {
  test('a key is compliant', () => {
    const stack = newStack();
    expect(EndpointConfigKMSKey(goodConfig(stack))).toBe(NagRuleCompliance.COMPLIANT);
  });

  test('no key on a type without local storage is non-compliant', () => {
    const stack = newStack();
    goodConfig(stack, { kmsKeyId: undefined });
    expect(findings(stack)).toEqual({ [KMS]: ['Stack/Config'] });
  });

  test('no key when every variant has local NVMe storage is compliant', () => {
    const stack = newStack();
    goodConfig(stack, { kmsKeyId: undefined, productionVariants: [variant('ml.g5.xlarge'), { ...variant('ml.m5d.large'), variantName: 'B' }] });
    expect(findings(stack)).toEqual({});
  });

  test('no key with one NVMe and one EBS-backed variant is non-compliant', () => {
    const stack = newStack();
    goodConfig(stack, { kmsKeyId: undefined, productionVariants: [variant('ml.g5.xlarge'), { ...variant('ml.m5.large'), variantName: 'B' }] });
    expect(findings(stack)).toEqual({ [KMS]: ['Stack/Config'] });
  });

  test('no key with an instance type from a parameter, or a serverless-only config, is non-compliant', () => {
    const stack = newStack();
    const type = new CfnParameter(stack, 'Type', { type: 'String', default: 'ml.g5.xlarge' });
    expect(EndpointConfigKMSKey(goodConfig(stack, { kmsKeyId: undefined, productionVariants: [variant(type.valueAsString)] }, 'Param')))
      .toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(EndpointConfigKMSKey(goodConfig(stack, {
      kmsKeyId: undefined,
      productionVariants: [{ variantName: 'S', modelName: 'm', serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 } }],
    }, 'Serverless'))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });
});

describe('EndpointConfigNoKMSKeyOnNVMe', () => {
  test('a key with an NVMe instance type is non-compliant (deploy would fail)', () => {
    const stack = newStack();
    goodConfig(stack, { productionVariants: [variant('ml.p4d.24xlarge')] });
    expect(findings(stack)).toEqual({ [NVME_KEY]: ['Stack/Config'] });
    expect(new SageMakerSecurityChecks().validateScope(stack).violations[0].severity).toBe('error');
  });

  test('a key with EBS-backed types is compliant; no key is not applicable', () => {
    const stack = newStack();
    expect(EndpointConfigNoKMSKeyOnNVMe(goodConfig(stack))).toBe(NagRuleCompliance.COMPLIANT);
    expect(EndpointConfigNoKMSKeyOnNVMe(goodConfig(stack, { kmsKeyId: undefined, productionVariants: [variant('ml.g5.xlarge')] }, 'NoKey')))
      .toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  test('a key with an instance type from a parameter is non-compliant', () => {
    const stack = newStack();
    const type = new CfnParameter(stack, 'Type', { type: 'String', default: 'ml.m5.large' });
    const config = goodConfig(stack, { productionVariants: [variant(type.valueAsString)] });
    expect(EndpointConfigNoKMSKeyOnNVMe(config)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  test('a shadow variant on NVMe counts too', () => {
    const stack = newStack();
    goodConfig(stack, { shadowProductionVariants: [{ ...variant('ml.g5.xlarge'), variantName: 'Shadow' }] });
    expect(findings(stack)).toEqual({ [NVME_KEY]: ['Stack/Config'] });
  });
});

describe('EndpointConfigDataCaptureEncrypted', () => {
  test('capture with a key is compliant; without one it is not', () => {
    const stack = newStack();
    expect(EndpointConfigDataCaptureEncrypted(goodConfig(stack))).toBe(NagRuleCompliance.COMPLIANT);
    const bad = goodConfig(stack, {}, 'NoKey');
    bad.addPropertyDeletionOverride('DataCaptureConfig.KmsKeyId');
    expect(EndpointConfigDataCaptureEncrypted(bad)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  test('no capture, or capture disabled, is not applicable', () => {
    const stack = newStack();
    expect(EndpointConfigDataCaptureEncrypted(goodConfig(stack, { dataCaptureConfig: undefined }))).toBe(NagRuleCompliance.NOT_APPLICABLE);
    const off = goodConfig(stack, {}, 'Off');
    off.addPropertyOverride('DataCaptureConfig.EnableCapture', false);
    off.addPropertyDeletionOverride('DataCaptureConfig.KmsKeyId');
    expect(EndpointConfigDataCaptureEncrypted(off)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});

describe('EndpointConfigMultiInstance', () => {
  test('2 or more instances are compliant; 1 is a warning-level finding', () => {
    const stack = newStack();
    expect(EndpointConfigMultiInstance(goodConfig(stack))).toBe(NagRuleCompliance.COMPLIANT);
    goodConfig(stack, { productionVariants: [variant('ml.m5.large', 1)] }, 'Single');
    expect(findings(stack)).toEqual({ [MULTI]: ['Stack/Single'] });
  });

  test('a count from a parameter is non-compliant; a serverless-only config is not applicable', () => {
    const stack = newStack();
    const count = new CfnParameter(stack, 'Count', { type: 'Number', default: 2 });
    expect(EndpointConfigMultiInstance(goodConfig(stack, { productionVariants: [variant('ml.m5.large', count.valueAsNumber)] }))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(EndpointConfigMultiInstance(goodConfig(stack, {
      productionVariants: [{ variantName: 'S', modelName: 'm', serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 } }],
    }, 'Serverless'))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  test('acknowledgement removes the finding', () => {
    const stack = newStack();
    const config = goodConfig(stack, { productionVariants: [variant('ml.m5.large', 1)] });
    Validations.of(config).acknowledge({ id: MULTI, reason: 'Development endpoint; availability is not required and the cost of a second instance is not justified.' });
    expect(findings(stack)).toEqual({});
  });
});
