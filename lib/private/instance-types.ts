/**
 * Facts about SageMaker ML instance types that the constructs and the rule pack share.
 *
 * Instance type names look like `ml.<family>.<size>` (for example `ml.t3.medium`, `ml.p3dn.24xlarge`).
 */

/** Families built on the Xen hypervisor (not Nitro): no IMDSv2-only enforcement guarantees, older isolation. */
const NON_NITRO_FAMILIES = ['t2', 'm4', 'c4', 'p2', 'p3'];

/**
 * Families with local NVMe instance storage. CreateEndpointConfig rejects `KmsKeyId` and
 * CreateTrainingJob rejects `VolumeKmsKeyId` for them: their storage is hardware-encrypted.
 */
const NVME_FAMILY = /^(?:[a-z]+\d+[a-z]*d[a-z]*|g4dn|g5|g6|g6e|gr6|p3dn|p4d|p4de|p5|p5e|p5en|trn1|trn1n|trn2|inf2)$/;

/** The family of an ML instance type (`ml.p3dn.24xlarge` → `p3dn`), or undefined when it is not one. */
export function instanceFamily(instanceType: string): string | undefined {
  const match = /^ml\.([a-z0-9-]+)\.[a-z0-9]+$/.exec(instanceType);
  return match ? match[1] : undefined;
}

/** True when the instance type runs on the AWS Nitro System. Unknown shapes are not Nitro. */
export function isNitroInstanceType(instanceType: string): boolean {
  const family = instanceFamily(instanceType);
  if (!family) {
    return false;
  }
  return !NON_NITRO_FAMILIES.includes(family);
}

/** True when the instance type has local NVMe storage (so KMS volume keys are rejected). */
export function hasLocalNvmeStorage(instanceType: string): boolean {
  const family = instanceFamily(instanceType);
  return family !== undefined && NVME_FAMILY.test(family);
}
