import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SageMakerEnvironment, SageMakerNetwork, SecureNotebook } from '../../lib';
import { formatFindings, newTestStack, unacknowledgedFindings } from '../helpers/compliance';

// A walled garden for DNS: the VPC has no internet route, but a query for
// <data>.attacker.example still leaves through the Resolver unless a DNS Firewall refuses it.

type Template_ = { Resources: Record<string, any> };

/**
 * What DNS Firewall answers for `name` (AWS's semantics: the rule groups in association priority
 * order, the rules of a group in rule priority order, the first matching rule decides; a domain
 * `*.example.com` matches every name under example.com, `*` every name; no match resolves).
 */
function answer(template: Template_, name: string): 'RESOLVED' | 'NXDOMAIN' | 'NODATA' {
  const resources = template.Resources;
  const lists: Record<string, string[]> = Object.fromEntries(Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Route53Resolver::FirewallDomainList').map(([id, r]) => [id, r.Properties.Domains]));
  const associations = Object.values(resources).filter((r) => r.Type === 'AWS::Route53Resolver::FirewallRuleGroupAssociation')
    .sort((a, b) => a.Properties.Priority - b.Properties.Priority);
  const matches = (domain: string, n: string) => {
    const d = domain.replace(/\.$/, '').toLowerCase();
    const q = n.replace(/\.$/, '').toLowerCase();
    if (d === '*') return true;
    return d.startsWith('*.') ? q.endsWith(d.slice(1)) : q === d;
  };
  for (const association of associations) {
    const group = resources[association.Properties.FirewallRuleGroupId['Fn::GetAtt'][0]];
    const rules = [...group.Properties.FirewallRules].sort((a: any, b: any) => a.Priority - b.Priority);
    for (const rule of rules) {
      const domains = lists[rule.FirewallDomainListId['Fn::GetAtt'][0]];
      if (domains.some((d) => matches(d, name))) {
        return rule.Action === 'BLOCK' ? rule.BlockResponse : 'RESOLVED';
      }
    }
  }
  return 'RESOLVED';
}

const of = (stack: Stack) => Template.fromStack(stack).toJSON() as Template_;

describe('DNS Firewall', () => {
  const stack = newTestStack();
  const env = SageMakerEnvironment.of(stack);
  new SecureNotebook(stack, 'Nb', { environment: env, pipIndexUrl: 'https://pypi.mirror.example.com/simple/', condaChannels: ['https://conda.mirror.example.com/main'] });

  test.each([
    ['sagemaker.api.eu-west-1.amazonaws.com', 'RESOLVED'],
    ['runtime.sagemaker.eu-west-1.amazonaws.com', 'RESOLVED'],
    ['prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com', 'RESOLVED'],
    ['sts.eu-west-1.amazonaws.com.cn', 'RESOLVED'],
    ['ip-10-42-0-17.eu-west-1.compute.internal', 'RESOLVED'],
    ['pypi.mirror.example.com', 'RESOLVED'],
    ['conda.mirror.example.com', 'RESOLVED'],
    ['aGVsbG8gd29ybGQ.chunk42.attacker.example', 'NXDOMAIN'],
    ['pypi.org', 'NXDOMAIN'],
    ['files.pythonhosted.org', 'NXDOMAIN'],
    ['amazonaws.com.attacker.example', 'NXDOMAIN'],
    ['evil-amazonaws.com', 'NXDOMAIN'],
    ['other.mirror.example.com', 'NXDOMAIN'],
  ])('%s: %s', (name, expected) => {
    expect(answer(of(stack), name)).toBe(expected);
  });

  test('one rule group on the VPC, at a priority DNS Firewall accepts (101 to 9899), rules with unique priorities, CNAME chains of allowed names trusted', () => {
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Route53Resolver::FirewallRuleGroupAssociation', 1);
    t.hasResourceProperties('AWS::Route53Resolver::FirewallRuleGroupAssociation', {
      VpcId: { Ref: Match.stringLikeRegexp('NetworkVpc') },
      Priority: Match.anyValue(),
      MutationProtection: 'DISABLED',
    });
    const association = Object.values(t.findResources('AWS::Route53Resolver::FirewallRuleGroupAssociation'))[0];
    expect(association.Properties.Priority).toBeGreaterThan(100);
    expect(association.Properties.Priority).toBeLessThan(9900);
    const group = Object.values(t.findResources('AWS::Route53Resolver::FirewallRuleGroup'))[0];
    const rules = group.Properties.FirewallRules;
    expect(new Set(rules.map((r: any) => r.Priority)).size).toBe(rules.length);
    expect(rules.find((r: any) => r.Action === 'ALLOW').FirewallDomainRedirectionAction).toBe('TRUST_REDIRECTION_DOMAIN');
    // A BLOCK rule must say how it answers.
    expect(rules.filter((r: any) => r.Action === 'BLOCK').every((r: any) => ['NODATA', 'NXDOMAIN'].includes(r.BlockResponse))).toBe(true);
  });

  test('zero unacknowledged findings with the firewall', () => {
    expect(formatFindings(unacknowledgedFindings(stack))).toBe('');
  });

  test('allowedDnsDomains adds domains; a wildcard domain covers its subdomains only', () => {
    const s = newTestStack();
    new SageMakerEnvironment(s, 'Env', { allowedDnsDomains: ['*.corp.example.com'] });
    expect(answer(of(s), 'git.corp.example.com')).toBe('RESOLVED');
    expect(answer(of(s), 'corp.example.com.attacker.example')).toBe('NXDOMAIN');
  });

  test.each([['*'], ['https://mirror.example.com'], ['bad domain.example.com'], ['a.*.example.com']])('fails on allowedDnsDomains %p, naming the prop', (domain) => {
    const s = newTestStack();
    expect(() => new SageMakerEnvironment(s, 'Env', { allowedDnsDomains: [domain] })).toThrow(/`allowedDnsDomains` entry .* is not a domain DNS Firewall accepts/);
  });

  test('dnsFirewall: false keeps the VPC resolving every name, warned', () => {
    const s = newTestStack();
    new SageMakerEnvironment(s, 'Env', { dnsFirewall: false });
    Template.fromStack(s).resourceCountIs('AWS::Route53Resolver::FirewallRuleGroupAssociation', 0);
    expect(answer(of(s), 'x.attacker.example')).toBe('RESOLVED');
    expect(Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('tunnel data out in DNS queries'))).toHaveLength(1);
  });

  test('a VPC passed in gets no firewall unless asked (it would apply to every tenant), and one when asked', () => {
    const s = newTestStack('Imported', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'],
    });
    const network = new SageMakerNetwork(s, 'Net', { vpc, encryptionKey: SageMakerEnvironment.of(s).key });
    expect(network.hasDnsFirewall).toBe(false);
    const asked = new SageMakerNetwork(s, 'Asked', {
      vpc: ec2.Vpc.fromVpcAttributes(s, 'Vpc2', {
        vpcId: 'vpc-0bbbbbbbbbbbbbbb0',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        isolatedSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
        isolatedSubnetRouteTableIds: ['rtb-0bbbbbbbbbbbbbbb1', 'rtb-0bbbbbbbbbbbbbbb2'],
      }),
      encryptionKey: SageMakerEnvironment.of(s).key,
      dnsFirewall: true,
    });
    expect(asked.hasDnsFirewall).toBe(true);
    Template.fromStack(s).hasResourceProperties('AWS::Route53Resolver::FirewallRuleGroupAssociation', { VpcId: 'vpc-0bbbbbbbbbbbbbbb0' });
  });
});
