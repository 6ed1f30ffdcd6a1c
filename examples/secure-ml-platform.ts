#!/usr/bin/env node
/**
 * The main example: a secure SageMaker platform in one stack.
 *
 * `npx cdk synth` runs this app with every compliance pack registered; any unacknowledged finding
 * (cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1, SageMakerSecurity, or
 * CloudFormation Validate) fails the synth.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DataAccess, SageMakerCompliance, SageMakerEnvironment, SageMakerWorkloadRole, SecureNotebook } from '../lib';

/** The platform team's stack: the shared environment and what data scientists get. */
export class SecureMlPlatformStack extends Stack {
  /** The shared foundation. */
  public readonly platform: SageMakerEnvironment;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.platform = new SageMakerEnvironment(this, 'Environment', {
      environmentName: 'ml-platform',
    });

    // A pipeline role that may read the curated datasets and write models, and nothing else.
    // Its permissions live in a customer-managed policy of its own (no inline policies).
    const pipelineRole = new SageMakerWorkloadRole(this, 'PipelineRole', {
      description: 'Example workload role: reads datasets/curated/, writes models/',
    });
    this.platform.dataBucket.grantRead(pipelineRole, 'datasets/curated/');
    this.platform.artifactsBucket.grantReadWrite(pipelineRole, 'models/');

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
    notebook.grantPresignedUrl(dataScientist);
  }
}

/** Builds the example app; the test suite synthesizes the same app. */
export function buildApp(app: App = new App()): App {
  new SecureMlPlatformStack(app, 'SecureMlPlatform', {
    description: 'cdk-secure-sagemaker example: isolated SageMaker environment',
  });
  SageMakerCompliance.applyTo(app);
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
