import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationPlugin, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildStacks } from '../../examples/secure-ml-platform';
import { SageMakerCompliance, SageMakerEnvironment } from '../../lib';
import { AcknowledgingControlTowerPlugin } from '../../lib/nag/control-tower';
import { CONTROL_TOWER_METADATA } from '../../lib/private/acknowledge';
import { collectFindings, formatFindings, newTestApp } from '../helpers/compliance';

// AWS Control Tower's proactive controls (the CloudFormation Guard rules @cdklabs/cdk-validator-cfnguard
// bundles) judge the templates as written, as an auditor's pipeline would. The library's
// resources meet every control except a few that they cannot meet by design; those are
// acknowledged on the resources themselves, with the reason, in the template.

const RULES = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');

/** The guard rule file of a control (`CT.S3.PR.9` → .../s3/ct-s3-pr-9.guard). */
function ruleFile(control: string): string {
  const name = `${control.toLowerCase().replace(/\./g, '-')}.guard`;
  const find = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? find(path.join(dir, e.name)) : e.name === name ? [path.join(dir, e.name)] : []));
  const [file] = find(RULES);
  expect(file).toBeDefined();
  return file;
}

/** [control, logical ID] of each violation a plugin reports (the control is in the rule's message). */
function violations(plugin: CfnGuardValidator, app: App, templatePath: string): string[] {
  const report = plugin.validate({ templatePaths: [templatePath], appConstruct: app });
  return report.violations.flatMap((v) => {
    const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(`${v.description} ${v.fix}`)?.[1] ?? v.ruleName;
    return v.violatingResources.map((r) => `${control} ${r.resourceLogicalId}`);
  }).sort();
}

const EXPECTED = [
  // a permissions boundary is Allow * capped by denies
  ['CT.IAM.PR.2', 'AWS::IAM::ManagedPolicy'], ['CT.IAM.PR.3', 'AWS::IAM::ManagedPolicy'],
  // aws-cdk-lib's default-security-group provider runs outside the VPC
  ['CT.LAMBDA.PR.3', 'AWS::Lambda::Function'],
  // the access-logs bucket: SSE-S3 (log delivery requires it) and no logging into itself
  ['CT.S3.PR.10', 'AWS::S3::Bucket'], ['CT.S3.PR.2', 'AWS::S3::Bucket'],
  // Object Lock is elective
  ['CT.S3.PR.9', 'AWS::S3::Bucket'],
  // the dead-letter queue has no dead-letter queue
  ['CT.SQS.PR.1', 'AWS::SQS::Queue'],
].map(([c, t]) => `${c} ${t}`);

describe('AWS Control Tower proactive controls over the written templates', () => {
  const app = buildStacks(newTestApp());
  SageMakerCompliance.applyTo(app, { controlTower: new CfnGuardValidator() });
  let templatePath: string;
  let template: { Resources: Record<string, { Type: string; Metadata?: Record<string, any> }> };

  test('the main example meets every control but the acknowledged ones (and every pack)', () => {
    expect(formatFindings(collectFindings(app))).toBe('');
    templatePath = path.join(app.outdir, 'SecureMlPlatform.template.json');
    template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
  });

  test('the acknowledged controls are the listed ones, each with a specific reason, written once per resource', () => {
    const acks = Object.values(template.Resources).flatMap((r) =>
      ((r.Metadata?.[CONTROL_TOWER_METADATA] ?? []) as Array<{ control: string; reason: string }>).map((a) => ({ ...a, type: r.Type })));
    expect([...new Set(acks.map((a) => `${a.control} ${a.type}`))].sort()).toEqual([...EXPECTED].sort());
    for (const a of acks) {
      expect(a.reason.length).toBeGreaterThan(80);
    }
    for (const r of Object.values(template.Resources)) {
      const controls = ((r.Metadata?.[CONTROL_TOWER_METADATA] ?? []) as Array<{ control: string }>).map((a) => a.control);
      expect(new Set(controls).size).toBe(controls.length);
    }
  });

  test('every acknowledgement is needed: each acknowledged control fails on exactly the resources that carry it', () => {
    const acked = Object.entries(template.Resources).flatMap(([id, r]) =>
      ((r.Metadata?.[CONTROL_TOWER_METADATA] ?? []) as Array<{ control: string }>).map((a) => `${a.control} ${id}`)).sort();
    const controls = [...new Set(acked.map((a) => a.split(' ')[0]))];
    const plugin = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: controls.map(ruleFile) });
    expect(violations(plugin, app, templatePath)).toEqual(acked);
  });

  test('the key policy meets CT.KMS.PR.3: no principal creates grants except for AWS resources', () => {
    const plugin = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [ruleFile('CT.KMS.PR.3')] });
    expect(violations(plugin, app, templatePath)).toEqual([]);
  });

  test('a violation on a resource without an acknowledgement fails the synth, naming the control', () => {
    const other = newTestApp();
    const stack = new Stack(other, 'Team');
    SageMakerEnvironment.of(stack);
    // A bucket of the user's own, without server access logging.
    new s3.Bucket(stack, 'Scratch', { enforceSSL: true, versioned: true });
    SageMakerCompliance.applyTo(other, {
      awsSolutions: false,
      hipaaSecurity: false,
      nist80053R5: false,
      pciDss321: false,
      controlTower: new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [ruleFile('CT.S3.PR.2')] }),
    });
    const findings = collectFindings(other).filter((f) => f.plugin === 'cdk-validator-cfnguard');
    expect(findings.map((f) => f.path)).toEqual(['Team/Scratch/Resource']);
    expect(findings[0].description).toContain('[CT.S3.PR.2]');
  });

  test('applyTo with and without the controls on one app is refused, naming the options', () => {
    const other = newTestApp();
    new Stack(other, 'S');
    SageMakerCompliance.applyTo(other);
    expect(() => SageMakerCompliance.applyTo(other, { controlTower: new CfnGuardValidator() }))
      .toThrow(/already called on the app with other options \(.*controlTower=off, now .*controlTower=cdk-validator-cfnguard\)/);
  });
});

describe('AWS Control Tower proactive controls over multi-stack layouts', () => {
  // The consumer apps as users write them: the environment in one stack, workloads in others.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const consumer = (name: string): App => (require(path.join(__dirname, '..', 'consumers', name)) as { build: (a: App) => App }).build(newTestApp());
  const templatesOf = (app: App) => fs.readdirSync(app.outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(app.outdir, f));
  const allViolations = (app: App, plugin: IPolicyValidationPlugin) => {
    const templatePaths = templatesOf(app);
    const stackTemplates = templatePaths.map((templatePath) => ({
      stackConstructPath: path.basename(templatePath, '.template.json'), templatePath, accountId: undefined, region: undefined,
    }));
    const report = plugin.validate({ templatePaths, stackTemplates, appConstruct: app });
    return report.violations.flatMap((v) => {
      const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(`${v.description} ${v.fix}`)?.[1] ?? v.ruleName;
      return v.violatingResources.map((r) => `${control} ${path.basename(r.templatePath ?? '')} ${r.resourceLogicalId}`);
    }).sort();
  };

  test('platform and team stacks: nothing fails (the team\'s images in a SecureImageRepository); the imported subnet and key are acknowledged', () => {
    const app = consumer('platform-and-team-stacks');
    app.synth();
    expect(allViolations(app, new AcknowledgingControlTowerPlugin(new CfnGuardValidator()))).toEqual([]);
    // Not vacuous: without the acknowledgements, the team stacks' notebook and log groups fail.
    const raw = allViolations(app, new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: ['CT.SAGEMAKER.PR.1', 'CT.SAGEMAKER.PR.2', 'CT.CLOUDWATCH.PR.3'].map(ruleFile) }));
    expect(raw).toEqual(expect.arrayContaining([
      expect.stringMatching(/^CT\.SAGEMAKER\.PR\.1 TeamA\.template\.json Notebook/),
      expect.stringMatching(/^CT\.SAGEMAKER\.PR\.2 TeamA\.template\.json Notebook/),
      expect.stringMatching(/^CT\.CLOUDWATCH\.PR\.3 TeamB\.template\.json EndpointLogGroup/),
    ]));
    // The platform stack's own resources reference within the template: judged as they are.
    expect(raw.filter((v) => v.includes('Platform.template.json'))).toEqual([]);
  });

  test('a key of the user\'s for the alerts meets CT.KMS.PR.3, and a flow-log key from another stack is acknowledged', () => {
    for (const name of ['regional-monitoring', 'byo-key']) {
      const app = consumer(name);
      app.synth();
      expect([name, allViolations(app, new AcknowledgingControlTowerPlugin(new CfnGuardValidator()))]).toEqual([name, []]);
    }
  });
});
