import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SecureMlPlatformStack } from '../../examples/secure-ml-platform';
import { SageMakerEndpointService, SageMakerGuardrails } from '../../lib';
import { newTestApp } from '../helpers/compliance';
import { asDeployed, DEPLOYED_ACCOUNT, DEPLOYED_REGION } from '../helpers/deployed';
import { denyingStatements, evaluate, PolicyJson, RequestContext } from '../helpers/iam-eval';

// The guardrails must not deny what the library itself does. The main example carries them on
// every role; here each SageMaker request the example's resources, its training state machine
// and the SDK defaults it installs in notebooks and Studio would make is rebuilt from the
// synthesized template — with the condition keys set as the SageMaker API sets them — and
// evaluated against the deployed deny policies and the SCPs. A mutated copy of each request
// (the insecure variant) must be denied, so the check is not vacuous.

type Ctx = Record<string, string | string[]>;
interface LibraryRequest {
  readonly what: string;
  readonly request: RequestContext;
}

const app = newTestApp();
const stack = new SecureMlPlatformStack(app, 'SecureMlPlatform');
const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
const deployed = (value: unknown) => asDeployed(template, value);
const guardrails = stack.node.findAll().find((c): c is SageMakerGuardrails => c instanceof SageMakerGuardrails)!;

const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type)
  .map(([id, r]) => ({ id, props: deployed(r.Properties) }));

const ALLOW_ALL = { Effect: 'Allow' as const, Action: '*', Resource: '*' };
const managedPolicies: PolicyJson[] = resources('AWS::IAM::ManagedPolicy')
  .filter((p) => p.id.startsWith('GuardrailsDenyPolicy')).map((p) => p.props.PolicyDocument);
const scps: PolicyJson[] = guardrails.scpDocuments().map((doc) => JSON.parse(deployed(Stack.of(guardrails).resolve(doc))));
// Both are filters: a request passes when no deny applies (an SCP needs an Allow * beside it).
const DELIVERIES: Array<[string, PolicyJson[]]> = [
  ['deny policies', [{ Statement: [ALLOW_ALL] }, ...managedPolicies]],
  ['service control policies', [{ Statement: [ALLOW_ALL] }, ...scps]],
];

/** Sets `key` in the context when the value is present (absent fields send no key). */
function put(ctx: Ctx, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  ctx[key] = Array.isArray(value) ? value.map(String) : String(value);
}

function tagKeys(ctx: Ctx, tags: Array<{ Key: string; Value: string }> | undefined): void {
  for (const t of tags ?? []) put(ctx, `aws:RequestTag/${t.Key}`, t.Value);
}

/** CreateTrainingJob's condition keys from its request parameters (CloudFormation/Step Functions/SDK shape). */
function trainingJob(p: any): RequestContext {
  const ctx: Ctx = {};
  put(ctx, 'sagemaker:VolumeKmsKeyArn', p.ResourceConfig?.VolumeKmsKeyId);
  put(ctx, 'sagemaker:OutputKmsKeyArn', p.OutputDataConfig?.KmsKeyId);
  put(ctx, 'sagemaker:InstanceTypes', p.ResourceConfig?.InstanceType ? [p.ResourceConfig.InstanceType] : undefined);
  put(ctx, 'sagemaker:NetworkIsolation', p.EnableNetworkIsolation);
  put(ctx, 'sagemaker:InterContainerTrafficEncryption', p.EnableInterContainerTrafficEncryption);
  put(ctx, 'sagemaker:VpcSubnets', p.VpcConfig?.Subnets);
  put(ctx, 'sagemaker:VpcSecurityGroupIds', p.VpcConfig?.SecurityGroupIds);
  put(ctx, 'sagemaker:MaxRuntimeInSeconds', p.StoppingCondition?.MaxRuntimeInSeconds);
  tagKeys(ctx, p.Tags);
  return { action: 'sagemaker:CreateTrainingJob', context: ctx };
}

function processingJob(p: any): RequestContext {
  const ctx: Ctx = {};
  const cluster = p.ProcessingResources?.ClusterConfig;
  put(ctx, 'sagemaker:VolumeKmsKeyArn', cluster?.VolumeKmsKeyId);
  put(ctx, 'sagemaker:OutputKmsKeyArn', p.ProcessingOutputConfig?.KmsKeyId);
  put(ctx, 'sagemaker:InstanceTypes', cluster?.InstanceType ? [cluster.InstanceType] : undefined);
  put(ctx, 'sagemaker:NetworkIsolation', p.NetworkConfig?.EnableNetworkIsolation);
  put(ctx, 'sagemaker:InterContainerTrafficEncryption', p.NetworkConfig?.EnableInterContainerTrafficEncryption);
  put(ctx, 'sagemaker:VpcSubnets', p.NetworkConfig?.VpcConfig?.Subnets);
  put(ctx, 'sagemaker:VpcSecurityGroupIds', p.NetworkConfig?.VpcConfig?.SecurityGroupIds);
  put(ctx, 'sagemaker:MaxRuntimeInSeconds', p.StoppingCondition?.MaxRuntimeInSeconds);
  tagKeys(ctx, p.Tags);
  return { action: 'sagemaker:CreateProcessingJob', context: ctx };
}

function model(p: any): RequestContext {
  const ctx: Ctx = {};
  put(ctx, 'sagemaker:NetworkIsolation', p.EnableNetworkIsolation);
  put(ctx, 'sagemaker:VpcSubnets', p.VpcConfig?.Subnets);
  put(ctx, 'sagemaker:VpcSecurityGroupIds', p.VpcConfig?.SecurityGroupIds);
  tagKeys(ctx, p.Tags);
  return { action: 'sagemaker:CreateModel', context: ctx };
}

function endpointConfig(p: any): RequestContext {
  const ctx: Ctx = {};
  put(ctx, 'sagemaker:VolumeKmsKeyArn', p.KmsKeyId);
  put(ctx, 'sagemaker:InstanceTypes', (p.ProductionVariants ?? []).map((v: any) => v.InstanceType).filter(Boolean));
  tagKeys(ctx, p.Tags);
  return { action: 'sagemaker:CreateEndpointConfig', context: ctx };
}

/** Every `InstanceType` under an object (Studio app settings). */
function instanceTypesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(instanceTypesIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'InstanceType' && typeof v === 'string' ? [v] : instanceTypesIn(v)));
}

/** The SageMaker Python SDK configuration a lifecycle script installs (between the SDKCONFIG heredoc markers). */
function sdkConfigIn(lifecycleScript: string): any {
  const match = /<<'SDKCONFIG'\n([\s\S]*?)\nSDKCONFIG/.exec(lifecycleScript);
  if (!match) throw new Error('no SDK configuration in the lifecycle script');
  return JSON.parse(match[1]).SageMaker;
}

/** The jobs and models a user starts with the SDK defaults, adding only what the SDK asks of them. */
function sdkRequests(source: string, sdk: any): LibraryRequest[] {
  return [
    // The SDK's default max_run is one day.
    { what: `${source}: training job with the SDK defaults`, request: trainingJob({ ...sdk.TrainingJob, ResourceConfig: { ...sdk.TrainingJob.ResourceConfig, InstanceType: 'ml.m5.xlarge' }, StoppingCondition: { MaxRuntimeInSeconds: 86400 } }) },
    { what: `${source}: processing job with the SDK defaults`, request: processingJob({ ...sdk.ProcessingJob, ProcessingResources: { ClusterConfig: { ...sdk.ProcessingJob.ProcessingResources.ClusterConfig, InstanceType: 'ml.m5.xlarge' } } }) },
    { what: `${source}: model with the SDK defaults`, request: model(sdk.Model) },
    { what: `${source}: endpoint config with the SDK defaults`, request: endpointConfig({ ...sdk.EndpointConfig, ProductionVariants: [{ InstanceType: 'ml.m5.large' }] }) },
  ];
}

function libraryRequests(): LibraryRequest[] {
  const out: LibraryRequest[] = [];
  for (const nb of resources('AWS::SageMaker::NotebookInstance')) {
    const p = nb.props;
    const ctx: Ctx = {};
    put(ctx, 'sagemaker:VolumeKmsKeyArn', p.KmsKeyId);
    put(ctx, 'sagemaker:DirectInternetAccess', p.DirectInternetAccess);
    put(ctx, 'sagemaker:RootAccess', p.RootAccess);
    put(ctx, 'sagemaker:InstanceTypes', [p.InstanceType]);
    put(ctx, 'sagemaker:VpcSubnets', p.SubnetId ? [p.SubnetId] : undefined);
    put(ctx, 'sagemaker:VpcSecurityGroupIds', p.SecurityGroupIds);
    put(ctx, 'sagemaker:MinimumInstanceMetadataServiceVersion', p.InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion);
    // SageMaker sends the lifecycle configuration by ARN, named as its resource names it.
    const configId = template.Resources[nb.id].Properties.LifecycleConfigName?.['Fn::GetAtt']?.[0];
    if (configId) {
      const name = template.Resources[configId].Properties.NotebookInstanceLifecycleConfigName;
      put(ctx, 'sagemaker:NotebookInstanceLifecycleConfigArns', [`arn:aws:sagemaker:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:notebook-instance-lifecycle-config/${name}`]);
    }
    tagKeys(ctx, p.Tags);
    out.push({ what: `notebook instance ${p.NotebookInstanceName}`, request: { action: 'sagemaker:CreateNotebookInstance', context: ctx } });
  }
  for (const m of resources('AWS::SageMaker::Model')) {
    out.push({ what: `model ${m.id}`, request: model(m.props) });
  }
  for (const c of resources('AWS::SageMaker::EndpointConfig')) {
    out.push({ what: `endpoint config ${c.id}`, request: endpointConfig(c.props) });
  }
  for (const e of resources('AWS::SageMaker::Endpoint')) {
    const ctx: Ctx = {};
    tagKeys(ctx, e.props.Tags);
    out.push({ what: `endpoint ${e.props.EndpointName}`, request: { action: 'sagemaker:CreateEndpoint', context: ctx } });
  }
  for (const d of resources('AWS::SageMaker::Domain')) {
    const p = d.props;
    const ctx: Ctx = {};
    put(ctx, 'sagemaker:AppNetworkAccessType', p.AppNetworkAccessType);
    put(ctx, 'sagemaker:VolumeKmsKeyArn', p.KmsKeyId);
    put(ctx, 'sagemaker:VpcSubnets', p.SubnetIds);
    put(ctx, 'sagemaker:VpcSecurityGroupIds', [...(p.DefaultUserSettings?.SecurityGroups ?? []), ...(p.DomainSettings?.SecurityGroupIds ?? [])]);
    put(ctx, 'sagemaker:InstanceTypes', instanceTypesIn(p.DefaultUserSettings));
    const lifecycleConfigs = p.DefaultUserSettings?.JupyterLabAppSettings?.LifecycleConfigArns;
    put(ctx, 'sagemaker:StudioLifecycleConfigArns', lifecycleConfigs);
    tagKeys(ctx, p.Tags);
    out.push({ what: `Studio domain ${p.DomainName}`, request: { action: 'sagemaker:CreateDomain', context: ctx } });
    // The apps a user opens: the JupyterServer app (instance type `system`) and the default
    // JupyterLab space, which runs the domain's lifecycle configuration.
    for (const type of ['system', ...instanceTypesIn(p.DefaultUserSettings)]) {
      const appRequest: Ctx = { 'sagemaker:InstanceTypes': [type] };
      if (type !== 'system') put(appRequest, 'sagemaker:StudioLifecycleConfigArns', lifecycleConfigs);
      out.push({ what: `Studio app on ${type}`, request: { action: 'sagemaker:CreateApp', context: appRequest } });
    }
  }
  for (const u of resources('AWS::SageMaker::UserProfile')) {
    const p = u.props;
    const ctx: Ctx = {};
    const types = instanceTypesIn(p.UserSettings);
    if (types.length > 0) put(ctx, 'sagemaker:InstanceTypes', types);
    put(ctx, 'sagemaker:VpcSecurityGroupIds', p.UserSettings?.SecurityGroups);
    tagKeys(ctx, p.Tags);
    out.push({ what: `Studio user profile ${p.UserProfileName}`, request: { action: 'sagemaker:CreateUserProfile', context: ctx } });
  }
  for (const sm of resources('AWS::StepFunctions::StateMachine')) {
    const definition = JSON.parse(sm.props.DefinitionString);
    for (const [name, state] of Object.entries<any>(definition.States)) {
      if (String(state.Resource).includes(':sagemaker:createTrainingJob')) {
        out.push({ what: `state machine ${sm.id}, state ${name}`, request: trainingJob(state.Parameters) });
      }
    }
  }
  for (const lc of resources('AWS::SageMaker::NotebookInstanceLifecycleConfig')) {
    const script = Buffer.from(lc.props.OnStart[0].Content, 'base64').toString('utf8');
    out.push(...sdkRequests(`notebook lifecycle ${lc.props.NotebookInstanceLifecycleConfigName}`, sdkConfigIn(script)));
  }
  for (const lc of resources('AWS::SageMaker::StudioLifecycleConfig')) {
    out.push(...sdkRequests(`Studio lifecycle ${lc.id}`, sdkConfigIn(Buffer.from(lc.props.StudioLifecycleConfigContent, 'base64').toString('utf8'))));
  }
  // Presigned URLs through the VPC's SageMaker API endpoint, as the example's grants require.
  const apiEndpoint = deployed(stack.resolve(stack.platform.network.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!.vpcEndpointId));
  for (const action of ['sagemaker:CreatePresignedNotebookInstanceUrl', 'sagemaker:CreatePresignedDomainUrl']) {
    out.push({ what: `${action} through the SageMaker API endpoint`, request: { action, context: { 'aws:SourceVpce': apiEndpoint } } });
  }
  return out;
}

const REQUESTS = libraryRequests();

/** The insecure variant of a request: one field changed as a careless or malicious caller would. */
const MUTATIONS: Array<[string, string, string | string[] | undefined]> = [
  ['sagemaker:VolumeKmsKeyArn', 'removed', undefined],
  ['sagemaker:OutputKmsKeyArn', 'a foreign key', 'arn:aws:kms:us-east-1:444455556666:key/00000000-0000-0000-0000-000000000000'],
  ['sagemaker:DirectInternetAccess', 'Enabled', 'Enabled'],
  ['sagemaker:RootAccess', 'Enabled', 'Enabled'],
  ['sagemaker:MinimumInstanceMetadataServiceVersion', 'IMDSv1', '1'],
  ['sagemaker:NetworkIsolation', 'false', 'false'],
  ['sagemaker:InterContainerTrafficEncryption', 'false', 'false'],
  ['sagemaker:VpcSubnets', 'a foreign subnet', ['subnet-0fffffffffffffff9']],
  ['sagemaker:VpcSecurityGroupIds', 'a foreign security group', ['sg-0fffffffffffffff9']],
  ['sagemaker:InstanceTypes', 'a type outside the allowlist', ['ml.p3.16xlarge']],
  ['sagemaker:AppNetworkAccessType', 'PublicInternetOnly', 'PublicInternetOnly'],
  ['sagemaker:MaxRuntimeInSeconds', '30 days', String(30 * 24 * 3600)],
  ['aws:SourceVpce', 'another VPC endpoint', 'vpce-0fffffffffffffff9'],
];

function mutate(request: RequestContext, key: string, value: string | string[] | undefined): RequestContext {
  const context = { ...(request.context as Ctx) };
  if (value === undefined) delete context[key]; else context[key] = value;
  return { ...request, context };
}

describe('the library passes its own guardrails (main example)', () => {
  test('every role of the example carries every deny policy', () => {
    const roles = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => id).sort();
    expect(roles.length).toBeGreaterThanOrEqual(14);
    expect(managedPolicies.length).toBeGreaterThan(0);
    for (const policy of resources('AWS::IAM::ManagedPolicy').filter((p) => p.id.startsWith('GuardrailsDenyPolicy'))) {
      const attached = template.Resources[policy.id].Properties.Roles.map((r: { Ref: string }) => r.Ref).sort();
      expect(attached).toEqual(roles);
    }
  });

  test('the requests cover every kind of SageMaker resource the example creates, and the state machine and SDK defaults', () => {
    const actions = new Set(REQUESTS.map((r) => r.request.action));
    expect([...actions].sort()).toEqual([
      'sagemaker:CreateApp', 'sagemaker:CreateDomain', 'sagemaker:CreateEndpoint', 'sagemaker:CreateEndpointConfig',
      'sagemaker:CreateModel', 'sagemaker:CreateNotebookInstance', 'sagemaker:CreatePresignedDomainUrl',
      'sagemaker:CreatePresignedNotebookInstanceUrl', 'sagemaker:CreateProcessingJob', 'sagemaker:CreateTrainingJob',
      'sagemaker:CreateUserProfile',
    ]);
    expect(REQUESTS.filter((r) => r.what.startsWith('state machine'))).toHaveLength(1);
    expect(REQUESTS.filter((r) => r.what.includes('SDK defaults')).length).toBe(8);
  });

  describe.each(DELIVERIES)('%s', (_name, policies) => {
    test.each(REQUESTS.map((r) => [r.what, r.request] as const))('allow: %s', (_what, request) => {
      expect(denyingStatements(policies, request)).toEqual([]);
      expect(evaluate(policies, request)).toBe('Allow');
    });

    test('deny: the insecure variant of each request', () => {
      let checked = 0;
      for (const { what, request } of REQUESTS) {
        for (const [key, label, value] of MUTATIONS) {
          if (!(key in (request.context ?? {}))) continue;
          const insecure = mutate(request, key, value);
          const decision = evaluate(policies, insecure);
          if (decision !== 'ExplicitDeny') {
            throw new Error(`${what} with ${key} ${label} was not denied`);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(60);
    });

    test('deny: a presigned URL from the internet', () => {
      for (const action of ['sagemaker:CreatePresignedNotebookInstanceUrl', 'sagemaker:CreatePresignedDomainUrl']) {
        expect(evaluate(policies, { action, context: { 'aws:SourceIp': '203.0.113.7' } })).toBe('ExplicitDeny');
      }
    });
  });
});
