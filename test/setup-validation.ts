import { CloudFormationValidatePlugin } from 'aws-cdk-lib';

/**
 * aws-cdk-lib runs its CloudFormation Validate plugin on every synthesis, also the one behind each
 * `Template.fromStack`: about half the CPU time of a construct test. Template assertions do not
 * need it, so it is off for tests by default (`CDK_VALIDATION=false`, aws-cdk-lib's own switch);
 * every compliance check turns it back on for its own synthesis (`withCloudFormationValidation`
 * in test/helpers/compliance.ts), so "zero findings under CloudFormation Validate" is still judged
 * wherever a test claims it.
 */
process.env.CDK_VALIDATION = 'false';

// One CloudFormation Validate plugin (and engine) per jest worker, created by the test environment
// (test/helpers/shared-validation-environment.js): aws-cdk-lib's singleton of this file's module
// registry hands over to it.
const shared = (globalThis as { __sharedCloudFormationValidatePlugin?: unknown }).__sharedCloudFormationValidatePlugin;
if (shared !== undefined) {
  (CloudFormationValidatePlugin as unknown as { _singletonInstance: () => unknown })._singletonInstance = () => shared;
}
