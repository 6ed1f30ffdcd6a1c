import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ISageMakerEnvironment, SageMakerEnvironment, SageMakerNetwork } from '../../lib';

/** The platform a team app imports by attributes: its account, Region, VPC, key and buckets. */
export const IMPORTED_PLATFORM = {
  env: { account: '111111111111', region: 'eu-west-1' },
  subnetIds: ['subnet-0f1a2b3c4d5e6f711', 'subnet-0f1a2b3c4d5e6f712'],
  keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
  dataBucketName: 'ml-shared-data-111111111111',
  artifactsBucketName: 'ml-shared-artifacts-111111111111',
};

/**
 * The environment `ml-shared` of another app, imported into `stack` (which must be in
 * `IMPORTED_PLATFORM.env`) by attributes: its VPC, S3 gateway endpoint, no interface endpoint,
 * key and buckets, as a team's app written from the README imports it.
 */
export function importedPlatformEnvironment(stack: Stack): ISageMakerEnvironment {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'PlatformVpc', {
    vpcId: 'vpc-0f1a2b3c4d5e6f701',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: IMPORTED_PLATFORM.subnetIds,
  });
  const network = SageMakerNetwork.fromNetworkAttributes(stack, 'Network', { vpc, s3GatewayEndpointId: 'vpce-0f1a2b3c4d5e6f799', interfaceEndpoints: [] });
  return SageMakerEnvironment.fromEnvironmentAttributes(stack, 'Env', {
    environmentName: 'ml-shared',
    network,
    key: kms.Key.fromKeyArn(stack, 'Key', IMPORTED_PLATFORM.keyArn),
    dataBucketName: IMPORTED_PLATFORM.dataBucketName,
    artifactsBucketName: IMPORTED_PLATFORM.artifactsBucketName,
  });
}
