import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, renderResource } from '../utils';

/**
 * SageMaker Studio domains pass the user profile name as the source identity of every session.
 *
 * Compliant only when `DomainSettings.ExecutionRoleIdentityConfig` resolves to
 * `USER_PROFILE_NAME`; absent (the API default `DISABLED`) or unresolvable is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Domain') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const settings = renderResource(node).properties.DomainSettings;
    return isPlainObject(settings) && settings.ExecutionRoleIdentityConfig === 'USER_PROFILE_NAME'
      ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
