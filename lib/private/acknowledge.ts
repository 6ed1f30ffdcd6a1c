import { Annotations, CfnResource, Reference, Stack, Token, Tokenization, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A rule ID of a pack the library is checked against (`<pack>-<rule>`, with cdk-nag's
 * `[<finding>]` suffix for rules that report findings), or of aws-cdk-lib's CloudFormation
 * Validate plugin. A test checks that every ID the library acknowledges exists in its pack.
 */
export type RuleId =
  | `AwsSolutions-${string}`
  | `HIPAA.Security-${string}`
  | `NIST.800.53.R5-${string}`
  | `PCI.DSS.321-${string}`
  | `SageMakerSecurity-${string}`
  | `CloudFormation-Validate::${string}`;

/**
 * Construct metadata holding acknowledgements of findings that only a scanner of the written
 * template reports (see `acknowledgeInTemplate`). The acknowledgement writer reads it.
 */
export const TEMPLATE_ACKNOWLEDGEMENTS_METADATA = 'cdk-secure-sagemaker:template-acknowledgements';

/**
 * Acknowledges rule findings on a construct (and its children) with a specific reason.
 *
 * Acknowledgements are construct metadata that every cdk-nag v3 pack and the CloudFormation
 * Validate plugin read; `SageMakerEnvironment` also writes them into the template (`cdk_nag`
 * metadata) so reviewers see each exception and why it was taken.
 */
export function acknowledge(scope: IConstruct, reason: string, ...ids: RuleId[]): void {
  // A reason a reviewer can act on, not a shrug.
  checkReason(reason, ids);
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/**
 * Acknowledges findings that the packs report only over the template as written, not over the
 * construct tree: on a resource aws-cdk-lib writes as a raw `CfnResource` (a custom-resource
 * provider's role and handler, which a template read back as typed L1s exposes to every rule), or
 * for a rule that reads the tree (cdk-nag's VPC default security group rule looks for the L2's
 * custom resource, which a template scanner cannot see). Written into the template on `resource`
 * only, so the packs over the tree, which do not report them, see no acknowledgement they do not
 * need.
 */
export function acknowledgeInTemplate(resource: CfnResource, reason: string, ...ids: RuleId[]): void {
  checkReason(reason, ids);
  resource.node.addMetadata(TEMPLATE_ACKNOWLEDGEMENTS_METADATA, Object.fromEntries(ids.map((id) => [id, reason])));
}

/**
 * A named opt-out: the warning a user reads at synth time and the acknowledgement of the
 * findings it causes, with one reason, on the construct that owns the choice.
 */
export function optOut(scope: IConstruct, opts: {
  /** Warning ID, `cdk-secure-sagemaker:<Name>`. */
  readonly warning: string;
  /** What was turned off and what it costs, for the synth-time warning. */
  readonly message: string;
  /** Why the findings are accepted, for the template. */
  readonly reason: string;
  /** The findings the opt-out causes. */
  readonly findings: RuleId[];
  /** Where the findings are, when not on `scope` itself. */
  readonly on?: IConstruct;
}): void {
  Annotations.of(scope).addWarningV2(opts.warning, opts.message);
  acknowledge(opts.on ?? scope, opts.reason, ...opts.findings);
}

function checkReason(reason: string, ids: string[]): void {
  if (reason.trim().length < 20) {
    throw new Error(`acknowledgement reason for ${ids.join(', ')} is too short: '${reason}'`);
  }
}

/** The IDs every compliance pack uses for the same finding, so one reason covers them all. */
export const FINDINGS: Record<string, RuleId[]> = {
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

/**
 * AWS Control Tower's proactive controls (CloudFormation Guard rules, as the
 * `@cdklabs/cdk-validator-cfnguard` plugin runs them) judge the template as written, by resource
 * type: they have no per-resource suppression. The library's resources that do not meet a control
 * by design carry an acknowledgement under this metadata key, with the reason, in the template
 * itself, where an auditor reads it.
 */
export const CONTROL_TOWER_METADATA = 'cdk-secure-sagemaker:control-tower';

/** One acknowledged control on a resource. */
export interface ControlAcknowledgement {
  readonly control: string;
  readonly reason: string;
}

/**
 * Records in `resource`'s template metadata that it does not meet the given Control Tower
 * controls (`CT.S3.PR.2`...), and why. Written once per control.
 */
export function acknowledgeControls(resource: CfnResource, reason: string, ...controls: string[]): void {
  const existing: ControlAcknowledgement[] = resource.getMetadata(CONTROL_TOWER_METADATA) ?? [];
  const added = controls.filter((c) => !existing.some((e) => e.control === c)).map((control) => ({ control, reason }));
  if (added.length > 0) {
    resource.addMetadata(CONTROL_TOWER_METADATA, [...existing, ...added]);
  }
}

/**
 * Acknowledges the Control Tower `controls` on `resource` when `value` (a subnet ID, a key ARN) will
 * be written as an import: a reference to a resource of another stack, or an `Fn::ImportValue`.
 * The controls' Guard rules accept a literal or a reference within the template and cannot follow
 * an import to the resource it names, so a correctly configured resource fails them in a
 * multi-stack layout. A literal, or a reference within the stack, is judged as it is.
 */
export function acknowledgeImportedValue(resource: CfnResource, value: string, what: string, ...controls: string[]): void {
  if (!Token.isUnresolved(value)) return;
  const stack = Stack.of(resource);
  const others = Tokenization.reverseString(value).tokens
    .filter((t): t is Reference => t instanceof Reference)
    .map((r) => Stack.of(r.target))
    .filter((s) => s !== stack);
  const imported = JSON.stringify(stack.resolve(value)).includes('Fn::ImportValue');
  if (others.length === 0 && !imported) return;
  const from = others.length > 0 ? `stack ${others[0].stackName}` : 'an exported value';
  acknowledgeControls(resource,
    `The ${what} is set, from ${from}: the template holds it as Fn::ImportValue, which the control's Guard rule cannot follow to the resource it names (it accepts literals and references within the template).`,
    ...controls);
}

/** `acknowledgeImportedValue` for a log group whose KmsKeyId, the environment's key, may be imported (CT.CLOUDWATCH.PR.3). */
export function acknowledgeImportedLogGroupKey(logGroup: CfnResource, keyArn: string): void {
  acknowledgeImportedValue(logGroup, keyArn, 'log group\'s KmsKeyId (the environment\'s customer managed key)', 'CT.CLOUDWATCH.PR.3');
}
