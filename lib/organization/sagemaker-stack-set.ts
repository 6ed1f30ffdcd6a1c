import * as fs from 'fs';
import * as path from 'path';
import { CfnStackSet, Stack, Stage, Token } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { assetsOf } from '../private/assets';
import { validationError } from '../private/errors';
import { ORGANIZATION_ROOT_ID, ORGANIZATIONAL_UNIT_ID } from '../private/names';

const OU_OR_ROOT = new RegExp(`^(${ORGANIZATIONAL_UNIT_ID}|${ORGANIZATION_ROOT_ID})$`);

/**
 * Properties of a `SageMakerStackSet`.
 */
export interface SageMakerStackSetProps {
  /**
   * The stack to roll out: environment-agnostic (no `env`), without assets or parameters,
   * synthesized without the CDK bootstrap check (`synthesizer: new BootstraplessSynthesizer()`:
   * target accounts need not be bootstrapped), and in an app or stage of its own, one per
   * StackSet (it is synthesized here, once, and never deployed directly). Typically it holds
   * an organization-wide `SageMakerGuardrails` (IAM is global: roll it out to one Region) or a
   * `SageMakerSecurityMonitoring` with its own key (every Region).
   */
  readonly stack: Stack;

  /**
   * Organizational units (`ou-...`) or the root (`r-...`) whose accounts get the stack. New
   * accounts in them get it too while `autoDeployment` is on.
   */
  readonly organizationalUnitIds: string[];

  /**
   * Regions each account gets the stack in (at least one).
   */
  readonly regions: string[];

  /**
   * Name of the StackSet.
   *
   * @default - the rolled-out stack's name
   */
  readonly stackSetName?: string;

  /**
   * Deploy to accounts that join the organizational units later, and remove from those that leave.
   *
   * @default true
   */
  readonly autoDeployment?: boolean;

  /**
   * Keep the stacks (and their retained keys and logs) in accounts that leave the organizational
   * units, rather than deleting them.
   *
   * @default true
   */
  readonly retainStacksOnAccountRemoval?: boolean;

  /**
   * Deploy as a delegated administrator of StackSets rather than from the management account.
   *
   * @default false
   */
  readonly delegatedAdmin?: boolean;

  /**
   * Percentage of accounts deployed at the same time, per Region (1-100).
   *
   * @default 25
   */
  readonly maxConcurrentPercentage?: number;

  /**
   * Percentage of accounts that may fail per Region before CloudFormation stops the operation
   * (0-100). Guardrails should reach every account, so failures stop the roll-out by default.
   *
   * @default 0
   */
  readonly failureTolerancePercentage?: number;
}

/**
 * Rolls a stack out to every account of organizational units, in the given Regions, with a
 * service-managed CloudFormation StackSet (`AWS::CloudFormation::StackSet`, permission model
 * `SERVICE_MANAGED`, automatic deployment to new accounts, managed execution).
 *
 * The stack is synthesized where it is defined (its own app, so every compliance pack registered
 * there checks it) and its template is embedded in the StackSet: inline when it fits
 * CloudFormation's 51,200-byte `TemplateBody`, otherwise as a file asset (`TemplateURL`) in the
 * deploying account's bootstrap bucket.
 *
 * Deploy the stack holding it in the organization's management account (or, with
 * `delegatedAdmin`, a StackSets delegated administrator), with trusted access for StackSets
 * enabled in AWS Organizations.
 */
export class SageMakerStackSet extends Construct {
  /** CloudFormation's limit of an inline template body, in bytes. */
  public static readonly TEMPLATE_BODY_LIMIT = 51200;

  /** The StackSet. */
  public readonly stackSet: CfnStackSet;

  /** The stack that is rolled out (defined in an app or stage of its own). */
  public readonly rolledOutStack: Stack;

  /** The template that is rolled out, as synthesized. */
  public readonly template: Record<string, unknown>;

  /** How the template is passed: `TemplateBody` (inline) or `TemplateURL` (asset). */
  public readonly templateDelivery: string;

  constructor(scope: Construct, id: string, props: SageMakerStackSetProps) {
    super(scope, id);
    this.validate(props);
    this.rolledOutStack = props.stack;

    const memberStage = Stage.of(props.stack);
    if (!memberStage || memberStage === Stage.of(this)) {
      throw validationError(this, 'StackSetStackInSameApp',
        `\`stack\` ${props.stack.node.path} is in the same app or stage as this StackSet, so \`cdk deploy\` would also deploy it to this account. Define it in an app (or Stage) of its own, e.g. \`new Stack(new App(), '${props.stack.stackName}')\`.`);
    }
    const assembly = memberStage.synth();
    const artifact = assembly.getStackArtifact(props.stack.artifactId);
    const assets = assetsOf(artifact);
    if (assets > 0) {
      throw validationError(this, 'StackSetStackWithAssets',
        `\`stack\` ${props.stack.node.path} has ${assets} file or image asset(s) (Lambda code, bundled files...). A StackSet deploys to other accounts, which cannot read this account's asset bucket: inline the code or publish it to a location every target account can read.`);
    }
    this.template = artifact.template;
    const parameters = Object.keys((this.template.Parameters ?? {}) as Record<string, unknown>);
    if (parameters.includes('BootstrapVersion')) {
      throw validationError(this, 'StackSetStackNeedsBootstrap',
        `\`stack\` ${props.stack.node.path} checks the CDK bootstrap version (parameter BootstrapVersion), which fails in accounts that are not bootstrapped. Define it with \`synthesizer: new BootstraplessSynthesizer()\` (or \`new DefaultStackSynthesizer({ generateBootstrapVersionRule: false })\`).`);
    }
    if (parameters.length > 0) {
      throw validationError(this, 'StackSetStackWithParameters',
        `\`stack\` ${props.stack.node.path} has parameters (${parameters.join(', ')}), which this StackSet does not set: use constants or context values in the stack instead.`);
    }
    const text = JSON.stringify(this.template);
    const byteLength = Buffer.byteLength(text, 'utf8');

    let templateBody: string | undefined;
    let templateUrl: string | undefined;
    if (byteLength <= SageMakerStackSet.TEMPLATE_BODY_LIMIT) {
      templateBody = text;
      this.templateDelivery = 'TemplateBody';
    } else {
      const file = path.join(assembly.directory, `${artifact.id}.stackset.template.json`);
      fs.writeFileSync(file, text);
      templateUrl = new s3assets.Asset(this, 'Template', { path: file }).httpUrl;
      this.templateDelivery = 'TemplateURL';
    }

    const resourceTypes = Object.values((this.template.Resources ?? {}) as Record<string, { Type: string }>).map((r) => r.Type);
    const capabilities = resourceTypes.some((t) => t.startsWith('AWS::IAM::')) ? ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] : undefined;

    this.stackSet = new CfnStackSet(this, 'Resource', {
      stackSetName: props.stackSetName ?? props.stack.stackName,
      description: props.stack.templateOptions.description,
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: {
        enabled: props.autoDeployment ?? true,
        retainStacksOnAccountRemoval: props.retainStacksOnAccountRemoval ?? true,
      },
      callAs: props.delegatedAdmin ? 'DELEGATED_ADMIN' : 'SELF',
      managedExecution: { Active: true },
      capabilities,
      operationPreferences: {
        maxConcurrentPercentage: props.maxConcurrentPercentage ?? 25,
        failureTolerancePercentage: props.failureTolerancePercentage ?? 0,
        regionConcurrencyType: 'PARALLEL',
      },
      stackInstancesGroup: [{
        deploymentTargets: { organizationalUnitIds: props.organizationalUnitIds },
        regions: props.regions,
      }],
      templateBody,
      templateUrl,
    });
  }

  private validate(props: SageMakerStackSetProps): void {
    const stack = props.stack;
    if (!Token.isUnresolved(stack.account) || !Token.isUnresolved(stack.region)) {
      throw validationError(this, 'StackSetStackNotAgnostic',
        `\`stack\` ${stack.node.path} is bound to ${stack.account}/${stack.region}: a StackSet deploys the same template to many accounts and Regions, so define the stack without \`env\`.`);
    }
    if (props.organizationalUnitIds.length === 0) {
      throw validationError(this, 'StackSetNoTargets', '`organizationalUnitIds` is empty: list the organizational units (ou-...) or the root (r-...) to roll out to.');
    }
    for (const ou of props.organizationalUnitIds) {
      if (!Token.isUnresolved(ou) && !OU_OR_ROOT.test(ou)) {
        throw validationError(this, 'StackSetInvalidTarget',
          `\`organizationalUnitIds\` has '${ou}', which is not an organizational unit ID (ou-xxxx-yyyyyyyy) or a root ID (r-xxxx). Service-managed StackSets target organizational units, not accounts.`);
      }
    }
    if (props.regions.length === 0) {
      throw validationError(this, 'StackSetNoRegions', '`regions` is empty: list at least one Region, e.g. \'us-east-1\'.');
    }
    for (const region of props.regions) {
      if (!Token.isUnresolved(region) && !/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(region)) {
        throw validationError(this, 'StackSetInvalidRegion', `\`regions\` has '${region}', which is not a Region name such as 'eu-west-1'.`);
      }
    }
    if (new Set(props.regions).size !== props.regions.length) {
      throw validationError(this, 'StackSetDuplicateRegion', '`regions` lists a Region twice: list each once.');
    }
    const percentage = (name: string, value: number | undefined, min: number) => {
      if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > 100)) {
        throw validationError(this, 'StackSetInvalidPercentage', `\`${name}\` is ${value}: give a whole percentage from ${min} to 100.`);
      }
    };
    percentage('maxConcurrentPercentage', props.maxConcurrentPercentage, 1);
    percentage('failureTolerancePercentage', props.failureTolerancePercentage, 0);
    if (props.stackSetName !== undefined && !Token.isUnresolved(props.stackSetName) && !/^[a-zA-Z][a-zA-Z0-9-]{0,127}$/.test(props.stackSetName)) {
      throw validationError(this, 'StackSetInvalidName', `\`stackSetName\` '${props.stackSetName}' is not a StackSet name: start with a letter, then letters, digits and hyphens, at most 128 characters.`);
    }
  }
}
