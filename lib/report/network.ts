import { AssemblyStack } from './assembly';
import { asList, friendly, referencedId, render } from './cfn';
import { serviceShortName } from './iam';
import { jobDefinitions, jobSettings, subjectOf, templateView } from '../nag/controls';

/**
 * A Mermaid `flowchart LR` of the network path: VPCs, subnets, workloads, interface endpoints,
 * S3 gateway. An internet node appears only for a real path: an IGW / NAT gateway, or a notebook or
 * Studio domain with SageMaker-managed internet access.
 */
export function networkDiagram(stacks: AssemblyStack[]): string {
  const lines = ['flowchart LR'];
  const node = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
  const label = (s: string) => s.replace(/"/g, "'");
  const internetFrom: string[] = [];
  for (const stack of stacks) {
    const res = stack.template.Resources ?? {};
    const n = (id: string) => node(`${stack.name}_${id}`);
    const subnetsOf = (v: unknown) => asList(v).map(referencedId).filter((x): x is string => !!x && res[x]?.Type === 'AWS::EC2::Subnet');
    const vpcs = Object.entries(res).filter(([, r]) => r.Type === 'AWS::EC2::VPC');
    for (const [vpcId, vpc] of vpcs) {
      lines.push(`  subgraph ${n(vpcId)}["VPC ${label(friendly(`<${vpcId}>`))} ${label(render(vpc.Properties?.CidrBlock))}"]`);
      for (const [sid, s] of Object.entries(res)) {
        if (s.Type === 'AWS::EC2::Subnet' && referencedId(s.Properties?.VpcId) === vpcId) {
          lines.push(`    ${n(sid)}["subnet ${label(friendly(`<${sid}>`))} ${label(render(s.Properties?.CidrBlock))}"]`);
        }
      }
      lines.push('  end');
    }
    for (const [id, r] of Object.entries(res)) {
      const p = r.Properties ?? {};
      let workload: string | undefined;
      let subnets: string[] = [];
      switch (r.Type) {
        case 'AWS::SageMaker::NotebookInstance':
          workload = `notebook ${render(p.NotebookInstanceName) || id}`; subnets = subnetsOf(p.SubnetId);
          if (p.DirectInternetAccess !== 'Disabled') internetFrom.push(n(id));
          break;
        case 'AWS::SageMaker::Domain':
          workload = `Studio domain ${render(p.DomainName) || id}`; subnets = subnetsOf(p.SubnetIds);
          if (p.AppNetworkAccessType !== 'VpcOnly') internetFrom.push(n(id));
          break;
        case 'AWS::SageMaker::Model':
          workload = `model ${render(p.ModelName) || friendly(`<${id}>`)}`; subnets = subnetsOf(p.VpcConfig?.Subnets);
          break;
        case 'AWS::SageMaker::Endpoint': {
          const config = referencedId(p.EndpointConfigName);
          lines.push(`  ${n(id)}(["endpoint ${label(render(p.EndpointName) || id)}"])`);
          const models = (asList(res[config ?? '']?.Properties?.ProductionVariants) as any[]).map(v => referencedId(v.ModelName)).filter(x => x);
          for (const m of models) lines.push(`  ${n(id)} --> ${n(m!)}`);
          break;
        }
        case 'AWS::StepFunctions::StateMachine':
        case 'AWS::SageMaker::Pipeline': {
          // The jobs as the JobDefinition* rules read them; their subnets are `{LogicalId}` placeholders.
          const found = jobDefinitions(subjectOf(id, r, templateView(stack.template)));
          const jobs = found && !found.unverifiable ? found.jobs : [];
          if (jobs.length === 0) break;
          workload = `${jobs.some(j => j.kind === 'training') ? 'training' : 'processing'} ${friendly(`<${id}>`)}`;
          subnets = jobs.flatMap(j => asList(j.request ? jobSettings({ ...j, request: j.request }).vpcConfig?.Subnets : undefined))
            .map(s => (typeof s === 'string' ? /^\{([A-Za-z0-9]+)\}$/.exec(s)?.[1] : referencedId(s)))
            .filter((x): x is string => !!x && res[x]?.Type === 'AWS::EC2::Subnet');
          break;
        }
        case 'AWS::EC2::VPCEndpoint': {
          const svc = serviceShortName(render(p.ServiceName));
          if (p.VpcEndpointType === 'Interface') {
            lines.push(`  ${n(id)}{{"interface endpoint ${label(svc)}"}}`);
            for (const s of subnetsOf(p.SubnetIds)) lines.push(`  ${n(s)} -.- ${n(id)}`);
          } else {
            lines.push(`  ${n(id)}[("${label(svc)} gateway endpoint")]`);
            const vpc = referencedId(p.VpcId);
            if (vpc) lines.push(`  ${n(vpc)} --- ${n(id)}`);
          }
          break;
        }
        case 'AWS::EC2::InternetGateway':
        case 'AWS::EC2::NatGateway':
          lines.push(`  ${n(id)}["${r.Type === 'AWS::EC2::NatGateway' ? 'NAT gateway' : 'internet gateway'} ${label(friendly(`<${id}>`))}"]`);
          internetFrom.push(n(id));
          break;
        default:
          break;
      }
      if (workload) {
        lines.push(`  ${n(id)}["${label(workload)}"]`);
        for (const s of [...new Set(subnets)]) lines.push(`  ${n(id)} --> ${n(s)}`);
      }
    }
  }
  if (internetFrom.length > 0) {
    lines.push('  internet(((internet)))');
    for (const from of internetFrom) lines.push(`  ${from} --> internet`);
  }
  return lines.join('\n');
}
