import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Lets SageMaker set the source identity (the user profile name) when it assumes `role`, which
 * the domain's `ExecutionRoleIdentityConfig: USER_PROFILE_NAME` needs: without
 * `sts:SetSourceIdentity` in the trust policy, Studio cannot assume the role.
 * Internal: not exported from the package.
 */
export function allowSourceIdentity(role: iam.Role): void {
  role.assumeRolePolicy?.addStatements(new iam.PolicyStatement({
    actions: ['sts:SetSourceIdentity'],
    principals: [new iam.ServicePrincipal('sagemaker.amazonaws.com')],
    conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(role).account } },
  }));
}
