/**
 * The conditions under which a workload's role may start SageMaker jobs (a notebook's training and
 * processing jobs, a `SecureTrainingJob`'s state machine): only in the environment's subnets, only
 * with the given security groups and KMS keys, with network isolation and inter-container
 * encryption unless opted out, within a runtime, and tagged as the workload's own.
 */
export interface SecureJobLaunch {
  /** The subnets every job must use (and only those). */
  readonly subnetIds: string[];
  /** The security groups every job must use (and only those). */
  readonly securityGroupIds: string[];
  /** The KMS key the job's output must be encrypted with. */
  readonly outputKmsKeyArn: string;
  /** The KMS key the job's volumes must be encrypted with; none for instance types that reject one. */
  readonly volumeKmsKeyArn?: string;
  /** Require `EnableNetworkIsolation`. */
  readonly networkIsolation: boolean;
  /** Require `EnableInterContainerTrafficEncryption`. */
  readonly interContainerEncryption: boolean;
  /** The longest `MaxRuntimeInSeconds` allowed, when the role is for jobs of one definition. */
  readonly maxRuntimeSeconds?: number;
  /** The tag (key and value) every job must be created with: its owner. */
  readonly ownerTag: { readonly key: string; readonly value: string };
}

/** The IAM conditions of a `sagemaker:Create*Job` statement that admits only secure jobs (see `SecureJobLaunch`). */
export function secureJobLaunchConditions(launch: SecureJobLaunch): Record<string, Record<string, unknown>> {
  const kms: Record<string, string> = {};
  if (launch.volumeKmsKeyArn !== undefined) {
    kms['sagemaker:VolumeKmsKeyArn'] = launch.volumeKmsKeyArn;
  }
  kms['sagemaker:OutputKmsKeyArn'] = launch.outputKmsKeyArn;
  const bools: Record<string, string> = {};
  if (launch.networkIsolation) {
    bools['sagemaker:NetworkIsolation'] = 'true';
  }
  if (launch.interContainerEncryption) {
    bools['sagemaker:InterContainerTrafficEncryption'] = 'true';
  }
  return {
    'ForAllValues:StringEquals': {
      'sagemaker:VpcSubnets': launch.subnetIds,
      'sagemaker:VpcSecurityGroupIds': launch.securityGroupIds,
    },
    // ForAllValues passes on a missing key: require the VPC keys to be present.
    'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false' },
    'ArnEquals': kms,
    ...(Object.keys(bools).length > 0 ? { Bool: bools } : {}),
    ...(launch.maxRuntimeSeconds !== undefined ? { NumericLessThanEquals: { 'sagemaker:MaxRuntimeInSeconds': String(launch.maxRuntimeSeconds) } } : {}),
    'StringEquals': { [`aws:RequestTag/${launch.ownerTag.key}`]: launch.ownerTag.value },
  };
}
