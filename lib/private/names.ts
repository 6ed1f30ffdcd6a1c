import * as net from 'net';
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

/**
 * A name as SageMaker writes it in ARNs: lowercase. Tokens are left as they are (lowercasing a
 * token's text would break it); a token must resolve to a lowercase name.
 */
export function arnResourceName(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase();
}

/**
 * The IAM name pattern of roles and policies (letters, digits and `_+=,.@-`), for names of at
 * most `maxLength` characters.
 */
export function iamNamePattern(maxLength: number): RegExp {
  return new RegExp(`^[\\w+=,.@-]{1,${maxLength}}$`);
}

/** AWS Organizations IDs: an organizational unit (`ou-xxxx-yyyyyyyy`) and the root (`r-xxxx`). */
export const ORGANIZATIONAL_UNIT_ID = 'ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}';
export const ORGANIZATION_ROOT_ID = 'r-[0-9a-z]{4,32}';

/**
 * True for an IPv4 (`a.b.c.d/0-32`) or IPv6 (`x::y/0-128`, embedded IPv4 forms included) range
 * that IAM's `IpAddress` operator accepts.
 */
export function isCidr(value: string): boolean {
  const slash = value.lastIndexOf('/');
  if (slash <= 0) return false;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (net.isIPv4(address)) return bits <= 32;
  if (net.isIPv6(address)) return bits <= 128;
  return false;
}

/** Throws on a concrete entry of `prop` that is not a CIDR range; tokens pass. */
export function validateSourceIpRanges(scope: IConstruct, cidrs: string[], prop = 'sourceIpRanges'): void {
  for (const cidr of cidrs) {
    if (!Token.isUnresolved(cidr) && !isCidr(cidr)) {
      throw validationError(scope, 'InvalidCidr', `\`${prop}\` entry '${cidr}' is not a CIDR range (IPv4 octets 0-255 and a prefix up to /32, or IPv6 up to /128). Use the form '203.0.113.0/24' or '2001:db8::/32'.`);
    }
  }
}
