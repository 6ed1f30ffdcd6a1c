import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, renderResource } from '../utils';

/**
 * SageMaker Studio domains shut idle JupyterLab apps down.
 *
 * Compliant only when
 * `DefaultUserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement`
 * resolves to `ENABLED`; absent (the API default is off) or unresolvable is non-compliant.
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Domain') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const settings = renderResource(node).properties.DefaultUserSettings;
    const lab = isPlainObject(settings) ? settings.JupyterLabAppSettings : undefined;
    const lifecycle = isPlainObject(lab) ? lab.AppLifecycleManagement : undefined;
    const idle = isPlainObject(lifecycle) ? lifecycle.IdleSettings : undefined;
    return isPlainObject(idle) && idle.LifecycleManagement === 'ENABLED' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
