import { parse } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { isPlainObject, renderResource } from '../utils';

/**
 * SageMaker Studio domains do not let users run Docker.
 *
 * Non-compliant when `DomainSettings.DockerSettings.EnableDockerAccess` is `ENABLED` or does not
 * resolve; absent settings are compliant (the API default is `DISABLED`).
 * @param node the CfnResource to check
 */
export default Object.defineProperty(
  (node: CfnResource): NagRuleCompliance => {
    if (node.cfnResourceType !== 'AWS::SageMaker::Domain') {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const settings = renderResource(node).properties.DomainSettings;
    if (settings === undefined) {
      return NagRuleCompliance.COMPLIANT;
    }
    if (!isPlainObject(settings)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    const docker = settings.DockerSettings;
    if (docker === undefined) {
      return NagRuleCompliance.COMPLIANT;
    }
    if (!isPlainObject(docker)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
    const access = docker.EnableDockerAccess;
    return access === undefined || access === 'DISABLED' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
  'name',
  { value: parse(__filename).name },
);
