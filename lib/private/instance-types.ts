import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from './errors';

/**
 * Facts about SageMaker ML instance types that the constructs, the guardrails and the rule pack
 * share, and the checks the workloads make with them.
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

/**
 * The same families as IAM `StringLike` patterns, for the guardrails' "volume key required" deny,
 * which exempts requests whose instance types all have local NVMe storage. Kept next to
 * `NVME_FAMILY`: the two must change together.
 */
export const NVME_INSTANCE_TYPE_PATTERNS = [
  'ml.*d.*', 'ml.*dn.*', 'ml.*de.*', 'ml.g5.*', 'ml.g6*', 'ml.gr6.*', 'ml.p5*', 'ml.trn*', 'ml.inf2.*',
];

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

/**
 * True when a workload on `instanceType` must get no KMS volume key: a literal type with local
 * NVMe storage (hardware-encrypted; CreateTrainingJob rejects `VolumeKmsKeyId` and
 * CreateEndpointConfig `KmsKeyId` for it). A token type keeps the key: see
 * `validateWorkloadInstanceType`, which warns about it.
 */
export function rejectsVolumeKey(instanceType: string): boolean {
  return !Token.isUnresolved(instanceType) && hasLocalNvmeStorage(instanceType);
}

/** How `validateWorkloadInstanceType` words its messages for one workload. */
export interface InstanceTypeCheck {
  /** Types to suggest instead of one that is not on Nitro, such as `'ml.m5.large'`. */
  readonly examples: string[];
  /**
   * For workloads whose storage key depends on the type: the ID of the warning about a token
   * type, and what gets the key and which API rejects it (`the jobs get the volume key, which
   * CreateTrainingJob rejects`).
   */
  readonly tokenWarning?: { readonly id: string; readonly keyRejectedBy: string };
}

/**
 * Throws on a literal `instanceType` that is not on the AWS Nitro System; warns (with
 * `check.tokenWarning`) about a token type, for which neither the Nitro check nor the NVMe
 * decision can run at synth time.
 */
export function validateWorkloadInstanceType(scope: IConstruct, instanceType: string, check: InstanceTypeCheck): void {
  if (Token.isUnresolved(instanceType)) {
    if (check.tokenWarning) {
      Annotations.of(scope).addWarningV2(check.tokenWarning.id,
        `\`instanceType\` is a token: ${check.tokenWarning.keyRejectedBy} for types with local NVMe storage (ml.g5, ml.p4d, ml.*d.*), and the Nitro check cannot run. Pass a literal type to have both decided at synth time.`);
    }
    return;
  }
  if (!isNitroInstanceType(instanceType)) {
    const examples = check.examples.map((e) => `'${e}'`);
    throw validationError(scope, 'NonNitroInstanceType',
      `\`instanceType\` '${instanceType}' is not an ML instance type on the AWS Nitro System (t2, m4, c4, p2 and p3 are not; p3dn is). Use a current type such as ${examples.slice(0, -1).join(', ')} or ${examples[examples.length - 1]}.`);
  }
}
