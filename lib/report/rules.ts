import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { AssemblyStack } from './assembly';
import { friendly } from './cfn';
import { writtenAcknowledgements } from './findings';
import { RuleVerdict } from './model';
import { CONTROLS, ruleIdOf, subjectOf, templateView, verdictOf } from '../nag/controls';

/**
 * The verdict of every SageMakerSecurity rule on every resource of the stack it applies to, read
 * from the synthesized template: each rule's check is the control of the catalogue the pack runs,
 * so a finding here is a finding of the pack, and a compliant verdict is one of the pack.
 */
export function ruleVerdicts(stack: AssemblyStack): RuleVerdict[] {
  const template = templateView(stack.template);
  const templateAcks = writtenAcknowledgements(stack.template.Metadata);
  const verdicts: RuleVerdict[] = [];
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    const controls = CONTROLS.filter((c) => c.resourceTypes.includes(resource.Type));
    if (controls.length === 0) continue;
    const subject = subjectOf(logicalId, resource, template);
    const acks = [...writtenAcknowledgements(resource.Metadata), ...templateAcks];
    for (const control of controls) {
      const observations = control.check(subject);
      const verdict = verdictOf(observations);
      if (verdict === NagRuleCompliance.NOT_APPLICABLE) continue;
      const ruleId = ruleIdOf(control);
      const compliant = verdict === NagRuleCompliance.COMPLIANT;
      const shown = observations.filter((o) => o.verdict === verdict);
      const ack = compliant ? undefined : acks.find((a) => a.id === ruleId || a.id.startsWith(`${ruleId}[`));
      verdicts.push({
        stack: stack.name,
        logicalId,
        type: resource.Type,
        ruleId,
        level: control.level === NagMessageLevel.ERROR ? 'error' : 'warning',
        compliant,
        detail: friendly([...new Set(shown.map((o) => (o.part ? `${o.part.name}: ${o.detail}` : o.detail)))].join('; ')),
        ...(ack ? { acknowledgedReason: ack.reason } : {}),
      });
    }
  }
  return verdicts;
}
