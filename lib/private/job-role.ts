import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledge } from './acknowledge';
import * as perms from './perms';
import { grantVpcNetworkInterfaces } from './vpc-access';
import { acknowledgeScopedWildcards } from './wildcards';
import type { ISageMakerEnvironment } from '../environment/interfaces';

/** What an execution role of SageMaker jobs run in the VPC needs besides its data. */
export interface JobRoleBasics {
  /** `Training` or `Processing`: the jobs' log group and metrics namespace (`/aws/sagemaker/<kind>Jobs`) and the Sids. */
  readonly kind: 'Training' | 'Processing';
  readonly environment: ISageMakerEnvironment;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Every log stream of the jobs starts with `<jobNamePrefix>-`. */
  readonly jobNamePrefix: string;
  readonly volumeKeyApplied: boolean;
  /** The image's repository, for private images. */
  readonly repository?: ecr.IRepository;
  /** Why the log-stream wildcard names exactly the jobs' streams (the acknowledgement's reason). */
  readonly streamsReason: string;
  /** Why the network-interface wildcard is bounded (the acknowledgement's reason). */
  readonly networkReason: string;
  /** What the image is, in the ECR acknowledgement: `training image`. */
  readonly imageWhat: string;
}

/**
 * Grants `role` what SageMaker jobs in the VPC need to run: their own log streams, metrics in their
 * namespace only, SageMaker-only grants on the volume key, network interfaces only in the
 * environment's subnets with the job group, and pulls from the image's repository only.
 */
export function grantJobRoleBasics(role: iam.IRole, b: JobRoleBasics): void {
  const stack = Stack.of(role);
  const namespace = `/aws/sagemaker/${b.kind}Jobs`;

  // Logs: only the streams of this construct's jobs.
  const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: namespace, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const streamArn = `${logGroupArn}:log-stream:${b.jobNamePrefix}-*`;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `${b.kind}LogGroup`, actions: ['logs:CreateLogGroup'], resources: [logGroupArn] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OwnLogStreamsOnly', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streamArn] }));
  acknowledgeScopedWildcards(role, [streamArn], b.streamsReason);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `${b.kind}MetricsNamespaceOnly`,
    actions: perms.CLOUDWATCH_PUT_METRIC_DATA,
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
  }));

  // Volume encryption: SageMaker creates grants on the key for the instances' volumes.
  if (b.volumeKeyApplied) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'VolumeKeyGrantsForSageMakerOnly',
      actions: perms.KMS_SAGEMAKER_GRANTS,
      resources: [b.environment.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `sagemaker.${stack.region}.amazonaws.com` },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }));
  }

  // Network interfaces in the VPC: only in the environment's subnets, only with the job security group.
  grantVpcNetworkInterfaces(role, b.environment.network, b.securityGroup, {
    create: 'JobNetworkInterfacesUseEnvironmentSubnetsAndJobGroup',
    inVpc: 'JobNetworkInterfacesInEnvironmentVpc',
    describe: 'DescribeNetworkForVpcJobs',
  }, b.networkReason);
  // One reason per wildcard statement: the template carries them merged, per rule.
  acknowledge(role, 'ec2:Describe* calls for VPC jobs support no resource-level permissions (read-only).', 'AwsSolutions-IAM5[Resource::*]');
  acknowledge(role, `cloudwatch:PutMetricData supports no resource-level permissions; it is limited by condition to the ${namespace} namespace.`, 'AwsSolutions-IAM5[Resource::*]');
  if (b.repository) {
    b.repository.grantPull(role);
    acknowledge(role, `ecr:GetAuthorizationToken supports no resource-level permissions; image pulls are limited to the repository of the ${b.imageWhat}.`, 'AwsSolutions-IAM5[Resource::*]');
  }
}
