/**
 * A data-science team's own app (another repository, another pipeline) builds on an environment
 * the platform team deployed: the environment and its network are imported by attributes, and
 * only the team's workloads are created.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  SageMakerCompliance, SageMakerEndpointService, SageMakerEnvironment, SageMakerNetwork, SecureNotebook,
} from '../../lib';

export function build(app = new App()): App {
  const stack = new Stack(app, 'TeamCApp', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'PlatformVpc', {
    vpcId: 'vpc-0f1a2b3c4d5e6f701',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0f1a2b3c4d5e6f711', 'subnet-0f1a2b3c4d5e6f712'],
  });
  const endpoint = (service: SageMakerEndpointService, n: number) => ({
    service, vpcEndpointId: `vpce-0f1a2b3c4d5e6f7${n}0`, securityGroupId: 'sg-0f1a2b3c4d5e6f721',
  });
  const network = SageMakerNetwork.fromNetworkAttributes(stack, 'Network', {
    vpc,
    s3GatewayEndpointId: 'vpce-0f1a2b3c4d5e6f799',
    interfaceEndpoints: [
      endpoint(SageMakerEndpointService.SAGEMAKER_API, 1), endpoint(SageMakerEndpointService.SAGEMAKER_RUNTIME, 2),
      endpoint(SageMakerEndpointService.NOTEBOOK, 3), endpoint(SageMakerEndpointService.STS, 4),
      endpoint(SageMakerEndpointService.LOGS, 5),
    ],
  });
  const environment = SageMakerEnvironment.fromEnvironmentAttributes(stack, 'Env', {
    environmentName: 'ml-shared',
    network,
    key: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9'),
    dataBucketName: 'ml-shared-data-111111111111',
    artifactsBucketName: 'ml-shared-artifacts-111111111111',
  });
  new SecureNotebook(stack, 'Notebook', {
    environment,
    notebookName: 'team-c-explore',
    dataAccess: [{ bucket: environment.dataBucket, prefix: 'datasets/team-c/' }],
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
