import { Annotations, Duration, Lazy, Names, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SageMakerEndpointService } from '../environment/endpoint-service';
import type { ISageMakerEnvironment } from '../environment/interfaces';
import { SageMakerEnvironment } from '../environment/sagemaker-environment';
import { isEcrTagOrDigest } from '../private/ecr-images';
import { validationError } from '../private/errors';
import { grantOnPrincipal, managedPolicyGrantee } from '../private/grants';
import * as perms from '../private/perms';
import { principalArnsOf } from '../private/principals';
import { ENVIRONMENT_TAG, EXECUTION_ROLE_TAG } from '../private/tags';
import { requireEndpointsWithoutConsumer } from '../private/vpc-access';
import { acknowledgeScopedWildcards } from '../private/wildcards';

/**
 * Properties of a `SecureImageRepository`.
 */
export interface SecureImageRepositoryProps {
  /**
   * The environment whose key encrypts the images, whose ECR interface endpoints are the only
   * path for image pulls, and whose execution roles (training jobs, models) may pull.
   *
   * @default - the stack's default environment, `SageMakerEnvironment.of(this)`
   */
  readonly environment?: ISageMakerEnvironment;

  /**
   * Name of the repository: 2-256 characters, lowercase letters, digits and `._-` between them,
   * with `/` separating namespaces (`team-a/churn-training`).
   *
   * @default - a name derived from the environment name and the construct path, fixed at synth
   * time (so that roles in other stacks can be granted the repository without a reference to it)
   */
  readonly repositoryName?: string;

  /**
   * How long an untagged image (an image pushed by digest only, or one whose tag moved with
   * `mutableTagPatterns`) is kept after its push, in whole days. A job or model that names an
   * image by digest should name a tagged one: tagged images are kept.
   *
   * @default Duration.days(14)
   */
  readonly untaggedImageExpiry?: Duration;

  /**
   * Keep at most this many tagged images; older ones are expired, even when an endpoint or a
   * scheduled job still runs them (SageMaker pulls the image again when it replaces or adds an
   * instance, and that pull then fails). Warned about.
   *
   * @default - every tagged image is kept
   */
  readonly maxTaggedImages?: number;

  /**
   * Tag patterns (wildcard `*`, for example `dev-*`) whose tags may be moved to another image; all
   * other tags are immutable (`IMMUTABLE_WITH_EXCLUSION`). A moved tag changes what a job or an
   * endpoint scaling out runs without any change to the stack. At most 5 patterns of 1-128
   * letters, digits and `._*-`. Warned about.
   *
   * @default - every tag is immutable (`IMMUTABLE`)
   */
  readonly mutableTagPatterns?: string[];

  /**
   * Deny image pulls (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`) that do not arrive
   * through the environment's ECR interface endpoints (`ecr.api`, `ecr.dkr`; created in the
   * environment's network if no workload asked for them yet), except for the environment's
   * execution roles, AWS services acting for a principal or as themselves, service-linked roles
   * and `breakGlassPrincipals`. Stolen CI or human credentials replayed from outside the VPC pull
   * nothing, even when granted.
   *
   * SageMaker pulls the images of training jobs, processing jobs and models with the execution
   * role, from its own platform network (`TrainingRepositoryAccessMode` and
   * `RepositoryAccessMode` `Platform`, the only mode for ECR images; `Vpc` is for private Docker
   * registries), not through the customer's endpoints: the execution roles, tagged
   * `SageMakerEnvironment.EXECUTION_ROLE_TAG` with the environment name, are exempt so that those
   * pulls keep working (CreateModel: "the IAM role that SageMaker can assume to access model
   * artifacts and docker image for deployment").
   *
   * @default true
   */
  readonly restrictPullsToVpcEndpoints?: boolean;

  /**
   * IAM roles or users that `restrictPullsToVpcEndpoints` does not bind: they may pull from
   * outside the VPC (a CI role that tests the image it pushed, a break-glass role). They still
   * need `grantPull`. Named by `aws:PrincipalArn`.
   *
   * @default - none
   */
  readonly breakGlassPrincipals?: iam.IPrincipal[];

  /**
   * What happens to the repository and its images when it leaves the stack. Anything but
   * `RETAIN` is warned about: a deleted image cannot be pulled again by the endpoints and jobs
   * that run it.
   *
   * @default - the environment's `removalPolicy` (`RemovalPolicy.RETAIN` unless it is a sandbox)
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Delete the images when CloudFormation deletes the repository (ECR `EmptyOnDelete`), so that a
   * sandbox stack can be torn down. Needs `removalPolicy: RemovalPolicy.DESTROY`.
   *
   * @default false
   */
  readonly emptyOnDelete?: boolean;
}

/** ECR's repository name pattern (CreateRepository `repositoryName`). */
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** A tag pattern of an ECR image tag mutability exclusion filter. */
const TAG_PATTERN = /^[0-9a-zA-Z._*-]{1,128}$/;

/**
 * An ECR repository for a team's SageMaker images (training, processing, inference), locked down
 * by default:
 *
 * - encrypted with the environment's customer-managed KMS key (ECR creates its own grants on the
 *   key when the repository is created; pullers and pushers need no KMS permission);
 * - basic scanning on push (`imageScanOnPush`). Enhanced scanning (Amazon Inspector, continuous
 *   re-scans of OS and language packages) is a registry-wide setting of the account and Region
 *   (`AWS::ECR::RegistryScanningConfiguration`, one per registry), so this construct does not set
 *   it: the platform team turns it on once, and it then supersedes scan on push for this
 *   repository too;
 * - immutable tags, so `v1` always names the image a job or endpoint was tested with;
 * - a lifecycle policy that expires untagged images only (after 14 days): tagged images that
 *   endpoints and jobs still run are kept;
 * - retained when removed from the stack (the environment's removal policy), tagged with the
 *   environment;
 * - a repository policy that denies pulls to every principal but those given `grantPull`, the
 *   environment's execution roles and service-linked roles; denies pushes to every principal but
 *   those given `grantPush`; and denies pulls that do not come through the environment's ECR
 *   endpoints (see `restrictPullsToVpcEndpoints`).
 *
 * Use it where an `ecr.IRepository` is taken: `TrainingImage.fromEcrRepository(repo.repository, 'v1')`,
 * `EndpointImage.fromEcrRepository(repo.repository, 'v1')`; the workload's execution role is
 * admitted by its tag. Grant other principals with this construct's `grantPull` and `grantPush`,
 * not with `repository.grantPull`, which adds IAM permissions but not the exemption from the
 * repository policy's denies.
 */
export class SecureImageRepository extends Construct {
  /** The repository, for constructs that take an `ecr.IRepository`. */
  public readonly repository: ecr.IRepository;

  /** Name of the repository. */
  public readonly repositoryName: string;

  /** ARN of the repository. */
  public readonly repositoryArn: string;

  /** URI of the repository, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  public readonly repositoryUri: string;

  /** The environment the repository belongs to. */
  public readonly environment: ISageMakerEnvironment;

  /**
   * The ARN that IAM statements name: built from the name (fixed at synth time) and the stack's
   * account and Region, so that a grant to a role in another stack adds no reference back to
   * this one.
   */
  private readonly policyArn: string;
  private readonly pullers: string[] = [];
  private readonly pushers: string[] = [];
  private readonly serviceLinkedRoles: string;

  constructor(scope: Construct, id: string, props: SecureImageRepositoryProps = {}) {
    super(scope, id);

    const env = props.environment ?? SageMakerEnvironment.of(this);
    this.environment = env;
    const restrict = props.restrictPullsToVpcEndpoints ?? true;
    const removalPolicy = props.removalPolicy ?? env.removalPolicy;
    validateProps(this, props, removalPolicy, restrict);
    const breakGlass = principalArnsOf(this, 'breakGlassPrincipals', props.breakGlassPrincipals ?? []);

    const repositoryName = props.repositoryName ?? defaultRepositoryName(this, env.environmentName);
    const stack = Stack.of(this);
    const mutable = props.mutableTagPatterns ?? [];

    const repository = new ecr.Repository(this, 'Repository', {
      repositoryName,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: env.key,
      imageScanOnPush: true,
      imageTagMutability: mutable.length ? ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION : ecr.TagMutability.IMMUTABLE,
      imageTagMutabilityExclusionFilters: mutable.length ? mutable.map((p) => ecr.ImageTagMutabilityExclusionFilter.wildcard(p)) : undefined,
      removalPolicy,
      emptyOnDelete: props.emptyOnDelete ? true : undefined,
    });
    const untaggedDays = props.untaggedImageExpiry?.toDays() ?? 14;
    repository.addLifecycleRule({
      description: `Expire untagged images ${untaggedDays} days after their push (tagged images are kept)`,
      tagStatus: ecr.TagStatus.UNTAGGED,
      maxImageAge: Duration.days(untaggedDays),
    });
    if (props.maxTaggedImages !== undefined) {
      repository.addLifecycleRule({
        description: `Keep the ${props.maxTaggedImages} most recent tagged images`,
        tagStatus: ecr.TagStatus.TAGGED,
        tagPatternList: ['*'],
        maxImageCount: props.maxTaggedImages,
      });
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:TaggedImagesExpire',
        `\`maxTaggedImages\` is ${props.maxTaggedImages}: older tagged images are deleted even when an endpoint or a scheduled job still runs them, and SageMaker's next pull of such an image (a new or replaced instance, the next run) fails. Keep every tagged image (the default) unless the images in use are always among the most recent ${props.maxTaggedImages}.`);
    }
    if (mutable.length) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:MutableImageTags',
        `\`mutableTagPatterns\` (${mutable.join(', ')}): those tags can be moved to another image, so a job or an endpoint that names one runs whatever was pushed last, without any change to the stack. Name images by immutable tags or digests.`);
    }

    this.repository = repository;
    this.repositoryName = repository.repositoryName;
    this.repositoryArn = repository.repositoryArn;
    this.repositoryUri = repository.repositoryUri;
    this.policyArn = Token.isUnresolved(repositoryName)
      ? repository.repositoryArn
      : stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: repositoryName });
    this.serviceLinkedRoles = `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/*`;

    const executionRoleTag = `aws:PrincipalTag/${EXECUTION_ROLE_TAG}`;
    const exemptExecutionRoles = { StringNotEqualsIfExists: { [executionRoleTag]: env.environmentName } };
    // Principals are added by later grants: the lists are read at synth time.
    const arnsExcept = (...lists: string[][]) => Lazy.list({ produce: () => [...new Set([...lists.flat(), this.serviceLinkedRoles])] });

    repository.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyPullsByUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: perms.ECR_IMAGE_READ,
      conditions: {
        ArnNotLike: { 'aws:PrincipalArn': arnsExcept(this.pullers) },
        ...exemptExecutionRoles,
      },
    }));
    repository.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyLayerChecksByUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: perms.ECR_LAYER_CHECK,
      conditions: {
        ArnNotLike: { 'aws:PrincipalArn': arnsExcept(this.pullers, this.pushers) },
        ...exemptExecutionRoles,
      },
    }));
    repository.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyPushesByUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: perms.ECR_IMAGE_WRITE,
      conditions: {
        ArnNotLike: { 'aws:PrincipalArn': arnsExcept(this.pushers) },
      },
    }));

    if (restrict) {
      // Ask for the endpoints without a consumer: the workloads that pull are admitted to them by
      // their own `requireEndpoints`; the repository only needs their IDs.
      requireEndpointsWithoutConsumer(env.network, [SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR]);
      const endpointIds = [SageMakerEndpointService.ECR_API, SageMakerEndpointService.ECR_DKR]
        .map((s) => env.network.endpointFor(s)!.vpcEndpointId);
      repository.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'DenyPullsOutsideVpcEndpoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: perms.ECR_IMAGE_READ,
        conditions: {
          StringNotEquals: { 'aws:SourceVpce': endpointIds },
          BoolIfExists: { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' },
          ArnNotLike: { 'aws:PrincipalArn': [...breakGlass, this.serviceLinkedRoles] },
          ...exemptExecutionRoles,
        },
      }));
    } else {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:ImagePullsOutsideVpc',
        '`restrictPullsToVpcEndpoints` is false: granted principals (stolen CI or human credentials included) can pull the images from anywhere. Keep the default and name the principals that pull from outside the VPC in `breakGlassPrincipals`.');
    }

    if (removalPolicy !== RemovalPolicy.RETAIN) {
      Annotations.of(this).addWarningV2('cdk-secure-sagemaker:ImageRepositoryNotRetained',
        `removalPolicy is ${removalPolicy}: the repository can be deleted with the stack${props.emptyOnDelete ? ' with every image in it' : ' (CloudFormation fails to delete it while it holds images)'}, and endpoints and jobs that run its images cannot pull them again. Keep RETAIN outside throwaway sandboxes.`);
    }

    Tags.of(this).add(ENVIRONMENT_TAG, env.environmentName);
  }

  /**
   * The URI of an image in this repository, by tag (`v1.2`) or digest (`sha256:<64 hex>`).
   *
   * @param tagOrDigest an image tag or digest
   */
  public imageUri(tagOrDigest: string): string {
    if (!Token.isUnresolved(tagOrDigest) && !isEcrTagOrDigest(tagOrDigest)) {
      throw validationError(this, 'InvalidImageTag',
        `\`imageUri\` tag '${tagOrDigest}' is neither an ECR tag (1-128 letters, digits and _.-, not starting with . or -) nor a 'sha256:<64 hex>' digest. Use a tag such as 'v1.2'.`);
    }
    return this.repository.repositoryUriForTagOrDigest(tagOrDigest);
  }

  /**
   * Lets `grantee` pull images: `ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer` and
   * `ecr:BatchCheckLayerAvailability` on this repository, `ecr:GetAuthorizationToken` (which has
   * no resource-level permissions), and an exemption from the repository policy's deny of
   * ungranted principals (by `aws:PrincipalArn`). Pulls still have to come through the
   * environment's ECR endpoints unless the grantee is a break-glass principal. The environment's
   * execution roles need no grant. A role the library did not create gets a customer-managed
   * policy.
   *
   * @param grantee an IAM role or user
   */
  public grantPull(grantee: iam.IGrantable): iam.Grant {
    this.pullers.push(...this.iamArnsOf('grantPull', grantee));
    return this.grant(grantee, [...perms.ECR_IMAGE_READ, ...perms.ECR_LAYER_CHECK]);
  }

  /**
   * Lets `grantee` push images (CI): `ecr:PutImage`, `ecr:InitiateLayerUpload`,
   * `ecr:UploadLayerPart`, `ecr:CompleteLayerUpload` and `ecr:BatchCheckLayerAvailability` on
   * this repository, `ecr:GetAuthorizationToken`, and an exemption from the repository policy's
   * deny of pushes by other principals. Pushing does not let it pull.
   *
   * @param grantee an IAM role or user
   */
  public grantPush(grantee: iam.IGrantable): iam.Grant {
    this.pushers.push(...this.iamArnsOf('grantPush', grantee));
    return this.grant(grantee, [...perms.ECR_IMAGE_WRITE, ...perms.ECR_LAYER_CHECK]);
  }

  /** The IAM principal ARNs of `grantee`; a service or federated principal cannot be named in the policy. */
  private iamArnsOf(method: string, grantee: iam.IGrantable): string[] {
    const principal = grantee.grantPrincipal;
    const aws = principal.policyFragment.principalJson.AWS ?? [];
    if (aws.length === 0) {
      throw validationError(this, 'NotAnIamPrincipal',
        `\`${method}\` was given ${principal.toString()}, which is not an IAM role or user: the repository policy admits principals by \`aws:PrincipalArn\`. A SageMaker workload's execution role needs no grant (it is admitted by its tag); for other services pass the role they run with.`);
    }
    return aws;
  }

  private grant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const managed = managedPolicyGrantee(grantee);
    const stack = Stack.of(this);
    const principalAccount = grantee.grantPrincipal.principalAccount;
    const crossAccount = principalAccount !== undefined && !Token.isUnresolved(principalAccount)
      && !Token.isUnresolved(stack.account) && principalAccount !== stack.account;
    const grant = crossAccount
      // Another account's principal also needs the repository policy to allow it.
      ? iam.Grant.addToPrincipalOrResource({
        grantee: managed, actions, resourceArns: [this.policyArn], resourceSelfArns: [], resource: this.repository,
      })
      : grantOnPrincipal({ grantee, actions, resourceArns: [this.policyArn] });
    const token = grantOnPrincipal({ grantee, actions: perms.ECR_AUTHORIZATION_TOKEN, resourceArns: ['*'] });
    acknowledgeScopedWildcards(managed, ['*'], 'ecr:GetAuthorizationToken supports no resource-level permissions; image pulls and pushes are limited to this repository.');
    return grant.combine(token);
  }
}

function defaultRepositoryName(scope: Construct, environmentName: string): string {
  const unique = Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' }).toLowerCase();
  if (Token.isUnresolved(environmentName)) {
    return unique;
  }
  return `${environmentName.toLowerCase()}/${unique}`;
}

function validateProps(scope: Construct, props: SecureImageRepositoryProps, removalPolicy: RemovalPolicy, restrict: boolean): void {
  const name = props.repositoryName;
  if (name !== undefined && !Token.isUnresolved(name) && (name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name))) {
    throw validationError(scope, 'InvalidRepositoryName',
      `\`repositoryName\` '${name}' must be 2-256 lowercase letters, digits and single '.', '_' or '-' between them, with '/' between namespaces (the ECR repository name pattern). Pick a name such as 'team-a/churn-training'.`);
  }
  const expiry = props.untaggedImageExpiry;
  if (expiry !== undefined) {
    if (expiry.isUnresolved()) {
      throw validationError(scope, 'InvalidUntaggedImageExpiry',
        '`untaggedImageExpiry` is a token: the lifecycle policy is a JSON text written at synth time, so the number of days must be known. Pass a literal such as `Duration.days(14)`.');
    }
    const days = expiry.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1) {
      throw validationError(scope, 'InvalidUntaggedImageExpiry',
        `\`untaggedImageExpiry\` is ${expiry.toHumanString()}: ECR lifecycle rules count whole days, at least 1. Use for example \`Duration.days(14)\`.`);
    }
  }
  const max = props.maxTaggedImages;
  if (max !== undefined && (Token.isUnresolved(max) || !Number.isInteger(max) || max < 1)) {
    throw validationError(scope, 'InvalidMaxTaggedImages',
      `\`maxTaggedImages\` is ${Token.isUnresolved(max) ? 'a token' : max}: it must be a literal whole number of images, at least 1 (the lifecycle policy is written at synth time). Leave it out to keep every tagged image.`);
  }
  const patterns = props.mutableTagPatterns;
  if (patterns !== undefined) {
    if (patterns.length < 1 || patterns.length > 5) {
      throw validationError(scope, 'InvalidMutableTagPatterns',
        `\`mutableTagPatterns\` has ${patterns.length} patterns: ECR takes 1 to 5 tag mutability exclusion filters. Leave it out to keep every tag immutable.`);
    }
    const bad = patterns.find((p) => !Token.isUnresolved(p) && !TAG_PATTERN.test(p));
    if (bad !== undefined) {
      throw validationError(scope, 'InvalidMutableTagPatterns',
        `\`mutableTagPatterns\` entry '${bad}' must be 1-128 letters, digits and '._*-' (an ECR tag wildcard filter), such as 'dev-*'.`);
    }
  }
  if (removalPolicy === RemovalPolicy.SNAPSHOT) {
    throw validationError(scope, 'SnapshotRemovalPolicy',
      '`removalPolicy` is SNAPSHOT, which CloudFormation does not support for ECR repositories. Use RETAIN (the default), RETAIN_ON_UPDATE_OR_DELETE or DESTROY.');
  }
  if (props.emptyOnDelete && removalPolicy !== RemovalPolicy.DESTROY) {
    throw validationError(scope, 'EmptyOnDeleteWithoutDestroy',
      `\`emptyOnDelete\` deletes the images when CloudFormation deletes the repository, but \`removalPolicy\` is ${removalPolicy}, so it is never deleted. Set \`removalPolicy: RemovalPolicy.DESTROY\` too (sandboxes only), or drop \`emptyOnDelete\`.`);
  }
  if (props.breakGlassPrincipals?.length && !restrict) {
    throw validationError(scope, 'BreakGlassWithoutRestriction',
      '`breakGlassPrincipals` exempts principals from `restrictPullsToVpcEndpoints`, which is false, so it would change nothing. Drop `restrictPullsToVpcEndpoints: false` (the restriction is the default), or drop `breakGlassPrincipals`.');
  }
}
