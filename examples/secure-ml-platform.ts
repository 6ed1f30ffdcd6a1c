#!/usr/bin/env node
/**
 * The main example: a secure SageMaker platform (this stack) and a team's model lifecycle on it
 * (examples/model-lifecycle.ts: images, registry, promotion).
 *
 * `npx cdk synth` runs this app with every compliance pack registered; any unacknowledged finding
 * (cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1, SageMakerSecurity, or
 * CloudFormation Validate, and AWS Control Tower's proactive controls) fails the synth.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  DataAccess,
  EndpointImage,
  ModelData,
  SageMakerCompliance,
  SageMakerEndpointService,
  SageMakerEnvironment,
  SageMakerGuardrails,
  SageMakerSecurityMonitoring,
  SageMakerWorkloadRole,
  SecureEndpoint,
  SecureNotebook,
  SecureStudioDomain,
  SecureTrainingJob,
  TrainingImage,
} from '../lib';
import { buildAllStacks } from './model-lifecycle';
import { buildReport, renderMarkdown, renderSummary } from '../lib/report';
import { render } from '../lib/report/cfn';
// The second stack (images, model promotion), used by the main block only.

/** The platform team's stack: the shared environment and what data scientists get. */
export class SecureMlPlatformStack extends Stack {
  /** The shared foundation. */
  public readonly platform: SageMakerEnvironment;

  /** The preventive guardrails (policies on every role, boundary, SCP documents). */
  public readonly guardrails: SageMakerGuardrails;

  /** The churn model's training. */
  public readonly training: SecureTrainingJob;

  /** The endpoint serving the churn model. */
  public readonly churnEndpoint: SecureEndpoint;

  /** The role of the team's pipeline. */
  public readonly pipelineRole: SageMakerWorkloadRole;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.platform = new SageMakerEnvironment(this, 'Environment', {
      environmentName: 'ml-platform',
    });

    // A pipeline role that may read the curated datasets and write models, and nothing else.
    // Its permissions live in a customer-managed policy of its own (no inline policies).
    const pipelineRole = this.pipelineRole = new SageMakerWorkloadRole(this, 'PipelineRole', {
      description: 'Example workload role: reads datasets/curated/, writes models/',
    });
    this.platform.dataBucket.grantRead(pipelineRole, 'datasets/curated/');
    this.platform.artifactsBucket.grantReadWrite(pipelineRole, 'models/');

    // Training runs as Step Functions executions: isolated, encrypted, bounded; the pipeline role may start them.
    const training = this.training = new SecureTrainingJob(this, 'ChurnTraining', {
      environment: this.platform,
      jobNamePrefix: 'churn',
      image: TrainingImage.fromDeepLearningContainer(`763104351884.dkr.ecr.${this.region}.amazonaws.com/pytorch-training:2.3.0-cpu-py311`),
      inputs: [{ channelName: 'train', bucket: this.platform.dataBucket, prefix: 'datasets/curated/' }],
      outputPrefix: 'models/churn/',
      hyperparameters: { epochs: '10' },
      maxRuntime: Duration.hours(6),
    });
    training.grantStartExecution(pipelineRole);

    // A data scientist's notebook: reads the curated datasets, writes features; stops when idle.
    const notebook = new SecureNotebook(this, 'ExploreNotebook', {
      environment: this.platform,
      notebookName: 'team-a-explore',
      dataAccess: [
        { bucket: this.platform.dataBucket, prefix: 'datasets/curated/' },
        { bucket: this.platform.artifactsBucket, prefix: 'features/team-a/', access: DataAccess.READ_WRITE },
      ],
    });

    // The data scientist may open that notebook, and only that one.
    const dataScientist = new SageMakerWorkloadRole(this, 'DataScientistRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Example human role: may open the team-a-explore notebook',
    });
    notebook.grantPresignedUrl(dataScientist, {
      vpcEndpoints: [this.platform.network.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!],
    });

    // A real-time endpoint serving the churn model: private, encrypted, 2 instances, data capture, alarms.
    const churnEndpoint = this.churnEndpoint = new SecureEndpoint(this, 'ChurnEndpoint', {
      environment: this.platform,
      endpointName: 'team-a-churn',
      model: {
        image: EndpointImage.fromDlc(`763104351884.dkr.ecr.${this.region}.amazonaws.com/sklearn-inference:1.2-1-cpu-py3`),
        modelData: ModelData.fromBucket(this.platform.artifactsBucket, 'models/churn/v1/model.tar.gz'),
      },
      autoScaling: { maxCapacity: 4, targetInvocationsPerInstance: 200 },
    });
    // The data scientist may invoke that endpoint, and only through the VPC's sagemaker.runtime endpoint.
    churnEndpoint.grantInvokeWithOptions(dataScientist, { vpcEndpoints: [churnEndpoint.runtimeVpcEndpoint] });

    // A VpcOnly Studio domain with two users, each with an own, audited role.
    const studio = new SecureStudioDomain(this, 'Studio', { environment: this.platform, domainName: 'ml-platform' });
    const alice = studio.addUserProfile('alice');
    studio.addUserProfile('bob');
    // Opens Studio as alice, only through the VPC's SageMaker API endpoint.
    const studioLauncher = new SageMakerWorkloadRole(this, 'StudioLauncher', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Example human role: opens Studio as alice from inside the VPC',
    });
    studio.grantPresignedDomainUrl(studioLauncher, alice, {
      vpcEndpoints: [this.platform.network.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!],
    });

    // Preventive controls: deny insecure SageMaker requests (unencrypted, outside the VPC, wrong
    // instance types, presigned URLs from outside the VPC...) for every role of this stack: the
    // library's workload and job roles, the Step Functions role that starts training jobs, and
    // the humans of the platform. Each construct's own requests pass (proven in the tests).
    const sageMakerApi = this.platform.network.endpointFor(SageMakerEndpointService.SAGEMAKER_API)!;
    const guardrails = this.guardrails = new SageMakerGuardrails(this, 'Guardrails', {
      environment: this.platform,
      // Each workload's security groups (and those of the jobs it starts) join the allowlist.
      workloads: [notebook, training, churnEndpoint, studio],
      presignedUrlVpcEndpointIds: [sageMakerApi.vpcEndpointId],
    });
    guardrails.attachToRolesIn(this);
    // Human roles also get the guardrails as permissions boundary: nothing granted later can exceed it.
    for (const role of [dataScientist, studioLauncher]) {
      guardrails.applyPermissionsBoundaryTo(role);
    }

    // Detective controls: the incident playbook's API calls by threat category, an encrypted trail
    // with S3 data events, and AWS Config rules for SageMaker.
    new SageMakerSecurityMonitoring(this, 'SecurityMonitoring', {
      environment: this.platform,
      watchedRoles: [pipelineRole, notebook.jobRole],
      watchedWorkloads: [notebook, training, churnEndpoint],
      trail: true,
      configRules: true,
      alertEmails: ['secops@example.com'],
    });
  }
}

/** Adds the example's stack to `app`. */
export function buildStacks(app: App): App {
  new SecureMlPlatformStack(app, 'SecureMlPlatform', {
    description: 'cdk-secure-sagemaker example: isolated SageMaker environment',
  });
  return app;
}

/** Builds the example app with every pack; the test suite synthesizes the same app. */
export function buildApp(app: App = new App()): App {
  SageMakerCompliance.applyTo(buildStacks(app));
  return app;
}

if (require.main === module) {
  // Synthesize (every pack runs; a finding fails here), then write the reviewer report and the
  // SCP documents next to the templates and print the report's one-screen summary.
  // AWS Control Tower's proactive controls judge the written template too (CloudFormation Guard).
  const app = buildAllStacks(new App());
  SageMakerCompliance.applyTo(app, { controlTower: new CfnGuardValidator() });
  const assembly = app.synth();
  const report = buildReport(assembly.directory);
  const reportFile = path.join(assembly.directory, 'security-report.md');
  fs.writeFileSync(reportFile, renderMarkdown(report));
  const stack = app.node.findAll().find((c): c is SecureMlPlatformStack => c instanceof SecureMlPlatformStack)!;
  const scpFile = path.join(assembly.directory, 'guardrail-scps.json');
  fs.writeFileSync(scpFile, `${JSON.stringify(scpDocumentsOf(stack), undefined, 2)}\n`);
  process.stderr.write(`${renderSummary(report, reportFile)}  SCP documents written to ${scpFile}\n`);
}

/**
 * The service control policies pinned to this environment, for the platform team's management
 * account: the same deny statements as the policy on every role. References to this stack's
 * subnets, security groups, key and VPC endpoint appear as `<LogicalId>` placeholders, to be
 * replaced with the deployed IDs (organization-wide SCPs that need no IDs: examples/organization-rollout.ts).
 * Defined after the main block because it uses the report's internal renderer, which is not part
 * of the package (and so not of the Python example).
 */
export function scpDocumentsOf(stack: SecureMlPlatformStack): unknown[] {
  return stack.guardrails.scpDocuments().map((doc) => JSON.parse(render(stack.resolve(doc))));
}
