import { AssemblyStack, TemplateResource } from './assembly';
import { asList, friendly, isTrue, referencedId, render } from './cfn';
import { ControlRow, ResourceReport } from './model';
import { hasLocalNvmeStorage } from '../private/instance-types';

const pass = (control: string, detail: string): ControlRow => ({ control, status: 'PASS', detail });
const fail = (control: string, detail: string): ControlRow => ({ control, status: 'FAIL', detail });
const check = (control: string, ok: boolean, okDetail: string, failDetail: string): ControlRow =>
  ok ? pass(control, okDetail) : fail(control, failDetail);

/** The controls of every SageMaker resource and training state machine of a stack. */
export function resourceControls(stack: AssemblyStack): ResourceReport[] {
  const resources = stack.template.Resources ?? {};
  const out: ResourceReport[] = [];
  const add = (logicalId: string, r: TemplateResource, name: string, controls: ControlRow[]) =>
    out.push({ stack: stack.name, logicalId, type: r.Type, name, controls });

  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::SageMaker::NotebookInstance':
        add(id, r, `Notebook instance ${render(p.NotebookInstanceName) || id}`, notebookControls(p));
        break;
      case 'AWS::SageMaker::Domain': {
        const profiles = Object.entries(resources).filter(([, u]) => u.Type === 'AWS::SageMaker::UserProfile'
          && referencedId(u.Properties?.DomainId) === id);
        add(id, r, `Studio domain ${render(p.DomainName) || id}`, domainControls(p, profiles.map(([, u]) => u)));
        break;
      }
      case 'AWS::SageMaker::EndpointConfig':
        add(id, r, `Endpoint config ${render(p.EndpointConfigName) || id}`, endpointConfigControls(p));
        break;
      case 'AWS::SageMaker::Model':
        add(id, r, `Model ${render(p.ModelName) || id}`, modelControls(p));
        break;
      case 'AWS::SageMaker::Endpoint': {
        const configId = referencedId(p.EndpointConfigName);
        const configInTemplate = configId !== undefined && resources[configId]?.Type === 'AWS::SageMaker::EndpointConfig';
        add(id, r, `Endpoint ${render(p.EndpointName) || id}`, [
          check('Endpoint config', configInTemplate, `${configId} (controls in its own section)`,
            `endpoint config ${friendly(render(p.EndpointConfigName))} is not in this template: its key, capture and instance count cannot be reviewed here`),
        ]);
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        for (const job of trainingTasks(p)) {
          add(id, r, `Training (state machine ${id}, state ${job.state})`, trainingControls(job.parameters));
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function notebookControls(p: Record<string, any>): ControlRow[] {
  const imds = p.InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion;
  const platform = render(p.PlatformIdentifier);
  return [
    check('KMS key (storage volume)', !!p.KmsKeyId, `KmsKeyId ${friendly(render(p.KmsKeyId))}`, 'no KmsKeyId: the ML storage volume uses an AWS owned key'),
    check('Network: VPC subnet', !!p.SubnetId, `subnet ${friendly(render(p.SubnetId))}, security groups ${friendly(render(p.SecurityGroupIds)) || 'none'}`,
      'no SubnetId: the notebook runs outside your VPC'),
    check('Network: direct internet access', p.DirectInternetAccess === 'Disabled', 'DirectInternetAccess Disabled: AWS APIs only through VPC endpoints',
      `DirectInternetAccess ${p.DirectInternetAccess ? render(p.DirectInternetAccess) : 'not set (defaults to Enabled)'}: the notebook has a SageMaker-managed internet path`),
    check('Root access', p.RootAccess === 'Disabled', 'RootAccess Disabled',
      `RootAccess ${p.RootAccess ? render(p.RootAccess) : 'not set (defaults to Enabled)'}: users can become root`),
    check('IMDS', render(imds) === '2', 'IMDSv2 only', `MinimumInstanceMetadataServiceVersion ${imds ? render(imds) : 'not set (defaults to 1)'}: IMDSv1 allowed`),
    check('Platform', /^notebook-al2(023)?-v\d+$/.test(platform) && platform !== 'notebook-al1-v1', `PlatformIdentifier ${platform}`,
      platform ? `PlatformIdentifier ${platform}: not a supported Amazon Linux 2/2023 platform` : 'no PlatformIdentifier: the default platform is not pinned'),
    check('Lifecycle configuration', !!p.LifecycleConfigName, `LifecycleConfigName ${friendly(render(p.LifecycleConfigName))}`,
      'no lifecycle configuration: no idle stop and no SDK defaults'),
  ];
}

function domainControls(p: Record<string, any>, profiles: TemplateResource[]): ControlRow[] {
  const ownRole = profiles.filter(u => !!u.Properties?.UserSettings?.ExecutionRole);
  const docker = p.DomainSettings?.DockerSettings?.EnableDockerAccess;
  const sharing = p.DefaultUserSettings?.SharingSettings?.NotebookOutputOption;
  return [
    check('KMS key (EFS)', !!p.KmsKeyId, `KmsKeyId ${friendly(render(p.KmsKeyId))}`, 'no KmsKeyId: the home EFS uses an AWS managed key'),
    check('Network: VPC only', p.AppNetworkAccessType === 'VpcOnly', 'AppNetworkAccessType VpcOnly',
      `AppNetworkAccessType ${p.AppNetworkAccessType ? render(p.AppNetworkAccessType) : 'not set (defaults to PublicInternetOnly)'}: apps have a SageMaker-managed internet path`),
    check('Network: subnets', asList(p.SubnetIds).length > 0, `VPC ${friendly(render(p.VpcId))}, subnets ${friendly(render(p.SubnetIds))}`, 'no SubnetIds'),
    check('Auth mode', p.AuthMode === 'IAM', 'AuthMode IAM (presigned URLs governed by IAM)', `AuthMode ${render(p.AuthMode) || 'not set'}`),
    check('Root (Docker access)', docker === 'DISABLED' || docker === undefined, `EnableDockerAccess ${docker ?? 'not set (DISABLED)'}`,
      `EnableDockerAccess ${render(docker)}: apps can run containers with root on the host`),
    check('Notebook output sharing', sharing === 'Disabled', 'NotebookOutputOption Disabled',
      `NotebookOutputOption ${sharing ? render(sharing) : 'not set (defaults to Allowed)'}: users can share notebook output`),
    check('User profiles with own role', ownRole.length === profiles.length,
      `${profiles.length} user profile(s), each with its own execution role`,
      `${profiles.length - ownRole.length} of ${profiles.length} user profile(s) fall back to the domain's default execution role`),
  ];
}

function endpointConfigControls(p: Record<string, any>): ControlRow[] {
  const variants = asList(p.ProductionVariants) as Record<string, any>[];
  const types = variants.map(v => render(v.InstanceType)).filter(t => t);
  const allNvme = types.length > 0 && types.every(hasLocalNvmeStorage);
  const capture = p.DataCaptureConfig;
  const rows: ControlRow[] = [
    p.KmsKeyId ? pass('KMS key (storage volume)', `KmsKeyId ${friendly(render(p.KmsKeyId))}`)
      : allNvme ? pass('KMS key (storage volume)', `no KmsKeyId: ${types.join(', ')} use local NVMe storage, hardware-encrypted`)
        : fail('KMS key (storage volume)', 'no KmsKeyId: the ML storage volume uses an AWS managed key'),
    check('Data capture', !!capture && isTrue(capture.EnableCapture), `to ${friendly(render(capture?.DestinationS3Uri))}, ${render(capture?.InitialSamplingPercentage)}% sampled`,
      'no data capture: requests and responses are not recorded for audit'),
    check('Data capture KMS key', !!capture?.KmsKeyId, `KmsKeyId ${friendly(render(capture?.KmsKeyId))}`, 'captured data is not encrypted with a customer key'),
  ];
  if (variants.length === 0) rows.push(fail('Instance count', 'no production variants'));
  for (const v of variants) {
    const name = render(v.VariantName) || 'variant';
    if (v.ServerlessConfig) {
      rows.push(pass(`Instance count (${name})`, 'serverless variant: capacity is managed by SageMaker'));
    } else {
      const n = Number(v.InitialInstanceCount);
      rows.push(check(`Instance count (${name})`, n >= 2, `${n} x ${render(v.InstanceType)} across AZs`,
        `${v.InitialInstanceCount === undefined ? 'no InitialInstanceCount' : `${render(v.InitialInstanceCount)} instance`}: no availability across AZs`));
    }
  }
  return rows;
}

function modelControls(p: Record<string, any>): ControlRow[] {
  const subnets = asList(p.VpcConfig?.Subnets);
  return [
    check('Network: VPC subnets', subnets.length > 0, `subnets ${friendly(render(subnets))}, security groups ${friendly(render(p.VpcConfig?.SecurityGroupIds))}`,
      'no VpcConfig: the model containers run outside your VPC'),
    check('Network isolation', isTrue(p.EnableNetworkIsolation), 'EnableNetworkIsolation true: containers make no outbound calls',
      'EnableNetworkIsolation not true: containers can make outbound network calls'),
  ];
}

/** A training task found in a state machine definition. */
interface TrainingTask {
  readonly state: string;
  readonly parameters: Record<string, any> | undefined;
}

/** Task states calling sagemaker:createTrainingJob, from the definition (tokens become placeholders). */
function trainingTasks(p: Record<string, any>): TrainingTask[] {
  const raw = p.DefinitionString !== undefined ? render(p.DefinitionString)
    : p.Definition !== undefined ? JSON.stringify(p.Definition) : '';
  if (!/createTrainingJob/.test(raw)) return [];
  let definition: any;
  try {
    definition = JSON.parse(raw);
  } catch {
    return [{ state: '(definition not parseable)', parameters: undefined }];
  }
  const tasks: TrainingTask[] = [];
  const walk = (states: Record<string, any> | undefined) => {
    for (const [name, s] of Object.entries(states ?? {})) {
      if (typeof s?.Resource === 'string' && /sagemaker:createTrainingJob/.test(s.Resource)) {
        tasks.push({ state: name, parameters: s.Parameters ?? s.Arguments });
      }
      for (const branch of s?.Branches ?? []) walk(branch.States);
      walk(s?.Iterator?.States ?? s?.ItemProcessor?.States);
    }
  };
  walk(definition.States);
  return tasks;
}

function trainingControls(p: Record<string, any> | undefined): ControlRow[] {
  if (!p) return [fail('Training parameters', 'the state machine definition could not be parsed: no control can be confirmed')];
  const rc = p.ResourceConfig ?? {};
  const type = String(rc.InstanceType ?? '');
  const subnets = asList(p.VpcConfig?.Subnets);
  const maxRuntime = Number(p.StoppingCondition?.MaxRuntimeInSeconds);
  return [
    rc.VolumeKmsKeyId ? pass('KMS key (training volume)', `VolumeKmsKeyId ${friendly(rc.VolumeKmsKeyId)}`)
      : type && hasLocalNvmeStorage(type) ? pass('KMS key (training volume)', `no VolumeKmsKeyId: ${type} uses local NVMe storage, hardware-encrypted`)
        : fail('KMS key (training volume)', 'no VolumeKmsKeyId: the training volume uses an AWS managed key'),
    check('KMS key (output)', !!p.OutputDataConfig?.KmsKeyId, `OutputDataConfig.KmsKeyId ${friendly(String(p.OutputDataConfig?.KmsKeyId))}`,
      'no OutputDataConfig.KmsKeyId: model artifacts use the bucket default'),
    check('Network: VPC subnets', subnets.length > 0, `subnets ${friendly(subnets.join(', '))}`, 'no VpcConfig: the job runs outside your VPC'),
    check('Network isolation', isTrue(p.EnableNetworkIsolation), 'EnableNetworkIsolation true', 'EnableNetworkIsolation not set: the container can make outbound calls'),
    check('Inter-container encryption', isTrue(p.EnableInterContainerTrafficEncryption), 'EnableInterContainerTrafficEncryption true',
      'EnableInterContainerTrafficEncryption not set: traffic between instances is not encrypted'),
    check('Max runtime', maxRuntime > 0, `${maxRuntime} s (${+(maxRuntime / 3600).toFixed(2)} h)`, 'no StoppingCondition.MaxRuntimeInSeconds (SageMaker default 1 day)'),
  ];
}
