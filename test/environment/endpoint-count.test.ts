import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { SecureMlPlatformStack } from '../../examples/secure-ml-platform';
import {
  EndpointImage,
  ModelData,
  SageMakerEndpointService,
  SageMakerEnvironment,
  SageMakerNetwork,
  SecureEndpoint,
  SecureNotebook,
  SecureStudioDomain,
  SecureTrainingJob,
  TrainingImage,
} from '../../lib';
import { formatFindings, newTestApp, newTestStack, unacknowledgedFindings } from '../helpers/compliance';
import { render } from '../helpers/template';

// Interface endpoints are paid per AZ-hour and created once per environment, when the first
// workload asks for them. These tests prove that a second workload of a kind adds none, and that
// the first one does add what it needs (so "adds none" is not true merely because nothing ever does).

const DLC_TRAINING = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311';
const DLC_INFERENCE = '763104351884.dkr.ecr.eu-west-1.amazonaws.com/sklearn-inference:1.2-1-cpu-py3';

/** `com.amazonaws.<region>.<name>`, as rendered from the template. */
const aws = (name: string) => `com.amazonaws.<AWS::Region>.${name}`;
/** `aws.sagemaker.<region>.<name>`, as rendered from the template. */
const sagemaker = (name: string) => `aws.sagemaker.<AWS::Region>.${name}`;

interface EndpointSummary {
  /** Every AWS::EC2::VPCEndpoint, interface and gateway. */
  readonly count: number;
  /** Their rendered ServiceNames, sorted. */
  readonly serviceNames: string[];
  /** The rendered ServiceNames of the interface endpoints only, sorted. */
  readonly interfaceServiceNames: string[];
}

function endpointsOf(template: any): EndpointSummary {
  const endpoints = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint');
  return {
    count: endpoints.length,
    serviceNames: endpoints.map((r) => render(r.Properties.ServiceName)).sort(),
    interfaceServiceNames: endpoints
      .filter((r) => r.Properties.VpcEndpointType === 'Interface')
      .map((r) => render(r.Properties.ServiceName))
      .sort(),
  };
}

function countOf(template: any, type: string): number {
  return Object.values<any>(template.Resources).filter((r) => r.Type === type).length;
}

/** Whether the endpoints' security group admits HTTPS from `sg` (the mark of `requireEndpoints`). */
function endpointsAdmit(stack: Stack, template: any, endpointGroup: ec2.SecurityGroup, sg: ec2.SecurityGroup): boolean {
  const groupId = (g: ec2.SecurityGroup) => ({ 'Fn::GetAtt': [stack.getLogicalId(g.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] });
  return Object.values<any>(template.Resources).some((r) => r.Type === 'AWS::EC2::SecurityGroupIngress'
    && JSON.stringify(r.Properties.GroupId) === JSON.stringify(groupId(endpointGroup))
    && JSON.stringify(r.Properties.SourceSecurityGroupId) === JSON.stringify(groupId(sg))
    && r.Properties.FromPort === 443 && r.Properties.ToPort === 443);
}

/**
 * A second workload of each kind on the example's environment. The second training job pulls its
 * image from an ECR repository of the team: a job on an AWS Deep Learning Container (like the
 * example's) needs no interface endpoint at all, so only this one asks for some (ECR API and registry).
 */
function addSecondWorkloads(stack: SecureMlPlatformStack) {
  const env = stack.platform;
  const repo = ecr.Repository.fromRepositoryName(stack, 'TeamBRepository', 'team-b/fraud');
  const notebook = new SecureNotebook(stack, 'TeamBNotebook', {
    environment: env,
    notebookName: 'team-b-explore',
    dataAccess: [{ bucket: env.dataBucket, prefix: 'datasets/team-b/' }],
  });
  const training = new SecureTrainingJob(stack, 'FraudTraining', {
    environment: env,
    jobNamePrefix: 'fraud',
    image: TrainingImage.fromEcrRepository(repo, 'trainer-1.0'),
    inputs: [{ channelName: 'train', bucket: env.dataBucket, prefix: 'datasets/team-b/' }],
    outputPrefix: 'models/fraud/',
  });
  const endpoint = new SecureEndpoint(stack, 'FraudEndpoint', {
    environment: env,
    endpointName: 'team-b-fraud',
    model: {
      image: EndpointImage.fromDlc(DLC_INFERENCE),
      modelData: ModelData.fromBucket(env.artifactsBucket, 'models/fraud/v1/model.tar.gz'),
    },
  });
  const studio = stack.node.findChild('Studio');
  if (!(studio instanceof SecureStudioDomain)) {
    throw new Error('the example has no SecureStudioDomain with id Studio');
  }
  const user = studio.addUserProfile('carol');
  return { notebook, training, endpoint, user };
}

describe('interface endpoints per environment', () => {
  test('a second notebook, training job, endpoint and Studio user on the example environment add no VPC endpoint, with zero unacknowledged findings', () => {
    const before = new SecureMlPlatformStack(newTestApp(), 'SecureMlPlatform');
    const beforeTemplate = Template.fromStack(before).toJSON();

    const app = newTestApp();
    const after = new SecureMlPlatformStack(app, 'SecureMlPlatform');
    const added = addSecondWorkloads(after);
    // Synthesizes the app with every pack and CloudFormation Validate.
    expect(formatFindings(unacknowledgedFindings(app))).toBe('');
    const afterTemplate = JSON.parse(fs.readFileSync(path.join(app.outdir, after.templateFile), 'utf-8'));

    const b = endpointsOf(beforeTemplate);
    const a = endpointsOf(afterTemplate);
    expect(b.interfaceServiceNames.length).toBeGreaterThan(0);
    expect(a.count).toBe(b.count);
    expect(a.serviceNames).toEqual(b.serviceNames);

    // The workloads were added...
    for (const [type, more] of [
      ['AWS::SageMaker::NotebookInstance', 1],
      ['AWS::StepFunctions::StateMachine', 1],
      ['AWS::SageMaker::Endpoint', 1],
      ['AWS::SageMaker::UserProfile', 1],
    ] as const) {
      expect([type, countOf(afterTemplate, type)]).toEqual([type, countOf(beforeTemplate, type) + more]);
    }
    // The network reports the same: every endpoint it uses it created, and the second workloads created none.
    const networkOf = (stack: SecureMlPlatformStack) => stack.platform.node.findChild('Network') as SageMakerNetwork;
    expect(networkOf(after).reusedEndpointServiceNames).toEqual([]);
    expect([...networkOf(after).createdEndpointServiceNames].sort()).toEqual([...networkOf(before).createdEndpointServiceNames].sort());
    expect(networkOf(after).createdEndpointServiceNames).toHaveLength(b.interfaceServiceNames.length);
    expect(networkOf(after).createdS3GatewayEndpoint).toBe(true);

    // ...and those that call AWS services reach the existing endpoints: they asked for them.
    const endpointGroup = networkOf(after).endpointSecurityGroup;
    for (const sg of [added.notebook.securityGroup, added.training.securityGroup, added.endpoint.securityGroup]) {
      expect(endpointsAdmit(after, afterTemplate, endpointGroup, sg)).toBe(true);
    }
    // The second endpoint's invocations go through the environment's one sagemaker.runtime endpoint.
    expect(added.endpoint.runtimeVpcEndpoint).toBe(after.platform.network.endpointFor(SageMakerEndpointService.SAGEMAKER_RUNTIME));
  });

  describe('the first workload of a kind adds the endpoints it needs, the second none', () => {
    /** Interface endpoints of an environment with `n` workloads made by `add`. */
    function interfaceEndpointsWith(n: number, add: (stack: Stack, env: SageMakerEnvironment, i: number) => void): string[] {
      const stack = newTestStack();
      const env = new SageMakerEnvironment(stack, 'Env', { environmentName: 'endpoints' });
      for (let i = 0; i < n; i++) {
        add(stack, env, i);
      }
      return endpointsOf(Template.fromStack(stack).toJSON()).interfaceServiceNames;
    }

    const repository = (stack: Stack) => (stack.node.tryFindChild('Repository') as ecr.IRepository | undefined)
      ?? ecr.Repository.fromRepositoryName(stack, 'Repository', 'team/models');

    const kinds: Array<[string, (stack: Stack, env: SageMakerEnvironment, i: number) => void, string[]]> = [
      ['SecureEndpoint', (stack, env, i) => {
        new SecureEndpoint(stack, `Endpoint${i}`, {
          environment: env,
          endpointName: `model-${i}`,
          model: { image: EndpointImage.fromDlc(DLC_INFERENCE), modelData: ModelData.fromBucket(env.artifactsBucket, `models/${i}/model.tar.gz`) },
        });
      }, [aws('logs'), aws('sagemaker.runtime')]],
      ['SecureTrainingJob with an ECR image', (stack, env, i) => {
        new SecureTrainingJob(stack, `Training${i}`, {
          environment: env,
          jobNamePrefix: `job-${i}`,
          image: TrainingImage.fromEcrRepository(repository(stack), `trainer-${i}`),
        });
      }, [aws('ecr.api'), aws('ecr.dkr')]],
      ['SecureNotebook', (stack, env, i) => {
        new SecureNotebook(stack, `Notebook${i}`, { environment: env, notebookName: `notebook-${i}` });
      }, [aws('logs'), aws('sagemaker.api'), aws('sagemaker.runtime'), aws('sts'), sagemaker('notebook')]],
      ['Studio user profile (the domain asks for the endpoints)', (stack, env, i) => {
        const domain = (stack.node.tryFindChild('Studio') as SecureStudioDomain | undefined)
          ?? new SecureStudioDomain(stack, 'Studio', { environment: env, domainName: 'endpoints' });
        domain.addUserProfile(`user-${i}`);
      }, [aws('ecr.api'), aws('ecr.dkr'), aws('logs'), aws('sagemaker.api'), aws('sagemaker.runtime'), aws('sts'), sagemaker('studio')]],
    ];

    test('an environment without workloads has no interface endpoint', () => {
      expect(interfaceEndpointsWith(0, () => undefined)).toEqual([]);
    });

    test.each(kinds)('%s', (_kind, add, needed) => {
      expect(interfaceEndpointsWith(1, add)).toEqual([...needed].sort());
      expect(interfaceEndpointsWith(2, add)).toEqual([...needed].sort());
    });

    test('a training job on an AWS Deep Learning Container needs no interface endpoint', () => {
      expect(interfaceEndpointsWith(2, (stack, env, i) => {
        new SecureTrainingJob(stack, `Training${i}`, { environment: env, jobNamePrefix: `job-${i}`, image: TrainingImage.fromDeepLearningContainer(DLC_TRAINING) });
      })).toEqual([]);
    });
  });
});
