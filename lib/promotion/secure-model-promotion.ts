import { Annotations, ArnFormat, Aws, Duration, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ModelApproval, PromotionTrafficShift } from './promotion-options';
import { SecureEndpoint } from '../endpoint/secure-endpoint';
import { ISageMakerEnvironment } from '../environment/interfaces';
import { SageMakerWorkloadRole } from '../environment/workload-role';
import { acknowledge } from '../private/acknowledge';
import { validationError } from '../private/errors';
import { managedPolicyGrantee } from '../private/grants';
import { claimSageMakerName, NAME_KINDS } from '../private/name-registry';
import { arnResourceName, defaultSageMakerName, sageMakerNamePattern } from '../private/names';
import * as perms from '../private/perms';
import { ENVIRONMENT_TAG, PROMOTION_OWNER_TAG } from '../private/tags';
import { acknowledgeScopedWildcards } from '../private/wildcards';
import { SecureTrainingJob } from '../training/secure-training-job';

/** Model and endpoint config names are `<prefix>-<execution name>` (at most 63; execution names 1-80, UUIDs 36). */
const MAX_PREFIX_LENGTH = 26;

/** UpdateEndpoint's bounds (API_BlueGreenUpdatePolicy). */
const MAX_TERMINATION_WAIT_SECONDS = 3600;
const MIN_DEPLOYMENT_TIMEOUT_SECONDS = 600;
const MAX_DEPLOYMENT_TIMEOUT_SECONDS = 14_400;

/** AutoRollbackConfig accepts 1-10 alarms. */
const MAX_ROLLBACK_ALARMS = 10;

/** How often the execution reads the endpoint's status during a deployment. */
const DEPLOYMENT_POLL_SECONDS = 60;

/**
 * A Standard workflow execution has at most 25,000 history events (Step Functions quotas); one
 * poll (Wait, Task, Choice, Pass) writes about 11. The approval wait may poll at most this often,
 * so that training, the approval and the deployment fit in one execution's history.
 */
const MAX_APPROVAL_POLLS = 1500;

/** The EventBridge rule Step Functions manages for `startExecution.sync:2`. */
const SYNC_EVENT_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/**
 * Properties of a `SecureModelPromotion`.
 */
export interface SecureModelPromotionProps {
  /**
   * The endpoint the approved model versions are deployed to. The new versions repeat its model
   * role, network, isolation, instances, storage key and data capture; only the artifact changes.
   */
  readonly endpoint: SecureEndpoint;

  /**
   * The training whose runs produce the model versions. Each execution's artifact is
   * `<training output prefix><training job prefix>-<name>/output/model.tar.gz`.
   */
  readonly training: SecureTrainingJob;

  /**
   * Start a training run first (a nested execution of the training's state machine named like
   * this execution, waited for with `startExecution.sync:2`). With `false`, each execution
   * promotes the output of an earlier run, named by the execution input
   * `{"trainingExecutionName": "<name>"}`.
   *
   * @default true
   */
  readonly trainFirst?: boolean;

  /**
   * Name of the model package group (the registry of versions): 1-63 letters, digits and hyphens.
   *
   * @default - derived from the construct path
   */
  readonly modelPackageGroupName?: string;

  /**
   * Prefix of the models and endpoint configurations the executions create (`<prefix>-<execution
   * name>`): 1-26 letters, digits and single hyphens.
   *
   * @default - derived from the construct path
   */
  readonly namePrefix?: string;

  /**
   * How versions are approved.
   *
   * @default ModelApproval.manual() - a person approves; the execution polls every 10 minutes for 7 days
   */
  readonly approval?: ModelApproval;

  /**
   * How traffic shifts to the new model.
   *
   * @default - a canary of 50% of the instances for 10 minutes, then the rest; all at once with a 10-minute bake for a single-instance endpoint
   */
  readonly trafficShift?: PromotionTrafficShift;

  /**
   * How long the old fleet is kept after all traffic has shifted: the final baking period, during
   * which an alarm still rolls back. 0-3600 seconds.
   *
   * @default Duration.minutes(10)
   */
  readonly terminationWait?: Duration;

  /**
   * The longest a deployment may take before SageMaker rolls it back, 10 minutes to 4 hours.
   *
   * @default Duration.hours(2)
   */
  readonly maximumDeploymentTime?: Duration;

  /**
   * The alarm names that roll a deployment back when any is in ALARM (1-10). They must watch the
   * endpoint's metrics (`EndpointName`, `VariantName` dimensions).
   *
   * @default - the endpoint's alarms: 5XX errors, model latency, memory and disk utilization
   */
  readonly rollbackAlarmNames?: string[];

  /**
   * MIME types the model accepts, recorded in each version's inference specification.
   *
   * @default ['application/json']
   */
  readonly supportedContentTypes?: string[];

  /**
   * MIME types the model answers with, recorded in each version's inference specification.
   *
   * @default ['application/json']
   */
  readonly supportedResponseMimeTypes?: string[];
}

/**
 * Train, register, approve, deploy: a Step Functions state machine that makes promoting a model
 * an execution, not a `cdk deploy`.
 *
 * 1. **Train** (unless `trainFirst: false`): a nested execution of the `SecureTrainingJob`'s state
 *    machine, named like this execution, so the training job is `<prefix>-<execution name>`.
 * 2. **Register** the artifact as a new version in the model package group (the registry),
 *    encrypted with the environment key, `PendingManualApproval` (or `Approved` with
 *    `ModelApproval.automatic(condition)`).
 * 3. **Wait for approval**: the execution reads the version's status until it is `Approved`
 *    (continue), `Rejected` (fail) or the approval timeout passes (fail). Approvers are granted
 *    with `grantApprove`; the state machine's role cannot approve.
 * 4. **Deploy** with SageMaker's deployment guardrails: a model and endpoint configuration that
 *    repeat the endpoint's (model role, VPC, network isolation, instances, storage key, data
 *    capture), then UpdateEndpoint with a blue/green traffic shift and automatic rollback on the
 *    endpoint's alarms.
 * 5. **Confirm**: the execution follows the endpoint until it is `InService` on the new
 *    configuration (succeeds), back on the old one (fails with `RolledBack`) or `Failed`.
 *
 * The state machine role may create only pending versions in this group, only models with the
 * endpoint's role, subnets, security group and network isolation, only endpoint configurations
 * with this prefix, the endpoint's instance type and storage key, and update only this endpoint.
 * All events are logged to an encrypted log group; X-Ray tracing is on.
 */
export class SecureModelPromotion extends Resource {
  /** Tag key on every model and endpoint configuration an execution creates (value: the name prefix). */
  public static readonly OWNER_TAG = PROMOTION_OWNER_TAG;

  /** The state machine; start an execution to promote a new model version. */
  public readonly stateMachine: sfn.StateMachine;

  /** The model package group: the registry of versions. */
  public readonly modelPackageGroup: sagemaker.CfnModelPackageGroup;

  /** Name of the model package group. */
  public readonly modelPackageGroupName: string;

  /** ARN of the model package group. */
  public readonly modelPackageGroupArn: string;

  /** Role of the state machine. */
  public readonly stateMachineRole: SageMakerWorkloadRole;

  /** Log group of the executions. */
  public readonly logGroup: logs.ILogGroup;

  /** Prefix of the models and endpoint configurations the executions create. */
  public readonly namePrefix: string;

  /** The endpoint the versions are deployed to. */
  public readonly endpoint: SecureEndpoint;

  /** The environment (the endpoint's). */
  public readonly environment: ISageMakerEnvironment;

  /** The alarm names whose ALARM state rolls a deployment back. */
  public readonly rollbackAlarmNames: string[];

  private readonly modelPackageArnPattern: string;

  constructor(scope: Construct, id: string, props: SecureModelPromotionProps) {
    super(scope, id);
    if (!props.endpoint) {
      throw validationError(this, 'MissingEndpoint', '`endpoint` is required: pass the `SecureEndpoint` the approved versions are deployed to.');
    }
    if (!props.training) {
      throw validationError(this, 'MissingTraining', '`training` is required: pass the `SecureTrainingJob` whose runs produce the model versions.');
    }
    const stack = Stack.of(this);
    const endpoint = props.endpoint;
    const training = props.training;
    this.endpoint = endpoint;
    this.environment = endpoint.environment;
    const env = this.environment;
    const template = endpoint._deploymentTemplate();
    if (template.serverlessConfig) {
      // "Deployment guardrails only apply to Asynchronous inference and Real-time inference endpoint types" (Amazon SageMaker AI Developer Guide).
      throw validationError(this, 'ServerlessEndpoint',
        `\`endpoint\` ${endpoint.endpointName} is serverless: deployment guardrails (blue/green traffic shifting with automatic rollback) apply only to real-time and asynchronous endpoints. Promote to an instance-based SecureEndpoint.`);
    }

    this.namePrefix = props.namePrefix ?? defaultSageMakerName(this, MAX_PREFIX_LENGTH);
    this.modelPackageGroupName = props.modelPackageGroupName ?? defaultSageMakerName(this);
    const approval = props.approval ?? ModelApproval.manual();
    const singleInstance = !Token.isUnresolved(template.initialInstanceCount) && template.initialInstanceCount < 2;
    const trafficShift = props.trafficShift ?? (singleInstance ? PromotionTrafficShift.allAtOnce() : PromotionTrafficShift.canary());
    const terminationWait = (props.terminationWait ?? Duration.minutes(10)).toSeconds();
    const deploymentTimeout = (props.maximumDeploymentTime ?? Duration.hours(2)).toSeconds();
    // The endpoint's alarms have literal names (`sagemaker-endpoint-<name>-<what>`): their ARNs are known at synth.
    this.rollbackAlarmNames = props.rollbackAlarmNames
      ?? endpoint.alarms.map((a) => (a.node.defaultChild as cloudwatch.CfnAlarm).alarmName ?? a.alarmName);
    const contentTypes = props.supportedContentTypes ?? ['application/json'];
    const responseTypes = props.supportedResponseMimeTypes ?? ['application/json'];
    this.validate(props, approval, terminationWait, deploymentTimeout, contentTypes, responseTypes);
    const trafficRouting = trafficShift._render(this, template.initialInstanceCount);
    claimSageMakerName(this, NAME_KINDS.promotionPrefix, `${this.namePrefix}-`);
    claimSageMakerName(this, NAME_KINDS.modelPackageGroup, this.modelPackageGroupName);

    // The registry.
    this.modelPackageGroup = new sagemaker.CfnModelPackageGroup(this, 'ModelPackageGroup', {
      modelPackageGroupName: this.modelPackageGroupName,
      modelPackageGroupDescription: `Versions of the model served by endpoint ${endpoint.endpointName}, promoted by ${this.node.path}`,
    });
    // The versions are the lineage of what was served: kept unless the environment is a sandbox.
    this.modelPackageGroup.applyRemovalPolicy(env.removalPolicy);
    this.modelPackageGroupArn = stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: arnResourceName(this.modelPackageGroupName) });
    this.modelPackageArnPattern = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${arnResourceName(this.modelPackageGroupName)}/*` });

    // The executions' role.
    this.stateMachineRole = new SageMakerWorkloadRole(this, 'StateMachineRole', {
      description: `Promotes models to endpoint ${endpoint.endpointName} from Step Functions`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });

    // The new versions' artifacts are any run's output: the endpoint's role reads them.
    training.grantReadOutputs(endpoint.role);

    const trainFirst = props.trainFirst ?? true;
    const jobName = trainFirst
      ? `States.Format('${training.jobNamePrefix}-{}', $$.Execution.Name)`
      : `States.Format('${training.jobNamePrefix}-{}', $.trainingExecutionName)`;
    const modelDataUrl = trainFirst
      ? `States.Format('${training.outputS3Url}${training.jobNamePrefix}-{}/output/model.tar.gz', $$.Execution.Name)`
      : `States.Format('${training.outputS3Url}${training.jobNamePrefix}-{}/output/model.tar.gz', $.trainingExecutionName)`;
    const versionName = `States.Format('${this.namePrefix}-{}', $$.Execution.Name)`;
    const tags = [
      { Key: PROMOTION_OWNER_TAG, Value: this.namePrefix },
      { Key: ENVIRONMENT_TAG, Value: env.environmentName },
    ];

    const containerEnvironment = template.containerEnvironment && Object.keys(template.containerEnvironment).length > 0
      ? { Environment: template.containerEnvironment } : {};
    const states: sfn.IChainable[] = [];
    if (trainFirst) {
      states.push(new sfn.CustomState(this, 'Train', {
        stateJson: {
          Type: 'Task',
          Comment: `Runs training ${training.jobNamePrefix}-<execution name> and waits for it`,
          Resource: `arn:${Aws.PARTITION}:states:::states:startExecution.sync:2`,
          Parameters: {
            'StateMachineArn': training.stateMachine.stateMachineArn,
            'Name.$': '$$.Execution.Name',
            'Input': { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
          },
          ResultPath: null,
        },
      }));
    }
    states.push(new sfn.Pass(this, 'NameTheVersion', {
      comment: 'The training job, its artifact, and the names of the new model and endpoint configuration',
      parameters: { 'trainingJobName.$': jobName, 'modelDataUrl.$': modelDataUrl, 'name.$': versionName },
      resultPath: '$.version',
    }));
    states.push(new sfn.CustomState(this, 'Register', {
      stateJson: {
        Type: 'Task',
        Comment: `Registers the artifact as a new version of model package group ${this.modelPackageGroupName}`,
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:createModelPackage`,
        Parameters: {
          'ModelPackageGroupName': this.modelPackageGroupName,
          'ModelPackageDescription.$': "States.Format('Trained by {}; promoted by execution {}', $.version.trainingJobName, $$.Execution.Id)",
          'ModelApprovalStatus': approval.isAutomatic ? 'Approved' : 'PendingManualApproval',
          'InferenceSpecification': {
            Containers: [{
              'Image': template.imageUri,
              'ModelDataUrl.$': '$.version.modelDataUrl',
              ...containerEnvironment,
            }],
            SupportedContentTypes: contentTypes,
            SupportedResponseMIMETypes: responseTypes,
            SupportedRealtimeInferenceInstanceTypes: [template.instanceType],
          },
          'SecurityConfig': { KmsKeyId: env.key.keyArn },
          'CustomerMetadataProperties': { 'training-job.$': '$.version.trainingJobName' },
          'ClientToken.$': '$$.Execution.Name',
          'Tags': tags,
        },
        ResultSelector: { 'arn.$': '$.ModelPackageArn' },
        ResultPath: '$.package',
      },
    }));

    const createModel = new sfn.CustomState(this, 'CreateModel', {
      stateJson: {
        Type: 'Task',
        Comment: `Creates the model of the version with endpoint ${endpoint.endpointName}'s role, network and isolation`,
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createModel`,
        Parameters: {
          'ModelName.$': '$.version.name',
          'ExecutionRoleArn': endpoint.role.roleArn,
          'EnableNetworkIsolation': true,
          'VpcConfig': { Subnets: template.subnetIds, SecurityGroupIds: template.securityGroupIds },
          'PrimaryContainer': {
            'Image': template.imageUri,
            'ModelDataUrl.$': '$.version.modelDataUrl',
            ...containerEnvironment,
          },
          'Tags': [...tags, { 'Key': 'secure-sagemaker:model-package', 'Value.$': '$.package.arn' }],
        },
        ResultPath: null,
      },
    });
    const createEndpointConfig = new sfn.CustomState(this, 'CreateEndpointConfig', {
      stateJson: {
        Type: 'Task',
        Comment: `Creates an endpoint configuration like endpoint ${endpoint.endpointName}'s, with the new model`,
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createEndpointConfig`,
        Parameters: {
          'EndpointConfigName.$': '$.version.name',
          'ProductionVariants': [{
            // Deployment guardrails need the variant name of the current configuration.
            'VariantName': endpoint.variantName,
            'ModelName.$': '$.version.name',
            'InstanceType': template.instanceType,
            'InitialInstanceCount': template.initialInstanceCount,
            'InitialVariantWeight': 1,
          }],
          ...(template.volumeKmsKeyArn ? { KmsKeyId: template.volumeKmsKeyArn } : {}),
          ...(template.dataCaptureConfig ? { DataCaptureConfig: template.dataCaptureConfig } : {}),
          ...(template.asyncInferenceConfig ? { AsyncInferenceConfig: template.asyncInferenceConfig } : {}),
          'Tags': tags,
        },
        ResultPath: null,
      },
    });
    const updateEndpoint = new sfn.CustomState(this, 'Deploy', {
      stateJson: {
        Type: 'Task',
        Comment: `Updates endpoint ${endpoint.endpointName} blue/green, rolled back automatically when one of its alarms fires`,
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:updateEndpoint`,
        Parameters: {
          'EndpointName': endpoint.endpointName,
          'EndpointConfigName.$': '$.version.name',
          'DeploymentConfig': {
            BlueGreenUpdatePolicy: {
              TrafficRoutingConfiguration: trafficRouting,
              TerminationWaitInSeconds: terminationWait,
              MaximumExecutionTimeoutInSeconds: deploymentTimeout,
            },
            AutoRollbackConfiguration: { Alarms: this.rollbackAlarmNames.map((AlarmName) => ({ AlarmName })) },
          },
        },
        ResultPath: null,
      },
    });

    // Follow the deployment: SageMaker ends it (done or rolled back) within its timeout plus the bake.
    const deployPolls = Math.ceil((deploymentTimeout + terminationWait) / DEPLOYMENT_POLL_SECONDS) + 10;
    const promoted = new sfn.Succeed(this, 'Promoted', { comment: 'The endpoint serves the new version' });
    const rolledBack = new sfn.Fail(this, 'RolledBack', {
      error: 'RolledBack',
      cause: 'The endpoint is in service on its previous configuration: an alarm fired during the deployment (or the deployment timed out) and SageMaker rolled it back.',
    });
    const deploymentFailed = new sfn.Fail(this, 'DeploymentFailed', { error: 'DeploymentFailed', cause: 'The endpoint is Failed; see its FailureReason (DescribeEndpoint).' });
    const deploymentTimedOut = new sfn.Fail(this, 'DeploymentTimedOut', { error: 'DeploymentTimedOut', cause: 'The endpoint did not leave its update within the deployment timeout and bake.' });
    const describeEndpoint = new sfn.CustomState(this, 'ReadEndpoint', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:describeEndpoint`,
        Parameters: { EndpointName: endpoint.endpointName },
        ResultSelector: { 'status.$': '$.EndpointStatus', 'config.$': '$.EndpointConfigName' },
        ResultPath: '$.endpoint',
      },
    });
    const followDeployment = this.pollLoop('Deployment', DEPLOYMENT_POLL_SECONDS, deployPolls, describeEndpoint, deploymentTimedOut, (choice, again) => choice
      .when(sfn.Condition.and(sfn.Condition.stringEquals('$.endpoint.status', 'InService'), sfn.Condition.stringEqualsJsonPath('$.endpoint.config', '$.version.name')), promoted)
      .when(sfn.Condition.stringEquals('$.endpoint.status', 'InService'), rolledBack)
      .when(sfn.Condition.stringEquals('$.endpoint.status', 'Failed'), deploymentFailed)
      .otherwise(again));
    const deploy = sfn.Chain.start(createModel).next(createEndpointConfig).next(updateEndpoint).next(followDeployment);

    if (approval.isAutomatic) {
      states.push(deploy);
    } else {
      const interval = approval.pollInterval!.toSeconds();
      const approvalPolls = Math.ceil(approval.timeout!.toSeconds() / interval);
      const readApproval = new sfn.CustomState(this, 'ReadApproval', {
        stateJson: {
          Type: 'Task',
          Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:describeModelPackage`,
          Parameters: { 'ModelPackageName.$': '$.package.arn' },
          ResultSelector: { 'status.$': '$.ModelApprovalStatus' },
          ResultPath: '$.approval',
        },
      });
      const rejected = new sfn.Fail(this, 'Rejected', { error: 'Rejected', cause: 'The model version was rejected in the registry.' });
      const approvalTimedOut = new sfn.Fail(this, 'ApprovalTimedOut', { error: 'ApprovalTimedOut', cause: 'Nobody approved or rejected the model version in time.' });
      states.push(this.pollLoop('Approval', interval, approvalPolls, readApproval, approvalTimedOut, (choice, again) => choice
        .when(sfn.Condition.stringEquals('$.approval.status', 'Approved'), deploy)
        .when(sfn.Condition.stringEquals('$.approval.status', 'Rejected'), rejected)
        .otherwise(again)));
    }

    let chain = sfn.Chain.start(states[0]);
    for (const state of states.slice(1)) {
      chain = chain.next(state);
    }

    this.logGroup = env.createLogGroup(this, 'StateMachineLogs', `promotion/${this.namePrefix}`);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      role: this.stateMachineRole,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: `Train, register, approve and deploy to endpoint ${endpoint.endpointName}`,
    });
    this.stateMachine.node.addDependency(this.stateMachineRole);
    this.grantStateMachineRole(training, trainFirst, approval, template.volumeKmsKeyArn);
    acknowledge(this.stateMachineRole,
      'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, Describe*) and X-Ray trace upload support no resource-level permissions; they are the actions AWS documents for state machine logging and tracing.',
      'AwsSolutions-IAM5[Resource::*]');

    if (approval.isAutomatic) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:PromotionWithoutApproval',
        `\`approval\` is ModelApproval.automatic('${approval.condition}'): every trained version is registered approved and deployed without a person's approval; the deployment guardrails' alarms are the only check between training and endpoint ${endpoint.endpointName}.`);
    }
  }

  /**
   * Lets `grantee` start promotions (`states:StartExecution` on this state machine only).
   *
   * @param grantee who may promote
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(managedPolicyGrantee(grantee));
  }

  /**
   * Lets `grantee` approve or reject versions of this registry, and read them: `UpdateModelPackage`
   * only to set `ModelApprovalStatus` to `Approved` or `Rejected`, `DescribeModelPackage` and
   * `ListModelPackages` on this group's versions. Give it to the people (or the approval pipeline)
   * that decide what reaches production, not to the roles that train.
   *
   * @param grantee who approves
   */
  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    const target = managedPolicyGrantee(grantee);
    acknowledgeScopedWildcards(grantee, [this.modelPackageArnPattern],
      `Versions of model package group ${this.modelPackageGroupName}: SageMaker numbers them as they are registered, so the group's versions are named by a wildcard; no other group is granted.`);
    const read = iam.Grant.addToPrincipal({
      grantee: target,
      actions: ['sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'],
      resourceArns: [this.modelPackageArnPattern, this.modelPackageGroupArn],
    });
    const decide = iam.Grant.addToPrincipal({
      grantee: target,
      actions: ['sagemaker:UpdateModelPackage'],
      resourceArns: [this.modelPackageArnPattern],
      conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': ['Approved', 'Rejected'] } },
    });
    return read.combine(decide);
  }

  /**
   * Applies `policy` to the state machine. The registry follows the environment's `removalPolicy`
   * (its versions are the record of what was served); the log group too.
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.stateMachine.applyRemovalPolicy(policy);
  }

  /**
   * Wait, read, decide, count: a loop that ends in one of `decide`'s states, or in `timedOut`
   * after `maxPolls` reads.
   */
  private pollLoop(what: string, intervalSeconds: number, maxPolls: number, read: sfn.CustomState, timedOut: sfn.Fail,
    decide: (choice: sfn.Choice, again: sfn.IChainable) => sfn.Choice): sfn.IChainable {
    const counter = `$.polls${what}`;
    const start = new sfn.Pass(this, `Start${what}Polls`, { parameters: { count: 0 }, resultPath: counter });
    const wait = new sfn.Wait(this, `WaitFor${what}`, { time: sfn.WaitTime.duration(Duration.seconds(intervalSeconds)) });
    const count = new sfn.Pass(this, `Count${what}Poll`, { parameters: { 'count.$': `States.MathAdd(${counter}.count, 1)` }, resultPath: counter });
    const tooLong = new sfn.Choice(this, `${what}PollsLeft`)
      .when(sfn.Condition.numberGreaterThanEquals(`${counter}.count`, maxPolls), timedOut)
      .otherwise(wait);
    count.next(tooLong);
    const choice = decide(new sfn.Choice(this, `${what}Decided`), count);
    start.next(wait);
    wait.next(read);
    read.next(choice);
    return start;
  }

  /** Exactly what the executions do, on exactly their own resources. */
  private grantStateMachineRole(training: SecureTrainingJob, trainFirst: boolean, approval: ModelApproval,
    volumeKmsKeyArn: string | undefined): void {
    const stack = Stack.of(this);
    const role = this.stateMachineRole;
    const endpoint = this.endpoint;
    const env = this.environment;
    const template = endpoint._deploymentTemplate();
    const prefix = arnResourceName(this.namePrefix);

    if (trainFirst) {
      training.stateMachine.grantStartExecution(role);
      // .sync:2 follows the nested execution and, when this execution stops, stops it.
      const executions = `${stack.formatArn({ service: 'states', resource: 'execution', resourceName: training.stateMachine.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })}:*`;
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'FollowAndStopTrainingExecutionsOnly',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [executions],
      }));
      acknowledgeScopedWildcards(role, [executions],
        `Executions of training ${training.jobNamePrefix}'s state machine only: each promotion starts one named like itself, known only at run time; the role may describe and stop them, nothing else.`);
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ManageTheSyncEventRuleOnly',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENT_RULE })],
      }));
    }
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: approval.isAutomatic ? 'RegisterApprovedVersionsInThisGroupOnly' : 'RegisterPendingVersionsInThisGroupOnly',
      actions: ['sagemaker:CreateModelPackage'],
      resources: [this.modelPackageArnPattern],
      conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': approval.isAutomatic ? 'Approved' : 'PendingManualApproval' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadVersionsOfThisGroupOnly',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: [this.modelPackageArnPattern],
    }));
    // The version's metadata is encrypted with the environment key, by SageMaker.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EncryptVersionsThroughSageMakerOnly',
      actions: [...perms.KMS_ENCRYPT_FOR_S3, ...perms.KMS_SAGEMAKER_GRANTS],
      resources: [env.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sagemaker.${stack.region}.amazonaws.com` } },
    }));

    const modelArn = stack.formatArn({ service: 'sagemaker', resource: 'model', resourceName: `${prefix}-*` });
    const configArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint-config', resourceName: `${prefix}-*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateIsolatedModelsLikeTheEndpointsOnly',
      actions: ['sagemaker:CreateModel'],
      resources: [modelArn],
      conditions: {
        'ForAllValues:StringEquals': { 'sagemaker:VpcSubnets': template.subnetIds, 'sagemaker:VpcSecurityGroupIds': template.securityGroupIds },
        'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false' },
        'Bool': { 'sagemaker:NetworkIsolation': 'true' },
        'StringEquals': { [`aws:RequestTag/${PROMOTION_OWNER_TAG}`]: this.namePrefix },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassOnlyTheEndpointsModelRole',
      actions: ['iam:PassRole'],
      resources: [endpoint.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateEndpointConfigsLikeTheEndpointsOnly',
      actions: ['sagemaker:CreateEndpointConfig'],
      resources: [configArn],
      conditions: {
        'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': [template.instanceType] },
        'ForAllValues:ArnLike': { 'sagemaker:ModelArn': [modelArn] },
        ...(volumeKmsKeyArn ? { ArnEquals: { 'sagemaker:VolumeKmsKeyArn': volumeKmsKeyArn } } : {}),
        'StringEquals': { [`aws:RequestTag/${PROMOTION_OWNER_TAG}`]: this.namePrefix },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagOwnModelsAndConfigsAtCreationOnly',
      actions: ['sagemaker:AddTags'],
      resources: [modelArn, configArn, this.modelPackageArnPattern],
      conditions: {
        StringEquals: {
          'sagemaker:TaggingAction': ['CreateModel', 'CreateEndpointConfig', 'CreateModelPackage'],
          [`aws:RequestTag/${PROMOTION_OWNER_TAG}`]: this.namePrefix,
        },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'UpdateAndFollowTheEndpointOnly',
      actions: ['sagemaker:UpdateEndpoint', 'sagemaker:DescribeEndpoint'],
      resources: [endpoint.endpointArn],
    }));
    // UpdateEndpoint also authorizes the configuration it deploys: only those the executions created.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeployOwnEndpointConfigsOnly',
      actions: ['sagemaker:UpdateEndpoint'],
      resources: [configArn],
      conditions: { StringEquals: { [`aws:ResourceTag/${PROMOTION_OWNER_TAG}`]: this.namePrefix } },
    }));
    // UpdateEndpoint reads the rollback alarms with the caller's permissions ("Auto-Rollback
    // Configuration and Monitoring", Amazon SageMaker AI Developer Guide).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTheRollbackAlarmsOnly',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: this.rollbackAlarmNames.map((name) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
    }));
    acknowledgeScopedWildcards(role, [this.modelPackageArnPattern, modelArn, configArn],
      `Versions of model package group ${this.modelPackageGroupName} are numbered by SageMaker, and the models and endpoint configurations are named '${this.namePrefix}-<execution name>', known only when an execution starts; creation is bound by conditions to the endpoint's role, network, isolation, instance type, storage key and this construct's tag.`);
  }

  private validate(props: SecureModelPromotionProps, approval: ModelApproval, terminationWait: number, deploymentTimeout: number,
    contentTypes: string[], responseTypes: string[]): void {
    const prefix = this.namePrefix;
    if (!Token.isUnresolved(prefix) && !sageMakerNamePattern(MAX_PREFIX_LENGTH).test(prefix)) {
      throw validationError(this, 'InvalidNamePrefix',
        `\`namePrefix\` '${prefix}' must be 1-${MAX_PREFIX_LENGTH} letters, digits and single hyphens, starting and ending with a letter or digit, so that '<prefix>-<execution name>' fits the 63 characters of a model name.`);
    }
    const group = this.modelPackageGroupName;
    if (!Token.isUnresolved(group) && !sageMakerNamePattern().test(group)) {
      throw validationError(this, 'InvalidModelPackageGroupName',
        `\`modelPackageGroupName\` '${group}' must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit, such as 'churn-models'.`);
    }
    if (props.endpoint.environment !== props.training.environment) {
      throw validationError(this, 'EnvironmentMismatch',
        '`training` and `endpoint` are in different environments: the endpoint\'s role would read artifacts from another environment\'s bucket under another key. Give both the same `environment`.');
    }
    if (!approval.isAutomatic) {
      const interval = approval.pollInterval!.toSeconds();
      const timeout = approval.timeout!.toSeconds();
      if (interval < 60) {
        throw validationError(this, 'InvalidApprovalPollInterval', `\`approval\` polls every ${interval} seconds: use ModelApproval.manual(pollInterval) of at least a minute.`);
      }
      if (timeout < interval) {
        throw validationError(this, 'InvalidApprovalTimeout', '`approval` times out before its first poll: pass ModelApproval.manual(pollInterval, timeout) with a timeout longer than the interval.');
      }
      if (timeout / interval > MAX_APPROVAL_POLLS) {
        throw validationError(this, 'TooManyApprovalPolls',
          `\`approval\` would poll ${Math.ceil(timeout / interval)} times (timeout / pollInterval): an execution's history holds 25,000 events, so at most ${MAX_APPROVAL_POLLS} polls fit beside the training and the deployment. Poll less often, or shorten the timeout.`);
      }
    } else if (!approval.condition || approval.condition.length > 1024) {
      throw validationError(this, 'InvalidApprovalCondition', '`approval` ModelApproval.automatic(condition) needs a condition of 1-1024 characters: it is recorded on every version as why no person approved it.');
    }
    if (terminationWait < 0 || terminationWait > MAX_TERMINATION_WAIT_SECONDS) {
      throw validationError(this, 'InvalidTerminationWait', `\`terminationWait\` is ${terminationWait} seconds: UpdateEndpoint accepts 0 to ${MAX_TERMINATION_WAIT_SECONDS}.`);
    }
    if (deploymentTimeout < MIN_DEPLOYMENT_TIMEOUT_SECONDS || deploymentTimeout > MAX_DEPLOYMENT_TIMEOUT_SECONDS) {
      throw validationError(this, 'InvalidMaximumDeploymentTime',
        `\`maximumDeploymentTime\` is ${deploymentTimeout} seconds: UpdateEndpoint accepts ${MIN_DEPLOYMENT_TIMEOUT_SECONDS} to ${MAX_DEPLOYMENT_TIMEOUT_SECONDS} (10 minutes to 4 hours).`);
    }
    const alarms = this.rollbackAlarmNames;
    if (alarms.length < 1 || alarms.length > MAX_ROLLBACK_ALARMS) {
      throw validationError(this, 'InvalidRollbackAlarms',
        `\`rollbackAlarmNames\` has ${alarms.length} alarms: automatic rollback takes 1 to ${MAX_ROLLBACK_ALARMS}. Without an alarm nothing rolls a bad model back.`);
    }
    for (const [prop, types] of [['supportedContentTypes', contentTypes], ['supportedResponseMimeTypes', responseTypes]] as const) {
      if (types.length === 0) {
        throw validationError(this, 'MissingContentTypes', `\`${prop}\` is empty: CreateModelPackage needs at least one MIME type, such as 'application/json' or 'text/csv'.`);
      }
      for (const type of types) {
        if (!Token.isUnresolved(type) && !/^[-\w]+\/[-\w+.]+$/.test(type)) {
          throw validationError(this, 'InvalidContentType', `\`${prop}\` entry '${type}' is not a MIME type such as 'application/json' or 'text/csv'.`);
        }
      }
    }
  }
}

