/**
 * Whose principals and resources the interface endpoints of a `SageMakerNetwork` admit: the
 * network perimeter of the environment. AWS's default endpoint policy allows any principal to
 * reach any resource, so code in the VPC could write logs, push images, assume roles or create
 * SageMaker resources in another account through the endpoints; these policies admit only
 * principals of the account (or organization) acting on its resources, with the exceptions the
 * workloads need (AWS Deep Learning Container images).
 */
export class EndpointPerimeter {
  /** Principals and resources of the stack's account (the default). */
  public static account(): EndpointPerimeter {
    return new EndpointPerimeter('account');
  }

  /**
   * Principals and resources of an AWS Organizations organization, for environments whose
   * workloads use roles, keys, repositories or buckets of other accounts of the organization.
   *
   * @param organizationId the organization ID (`o-` and 10 to 32 lowercase letters or digits)
   */
  public static organization(organizationId: string): EndpointPerimeter {
    return new EndpointPerimeter('organization', organizationId);
  }

  /**
   * AWS's default endpoint policy (any principal, any resource): warned at synth, for a migration
   * or to debug a refused call.
   */
  public static open(): EndpointPerimeter {
    return new EndpointPerimeter('open');
  }

  private constructor(
    /** @internal */ public readonly _kind: 'account' | 'organization' | 'open',
    /** @internal */ public readonly _organizationId?: string,
  ) {}
}
