/**
 * The raw-L1 baseline of the main example, for `npm run bench`: what a careful user writes by hand
 * with `aws-cdk-lib` Cfn* constructs only (no L2, no cdk-nag), creating the same SageMaker
 * resources as examples/secure-ml-platform.ts in the same kind of network:
 *
 * - a KMS key (rotated) with an alias; an isolated VPC (DNS on, no internet or NAT gateway) with
 *   one subnet and route table per AZ in 2 AZs, flow logs to an encrypted log group
 * - the same interface endpoints as the example (sagemaker.api, sagemaker.runtime, notebook, studio,
 *   sts, logs, ecr.api, ecr.dkr) behind one security group, and an S3 gateway endpoint with a policy
 * - access-logs, data and artifacts buckets (KMS, versioned, public access blocked, TLS-only);
 *   buckets, key, log groups and the Studio domain are retained when they leave the stack
 * - a notebook instance with a lifecycle configuration; a model, endpoint configuration and
 *   endpoint (network isolation, KMS, data capture, 2 instances); a VpcOnly Studio domain with two
 *   user profiles; a Step Functions state machine running `sagemaker:createTrainingJob.sync`
 * - a security group per workload and an execution role per workload with prefix-scoped inline
 *   policies
 *
 * Not included (the example has them; a hand-written baseline usually does not): guardrail and
 * permissions-boundary policies, security monitoring (trail, Config rules, EventBridge rules,
 * topics), endpoint alarms and autoscaling, the Studio lifecycle configuration and SDK defaults
 * parameter, the example's pipeline and human roles, the default-security-group custom resource,
 * and the cdk-nag acknowledgement metadata.
 */
import { App, Aws, CfnDeletionPolicy, CfnResource, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

const ENV = 'ml-platform';
const LOG_PREFIX = `/secure-sagemaker/${ENV}`;
const ENDPOINT_NAME = 'team-a-churn';
const NOTEBOOK_NAME = 'team-a-explore';
const JOB_PREFIX = 'churn';
const AZS = 2;

/** Interface endpoint services of the example, by the construct ID suffix used here. */
const INTERFACE_SERVICES: Record<string, string> = {
  SageMakerApi: `com.amazonaws.${Aws.REGION}.sagemaker.api`,
  SageMakerRuntime: `com.amazonaws.${Aws.REGION}.sagemaker.runtime`,
  Notebook: `aws.sagemaker.${Aws.REGION}.notebook`,
  Studio: `aws.sagemaker.${Aws.REGION}.studio`,
  Sts: `com.amazonaws.${Aws.REGION}.sts`,
  Logs: `com.amazonaws.${Aws.REGION}.logs`,
  EcrApi: `com.amazonaws.${Aws.REGION}.ecr.api`,
  EcrDkr: `com.amazonaws.${Aws.REGION}.ecr.dkr`,
};

type Statement = Record<string, unknown>;

function doc(statements: Statement[]): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: statements };
}

function arn(service: string, resource: string): string {
  return `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
}

/** The main example's SageMaker resources, written with L1 constructs only. */
export class L1BaselineStack extends Stack {
  private readonly keyArn: string;
  private readonly subnetIds: string[];
  private readonly vpcId: string;
  private readonly endpointSecurityGroupId: string;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Key
    const key = new kms.CfnKey(this, 'Key', {
      description: `SageMaker environment ${ENV}`,
      enableKeyRotation: true,
      keyPolicy: doc([
        { Effect: 'Allow', Principal: { AWS: `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'LogGroupsOfThisEnvironment',
          Effect: 'Allow',
          Principal: { Service: `logs.${Aws.REGION}.amazonaws.com` },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': [
                arn('logs', `log-group:${LOG_PREFIX}/*`),
                arn('logs', `log-group:/aws/sagemaker/Endpoints/${ENDPOINT_NAME}`),
              ],
            },
          },
        },
      ]),
    });
    retain(key);
    new kms.CfnAlias(this, 'KeyAlias', { aliasName: `alias/${ENV}`, targetKeyId: key.ref });
    this.keyArn = key.attrArn;

    // Network
    const vpc = new ec2.CfnVPC(this, 'Vpc', { cidrBlock: '10.42.0.0/16', enableDnsHostnames: true, enableDnsSupport: true });
    this.vpcId = vpc.ref;
    const routeTableIds: string[] = [];
    this.subnetIds = [];
    for (let i = 0; i < AZS; i++) {
      const subnet = new ec2.CfnSubnet(this, `Subnet${i + 1}`, {
        vpcId: vpc.ref,
        availabilityZone: Fn.select(i, Fn.getAzs()),
        cidrBlock: `10.42.${i * 16}.0/20`,
        mapPublicIpOnLaunch: false,
      });
      const routeTable = new ec2.CfnRouteTable(this, `RouteTable${i + 1}`, { vpcId: vpc.ref });
      new ec2.CfnSubnetRouteTableAssociation(this, `RouteTableAssociation${i + 1}`, { subnetId: subnet.ref, routeTableId: routeTable.ref });
      this.subnetIds.push(subnet.ref);
      routeTableIds.push(routeTable.ref);
    }
    const flowLogGroup = this.logGroup('FlowLogs', `${LOG_PREFIX}/vpc-flow-logs`);
    const flowLogRole = this.role('FlowLogRole', 'vpc-flow-logs.amazonaws.com', [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: [flowLogGroup.attrArn, `${flowLogGroup.attrArn}:*`] },
    ]);
    new ec2.CfnFlowLog(this, 'FlowLog', {
      resourceId: vpc.ref,
      resourceType: 'VPC',
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logGroupName: flowLogGroup.ref,
      deliverLogsPermissionArn: flowLogRole.attrArn,
    });

    // Buckets
    const accessLogs = new s3.CfnBucket(this, 'AccessLogsBucket', {
      bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      ...bucketBasics(),
    });
    retain(accessLogs);
    this.tlsOnly('AccessLogsBucketPolicy', accessLogs, [{
      Sid: 'S3ServerAccessLogs',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${accessLogs.attrArn}/*`,
      Condition: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }]);
    const data = this.bucket('DataBucket', accessLogs, 'data/');
    const artifacts = this.bucket('ArtifactsBucket', accessLogs, 'artifacts/');

    // Endpoints
    const endpointSg = this.securityGroup('EndpointSecurityGroup', 'Interface VPC endpoints: HTTPS from workloads only');
    this.endpointSecurityGroupId = endpointSg.attrGroupId;
    const bucketArns = [accessLogs, data, artifacts].flatMap((b) => [b.attrArn, `${b.attrArn}/*`]);
    new ec2.CfnVPCEndpoint(this, 'S3Gateway', {
      vpcId: vpc.ref,
      serviceName: `com.amazonaws.${Aws.REGION}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds,
      policyDocument: doc([
        {
          Sid: 'AwsOwnedBuckets',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: [
            `arn:${Aws.PARTITION}:s3:::prod-${Aws.REGION}-starport-layer-bucket/*`,
            `arn:${Aws.PARTITION}:s3:::amazonlinux-2-repos-${Aws.REGION}/*`,
            `arn:${Aws.PARTITION}:s3:::al2023-repos-${Aws.REGION}-de612dc2/*`,
          ],
        },
        {
          Sid: 'EnvironmentBuckets',
          Effect: 'Allow',
          Principal: '*',
          Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:ListBucket', 's3:GetBucketLocation'],
          Resource: bucketArns,
        },
      ]),
    });
    const endpointArn = arn('sagemaker', `endpoint/${ENDPOINT_NAME}`);
    for (const [name, serviceName] of Object.entries(INTERFACE_SERVICES)) {
      new ec2.CfnVPCEndpoint(this, `InterfaceEndpoint${name}`, {
        vpcId: vpc.ref,
        serviceName,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.subnetIds,
        securityGroupIds: [endpointSg.attrGroupId],
        policyDocument: name === 'SageMakerRuntime'
          ? doc([{
            Effect: 'Allow',
            Principal: '*',
            Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync', 'sagemaker:InvokeEndpointWithResponseStream'],
            Resource: endpointArn,
            Condition: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
          }])
          : undefined,
      });
    }

    const readData = (prefix: string): Statement[] => [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `${data.attrArn}/${prefix}*` },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: data.attrArn, Condition: { StringLike: { 's3:prefix': `${prefix}*` } } },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: this.keyArn, Condition: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } } },
    ];
    const writeArtifacts = (prefix: string): Statement[] => [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Resource: `${artifacts.attrArn}/${prefix}*` },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: artifacts.attrArn, Condition: { StringLike: { 's3:prefix': `${prefix}*` } } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: this.keyArn, Condition: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } } },
    ];
    const ownLogs = (group: string, streams: string): Statement[] => [
      { Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: arn('logs', `log-group:/aws/sagemaker/${group}`) },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn('logs', `log-group:/aws/sagemaker/${group}:log-stream:${streams}`) },
    ];
    const vpcAccess = (sgId: string): Statement[] => [
      {
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
        Resource: [...this.subnetIds.map((s) => arn('ec2', `subnet/${s}`)), arn('ec2', `security-group/${sgId}`), arn('ec2', 'network-interface/*')],
      },
      {
        Effect: 'Allow',
        Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions'],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: this.keyArn,
        Condition: { StringEquals: { 'kms:ViaService': `sagemaker.${Aws.REGION}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    ];

    // Notebook instance
    const notebookSg = this.workloadSecurityGroup('NotebookSecurityGroup', `Notebook ${NOTEBOOK_NAME}`);
    const notebookRole = this.role('NotebookRole', 'sagemaker.amazonaws.com', [
      ...readData('datasets/curated/'),
      ...writeArtifacts('features/team-a/'),
      ...ownLogs('NotebookInstances', `${NOTEBOOK_NAME}/*`),
      ...vpcAccess(notebookSg.attrGroupId),
    ]);
    const lifecycle = new sagemaker.CfnNotebookInstanceLifecycleConfig(this, 'NotebookLifecycleConfig', {
      notebookInstanceLifecycleConfigName: NOTEBOOK_NAME,
      onStart: [{
        content: Fn.base64([
          '#!/bin/bash',
          'set -euo pipefail',
          '# Stop the instance after an hour without kernel activity.',
          'echo "0 * * * * root /usr/bin/python3 /home/ec2-user/autostop.py --time 3600" > /etc/cron.d/autostop',
          '',
        ].join('\n')),
      }],
    });
    new sagemaker.CfnNotebookInstance(this, 'Notebook', {
      notebookInstanceName: NOTEBOOK_NAME,
      instanceType: 'ml.t3.medium',
      platformIdentifier: 'notebook-al2023-v1',
      roleArn: notebookRole.attrArn,
      kmsKeyId: this.keyArn,
      subnetId: this.subnetIds[0],
      securityGroupIds: [notebookSg.attrGroupId],
      directInternetAccess: 'Disabled',
      rootAccess: 'Disabled',
      volumeSizeInGb: 5,
      lifecycleConfigName: lifecycle.attrNotebookInstanceLifecycleConfigName,
      instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' },
    });

    // Training: a state machine that runs one training job and waits for it.
    const trainingSg = this.securityGroup('TrainingSecurityGroup', `Training jobs ${JOB_PREFIX}: HTTPS to S3`);
    this.egressToS3(trainingSg, 'TrainingSecurityGroup');
    const trainingRole = this.role('TrainingRole', 'sagemaker.amazonaws.com', [
      ...readData('datasets/curated/'),
      ...writeArtifacts(`models/${JOB_PREFIX}/`),
      ...ownLogs('TrainingJobs', `${JOB_PREFIX}-*`),
      ...vpcAccess(trainingSg.attrGroupId),
    ]);
    const jobArn = arn('sagemaker', `training-job/${JOB_PREFIX}-*`);
    const stateMachineLogs = this.logGroup('StateMachineLogs', `${LOG_PREFIX}/training/${JOB_PREFIX}`);
    const stateMachineRole = this.role('StateMachineRole', 'states.amazonaws.com', [
      {
        Effect: 'Allow',
        Action: ['sagemaker:CreateTrainingJob', 'sagemaker:AddTags'],
        Resource: jobArn,
        Condition: { 'ForAllValues:StringEquals': { 'sagemaker:VpcSubnets': this.subnetIds, 'sagemaker:VpcSecurityGroupIds': [trainingSg.attrGroupId] } },
      },
      { Effect: 'Allow', Action: ['sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'], Resource: jobArn },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: trainingRole.attrArn, Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } },
      {
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: arn('events', 'rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule'),
      },
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
          'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
        ],
        Resource: '*',
      },
    ]);
    const definition = {
      Comment: `Training jobs ${JOB_PREFIX}`,
      StartAt: 'Train',
      States: {
        Train: {
          Type: 'Task',
          End: true,
          Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createTrainingJob.sync`,
          Parameters: {
            'TrainingJobName.$': `States.Format('${JOB_PREFIX}-{}', $$.Execution.Name)`,
            'RoleArn': trainingRole.attrArn,
            'AlgorithmSpecification': {
              TrainingImage: `763104351884.dkr.ecr.${Aws.REGION}.amazonaws.com/pytorch-training:2.3.0-cpu-py311`,
              TrainingInputMode: 'File',
            },
            'InputDataConfig': [{
              ChannelName: 'train',
              DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${data.ref}/datasets/curated/`, S3DataDistributionType: 'FullyReplicated' } },
            }],
            'OutputDataConfig': { S3OutputPath: `s3://${artifacts.ref}/models/${JOB_PREFIX}`, KmsKeyId: this.keyArn },
            'ResourceConfig': { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: this.keyArn },
            'StoppingCondition': { MaxRuntimeInSeconds: 6 * 3600 },
            'VpcConfig': { SecurityGroupIds: [trainingSg.attrGroupId], Subnets: this.subnetIds },
            'EnableNetworkIsolation': true,
            'EnableInterContainerTrafficEncryption': true,
            'HyperParameters': { epochs: '10' },
          },
        },
      },
    };
    new sfn.CfnStateMachine(this, 'TrainingStateMachine', {
      roleArn: stateMachineRole.attrArn,
      definitionString: this.toJsonString(definition),
      loggingConfiguration: {
        level: 'ALL',
        includeExecutionData: true,
        destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: stateMachineLogs.attrArn } }],
      },
      tracingConfiguration: { enabled: true },
    });

    // Real-time endpoint (its log group exists before SageMaker writes to it)
    const endpointSgWorkload = this.workloadSecurityGroup('ModelSecurityGroup', `Endpoint ${ENDPOINT_NAME}`);
    const endpointLogs = this.logGroup('EndpointLogs', `/aws/sagemaker/Endpoints/${ENDPOINT_NAME}`);
    const modelRole = this.role('ModelRole', 'sagemaker.amazonaws.com', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `${artifacts.attrArn}/models/churn/v1/model.tar.gz` },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `${artifacts.attrArn}/datacapture/${ENDPOINT_NAME}/*` },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: this.keyArn, Condition: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } } },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${endpointLogs.attrArn}:*` },
      ...vpcAccess(endpointSgWorkload.attrGroupId),
    ]);
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: modelRole.attrArn,
      enableNetworkIsolation: true,
      primaryContainer: {
        image: `763104351884.dkr.ecr.${Aws.REGION}.amazonaws.com/sklearn-inference:1.2-1-cpu-py3`,
        modelDataUrl: `s3://${artifacts.ref}/models/churn/v1/model.tar.gz`,
      },
      vpcConfig: { securityGroupIds: [endpointSgWorkload.attrGroupId], subnets: this.subnetIds },
    });
    const endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      kmsKeyId: this.keyArn,
      productionVariants: [{
        variantName: 'AllTraffic',
        modelName: model.attrModelName,
        instanceType: 'ml.m5.large',
        initialInstanceCount: 2,
        initialVariantWeight: 1,
      }],
      dataCaptureConfig: {
        enableCapture: true,
        initialSamplingPercentage: 100,
        destinationS3Uri: `s3://${artifacts.ref}/datacapture/${ENDPOINT_NAME}/`,
        kmsKeyId: this.keyArn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
      },
    });
    const endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', { endpointName: ENDPOINT_NAME, endpointConfigName: endpointConfig.attrEndpointConfigName });
    endpoint.addResourceDependency(endpointLogs);

    // Studio: a VpcOnly domain and two users, each with an own role.
    const studioSg = this.workloadSecurityGroup('StudioSecurityGroup', `Studio domain ${ENV}`);
    this.selfReferencing(studioSg, 'StudioSecurityGroup');
    const studioStatements = (user: string): Statement[] => [
      ...readData('datasets/curated/'),
      ...writeArtifacts(`studio/${ENV}/users/${user}/`),
      ...ownLogs('studio', `${user}/*`),
      ...vpcAccess(studioSg.attrGroupId),
    ];
    const defaultRole = this.role('StudioDefaultRole', 'sagemaker.amazonaws.com', studioStatements('default'));
    const domain = new sagemaker.CfnDomain(this, 'StudioDomain', {
      domainName: ENV,
      authMode: 'IAM',
      appNetworkAccessType: 'VpcOnly',
      vpcId: vpc.ref,
      subnetIds: this.subnetIds,
      kmsKeyId: this.keyArn,
      defaultUserSettings: {
        executionRole: defaultRole.attrArn,
        securityGroups: [studioSg.attrGroupId],
        sharingSettings: { notebookOutputOption: 'Disabled' },
        studioWebPortal: 'ENABLED',
        defaultLandingUri: 'studio::',
        jupyterLabAppSettings: {
          defaultResourceSpec: { instanceType: 'ml.t3.medium' },
          appLifecycleManagement: { idleSettings: { lifecycleManagement: 'ENABLED', idleTimeoutInMinutes: 60 } },
        },
      },
      domainSettings: {
        securityGroupIds: [studioSg.attrGroupId],
        dockerSettings: { enableDockerAccess: 'DISABLED' },
        executionRoleIdentityConfig: 'USER_PROFILE_NAME',
      },
    });
    // Deleting the domain would delete its home directories (EFS).
    retain(domain);
    for (const user of ['alice', 'bob']) {
      const userRole = this.role(`StudioUser${user}Role`, 'sagemaker.amazonaws.com', studioStatements(user));
      new sagemaker.CfnUserProfile(this, `StudioUser${user}`, {
        domainId: domain.attrDomainId,
        userProfileName: user,
        userSettings: { executionRole: userRole.attrArn },
      });
    }
  }

  private logGroup(id: string, logGroupName: string): logs.CfnLogGroup {
    return retain(new logs.CfnLogGroup(this, id, { logGroupName, kmsKeyId: this.keyArn, retentionInDays: 365 }));
  }

  private role(id: string, service: string, statements: Statement[]): iam.CfnRole {
    return new iam.CfnRole(this, id, {
      assumeRolePolicyDocument: doc([{
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }]),
      policies: [{ policyName: 'Permissions', policyDocument: doc(statements) }],
    });
  }

  private bucket(id: string, accessLogs: s3.CfnBucket, logPrefix: string): s3.CfnBucket {
    const bucket = new s3.CfnBucket(this, id, {
      bucketEncryption: {
        serverSideEncryptionConfiguration: [{ bucketKeyEnabled: true, serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.keyArn } }],
      },
      loggingConfiguration: { destinationBucketName: accessLogs.ref, logFilePrefix: logPrefix },
      ...bucketBasics(),
    });
    retain(bucket);
    this.tlsOnly(`${id}Policy`, bucket, [{
      Sid: 'DenyUploadsWithOtherKmsKey',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: `${bucket.attrArn}/*`,
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.keyArn } },
    }]);
    return bucket;
  }

  private tlsOnly(id: string, bucket: s3.CfnBucket, extra: Statement[]): void {
    new s3.CfnBucketPolicy(this, id, {
      bucket: bucket.ref,
      policyDocument: doc([
        {
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucket.attrArn, `${bucket.attrArn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        ...extra,
      ]),
    });
  }

  /** A group with no egress (the placeholder rule replaces the default allow-all). */
  private securityGroup(id: string, description: string): ec2.CfnSecurityGroup {
    return new ec2.CfnSecurityGroup(this, id, {
      vpcId: this.vpcId,
      groupDescription: description,
      securityGroupEgress: [{ cidrIp: '255.255.255.255/32', ipProtocol: 'icmp', fromPort: 252, toPort: 86, description: 'Disallow all traffic' }],
    });
  }

  /** A workload group that reaches the interface endpoints and S3 on HTTPS, admitted by the endpoints' group. */
  private workloadSecurityGroup(id: string, description: string): ec2.CfnSecurityGroup {
    const sg = this.securityGroup(id, `${description}: HTTPS to the VPC endpoints and S3`);
    new ec2.CfnSecurityGroupEgress(this, `${id}ToEndpoints`, {
      groupId: sg.attrGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      destinationSecurityGroupId: this.endpointSecurityGroupId,
      description: 'HTTPS to the interface endpoints',
    });
    new ec2.CfnSecurityGroupIngress(this, `${id}FromWorkload`, {
      groupId: this.endpointSecurityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      sourceSecurityGroupId: sg.attrGroupId,
      description: `HTTPS from ${description}`,
    });
    this.egressToS3(sg, id);
    return sg;
  }

  private egressToS3(sg: ec2.CfnSecurityGroup, id: string): void {
    new ec2.CfnSecurityGroupEgress(this, `${id}ToS3`, {
      groupId: sg.attrGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIp: '0.0.0.0/0',
      description: 'HTTPS to S3 through the gateway endpoint (no other route leaves the VPC)',
    });
  }

  private selfReferencing(sg: ec2.CfnSecurityGroup, id: string): void {
    new ec2.CfnSecurityGroupIngress(this, `${id}FromSelf`, {
      groupId: sg.attrGroupId,
      ipProtocol: '-1',
      sourceSecurityGroupId: sg.attrGroupId,
      description: 'Traffic between the apps of the domain',
    });
    new ec2.CfnSecurityGroupEgress(this, `${id}ToSelf`, {
      groupId: sg.attrGroupId,
      ipProtocol: '-1',
      destinationSecurityGroupId: sg.attrGroupId,
      description: 'Traffic between the apps of the domain',
    });
  }
}

/** Keeps the resource (and its data) when it leaves the stack. */
function retain<T extends CfnResource>(resource: T): T {
  resource.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
  resource.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
  return resource;
}

function bucketBasics(): Pick<s3.CfnBucketProps, 'versioningConfiguration' | 'publicAccessBlockConfiguration' | 'ownershipControls'> {
  return {
    versioningConfiguration: { status: 'Enabled' },
    publicAccessBlockConfiguration: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
  };
}

/** Adds the baseline stack to `app` under the example's stack name. */
export function l1BaselineApp(app: App): App {
  new L1BaselineStack(app, 'SecureMlPlatform', { description: 'Raw-L1 baseline of the cdk-secure-sagemaker example' });
  return app;
}
