/**
 * A landing-zone VPC owned by the network team: imported by attributes (no route tables, no CIDR),
 * with the interface endpoints and the S3 gateway endpoint it already has. The environment reuses
 * them instead of creating duplicates (whose private DNS would clash at deploy time).
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  SageMakerCompliance, SageMakerEndpointService, SageMakerEnvironment, SecureNotebook, SecureTrainingJob, TrainingImage,
} from '../../lib';

/** What the network team publishes about its VPC. */
const LANDING_ZONE = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  s3GatewayEndpointId: 'vpce-0a1b2c3d4e5f60799',
  endpointSecurityGroupId: 'sg-0e0e0e0e0e0e0e0e0',
  endpoints: {
    'sagemaker.api': 'vpce-0a0000000000000a1',
    'sagemaker.runtime': 'vpce-0a0000000000000a2',
    'notebook': 'vpce-0a0000000000000a3',
    'sts': 'vpce-0a0000000000000a4',
    'logs': 'vpce-0a0000000000000a5',
    'states': 'vpce-0a0000000000000a6',
  } as Record<string, string>,
};

export function build(app = new App()): App {
  const stack = new Stack(app, 'MlOnLandingZone', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'LandingZone', {
    vpcId: LANDING_ZONE.vpcId,
    availabilityZones: LANDING_ZONE.availabilityZones,
    isolatedSubnetIds: LANDING_ZONE.isolatedSubnetIds,
  });
  const endpointSg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'EndpointSg', LANDING_ZONE.endpointSecurityGroupId, { allowAllOutbound: false });
  const services = [
    SageMakerEndpointService.SAGEMAKER_API, SageMakerEndpointService.SAGEMAKER_RUNTIME, SageMakerEndpointService.NOTEBOOK,
    SageMakerEndpointService.STS, SageMakerEndpointService.LOGS, SageMakerEndpointService.STEP_FUNCTIONS,
  ];
  const environment = new SageMakerEnvironment(stack, 'Env', {
    environmentName: 'ml-lz',
    vpc,
    s3GatewayEndpoint: ec2.GatewayVpcEndpoint.fromGatewayVpcEndpointId(stack, 'S3Gateway', LANDING_ZONE.s3GatewayEndpointId),
    interfaceEndpoints: services.map((service) => ({
      service,
      endpoint: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, `Existing-${service.name}`, {
        vpcEndpointId: LANDING_ZONE.endpoints[service.name],
        port: 443,
        securityGroups: [endpointSg],
      }),
    })),
  });
  new SecureNotebook(stack, 'Notebook', { environment, notebookName: 'lz-explore' });
  new SecureTrainingJob(stack, 'Training', {
    environment,
    jobNamePrefix: 'lz-churn',
    image: TrainingImage.fromDeepLearningContainer('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311'),
    inputs: [{ channelName: 'train', bucket: environment.dataBucket, prefix: 'datasets/churn/' }],
    outputPrefix: 'models/churn/',
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) build().synth();
