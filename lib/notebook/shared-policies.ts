import { ArnFormat, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { ISageMakerEnvironment } from '../environment/interfaces';
import { secureJobLaunchConditions } from '../private/job-launch';
import { SharedPolicyPrincipal } from '../private/policy-principal';
import { NOTEBOOK_OWNER_TAG, NOTEBOOK_ROLE_TAGS, principalTagVariable } from '../private/tags';
import { grantVpcNetworkInterfaces } from '../private/vpc-access';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/** `${aws:PrincipalTag/secure-sagemaker-notebook}`: the notebook a role belongs to. */
const NOTEBOOK = principalTagVariable(NOTEBOOK_ROLE_TAGS.name);

/** The job security group named by the role's tag. */
const JOB_SECURITY_GROUP = principalTagVariable(NOTEBOOK_ROLE_TAGS.jobSecurityGroup);

/** The job role named by the role's tag. */
const JOB_ROLE = principalTagVariable(NOTEBOOK_ROLE_TAGS.jobRole);

/** The two job types a notebook launches, their ARN resource types and log groups. */
const JOB_RESOURCES = ['training-job', 'processing-job'];
const JOB_LOG_GROUPS = ['TrainingJobs', 'ProcessingJobs'];

/** Key prefix of a notebook's workspace in the artifacts bucket. */
export function notebookWorkspacePrefix(notebookName: string): string {
  return `notebooks/${notebookName}/`;
}

/**
 * The customer-managed policies that every notebook of one environment (in one stack) shares:
 * what a notebook role and a notebook's job role may do with their own workspace, logs, jobs and
 * instance. Each statement names the notebook through the role's tags
 * (`${aws:PrincipalTag/secure-sagemaker-notebook}` and the job group and job role tags), so one
 * policy serves every notebook and a role still reaches only what its tags name. A notebook then
 * costs no policy of its own unless it has data prefixes (`dataAccess`), a key other than the
 * environment's, or grants from the app.
 *
 * Found through the tree: a child of the environment when the notebook is in the environment's
 * stack, else a child of the notebook's stack (so a team stack never adds resources to the
 * platform stack).
 */
export class SharedNotebookPolicies extends Construct {
  /** The shared policies of `env`'s notebooks in `scope`'s stack (created with the first notebook). */
  public static of(scope: IConstruct, env: ISageMakerEnvironment): SharedNotebookPolicies {
    const stack = Stack.of(scope);
    const sameStack = Stack.of(env) === stack;
    const parent: Construct = sameStack ? env as unknown as Construct : stack;
    const id = sameStack ? 'NotebookPolicies' : `NotebookPolicies${Names.nodeUniqueId(env.node)}`;
    const existing = parent.node.tryFindChild(id);
    return existing instanceof SharedNotebookPolicies ? existing : new SharedNotebookPolicies(parent, id, env);
  }

  /** What every notebook role of the environment may do: its workspace, logs, jobs and instance. */
  public readonly notebookPolicy: iam.ManagedPolicy;

  /**
   * Launching jobs with the environment's key, only in the environment's subnets, only with the
   * role's job security group, and passing only the role's job role (for notebooks whose ML
   * volume uses the environment's key; others carry the same statement with their key).
   */
  public readonly jobLaunchPolicy: iam.ManagedPolicy;

  /** What every job role of the environment's notebooks may do: the workspace, job logs, VPC interfaces. */
  public readonly jobPolicy: iam.ManagedPolicy;

  private constructor(scope: Construct, id: string, private readonly env: ISageMakerEnvironment) {
    super(scope, id);
    const described = Token.isUnresolved(env.environmentName) ? '' : ` ${env.environmentName}`;
    this.notebookPolicy = new iam.ManagedPolicy(this, 'NotebookPolicy', {
      description: `What a notebook role of environment${described} may do: its own workspace, logs, jobs and instance, named by the role's tag ${NOTEBOOK_ROLE_TAGS.name}`,
    });
    this.jobLaunchPolicy = new iam.ManagedPolicy(this, 'JobLaunchPolicy', {
      description: `How a notebook of environment${described} may launch jobs: the environment's subnets and key, the job security group and job role named by the role's tags, network isolation and inter-container encryption`,
    });
    this.jobPolicy = new iam.ManagedPolicy(this, 'JobPolicy', {
      description: `What a job launched from a notebook of environment${described} may do: the notebook's workspace, job logs and network interfaces in the environment's VPC, named by the role's tags`,
    });
    this.grantNotebooks();
    this.grantJobLaunch();
    this.grantJobs();
  }

  private grantNotebooks(): void {
    const stack = Stack.of(this);
    const policy = this.notebookPolicy;
    const notebooks = this.principal(policy, 'notebook roles');
    this.env.artifactsBucket.grantReadWrite(notebooks, notebookWorkspacePrefix(NOTEBOOK));
    grantLogs(notebooks, stack, 'NotebookInstances', `${NOTEBOOK}/*`,
      `Log streams of the role's own notebook only: SageMaker names them '<notebook>/<suffix>' in /aws/sagemaker/NotebookInstances, and the role's tag ${NOTEBOOK_ROLE_TAGS.name} names the notebook; the wildcard is the per-instance suffix.`);
    const jobArns = jobArnsOf(stack);
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'TagOwnJobsAtCreation',
        actions: ['sagemaker:AddTags'],
        resources: jobArns,
        conditions: {
          StringEquals: {
            'sagemaker:TaggingAction': ['CreateTrainingJob', 'CreateProcessingJob'],
            [`aws:RequestTag/${NOTEBOOK_OWNER_TAG}`]: NOTEBOOK,
          },
        },
      }),
      new iam.PolicyStatement({
        sid: 'SeeAndStopOwnJobsOnly',
        actions: ['sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob'],
        resources: jobArns,
        conditions: { StringEquals: { [`aws:ResourceTag/${NOTEBOOK_OWNER_TAG}`]: NOTEBOOK } },
      }),
      // Reading job logs (estimator.fit(logs=True)): the job log groups, whose streams are named per job.
      new iam.PolicyStatement({
        sid: 'ReadJobLogs',
        actions: ['logs:DescribeLogStreams', 'logs:GetLogEvents'],
        resources: JOB_LOG_GROUPS.flatMap((group) => [logGroupArn(stack, group), `${logGroupArn(stack, group)}:log-stream:*`]),
      }),
      new iam.PolicyStatement({
        sid: 'ThisNotebookOnly',
        actions: ['sagemaker:DescribeNotebookInstance', 'sagemaker:StopNotebookInstance'],
        resources: [stack.formatArn({ service: 'sagemaker', resource: 'notebook-instance', resourceName: NOTEBOOK })],
      }),
    );
    acknowledgeNotebookJobArns(notebooks, this);
    acknowledgeScopedWildcards(notebooks, JOB_LOG_GROUPS.map((group) => `${logGroupArn(stack, group)}:log-stream:*`),
      'Read-only access to the log streams of SageMaker jobs so that the notebook can show job logs; stream names are generated per job and host.');
  }

  private grantJobLaunch(): void {
    const stack = Stack.of(this);
    const launch = this.principal(this.jobLaunchPolicy, 'notebook roles');
    for (const statement of notebookJobLaunchStatements(this, this.env, {
      keyArn: this.env.key.keyArn,
      jobSecurityGroupId: JOB_SECURITY_GROUP,
      jobRoleArn: stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: JOB_ROLE }),
      notebookName: NOTEBOOK,
    })) {
      launch.addToPrincipalPolicy(statement);
    }
    acknowledgeNotebookJobArns(launch, this);
  }

  private grantJobs(): void {
    const stack = Stack.of(this);
    const jobs = this.principal(this.jobPolicy, 'notebook job roles');
    this.env.artifactsBucket.grantReadWrite(jobs, notebookWorkspacePrefix(NOTEBOOK));
    for (const group of JOB_LOG_GROUPS) {
      grantLogs(jobs, stack, group, '*',
        `SageMaker names the streams of /aws/sagemaker/${group} after each job and host at run time; the role may only create streams and put events there, not read or delete.`);
    }
    // Network interfaces of VPC jobs: only in the environment's subnets, only with the role's job security group.
    grantVpcNetworkInterfaces(jobs, this.env.network, { scope: this, securityGroupId: JOB_SECURITY_GROUP }, {
      create: 'JobNetworkInterfacesUseEnvironmentSubnetsAndJobGroup',
      inVpc: 'JobNetworkInterfacesInEnvironmentVpc',
      describe: 'DescribeNetworkForVpcJobs',
    }, 'Network interfaces that SageMaker creates for VPC jobs get their IDs at run time; the statement is limited by condition to the environment VPC, and creation to the environment subnets and the job security group.');
    acknowledgeScopedWildcards(jobs, ['*'], 'ec2:Describe* calls for VPC jobs support no resource-level permissions (read-only).');
  }

  /** A grantee whose statements land in `policy` (it names no principal of its own). */
  private principal(policy: iam.ManagedPolicy, who: string): iam.IPrincipal {
    return new SharedPolicyPrincipal(this, policy, {
      code: 'SharedNotebookPolicyIsNotAPrincipal',
      message: `the shared policy of the ${who} of environment ${this.env.environmentName} has no principal of its own for a resource policy to name: grant the notebook's role (\`notebook.role\` or \`notebook.jobRole\`).`,
    });
  }
}

/**
 * The statement with which a notebook launches secure jobs (see `jobLaunchPolicy`), for `keyArn`
 * and the job security group and role named by the given values (the role's tags in the shared
 * policy, the notebook's own group and role in a policy of its own).
 */
export function notebookJobLaunchStatements(scope: IConstruct, env: ISageMakerEnvironment, launch: {
  readonly keyArn: string;
  readonly jobSecurityGroupId: string;
  readonly jobRoleArn: string;
  readonly notebookName: string;
}): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const jobArns = jobArnsOf(stack);
  return [
    new iam.PolicyStatement({
      sid: 'LaunchSecureJobsOnly',
      actions: ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob'],
      resources: jobArns,
      conditions: secureJobLaunchConditions({
        subnetIds: env.network.vpc.selectSubnets(env.network.vpcSubnets).subnetIds,
        securityGroupIds: [launch.jobSecurityGroupId],
        volumeKmsKeyArn: launch.keyArn,
        outputKmsKeyArn: launch.keyArn,
        networkIsolation: true,
        interContainerEncryption: true,
        ownerTag: { key: NOTEBOOK_OWNER_TAG, value: launch.notebookName },
      }),
    }),
    new iam.PolicyStatement({
      sid: 'PassOnlyTheJobRole',
      actions: ['iam:PassRole'],
      resources: [launch.jobRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }),
  ];
}

/** The job-ARN wildcard reason, on the policy that holds the launch statement. */
export function acknowledgeNotebookJobArns(grantee: iam.IGrantable, scope: IConstruct): void {
  acknowledgeScopedWildcards(grantee, jobArnsOf(Stack.of(scope)),
    'Job names are chosen by the SageMaker Python SDK at run time, so the ARN ends in a wildcard; creation is allowed only with the environment subnets, job security group, KMS key, network isolation, inter-container encryption and the notebook\'s ownership tag, and describe/stop only on jobs carrying that tag.');
}

function jobArnsOf(stack: Stack): string[] {
  return JOB_RESOURCES.map((r) => stack.formatArn({ service: 'sagemaker', resource: r, resourceName: '*' }));
}

function logGroupArn(stack: Stack, group: string): string {
  return stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/${group}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Creating one of SageMaker's log groups and writing the given streams of it. */
function grantLogs(grantee: iam.IPrincipal, stack: Stack, group: string, streams: string, reason: string): void {
  const streamArn = `${logGroupArn(stack, group)}:log-stream:${streams}`;
  grantee.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: [logGroupArn(stack, group)] }));
  grantee.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streamArn] }));
  acknowledgeScopedWildcards(grantee, [streamArn], reason);
}
