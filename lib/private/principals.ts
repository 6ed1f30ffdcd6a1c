import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { validationError } from './errors';

/**
 * The IAM principal ARNs of `principals`, as `aws:PrincipalArn` sees them (key administrators,
 * break-glass principals of a bucket). A principal that is not an IAM role or user (a service, a
 * federated identity) cannot be named so: a `ValidationError` names `prop`.
 */
export function principalArnsOf(scope: IConstruct, prop: string, principals: iam.IPrincipal[]): string[] {
  const arns: string[] = [];
  principals.forEach((p, i) => {
    const aws = p.policyFragment.principalJson.AWS ?? [];
    if (aws.length === 0) {
      throw validationError(scope, 'NotAnIamPrincipal',
        `\`${prop}[${i}]\` is not an IAM role or user (${p.toString()}): only IAM principals can be named by \`aws:PrincipalArn\`. Pass a role or user, for example \`iam.Role.fromRoleArn(...)\`.`);
    }
    arns.push(...aws);
  });
  return [...new Set(arns)];
}
