import { Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { SageMakerSecurityChecks } from './sagemaker-security-checks';
import { validationError } from '../private/errors';

/**
 * Which rule packs `SageMakerCompliance.applyTo` registers.
 */
export interface SageMakerComplianceOptions {
  /**
   * Register cdk-nag's AwsSolutions pack.
   *
   * @default true
   */
  readonly awsSolutions?: boolean;

  /**
   * Register cdk-nag's HIPAA Security pack.
   *
   * @default true
   */
  readonly hipaaSecurity?: boolean;

  /**
   * Register cdk-nag's NIST 800-53 rev 5 pack.
   *
   * @default true
   */
  readonly nist80053R5?: boolean;

  /**
   * Register cdk-nag's PCI DSS 3.2.1 pack.
   *
   * @default true
   */
  readonly pciDss321?: boolean;

  /**
   * Print each rule's explanation with its finding.
   *
   * @default false
   */
  readonly verbose?: boolean;
}

/**
 * Registers the compliance packs this library is proven against on an app or stage:
 * cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1, and our own
 * `SageMakerSecurityChecks`, with acknowledgements written into the templates.
 *
 * Any unacknowledged finding fails synthesis. Set the context key
 * `@aws-cdk/core:validateAgainstDefaultRules` to `true` (in `cdk.json`) so that aws-cdk-lib's
 * CloudFormation Validate findings fail synthesis too.
 */
export class SageMakerCompliance {
  /**
   * Registers the packs on `scope`, which must be an `App` or a `Stage`.
   *
   * @param scope the app or stage to check
   * @param options which packs to register
   * @returns the registered packs
   */
  public static applyTo(scope: IConstruct, options: SageMakerComplianceOptions = {}): NagPack[] {
    if (!Stage.isStage(scope)) {
      throw validationError(
        scope,
        'NotAStage',
        `\`SageMakerCompliance.applyTo\` needs an App or a Stage (validation plugins are registered per stage), got ${scope.node.path || 'the root'}. Pass your \`App\`.`,
      );
    }
    // One pack writing the acknowledgements into the templates is enough for all of them.
    const props = { verbose: options.verbose ?? false };
    const packs: NagPack[] = [new SageMakerSecurityChecks(scope, { ...props, writeSuppressionsToCloudFormation: true })];
    if (options.awsSolutions ?? true) {
      packs.push(new AwsSolutionsChecks(scope, props));
    }
    if (options.hipaaSecurity ?? true) {
      packs.push(new HIPAASecurityChecks(scope, props));
    }
    if (options.nist80053R5 ?? true) {
      packs.push(new NIST80053R5Checks(scope, props));
    }
    if (options.pciDss321 ?? true) {
      packs.push(new PCIDSS321Checks(scope, props));
    }
    Validations.of(scope).addPlugins(...packs);
    return packs;
  }

  private constructor() {}
}
