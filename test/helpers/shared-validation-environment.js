'use strict';
/**
 * The jest test environment of the suite: jest's Node environment, plus one aws-cdk-lib
 * CloudFormation Validate plugin per worker process, shared by the test files that worker runs.
 *
 * Jest gives every test file a fresh module registry, so aws-cdk-lib's own singleton plugin, and
 * the validation engine it builds (the rules of every resource type in the templates, compiled in
 * WebAssembly), was rebuilt in every file that judges findings: about 2.5 seconds each, a third of
 * the suite's time on 2 cores. The plugin created here lives in the worker's outer context; the
 * test files' aws-cdk-lib hands every synthesis to it (test/setup-validation.ts). It runs the same
 * rules on the same templates, and rebuilds its engine whenever a template brings a resource type
 * it has not compiled yet (aws-cdk-lib's own check), so what is judged does not change.
 */
const { TestEnvironment } = require('jest-environment-node');

let shared;

class SharedValidationEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    if (shared === undefined) {
      const { CloudFormationValidatePlugin } = require('aws-cdk-lib');
      shared = CloudFormationValidatePlugin._singletonInstance();
    }
    this.global.__sharedCloudFormationValidatePlugin = shared;
  }
}

module.exports = SharedValidationEnvironment;
