import { Annotations, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { EndpointPerimeter } from './endpoint-perimeter';
import { SageMakerEndpointService } from './endpoint-service';
import { acknowledge } from '../private/acknowledge';
import { validationError } from '../private/errors';
import * as perms from '../private/perms';

/**
 * The AWS accounts that publish the AWS Deep Learning Containers (the framework images SageMaker
 * jobs and endpoints use), per the list of Regions in "Available Deep Learning Containers Images".
 */
export const DEEP_LEARNING_CONTAINER_ACCOUNTS = [
  '763104351884', // most commercial Regions
  '626614931356', // af-south-1
  '871362719292', // ap-east-1
  '364406365360', // ap-northeast-3
  '907027046896', // ap-southeast-3
  '692866216735', // eu-south-1
  '217643126080', // me-south-1
  '914824155844', // me-central-1
  '727897471807', // cn-north-1, cn-northwest-1
];

/** The ECR actions of an image pull. */
const ECR_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

/**
 * The policy of one interface endpoint a network creates (a child of the endpoint, found through
 * the tree): the perimeter statements for its service, plus what workloads add (the environment's
 * SageMaker endpoints on the runtime endpoint, the account of a CodeArtifact domain).
 */
export class InterfaceEndpointPolicy extends Construct {
  public static readonly ID = 'SecureSageMakerEndpointPolicy';

  /** The policy of `endpoint`, when a `SageMakerNetwork` created it with a perimeter. */
  public static of(endpoint: IConstruct): InterfaceEndpointPolicy | undefined {
    const existing = endpoint.node.tryFindChild(InterfaceEndpointPolicy.ID);
    return existing instanceof InterfaceEndpointPolicy ? existing : undefined;
  }

  /**
   * Writes the perimeter policy of `service` on `endpoint` (nothing for `EndpointPerimeter.open()`,
   * which is warned and acknowledged instead).
   */
  public static apply(endpoint: ec2.InterfaceVpcEndpoint, service: SageMakerEndpointService, perimeter: EndpointPerimeter): void {
    if (perimeter._kind === 'open') {
      // The network warns once (see `warnIfOpen`).
      acknowledge(endpoint, 'The endpoint keeps AWS\'s default policy because `endpointPerimeter: EndpointPerimeter.open()` was set explicitly on the network, which warns at synth time (OpenEndpointPolicy).',
        'SageMakerSecurity-VPCInterfaceEndpointPolicy');
      return;
    }
    new InterfaceEndpointPolicy(endpoint, service, perimeter);
  }

  /** Warns once, on the network, when its endpoints keep AWS's default policy. */
  public static warnIfOpen(network: IConstruct, perimeter: EndpointPerimeter): void {
    if (perimeter._kind === 'open') {
      Annotations.of(network).addWarningV2('cdk-secure-sagemaker:OpenEndpointPolicy',
        'the interface endpoints this network creates keep AWS\'s default policy (`endpointPerimeter: EndpointPerimeter.open()`): any principal with credentials, of any account, can reach any resource of any account through them, so code in the VPC can write data to another account. Use `EndpointPerimeter.account()` (the default) or `EndpointPerimeter.organization(...)`.');
    }
  }

  private readonly admittedEndpoints: string[] = [];
  private readonly resourceAccounts: string[];

  private constructor(endpoint: ec2.InterfaceVpcEndpoint, service: SageMakerEndpointService, private readonly perimeter: EndpointPerimeter) {
    super(endpoint, InterfaceEndpointPolicy.ID);
    const stack = Stack.of(endpoint);
    const orgId = perimeter._organizationId;
    if (orgId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(orgId) && !Token.isUnresolved(orgId)) {
      throw validationError(this, 'InvalidOrganizationId',
        `\`endpointPerimeter\`: '${orgId}' is not an AWS Organizations organization ID ('o-' and 10 to 32 lowercase letters or digits, e.g. 'o-a1b2c3d4e5').`);
    }
    this.resourceAccounts = [stack.account];
    const principalCondition = orgId === undefined
      ? { 'aws:PrincipalAccount': stack.account }
      : { 'aws:PrincipalOrgID': orgId };
    const own = (statement: iam.PolicyStatementProps) =>
      endpoint.addToPolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], ...statement }));

    switch (service.name) {
      case SageMakerEndpointService.SAGEMAKER_RUNTIME.name:
        // Invocations only, of this account's endpoints, narrowed to the environment's
        // endpoints once a SecureEndpoint admits its own.
        own({
          sid: Lazy.string({ produce: () => (this.admittedEndpoints.length > 0 ? 'InvokeEnvironmentEndpointsOnly' : 'InvokeEndpointsOfThisAccount') }),
          actions: perms.SAGEMAKER_RUNTIME_ENDPOINT_POLICY_ACTIONS,
          resources: Lazy.list({
            produce: () => (this.admittedEndpoints.length > 0
              ? this.admittedEndpoints
              : [stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: '*' })]),
          }),
          conditions: { StringEquals: principalCondition },
        });
        return;
      case SageMakerEndpointService.NOTEBOOK.name:
      case SageMakerEndpointService.STUDIO.name:
        // The notebook and Studio UIs: their requests are authorized as SageMaker actions of the
        // URL's creator on the instance, domain, profile, space or app (CreatePresignedNotebookInstanceUrl,
        // CreateApp...), the form of AWS's example policies for these endpoints. Any SageMaker
        // action, on resources of this account only.
        own({
          sid: service.name === SageMakerEndpointService.NOTEBOOK.name ? 'NotebooksOfThisAccount' : 'StudioOfThisAccount',
          actions: ['sagemaker:*'],
          resources: [stack.formatArn({ service: 'sagemaker', resource: '*' })],
        });
        return;
      default:
    }
    own({
      sid: orgId === undefined ? 'PrincipalsAndResourcesOfThisAccount' : 'PrincipalsAndResourcesOfThisOrganization',
      actions: ['*'],
      resources: ['*'],
      conditions: {
        StringEquals: principalCondition,
        // Calls on no resource (sts:GetCallerIdentity, ecr:GetAuthorizationToken) carry no resource account.
        StringEqualsIfExists: orgId === undefined
          ? { 'aws:ResourceAccount': Lazy.list({ produce: () => this.resourceAccounts }) }
          : { 'aws:ResourceOrgID': orgId },
      },
    });
    if (service.name === SageMakerEndpointService.ECR_API.name || service.name === SageMakerEndpointService.ECR_DKR.name) {
      own({
        sid: 'PullAwsDeepLearningContainers',
        actions: ECR_PULL_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { ...principalCondition, 'aws:ResourceAccount': DEEP_LEARNING_CONTAINER_ACCOUNTS } },
      });
    }
  }

  /** Narrows a sagemaker.runtime endpoint to invocations of the environment's endpoints, this one among them. */
  public admitInvocationsOf(endpointArn: string): void {
    this.admittedEndpoints.push(endpointArn);
  }

  /**
   * Admits resources of another account through this endpoint (for example the account that owns
   * a CodeArtifact domain). Within an organization perimeter, accounts of the organization are
   * admitted already.
   */
  public admitResourcesOfAccount(account: string): void {
    if (this.perimeter._kind === 'account' && !this.resourceAccounts.includes(account)) {
      this.resourceAccounts.push(account);
    }
  }
}
