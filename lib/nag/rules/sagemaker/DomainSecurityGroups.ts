import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { flattenToString, isPlainObject, renderResource } from '../utils';

/**
 * SageMaker Studio domains put their apps in security groups of their own.
 *
 * Compliant when `DefaultUserSettings.SecurityGroups` is a non-empty list whose entries all
 * resolve to a literal or a reference (a parameter, `Fn::If` or other value that could be anything
 * is non-compliant). Without it, the domain's apps are not in security groups the owner controls.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Domain') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const settings = renderResource(node).properties.DefaultUserSettings;
    const groups = isPlainObject(settings) ? settings.SecurityGroups : undefined;
    if (!Array.isArray(groups) || groups.length === 0) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    return groups.every((g: unknown) => { const f = flattenToString(node, g); return f.length > 0 && !f.includes('*'); })
      ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
