import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { SageMakerSecurityChecks } from '../../lib';

/** The five packs the library is proven against, freshly made (a pack keeps its last report). */
export function compliancePacks(): NagPack[] {
  return [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks(), new PCIDSS321Checks(), new SageMakerSecurityChecks()];
}

/** An acknowledgement declared on a construct. */
export interface DeclaredAcknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement of a nag rule declared in the tree (CloudFormation Validate ones excluded). */
export function declaredAcknowledgements(root: IConstruct): DeclaredAcknowledgement[] {
  const result: DeclaredAcknowledgement[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        continue;
      }
      for (const [qualified, reason] of Object.entries(entry.data as Record<string, string>)) {
        const id = qualified.replace(/^annotation::/i, '');
        if (id.startsWith('CloudFormation-Validate::')) {
          continue;
        }
        result.push({ path: c.node.path, id, reason });
      }
    }
  }
  return result;
}

/**
 * The findings every pack would report if nothing were acknowledged: acknowledgement metadata is
 * removed from the (unsynthesized) tree, then each pack validates it.
 */
export function rawFindings(root: IConstruct): Array<{ path: string; rule: string }> {
  for (const c of root.node.findAll()) {
    const metadata = (c.node as unknown as { _metadata?: Array<{ type: string }> })._metadata;
    if (!metadata) {
      continue;
    }
    for (let i = metadata.length - 1; i >= 0; i--) {
      if (metadata[i].type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        metadata.splice(i, 1);
      }
    }
  }
  const packs = compliancePacks();
  const findings: Array<{ path: string; rule: string }> = [];
  for (const pack of packs) {
    for (const v of pack.validateScope(root).violations) {
      for (const r of v.violatingResources) {
        findings.push({ path: r.constructPath ?? '', rule: v.ruleName });
      }
    }
  }
  return findings;
}

/**
 * Acknowledgements that silence nothing: no finding with that ID exists on the construct or
 * below it once acknowledgements are removed. Such an acknowledgement misleads reviewers.
 */
export function unneededAcknowledgements(root: IConstruct): DeclaredAcknowledgement[] {
  const declared = declaredAcknowledgements(root);
  const raw = rawFindings(root);
  return declared.filter((a) => !raw.some((f) => f.rule === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))));
}
