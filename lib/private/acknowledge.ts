import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges rule findings on a construct (and its children) with a specific reason.
 *
 * Acknowledgements are construct metadata that every cdk-nag v3 pack and the CloudFormation
 * Validate plugin read; `SageMakerEnvironment` also writes them into the template (`cdk_nag`
 * metadata) so reviewers see each exception and why it was taken.
 */
export function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  if (reason.trim().length < 20) {
    // A reason a reviewer can act on, not a shrug.
    throw new Error(`acknowledgement reason for ${ids.join(', ')} is too short: '${reason}'`);
  }
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** The IDs every compliance pack uses for the same finding, so one reason covers them all. */
export const FINDINGS = {
  bucketReplication: [
    'HIPAA.Security-S3BucketReplicationEnabled',
    'NIST.800.53.R5-S3BucketReplicationEnabled',
    'PCI.DSS.321-S3BucketReplicationEnabled',
  ],
  selfReferencingIngress: [
    'HIPAA.Security-EC2RestrictedCommonPorts',
    'NIST.800.53.R5-EC2RestrictedCommonPorts',
    'PCI.DSS.321-EC2RestrictedCommonPorts',
  ],
  bucketKmsEncryption: [
    'HIPAA.Security-S3DefaultEncryptionKMS',
    'NIST.800.53.R5-S3DefaultEncryptionKMS',
    'PCI.DSS.321-S3DefaultEncryptionKMS',
  ],
};
