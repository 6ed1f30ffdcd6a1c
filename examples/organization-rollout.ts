#!/usr/bin/env node
/**
 * Rolling the guardrails and the monitoring out to every account of an organization.
 *
 * The management account (or a StackSets delegated administrator) deploys one stack:
 * - service control policies on the workload organizational unit, built from the same deny
 *   statements as the guardrail policy (organization-wide: volume and output keys, VPC,
 *   network isolation, inter-container encryption, VpcOnly Studio, instance types, tags...);
 * - a service-managed StackSet putting the guardrail policy in every account (IAM is global,
 *   so one Region), for the accounts' roles and permission sets to attach by name;
 * - a service-managed StackSet putting the monitoring (EventBridge rules per incident-playbook
 *   category, an encrypted topic and dead-letter queue, AWS Config rules) in every account and
 *   Region that runs SageMaker.
 *
 * Run: `npx cdk synth -a "npx ts-node --prefer-ts-exts examples/organization-rollout.ts"`.
 * The member stacks are synthesized in apps of their own, checked by the same compliance packs,
 * and embedded in the StackSets; they are never deployed directly.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps, BootstraplessSynthesizer, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SageMakerCompliance, SageMakerGuardrails, SageMakerSecurityMonitoring, SageMakerStackSet } from '../lib';

/** The organizational unit of the workload accounts (replace with yours). */
const WORKLOAD_OU = 'ou-ab12-workload1';
/** Regions where the organization runs SageMaker. */
const SAGEMAKER_REGIONS = ['us-east-1', 'eu-west-1'];
/** Every SageMaker resource must carry these tags. */
const REQUIRED_TAGS = ['cost-center'];
/** Name the guardrail policies get in every account. */
const GUARDRAIL_POLICY_NAME = 'sagemaker-guardrails';

/** A member app: never deployed directly, synthesized into a directory of its own, same packs. */
function memberApp(parent: App): App {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sagemaker-stackset-')),
    context: parent.node.getAllContext() as AppProps['context'],
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

/** What every workload account gets once: the guardrail policy (and boundary) under fixed names. */
export class GuardrailsMemberStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new SageMakerGuardrails(this, 'Guardrails', {
      organizationWide: true,
      policyName: GUARDRAIL_POLICY_NAME,
      requiredTags: REQUIRED_TAGS,
    });
  }
}

/** What every workload account gets in every SageMaker Region: the detective controls. */
export class MonitoringMemberStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'AlertsKey', {
      description: 'Encrypts the SageMaker security alerts of this account and Region',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new SageMakerSecurityMonitoring(this, 'SecurityMonitoring', {
      encryptionKey: key,
      configRules: true,
    });
  }
}

/** The management account's stack: SCPs on the OU and the two StackSets. */
export class OrganizationRolloutStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly parentApp: App }) {
    super(scope, id, props);

    // Service control policies: the same deny statements, enforced for every principal of the OU
    // (CloudFormation and the SageMaker console included), split under the 5,120-character limit.
    new SageMakerGuardrails(this, 'Guardrails', {
      organizationWide: true,
      requiredTags: REQUIRED_TAGS,
      permissionsBoundary: false,
      scpTargetIds: [WORKLOAD_OU],
    });

    new SageMakerStackSet(this, 'GuardrailPolicies', {
      stack: new GuardrailsMemberStack(memberApp(props.parentApp), 'sagemaker-guardrail-policies', {
        // Target accounts are not CDK-bootstrapped: no bootstrap version check in the template.
        synthesizer: new BootstraplessSynthesizer(),
        description: 'cdk-secure-sagemaker: SageMaker guardrail policies for the roles of this account',
      }),
      organizationalUnitIds: [WORKLOAD_OU],
      regions: [SAGEMAKER_REGIONS[0]],
    });

    new SageMakerStackSet(this, 'Monitoring', {
      stack: new MonitoringMemberStack(memberApp(props.parentApp), 'sagemaker-security-monitoring', {
        synthesizer: new BootstraplessSynthesizer(),
        description: 'cdk-secure-sagemaker: SageMaker security alerts and Config rules of this account and Region',
      }),
      organizationalUnitIds: [WORKLOAD_OU],
      regions: SAGEMAKER_REGIONS,
    });
  }
}

/** Builds the organization app; the test suite synthesizes the same app. */
export function buildOrganizationApp(app: App = new App()): App {
  new OrganizationRolloutStack(app, 'SageMakerOrganizationRollout', {
    description: 'cdk-secure-sagemaker example: SageMaker guardrails and monitoring for every account of an organization',
    parentApp: app,
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) {
  buildOrganizationApp().synth();
}
