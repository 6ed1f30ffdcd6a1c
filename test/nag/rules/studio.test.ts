import { App, CfnParameter, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { NagRuleCompliance } from 'cdk-nag';
import { SageMakerSecurityChecks } from '../../../lib/nag';
import {
  DomainDockerAccessDisabled,
  DomainHomeEfsRetained,
  DomainIdleShutdown,
  DomainKMSKey,
  DomainSecurityGroups,
  DomainSourceIdentity,
  DomainVpcOnly,
  UserProfileOwnRole,
} from '../../../lib/nag/rules';

const VPC_ONLY = 'SageMakerSecurity-DomainVpcOnly';
const KMS = 'SageMakerSecurity-DomainKMSKey';
const SGS = 'SageMakerSecurity-DomainSecurityGroups';
const RETAINED = 'SageMakerSecurity-DomainHomeEfsRetained';
const IDLE = 'SageMakerSecurity-DomainIdleShutdown';
const DOCKER = 'SageMakerSecurity-DomainDockerAccessDisabled';
const SOURCE_IDENTITY = 'SageMakerSecurity-DomainSourceIdentity';
const OWN_ROLE = 'SageMakerSecurity-UserProfileOwnRole';
const STUDIO_RULE_IDS = [VPC_ONLY, KMS, SGS, RETAINED, IDLE, DOCKER, SOURCE_IDENTITY, OWN_ROLE];
const DOMAIN_RULES = [
  DomainVpcOnly, DomainKMSKey, DomainSecurityGroups, DomainHomeEfsRetained, DomainIdleShutdown, DomainDockerAccessDisabled, DomainSourceIdentity,
];

/** Rule ID -> violating construct paths, for the Studio rules only. */
function findings(stack: Stack): Record<string, string[]> {
  const report = new SageMakerSecurityChecks().validateScope(stack);
  return Object.fromEntries(report.violations
    .filter((v) => STUDIO_RULE_IDS.includes(v.ruleName))
    .map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath ?? '')]));
}

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

function goodDomain(stack: Stack, props: Partial<sagemaker.CfnDomainProps> = {}, id = 'Domain'): sagemaker.CfnDomain {
  const domain = new sagemaker.CfnDomain(stack, id, {
    authMode: 'IAM',
    domainName: 'research',
    appNetworkAccessType: 'VpcOnly',
    vpcId: 'vpc-1',
    subnetIds: ['subnet-1', 'subnet-2'],
    kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
    defaultUserSettings: {
      executionRole: 'arn:aws:iam::111122223333:role/default',
      securityGroups: ['sg-1'],
      jupyterLabAppSettings: { appLifecycleManagement: { idleSettings: { lifecycleManagement: 'ENABLED', idleTimeoutInMinutes: 60 } } },
    },
    domainSettings: { executionRoleIdentityConfig: 'USER_PROFILE_NAME', dockerSettings: { enableDockerAccess: 'DISABLED' } },
    ...props,
  });
  domain.cfnOptions.deletionPolicy = domain.cfnOptions.updateReplacePolicy = undefined;
  domain.addOverride('DeletionPolicy', 'Retain');
  domain.addOverride('UpdateReplacePolicy', 'Retain');
  return domain;
}

function profile(stack: Stack, id: string, executionRole?: string): sagemaker.CfnUserProfile {
  return new sagemaker.CfnUserProfile(stack, id, {
    domainId: 'd-1', userProfileName: id.toLowerCase(), userSettings: executionRole ? { executionRole } : undefined,
  });
}

describe('Studio rules', () => {
  test('a hardened domain and profiles with their own roles are compliant with every rule', () => {
    const stack = newStack();
    goodDomain(stack);
    profile(stack, 'Alice', 'arn:aws:iam::111122223333:role/alice');
    profile(stack, 'Bob', 'arn:aws:iam::111122223333:role/bob');
    expect(findings(stack)).toEqual({});
  });

  test('a domain with only the required properties (and Docker on) violates every domain rule, as errors', () => {
    const stack = newStack();
    new sagemaker.CfnDomain(stack, 'Domain', {
      authMode: 'IAM',
      domainName: 'd',
      defaultUserSettings: { executionRole: 'arn:aws:iam::111122223333:role/x' },
      domainSettings: { dockerSettings: { enableDockerAccess: 'ENABLED' } },
    });
    expect(findings(stack)).toEqual(Object.fromEntries(STUDIO_RULE_IDS.filter((id) => id !== OWN_ROLE).map((id) => [id, ['Stack/Domain']])));
    for (const v of new SageMakerSecurityChecks().validateScope(stack).violations.filter((x) => STUDIO_RULE_IDS.includes(x.ruleName))) {
      expect(v.severity).toBe('error');
    }
  });

  test('the rules are named after their files and not applicable to other types', () => {
    expect([...DOMAIN_RULES, UserProfileOwnRole].map((r) => r.name)).toEqual(STUDIO_RULE_IDS.map((id) => id.replace('SageMakerSecurity-', '')));
    const stack = newStack();
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    const p = profile(stack, 'Alice');
    for (const rule of DOMAIN_RULES) {
      expect(rule(bucket)).toBe(NagRuleCompliance.NOT_APPLICABLE);
      expect(rule(p)).toBe(NagRuleCompliance.NOT_APPLICABLE);
    }
    expect(UserProfileOwnRole(goodDomain(stack))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  test('the domain rules return COMPLIANT and NON_COMPLIANT', () => {
    const stack = newStack();
    const good = goodDomain(stack);
    const bare = new sagemaker.CfnDomain(stack, 'Bare', {
      authMode: 'IAM', domainName: 'd', defaultUserSettings: { executionRole: 'r' }, domainSettings: { dockerSettings: { enableDockerAccess: 'ENABLED' } },
    });
    for (const rule of DOMAIN_RULES) {
      expect(rule(good)).toBe(NagRuleCompliance.COMPLIANT);
      expect(rule(bare)).toBe(NagRuleCompliance.NON_COMPLIANT);
    }
  });
});

describe('DomainVpcOnly', () => {
  test('PublicInternetOnly and an absent value (the API default) are non-compliant', () => {
    const stack = newStack();
    goodDomain(stack, { appNetworkAccessType: 'PublicInternetOnly' }, 'Public');
    goodDomain(stack, { appNetworkAccessType: undefined }, 'Absent');
    expect(findings(stack)).toEqual({ [VPC_ONLY]: ['Stack/Public', 'Stack/Absent'] });
  });

  test('a value from a parameter is non-compliant; an override to VpcOnly is compliant', () => {
    const stack = newStack();
    const p = new CfnParameter(stack, 'Access', { type: 'String', default: 'VpcOnly' });
    goodDomain(stack, { appNetworkAccessType: p.valueAsString }, 'Param');
    goodDomain(stack, { appNetworkAccessType: 'PublicInternetOnly' }, 'Fixed').addPropertyOverride('AppNetworkAccessType', 'VpcOnly');
    expect(findings(stack)).toEqual({ [VPC_ONLY]: ['Stack/Param'] });
  });
});

describe('DomainKMSKey', () => {
  test('a literal key ARN and a reference are compliant', () => {
    const stack = newStack();
    goodDomain(stack, { kmsKeyId: Fn.importValue('Platform-KeyArn') }, 'Imported');
    expect(findings(stack)).toEqual({});
  });

  test('absent, empty and parameter keys are non-compliant', () => {
    const stack = newStack();
    const p = new CfnParameter(stack, 'Key', { type: 'String' });
    goodDomain(stack, { kmsKeyId: undefined }, 'Absent');
    goodDomain(stack, { kmsKeyId: '' }, 'Empty');
    goodDomain(stack, { kmsKeyId: p.valueAsString }, 'Param');
    expect(findings(stack)).toEqual({ [KMS]: ['Stack/Absent', 'Stack/Empty', 'Stack/Param'] });
  });
});

describe('DomainSecurityGroups', () => {
  test('no security groups, an empty list or a parameter are non-compliant', () => {
    const stack = newStack();
    const p = new CfnParameter(stack, 'Sg', { type: 'String' });
    goodDomain(stack, { defaultUserSettings: { executionRole: 'r' } }, 'Absent');
    goodDomain(stack, { defaultUserSettings: { executionRole: 'r', securityGroups: [] } }, 'Empty');
    const param = goodDomain(stack, {}, 'Param');
    param.addPropertyOverride('DefaultUserSettings.SecurityGroups', [p.valueAsString]);
    // keep the other rules quiet on these domains
    for (const d of ['Absent', 'Empty']) {
      (stack.node.findChild(d) as sagemaker.CfnDomain).addPropertyOverride('DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement', 'ENABLED');
    }
    expect(findings(stack)).toEqual({ [SGS]: ['Stack/Absent', 'Stack/Empty', 'Stack/Param'] });
  });
});

describe('DomainHomeEfsRetained', () => {
  test('a domain without retain policies, or with only a DeletionPolicy, is non-compliant', () => {
    const stack = newStack();
    goodDomain(stack, {}, 'Deleted').addOverride('DeletionPolicy', 'Delete');
    goodDomain(stack, {}, 'Replaced').addOverride('UpdateReplacePolicy', 'Delete');
    expect(findings(stack)).toEqual({ [RETAINED]: ['Stack/Deleted', 'Stack/Replaced'] });
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const d = goodDomain(stack);
    d.addOverride('DeletionPolicy', 'Delete');
    Validations.of(d).acknowledge({ id: RETAINED, reason: 'Workshop domain, torn down with its stack at the end of the day.' });
    expect(findings(stack)).toEqual({});
  });
});

describe('DomainIdleShutdown', () => {
  test('idle shutdown DISABLED or absent is non-compliant', () => {
    const stack = newStack();
    goodDomain(stack, {}, 'Disabled').addPropertyOverride('DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement', 'DISABLED');
    goodDomain(stack, {}, 'Absent').addPropertyDeletionOverride('DefaultUserSettings.JupyterLabAppSettings');
    expect(findings(stack)).toEqual({ [IDLE]: ['Stack/Disabled', 'Stack/Absent'] });
  });
});

describe('DomainDockerAccessDisabled', () => {
  test('absent settings (the API default is DISABLED) are compliant', () => {
    const stack = newStack();
    goodDomain(stack, {}, 'NoDocker').addPropertyDeletionOverride('DomainSettings.DockerSettings');
    expect(findings(stack)).toEqual({});
  });

  test('ENABLED and a parameter are non-compliant', () => {
    const stack = newStack();
    const p = new CfnParameter(stack, 'Docker', { type: 'String', default: 'DISABLED' });
    goodDomain(stack, {}, 'Enabled').addPropertyOverride('DomainSettings.DockerSettings.EnableDockerAccess', 'ENABLED');
    goodDomain(stack, {}, 'Param').addPropertyOverride('DomainSettings.DockerSettings.EnableDockerAccess', p.valueAsString);
    expect(findings(stack)).toEqual({ [DOCKER]: ['Stack/Enabled', 'Stack/Param'] });
  });
});

describe('DomainSourceIdentity', () => {
  test('DISABLED or absent is non-compliant', () => {
    const stack = newStack();
    goodDomain(stack, {}, 'Disabled').addPropertyOverride('DomainSettings.ExecutionRoleIdentityConfig', 'DISABLED');
    goodDomain(stack, {}, 'Absent').addPropertyDeletionOverride('DomainSettings.ExecutionRoleIdentityConfig');
    expect(findings(stack)).toEqual({ [SOURCE_IDENTITY]: ['Stack/Disabled', 'Stack/Absent'] });
  });
});

describe('UserProfileOwnRole', () => {
  test('a profile without an execution role (the domain default is shared) is non-compliant, at WARN level', () => {
    const stack = newStack();
    profile(stack, 'Alice');
    expect(findings(stack)).toEqual({ [OWN_ROLE]: ['Stack/Alice'] });
    const v = new SageMakerSecurityChecks().validateScope(stack).violations.find((x) => x.ruleName === OWN_ROLE);
    expect(v?.severity).toBe('warning');
  });

  test('two profiles with the same role are both non-compliant; a third with its own is compliant', () => {
    const stack = newStack();
    profile(stack, 'Alice', 'arn:aws:iam::111122223333:role/shared');
    profile(stack, 'Bob', 'arn:aws:iam::111122223333:role/shared');
    profile(stack, 'Carol', 'arn:aws:iam::111122223333:role/carol');
    expect(findings(stack)).toEqual({ [OWN_ROLE]: ['Stack/Alice', 'Stack/Bob'] });
  });

  test('an override that gives a profile its own role makes it compliant', () => {
    const stack = newStack();
    profile(stack, 'Alice', 'arn:aws:iam::111122223333:role/shared');
    profile(stack, 'Bob', 'arn:aws:iam::111122223333:role/shared').addPropertyOverride('UserSettings.ExecutionRole', 'arn:aws:iam::111122223333:role/bob');
    expect(findings(stack)).toEqual({});
  });

  test('acknowledgement removes the violation', () => {
    const stack = newStack();
    const p = profile(stack, 'Alice');
    Validations.of(p).acknowledge({ id: OWN_ROLE, reason: 'Read-only demo profile that uses the domain default role on purpose.' });
    expect(findings(stack)).toEqual({});
  });
});
