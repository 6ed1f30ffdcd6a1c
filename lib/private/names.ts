import { Names, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from './errors';

/**
 * The name pattern SageMaker uses for notebook instances, endpoints, domains and user profiles
 * (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`), for names of at most `maxLength` characters.
 */
export function sageMakerNamePattern(maxLength = 63): RegExp {
  return new RegExp(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,${maxLength - 1}}$`);
}

/**
 * A name derived from the construct path: lowercase letters, digits and hyphens, at most
 * `maxLength` (SageMaker writes names in lowercase in ARNs, so lowercase keeps names and ARNs equal).
 */
export function defaultSageMakerName(scope: IConstruct, maxLength = 63): string {
  return Names.uniqueResourceName(scope, { maxLength, separator: '-' })
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/** IPv4 or IPv6 CIDR notation. */
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;

/** Throws on a concrete `sourceIpRanges` entry that is not a CIDR range; tokens pass. */
export function validateSourceIpRanges(scope: IConstruct, cidrs: string[]): void {
  for (const cidr of cidrs) {
    if (!Token.isUnresolved(cidr) && !CIDR.test(cidr)) {
      throw validationError(scope, 'InvalidCidr', `\`sourceIpRanges\` entry '${cidr}' is not a CIDR range. Use the form '203.0.113.0/24'.`);
    }
  }
}
