import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, IPolicyValidationContext, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { SageMakerSecurityChecks } from '../../lib/nag';
import { CONTROLS } from '../../lib/nag/controls';
import { buildReport, SecurityReportData } from '../../lib/report';
import { constructSamples } from '../nag/checklist-fixtures';

/**
 * The rule pack and the reviewer report reach the same verdict by construction (both run the
 * control's check of the catalogue): for every control, a compliant and a non-compliant sample,
 * evaluated by the rule (through the pack, on the construct tree and on the synthesized template)
 * and by the report (over the synthesized template).
 */

const ROLE = 'arn:aws:iam::111122223333:role/r';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

type Build = (stack: Stack) => CfnResource;

const bucket = (props: s3.CfnBucketProps = {}, removal?: RemovalPolicy): Build => (stack) => {
  const b = new s3.CfnBucket(stack, 'Subject', props);
  if (removal) b.applyRemovalPolicy(removal);
  return b;
};
const retained = (make: (stack: Stack) => CfnResource, removal?: RemovalPolicy): Build => (stack) => {
  const r = make(stack);
  if (removal) r.applyRemovalPolicy(removal);
  return r;
};

const notebook = (props: Partial<sagemaker.CfnNotebookInstanceProps> = {}): Build => (stack) => new sagemaker.CfnNotebookInstance(stack, 'Subject', {
  instanceType: 'ml.t3.medium',
  roleArn: ROLE,
  rootAccess: 'Disabled',
  instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' },
  platformIdentifier: 'notebook-al2023-v1',
  lifecycleConfigName: 'secure-defaults',
  ...props,
});

const model = (props: Partial<sagemaker.CfnModelProps> = {}): Build => (stack) => new sagemaker.CfnModel(stack, 'Subject', {
  executionRoleArn: ROLE,
  enableNetworkIsolation: true,
  vpcConfig: { subnets: ['subnet-1'], securityGroupIds: ['sg-1'] },
  primaryContainer: { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/m:1' },
  ...props,
});

const endpointConfig = (props: Partial<sagemaker.CfnEndpointConfigProps> = {}, variant: Record<string, unknown> = {}): Build =>
  (stack) => new sagemaker.CfnEndpointConfig(stack, 'Subject', {
    kmsKeyId: KEY,
    productionVariants: [{ variantName: 'AllTraffic', modelName: 'm', instanceType: 'ml.m5.large', initialInstanceCount: 2, ...variant }],
    dataCaptureConfig: { initialSamplingPercentage: 100, destinationS3Uri: 's3://b/capture', captureOptions: [{ captureMode: 'Input' }], kmsKeyId: KEY },
    ...props,
  });

/** A CreateTrainingJob request with every secure setting. */
function training(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'TrainingJobName.$': '$.name',
    'RoleArn': ROLE,
    'AlgorithmSpecification': { TrainingImage: '111122223333.dkr.ecr.us-east-1.amazonaws.com/t:1', TrainingInputMode: 'File' },
    'OutputDataConfig': { S3OutputPath: 's3://artifacts/models', KmsKeyId: KEY },
    'ResourceConfig': { InstanceType: 'ml.m5.xlarge', InstanceCount: 2, VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
    'StoppingCondition': { MaxRuntimeInSeconds: 3600 },
    'VpcConfig': { Subnets: ['subnet-1'], SecurityGroupIds: ['sg-1'] },
    'EnableNetworkIsolation': true,
    'EnableInterContainerTrafficEncryption': true,
    ...overrides,
  };
}
const trainingStateMachine = (overrides: Record<string, unknown> = {}): Build => (stack) => new sfn.CfnStateMachine(stack, 'Subject', {
  roleArn: ROLE,
  definitionString: JSON.stringify({
    StartAt: 'Train',
    States: { Train: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', Parameters: training(overrides), End: true } },
  }),
});

const domain = (props: Partial<sagemaker.CfnDomainProps> = {}, removal = RemovalPolicy.RETAIN, id = 'Subject'): Build => (stack) => {
  const d = new sagemaker.CfnDomain(stack, id, {
    authMode: 'IAM',
    domainName: 'research',
    // Domains are tagged (SageMakerSecurity-SageMakerResourceTagged).
    tags: [{ key: 'team', value: 'research' }],
    appNetworkAccessType: 'VpcOnly',
    vpcId: 'vpc-1',
    subnetIds: ['subnet-1'],
    kmsKeyId: KEY,
    defaultUserSettings: {
      executionRole: ROLE,
      securityGroups: ['sg-1'],
      jupyterLabAppSettings: { appLifecycleManagement: { idleSettings: { lifecycleManagement: 'ENABLED', idleTimeoutInMinutes: 60 } } },
    },
    domainSettings: { executionRoleIdentityConfig: 'USER_PROFILE_NAME', dockerSettings: { enableDockerAccess: 'DISABLED' } },
    ...props,
  });
  d.applyRemovalPolicy(removal);
  return d;
};

/** A domain with two user profiles; the subject is the first profile. */
const profiles = (aliceRole: string | undefined, bobRole: string | undefined): Build => (stack) => {
  const d = domain({}, RemovalPolicy.RETAIN, 'Domain')(stack) as sagemaker.CfnDomain;
  const profile = (id: string, role?: string) => new sagemaker.CfnUserProfile(stack, id, {
    domainId: d.attrDomainId, userProfileName: id.toLowerCase(), userSettings: role ? { executionRole: role } : undefined,
  });
  const alice = profile('Subject', aliceRole);
  profile('Bob', bobRole);
  return alice;
};

const s3Endpoint = (policyDocument?: unknown): Build => (stack) => new ec2.CfnVPCEndpoint(stack, 'Subject', {
  vpcId: 'vpc-1', serviceName: 'com.amazonaws.us-east-1.s3', routeTableIds: ['rtb-1'], policyDocument,
});

/** Per control: a compliant and a non-compliant sample, and extra samples (with the verdict they must get). */
const SAMPLES: Record<string, { compliant: Build; nonCompliant: Build; more?: Array<[string, Build, boolean]> }> = {
  S3BucketKeyEnabled: {
    compliant: bucket({ bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY }, bucketKeyEnabled: true }] } }),
    nonCompliant: bucket({ bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] } }),
  },
  S3BucketRetained: { compliant: bucket({}, RemovalPolicy.RETAIN), nonCompliant: bucket({}, RemovalPolicy.DESTROY) },
  KMSKeyRetained: {
    compliant: retained((stack) => new kms.CfnKey(stack, 'Subject', {}), RemovalPolicy.RETAIN),
    nonCompliant: retained((stack) => new kms.CfnKey(stack, 'Subject', {})),
  },
  LogGroupRetained: {
    compliant: retained((stack) => new logs.CfnLogGroup(stack, 'Subject', {}), RemovalPolicy.RETAIN),
    nonCompliant: retained((stack) => new logs.CfnLogGroup(stack, 'Subject', {}), RemovalPolicy.SNAPSHOT),
  },
  VPCNoInternetPath: {
    compliant: (stack) => new ec2.CfnNatGateway(stack, 'Subject', { subnetId: 'subnet-1', connectivityType: 'private' }),
    nonCompliant: (stack) => new ec2.CfnInternetGateway(stack, 'Subject'),
    more: [
      ['a route to a private NAT gateway of the stack', (stack) => {
        const nat = new ec2.CfnNatGateway(stack, 'Nat', { subnetId: 'subnet-1', connectivityType: 'private' });
        return new ec2.CfnRoute(stack, 'Subject', { routeTableId: 'rtb-1', destinationCidrBlock: '10.9.0.0/16', natGatewayId: nat.ref });
      }, true],
      ['a route to an internet gateway of the stack', (stack) => {
        const igw = new ec2.CfnInternetGateway(stack, 'Igw');
        return new ec2.CfnRoute(stack, 'Subject', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.ref });
      }, false],
    ],
  },
  VPCS3GatewayEndpointPolicy: {
    compliant: s3Endpoint({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-bucket/*' }] }),
    nonCompliant: s3Endpoint(),
  },
  VPCInterfaceEndpointPolicy: {
    compliant: (stack) => new ec2.CfnVPCEndpoint(stack, 'Subject', {
      vpcId: 'vpc-1',
      serviceName: 'com.amazonaws.us-east-1.sts',
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
      policyDocument: { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333' } } }] },
    }),
    nonCompliant: (stack) => new ec2.CfnVPCEndpoint(stack, 'Subject', { vpcId: 'vpc-1', serviceName: 'com.amazonaws.us-east-1.sts', vpcEndpointType: 'Interface', privateDnsEnabled: true }),
  },
  VPCInterfaceEndpointPrivateDNS: {
    compliant: (stack) => new ec2.CfnVPCEndpoint(stack, 'Subject', { vpcId: 'vpc-1', serviceName: 'com.amazonaws.us-east-1.sts', vpcEndpointType: 'Interface', privateDnsEnabled: true }),
    nonCompliant: (stack) => new ec2.CfnVPCEndpoint(stack, 'Subject', { vpcId: 'vpc-1', serviceName: 'com.amazonaws.us-east-1.sts', vpcEndpointType: 'Interface' }),
  },
  NotebookRootAccessDisabled: { compliant: notebook(), nonCompliant: notebook({ rootAccess: 'Enabled' }) },
  NotebookIMDSv2: { compliant: notebook(), nonCompliant: notebook({ instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '1' } }) },
  NotebookCurrentPlatform: {
    compliant: notebook(),
    nonCompliant: notebook({ platformIdentifier: 'notebook-al2-v3' }),
    more: [['no platform', notebook({ platformIdentifier: undefined }), false], ['notebook-al2-v1', notebook({ platformIdentifier: 'notebook-al2-v1' }), false]],
  },
  NotebookLifecycleConfigAttached: { compliant: notebook(), nonCompliant: notebook({ lifecycleConfigName: undefined }) },
  NotebookNitroInstanceType: { compliant: notebook(), nonCompliant: notebook({ instanceType: 'ml.t2.medium' }) },
  ModelNetworkIsolation: { compliant: model(), nonCompliant: model({ enableNetworkIsolation: false }) },
  ModelInVPC: { compliant: model(), nonCompliant: model({ vpcConfig: undefined }) },
  EndpointConfigKMSKey: {
    compliant: endpointConfig(),
    nonCompliant: endpointConfig({ kmsKeyId: undefined }),
    more: [['no key on a local NVMe instance type', endpointConfig({ kmsKeyId: undefined }, { instanceType: 'ml.g5.xlarge' }), true]],
  },
  EndpointConfigNoKMSKeyOnNVMe: { compliant: endpointConfig(), nonCompliant: endpointConfig({}, { instanceType: 'ml.g5.xlarge' }) },
  EndpointConfigDataCaptureEncrypted: {
    compliant: endpointConfig(),
    nonCompliant: endpointConfig({ dataCaptureConfig: { initialSamplingPercentage: 100, destinationS3Uri: 's3://b/capture', captureOptions: [{ captureMode: 'Input' }] } }),
  },
  EndpointConfigMultiInstance: { compliant: endpointConfig(), nonCompliant: endpointConfig({}, { initialInstanceCount: 1 }) },
  JobDefinitionVpc: { compliant: trainingStateMachine(), nonCompliant: trainingStateMachine({ VpcConfig: undefined }) },
  JobDefinitionNetworkIsolation: { compliant: trainingStateMachine(), nonCompliant: trainingStateMachine({ EnableNetworkIsolation: false }) },
  JobDefinitionInterContainerEncryption: {
    compliant: trainingStateMachine(),
    nonCompliant: trainingStateMachine({ EnableInterContainerTrafficEncryption: undefined }),
  },
  JobDefinitionKmsKeys: {
    compliant: trainingStateMachine(),
    nonCompliant: trainingStateMachine({ OutputDataConfig: { S3OutputPath: 's3://artifacts/models' } }),
    more: [
      ['a definition that cannot be read', (stack) => new sfn.CfnStateMachine(stack, 'Subject', {
        roleArn: ROLE,
        definitionS3Location: { bucket: 'b', key: 'definition.json' },
      }), false],
      ['a pipeline training step without a volume key', (stack) => {
        const step = { Name: 'Train', Type: 'Training', Arguments: training({ ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } }) };
        return new sagemaker.CfnPipeline(stack, 'Subject', {
          pipelineName: 'p',
          roleArn: ROLE,
          pipelineDefinition: { PipelineDefinitionBody: JSON.stringify({ Version: '2020-12-01', Steps: [step] }) },
        });
      }, false],
    ],
  },
  JobDefinitionMaxRuntime: { compliant: trainingStateMachine(), nonCompliant: trainingStateMachine({ StoppingCondition: {} }) },
  DomainVpcOnly: { compliant: domain(), nonCompliant: domain({ appNetworkAccessType: 'PublicInternetOnly' }) },
  DomainKMSKey: { compliant: domain(), nonCompliant: domain({ kmsKeyId: undefined }) },
  DomainSecurityGroups: { compliant: domain(), nonCompliant: domain({ defaultUserSettings: { executionRole: ROLE } }) },
  DomainHomeEfsRetained: { compliant: domain(), nonCompliant: domain({}, RemovalPolicy.DESTROY) },
  DomainIdleShutdown: { compliant: domain(), nonCompliant: domain({ defaultUserSettings: { executionRole: ROLE, securityGroups: ['sg-1'] } }) },
  DomainDockerAccessDisabled: { compliant: domain(), nonCompliant: domain({ domainSettings: { executionRoleIdentityConfig: 'USER_PROFILE_NAME', dockerSettings: { enableDockerAccess: 'ENABLED' } } }) },
  DomainSourceIdentity: { compliant: domain(), nonCompliant: domain({ domainSettings: { executionRoleIdentityConfig: 'DISABLED' } }) },
  UserProfileOwnRole: {
    compliant: profiles('arn:aws:iam::111122223333:role/alice', 'arn:aws:iam::111122223333:role/bob'),
    nonCompliant: profiles('arn:aws:iam::111122223333:role/shared', 'arn:aws:iam::111122223333:role/shared'),
    more: [['no role of its own', profiles(undefined, 'arn:aws:iam::111122223333:role/bob'), false]],
  },
  // The rules added for the public checklists: their samples are the checklist fixtures.
  ...constructSamples([
    'MonitoringJobVpc', 'MonitoringJobNetworkIsolation', 'MonitoringJobInterContainerEncryption', 'MonitoringJobKmsKeys', 'MonitoringJobMaxRuntime',
    'EndpointConfigAsyncOutputKMSKey', 'EndpointConfigNoServerlessVariant', 'NotebookLifecycleConfigNoSecrets', 'NotebookRoleTrustScoped',
    'FeatureGroupKMSKeys', 'FeatureGroupDescription', 'ModelPackageGroupNoPublicAccess', 'InferenceExperimentKMSKeys', 'SageMakerResourceTagged',
    'ECRRepositoryScanOnPush', 'ECRRepositoryTagImmutable', 'ECRRepositoryKMSKey', 'ECRRepositoryLifecyclePolicy',
  ]),
};

/** The verdicts of one rule on one sample: the pack on the tree, the pack on the written template, the report. */
interface Verdicts {
  readonly tree: boolean;
  readonly synthesized: boolean;
  readonly report: boolean;
  /** Statuses of the report rows that state the rule's verdict on the sample. */
  readonly rows: string[];
}

function verdictsOf(ruleId: string, build: Build): Verdicts {
  const app = new App();
  const stack = new Stack(app, 'Sample');
  const node = build(stack);
  const logicalId = stack.resolve(node.logicalId);
  const flags = (violations: Array<{ ruleName: string; violatingResources: Array<{ constructPath?: string }> }>) =>
    violations.some((v) => v.ruleName === ruleId && v.violatingResources.some((r) => r.constructPath === node.node.path));

  const tree = new SageMakerSecurityChecks().validateScope(stack).violations;
  const assembly = app.synth();
  const templatePath = path.join(assembly.directory, stack.templateFile);
  const synthesized = new SageMakerSecurityChecks().validate({
    templatePaths: [templatePath],
    stackTemplates: [{ stackConstructPath: stack.node.path, templatePath, accountId: undefined, region: undefined }],
    appConstruct: app,
  }).violations;
  const report: SecurityReportData = buildReport(assembly.directory);
  const verdict = report.rules.find((v) => v.logicalId === logicalId && v.ruleId === ruleId);
  const rows = report.resources
    .filter((r) => r.logicalId === logicalId || (ruleId.endsWith('UserProfileOwnRole') && r.type === 'AWS::SageMaker::Domain'))
    .flatMap((r) => r.controls.filter((c) => c.rules?.includes(ruleId)).map((c) => c.status));
  return { tree: !flags(tree), synthesized: !flags(synthesized), report: verdict?.compliant ?? true, rows };
}

describe('the rule pack and the report agree on every control', () => {
  test('every control of the catalogue has samples here', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(CONTROLS.map((c) => c.id).sort());
  });

  const cases = CONTROLS.flatMap((control) => {
    const samples = SAMPLES[control.id];
    return [
      [control.id, 'a compliant sample', samples.compliant, true] as const,
      [control.id, 'a non-compliant sample', samples.nonCompliant, false] as const,
      ...(samples.more ?? []).map(([name, build, ok]) => [control.id, name, build, ok] as const),
    ];
  });

  test.each(cases)('%s: %s gets the same verdict from the rule and from the report', (id, _name, build, compliant) => {
    const control = CONTROLS.find((c) => c.id === id)!;
    const v = verdictsOf(`SageMakerSecurity-${id}`, build);
    expect({ tree: v.tree, synthesized: v.synthesized, report: v.report }).toEqual({ tree: compliant, synthesized: compliant, report: compliant });
    if (control.report) {
      // The rows that name the rule show its verdict: all PASS when compliant, at least one FAIL when not.
      expect(v.rows.length).toBeGreaterThan(0);
      expect(v.rows.every((s) => s === 'PASS')).toBe(compliant);
    } else {
      expect(v.rows).toEqual([]);
    }
  });
});

describe('the report agrees with the rules where it used to differ', () => {
  function reportOf(build: (stack: Stack) => void): SecurityReportData {
    const app = new App();
    build(new Stack(app, 'Sample'));
    return buildReport(app.synth().directory);
  }
  const row = (report: SecurityReportData, control: string) => report.resources.flatMap((r) => r.controls).find((c) => c.control === control)!;

  test('an Amazon Linux 2 platform fails the Platform row, as it fails NotebookCurrentPlatform', () => {
    const report = reportOf((stack) => notebook({ platformIdentifier: 'notebook-al2-v3' })(stack));
    expect(row(report, 'Platform')).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/notebook-al2-v3: not the current platform, notebook-al2023-v1/) });
    expect(report.rules.find((v) => v.ruleId === 'SageMakerSecurity-NotebookCurrentPlatform')?.compliant).toBe(false);
  });

  test('AuthMode SSO passes the Auth mode row: no Domain rule rejects IAM Identity Center', () => {
    const report = reportOf((stack) => domain({ authMode: 'SSO' })(stack));
    expect(row(report, 'Auth mode')).toMatchObject({ status: 'PASS', detail: expect.stringMatching(/^AuthMode SSO/) });
    expect(report.rules.filter((v) => v.type === 'AWS::SageMaker::Domain' && !v.compliant)).toEqual([]);
    expect(row(reportOf((stack) => domain({ authMode: 'IAM' })(stack)), 'Auth mode').status).toBe('PASS');
  });

  test('two user profiles sharing a role fail the domain row, as both fail UserProfileOwnRole', () => {
    const report = reportOf((stack) => profiles('arn:aws:iam::111122223333:role/shared', 'arn:aws:iam::111122223333:role/shared')(stack));
    expect(row(report, 'User profiles with own role')).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/^2 of 2 user profile\(s\)/) });
    expect(report.rules.filter((v) => v.ruleId === 'SageMakerSecurity-UserProfileOwnRole').map((v) => [v.logicalId, v.compliant])).toEqual([['Subject', false], ['Bob', false]]);
  });
});

describe('where the rules read the template from', () => {
  test('at synth, the pack reads the written template; without one, it renders the construct tree', () => {
    const app = new App();
    const stack = new Stack(app, 'Sample');
    const node = notebook({ rootAccess: 'Enabled' })(stack);
    const assembly = app.synth();
    const templatePath = path.join(assembly.directory, stack.templateFile);
    // The file is what the rules read when CDK passes it: make it say something else.
    const template = JSON.parse(fs.readFileSync(templatePath, 'utf-8'));
    template.Resources[stack.resolve(node.logicalId)].Properties.RootAccess = 'Disabled';
    fs.writeFileSync(templatePath, JSON.stringify(template));
    const ids = (r: { violations: Array<{ ruleName: string }> }) => r.violations.map((v) => v.ruleName);
    const context = { templatePaths: [templatePath], stackTemplates: [{ stackConstructPath: 'Sample', templatePath, accountId: undefined, region: undefined }], appConstruct: app };
    expect(ids(new SageMakerSecurityChecks().validate(context))).not.toContain('SageMakerSecurity-NotebookRootAccessDisabled');
    expect(ids(new SageMakerSecurityChecks().validateScope(stack))).toContain('SageMakerSecurity-NotebookRootAccessDisabled');
  });

  test('CDK names each written template by the construct path of its stack, stages included', () => {
    const seen: Array<[string, string]> = [];
    class Spy extends SageMakerSecurityChecks {
      public validate(context: IPolicyValidationContext) {
        seen.push(...context.stackTemplates.map((s): [string, string] => [s.stackConstructPath, s.templatePath]));
        return super.validate(context);
      }
    }
    const app = new App();
    const top = new Stack(app, 'Top');
    const nested = new Stack(new Stage(app, 'Stage'), 'Inner');
    for (const stack of [top, nested]) new s3.CfnBucket(stack, 'B', { bucketName: 'b' }).applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(app).addPlugins(new Spy());
    expect(() => app.synth()).toThrow(/SageMakerSecurity-S3BucketKeyEnabled/);
    expect(seen.map(([stack]) => stack).sort()).toEqual(['Stage/Inner', 'Top']);
    for (const [stack, file] of seen) {
      const owner = stack === 'Top' ? top : nested;
      expect(path.resolve(file)).toBe(path.resolve(Stage.of(owner)!.outdir, owner.templateFile));
    }
  });

  test('a second pass sees a change made after the first (no state kept between passes)', () => {
    const stack = new Stack(new App(), 'Sample');
    profiles('arn:aws:iam::111122223333:role/alice', 'arn:aws:iam::111122223333:role/bob')(stack);
    const pack = new SageMakerSecurityChecks();
    const shared = () => pack.validateScope(stack).violations.filter((v) => v.ruleName === 'SageMakerSecurity-UserProfileOwnRole');
    expect(shared()).toEqual([]);
    // Same number of constructs as before: a cache keyed on the construct count would not notice.
    (stack.node.findChild('Bob') as sagemaker.CfnUserProfile).addPropertyOverride('UserSettings.ExecutionRole', 'arn:aws:iam::111122223333:role/alice');
    expect(shared().flatMap((v) => v.violatingResources.map((r) => r.constructPath))).toEqual(['Sample/Subject', 'Sample/Bob']);
  });
});
