import { Lazy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53resolver from 'aws-cdk-lib/aws-route53resolver';
import { Construct, IConstruct } from 'constructs';
import { validationError } from '../private/errors';

/**
 * The names workloads in the environment's VPC resolve: the AWS service endpoints (the interface
 * endpoints' private DNS names and S3 included), SageMaker's own domains, and the VPC's internal
 * host names. Every other name is refused, which closes DNS tunnelling (data encoded in queries
 * for an attacker's domain) as a way out of a VPC without an internet route.
 */
export const DEFAULT_ALLOWED_DOMAINS = [
  '*.amazonaws.com',
  '*.amazonaws.com.cn',
  '*.api.aws',
  '*.sagemaker.aws',
  '*.internal',
];

/** Priority of the rule group's association with the VPC: DNS Firewall accepts 101 to 9899. */
export const DNS_FIREWALL_ASSOCIATION_PRIORITY = 101;

/** A domain DNS Firewall accepts in a domain list: labels of letters, digits, '-' and '_', optionally after a leading '*.'. */
const DOMAIN_PATTERN = /^(\*\.)?([A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?$/;

/**
 * A Route 53 Resolver DNS Firewall on a VPC, as a walled garden: one rule allows the listed
 * domains (trusting the CNAME chain they lead to, so an AWS name that resolves through a
 * CloudFront or load-balancer name still resolves), a second rule answers NXDOMAIN to every other
 * name. Domains are added by the workloads that need them (a private package index, for example).
 */
export class DnsFirewall extends Construct {
  /** The rule group associated with the VPC. */
  public readonly ruleGroup: route53resolver.CfnFirewallRuleGroup;

  private readonly domains: string[];

  constructor(scope: Construct, id: string, vpc: ec2.IVpc, allowedDomains: string[]) {
    super(scope, id);
    this.domains = [...DEFAULT_ALLOWED_DOMAINS];
    this.allowDomains(this, 'allowedDnsDomains', allowedDomains);

    const allowList = new route53resolver.CfnFirewallDomainList(this, 'AllowedDomains', {
      domains: Lazy.list({ produce: () => this.domains }),
    });
    const everything = new route53resolver.CfnFirewallDomainList(this, 'EveryDomain', { domains: ['*'] });
    this.ruleGroup = new route53resolver.CfnFirewallRuleGroup(this, 'Rules', {
      firewallRules: [
        {
          priority: 100,
          action: 'ALLOW',
          firewallDomainListId: allowList.attrId,
          firewallDomainRedirectionAction: 'TRUST_REDIRECTION_DOMAIN',
        },
        {
          priority: 200,
          action: 'BLOCK',
          blockResponse: 'NXDOMAIN',
          firewallDomainListId: everything.attrId,
        },
      ],
    });
    new route53resolver.CfnFirewallRuleGroupAssociation(this, 'Association', {
      firewallRuleGroupId: this.ruleGroup.attrId,
      vpcId: vpc.vpcId,
      priority: DNS_FIREWALL_ASSOCIATION_PRIORITY,
      // Mutation protection would keep CloudFormation from removing the association with the stack;
      // disassociating it is alerted on instead (SageMakerSecurityMonitoring, LogTampering).
      mutationProtection: 'DISABLED',
    });
  }

  /**
   * Lets workloads resolve `domains` (`pypi.mirror.example.com`, `*.corp.example.com`).
   *
   * @param requester the construct that needs them (errors name it)
   * @param prop the prop the domains come from, for errors
   * @param domains the domains
   */
  public allowDomains(requester: IConstruct, prop: string, domains: string[]): void {
    for (const domain of domains) {
      if (Token.isUnresolved(domain)) {
        throw validationError(requester, 'DnsDomainToken',
          `\`${prop}\` has a token: DNS Firewall domain lists are written at synth time. Pass the domain as a literal, such as 'pypi.mirror.example.com'.`);
      }
      if (domain === '*' || !DOMAIN_PATTERN.test(domain) || domain.length > 255) {
        throw validationError(requester, 'InvalidDnsDomain',
          `\`${prop}\` entry '${domain}' is not a domain DNS Firewall accepts: use a name such as 'pypi.mirror.example.com' or '*.corp.example.com' (a leading '*.' only; '*' alone would allow every name).`);
      }
      if (!this.domains.includes(domain)) {
        this.domains.push(domain);
      }
    }
  }
}

/** The host name of an https URL (`https://pypi.mirror.example.com/simple` → `pypi.mirror.example.com`), if it has one. */
export function hostOf(url: string): string | undefined {
  if (Token.isUnresolved(url)) {
    return undefined;
  }
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}
