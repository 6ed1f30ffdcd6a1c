import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../examples/secure-ml-platform';
import { buildReport, renderJson, renderMarkdown, renderSummary, SecurityReportData } from '../../lib/report';
import { main } from '../../lib/report/cli';
import { TEST_CONTEXT } from '../helpers/compliance';

const INSECURE = path.join(__dirname, '..', 'fixtures', 'report', 'insecure');

/** Runs the CLI and captures what it prints. */
function run(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, cwd });
  return { code, stdout, stderr };
}

function controls(report: SecurityReportData, namePrefix: string) {
  const res = report.resources.find(r => r.name.startsWith(namePrefix));
  if (!res) throw new Error(`no resource ${namePrefix}: ${report.resources.map(r => r.name).join(', ')}`);
  return Object.fromEntries(res.controls.map(c => [c.control, c.status]));
}

describe('report of the main example', () => {
  let dir: string;
  let report: SecurityReportData;
  let markdown: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-example-'));
    buildApp(new App({ outdir: dir, context: TEST_CONTEXT })).synth();
    report = buildReport(dir);
    markdown = renderMarkdown(report);
  }, 240_000);

  test('has a row for each control of each SageMaker resource, all PASS', () => {
    expect(controls(report, 'Notebook instance team-a-explore')).toEqual({
      'KMS key (storage volume)': 'PASS',
      'Network: VPC subnet': 'PASS',
      'Network: direct internet access': 'PASS',
      'Root access': 'PASS',
      'IMDS': 'PASS',
      'Platform': 'PASS',
      'Lifecycle configuration': 'PASS',
    });
    expect(controls(report, 'Studio domain ml-platform')).toMatchObject({
      'KMS key (EFS)': 'PASS', 'Network: VPC only': 'PASS', 'User profiles with own role': 'PASS',
    });
    expect(report.resources.find(r => r.name.startsWith('Studio domain'))!.controls
      .find(c => c.control === 'User profiles with own role')!.detail).toMatch(/^2 user profile/);
    expect(controls(report, 'Endpoint config')).toEqual({
      'KMS key (storage volume)': 'PASS', 'Data capture': 'PASS', 'Data capture KMS key': 'PASS', 'Instance count (AllTraffic)': 'PASS',
    });
    expect(controls(report, 'Model')).toEqual({ 'Network: VPC subnets': 'PASS', 'Network isolation': 'PASS' });
    expect(controls(report, 'Endpoint team-a-churn')).toEqual({ 'Endpoint config': 'PASS' });
    expect(controls(report, 'Training')).toEqual({
      'KMS key (training volume)': 'PASS',
      'KMS key (output)': 'PASS',
      'Network: VPC subnets': 'PASS',
      'Network isolation': 'PASS',
      'Inter-container encryption': 'PASS',
      'Max runtime': 'PASS',
    });
    expect(report.summary).toEqual({ pass: 27, fail: 0 });
    expect(markdown).toContain('| Max runtime | PASS | 21600 s (6 h) |');
  });

  test('lists the rule pack\'s verdicts: its only finding is the acknowledged SSE-S3 access-logs bucket', () => {
    expect(report.rules.length).toBeGreaterThan(30);
    expect(report.rules.filter(v => !v.compliant).map(v => [v.ruleId, v.logicalId.replace(/[0-9A-F]{8}$/, ''), !!v.acknowledgedReason])).toEqual([
      ['SageMakerSecurity-S3BucketKeyEnabled', 'EnvironmentAccessLogsBucket', true],
    ]);
    expect(markdown).toContain('## SageMakerSecurity rules');
    expect(markdown).toContain('| IMDS | PASS | IMDSv2 only | NotebookIMDSv2 |');
    expect(renderSummary(report)).toMatch(/Rules: \d+ of \d+ SageMakerSecurity rule checks compliant, 1 finding\(s\) \(1 acknowledged\)/);
  });

  test('estimates the baseline cost: 8 interface endpoints x 2 AZs and 1 key', () => {
    expect(report.cost.lines.filter(l => l.item.startsWith('Interface endpoint'))).toHaveLength(8);
    expect(report.cost.lines.find(l => l.item.includes('sagemaker.runtime'))).toMatchObject({ quantity: 2, monthlyUsd: 14.6 });
    expect(report.cost.lines.find(l => l.item.startsWith('KMS'))).toMatchObject({ quantity: 1, monthlyUsd: 1 });
    expect(report.cost.totalMonthlyUsd).toBe(117.8);
    expect(markdown).toContain('list price, us-east-1, excluding usage');
    expect(markdown).toContain('| **Total** | | | **$117.80** |');
  });

  test('describes roles in plain words', () => {
    const role = (prefix: string) => report.roles.find(r => r.logicalId.startsWith(prefix))!;
    const statements = (prefix: string, service: string) => role(prefix).permissions.find(p => p.service === service)!.statements;
    expect(statements('PipelineRole', 's3')).toContain('read objects under EnvironmentDataBucket/datasets/curated/');
    expect(statements('PipelineRole', 's3')).toContain('read, write and delete objects under EnvironmentArtifactsBucket/models/');
    expect(statements('ChurnTrainingStateMachineRole', 'sagemaker')[0])
      .toMatch(/^create training job on training-job churn-\* only if sagemaker:VpcSubnets .*sagemaker:VolumeKmsKeyArn ArnEquals EnvironmentKey/);
    expect(statements('DataScientistRole', 'sagemaker'))
      .toContain('invoke endpoint on endpoint team-a-churn only if aws:SourceVpce StringEquals EnvironmentNetworkEndpointsagemakerruntime');
    const guardrail = { service: 'guardrails', statements: [1, 2].map((n) => expect.stringMatching(new RegExp(`^DENY what GuardrailsDenyPolicy${n}\\w+ forbids \\(\\d+ deny statements, listed under Guardrails\\)$`))) };
    expect(role('StudioDefaultRole').permissions).toEqual([{ service: 'none', statements: ['no permissions'] }, guardrail]);
    // the guardrails are named on each role, never restated among its permissions
    expect(report.roles.flatMap(r => r.permissions.filter(p => p.service !== 'guardrails').flatMap(p => p.statements))
      .filter(s => s.startsWith('DENY create notebook instance'))).toEqual([]);
    expect(role('DataScientistRole').assumedBy).toEqual(['AWS arn:aws:iam::<account>:root']);
  });

  test('describes each guardrail policy once, with the roles that carry it', () => {
    // The guardrails judge the whole SageMaker catalogue: two deny policies under IAM's size limit, on every role.
    expect(report.guardrails).toHaveLength(2);
    for (const g of report.guardrails) {
      expect(g.roles).toHaveLength(report.roles.length);
    }
    const statements = report.guardrails.flatMap((g) => g.statements);
    expect(statements).toContain('DENY create notebook instance on any resource only if sagemaker:DirectInternetAccess StringNotEquals Disabled');
    expect(statements.find((s) => s.includes('create pipeline'))).toMatch(/^DENY create compilation job, .*create pipeline.* on any resource$/);
    expect(markdown).toContain('## Guardrails');
    expect(markdown).toContain(`Attached to ${report.roles.length} role(s)`);
    expect(renderSummary(report)).toContain(`Guardrails: 2 deny policy(ies) on ${report.roles.length} of ${report.roles.length} role(s)`);
  });

  test('lists who may invoke or open what, and from where', () => {
    expect(report.access.map(g => [g.principal.replace(/[0-9A-F]{8}$/, ''), g.action, g.resources.join(), g.restricted])).toEqual([
      ['DataScientistRole', 'sagemaker:CreatePresignedNotebookInstanceUrl', 'notebook-instance team-a-explore', true],
      ['DataScientistRole', 'sagemaker:InvokeEndpoint', 'endpoint team-a-churn', true],
      ['StudioLauncher', 'sagemaker:CreatePresignedDomainUrl', 'user-profile Studio/alice', true],
    ]);
    expect(report.access[1].from).toMatch(/aws:SourceVpce StringEquals VPC endpoint sagemaker\.runtime/);
  });

  test('lists acknowledgements deduplicated per rule and reason, and the opt-outs', () => {
    const keys = report.acknowledgements.map(a => `${a.ruleId}\u0000${a.reason}`);
    expect(new Set(keys).size).toBe(keys.length);
    const w3010 = report.acknowledgements.filter(a => a.ruleId === 'CloudFormation-Validate::W3010');
    expect(w3010).toHaveLength(1);
    // aws-cdk-lib acknowledges it on the stack: written once, for the whole template.
    expect(w3010[0].resources).toEqual(['(whole template)']);
    const sqs = report.acknowledgements.find(a => a.ruleId === 'AwsSolutions-SQS3')!;
    expect(sqs.reason).toMatch(/dead-letter queue/);
    expect(report.optOuts).toEqual([
      expect.objectContaining({ kind: 'acknowledgement', id: 'SageMakerSecurity-S3BucketKeyEnabled' }),
      // The example's stack has no Region: its role-change rule fires only if deployed to us-east-1.
      expect.objectContaining({ kind: 'warning', id: 'cdk-secure-sagemaker:RoleChangeRuleOnlyInUsEast1' }),
    ]);
    expect(markdown).toContain('| AwsSolutions-SQS3 | This queue is itself the dead-letter queue');
  });

  test('draws the network path without an internet node', () => {
    expect(report.networkDiagram.split('\n')[0]).toBe('flowchart LR');
    expect(report.networkDiagram).toContain('interface endpoint sagemaker.runtime');
    expect(report.networkDiagram).toContain('s3 gateway endpoint');
    expect(report.networkDiagram).toContain('notebook team-a-explore');
    expect(report.networkDiagram).toContain('Studio domain ml-platform');
    expect(report.networkDiagram).toContain('training ChurnTrainingStateMachine');
    expect(report.networkDiagram).not.toMatch(/internet\(/);
    expect(markdown).toContain('```mermaid\nflowchart LR');
  });

  test('takes well under a second', () => {
    const start = process.hrtime.bigint();
    renderMarkdown(buildReport(dir));
    renderJson(buildReport(dir));
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(500);
  });

  test('the CLI writes security-report.md in the current directory and prints a summary', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cwd-'));
    const { code, stdout } = run(['report', dir], cwd);
    expect(code).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'security-report.md'), 'utf-8')).toBe(renderMarkdown({ ...report, assembly: path.resolve(cwd, dir) }));
    expect(stdout).toContain('Controls: 27 PASS, 0 FAIL');
    expect(stdout).toContain('Baseline cost: $117.80/month (list price, us-east-1, excluding usage)');
    expect(stdout.split('\n').length).toBeLessThan(25);
  });
});

describe('report of a hand-written insecure template', () => {
  const report = buildReport(INSECURE);

  test('a notebook with direct internet access and no key gets FAIL rows, never a gap', () => {
    expect(controls(report, 'Notebook instance legacy')).toEqual({
      'KMS key (storage volume)': 'FAIL',
      'Network: VPC subnet': 'FAIL',
      'Network: direct internet access': 'FAIL',
      'Root access': 'FAIL',
      'IMDS': 'FAIL',
      'Platform': 'FAIL',
      'Lifecycle configuration': 'FAIL',
    });
    const nb = report.resources.find(r => r.name === 'Notebook instance legacy')!;
    expect(nb.controls.find(c => c.control === 'Network: direct internet access')!.detail).toMatch(/DirectInternetAccess Enabled/);
    expect(nb.controls.find(c => c.control === 'Root access')!.detail).toMatch(/defaults to Enabled/);
  });

  test('a domain, endpoint config, model and training job lacking controls get FAIL rows', () => {
    expect(controls(report, 'Studio domain open')).toMatchObject({
      'KMS key (EFS)': 'FAIL', 'Network: VPC only': 'FAIL', 'Notebook output sharing': 'FAIL', 'User profiles with own role': 'FAIL',
    });
    expect(controls(report, 'Endpoint config Config')).toEqual({
      'KMS key (storage volume)': 'FAIL', 'Data capture': 'FAIL', 'Data capture KMS key': 'FAIL', 'Instance count (AllTraffic)': 'FAIL',
    });
    expect(controls(report, 'Model')).toEqual({ 'Network: VPC subnets': 'FAIL', 'Network isolation': 'FAIL' });
    expect(controls(report, 'Training')).toEqual({
      'KMS key (training volume)': 'FAIL',
      'KMS key (output)': 'FAIL',
      'Network: VPC subnets': 'FAIL',
      'Network isolation': 'FAIL',
      'Inter-container encryption': 'FAIL',
      'Max runtime': 'FAIL',
    });
    expect(renderMarkdown(report)).toContain('| Root access | **FAIL** |');
  });

  test('rows that state a rule\'s verdict name it; the report\'s own rows do not', () => {
    const nb = report.resources.find(r => r.name === 'Notebook instance legacy')!;
    expect(Object.fromEntries(nb.controls.map(c => [c.control, c.rules]))).toMatchObject({
      'Network: direct internet access': undefined,
      'Root access': ['SageMakerSecurity-NotebookRootAccessDisabled'],
      'Platform': ['SageMakerSecurity-NotebookCurrentPlatform'],
    });
    expect(renderMarkdown(report)).toContain('| Network: direct internet access | **FAIL** | DirectInternetAccess Enabled: the notebook has a SageMaker-managed internet path | (report only) |');
  });

  test('lists the findings of the rule pack on every resource, not only SageMaker ones', () => {
    const findings = report.rules.filter(v => !v.compliant).map(v => `${v.ruleId} ${v.logicalId}`);
    expect(findings).toEqual(expect.arrayContaining([
      'SageMakerSecurity-KMSKeyRetained Key',
      'SageMakerSecurity-VPCNoInternetPath Igw',
      'SageMakerSecurity-VPCS3GatewayEndpointPolicy S3Gateway',
      'SageMakerSecurity-VPCInterfaceEndpointPrivateDNS ApiEndpoint',
      'SageMakerSecurity-UserProfileOwnRole Profile',
      'SageMakerSecurity-JobDefinitionMaxRuntime Training',
    ]));
    expect(report.rules.find(v => v.ruleId === 'SageMakerSecurity-VPCNoInternetPath')).toMatchObject({ level: 'warning', compliant: false });
    // Acknowledged on another resource (the role), so not on the notebook.
    expect(report.rules.find(v => v.ruleId === 'SageMakerSecurity-NotebookRootAccessDisabled')).toMatchObject({ logicalId: 'Notebook', compliant: false });
    expect(report.rules.find(v => v.ruleId === 'SageMakerSecurity-NotebookRootAccessDisabled')!.acknowledgedReason).toBeUndefined();
    expect(renderMarkdown(report)).toContain('| SageMakerSecurity-VPCNoInternetPath | warning | Igw |');
  });

  test('local NVMe instance types pass the volume key control without a key', () => {
    const nvme = report.resources.find(r => r.name === 'Endpoint config NvmeConfig')!;
    expect(nvme.controls[0]).toMatchObject({ status: 'PASS', detail: expect.stringMatching(/local NVMe/) });
  });

  test('an unparseable training definition is a FAIL row', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-bad-'));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 't.json' } } } }));
    fs.writeFileSync(path.join(dir, 't.json'), JSON.stringify({
      Resources: { Sm: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{"States": createTrainingJob' } } },
    }));
    expect(buildReport(dir).resources[0].controls).toEqual([expect.objectContaining({ status: 'FAIL', control: 'Training parameters' })]);
  });

  test('counts interface endpoint AZs from their subnets; gateway endpoints are free', () => {
    expect(report.cost.lines).toEqual([
      { item: 'Interface endpoint sagemaker.api (ApiEndpoint)', quantity: 3, unit: 'AZ', unitPriceUsd: 7.3, monthlyUsd: 21.9 },
      { item: 'KMS customer managed keys', quantity: 1, unit: 'key', unitPriceUsd: 1, monthlyUsd: 1 },
    ]);
    expect(report.cost.totalMonthlyUsd).toBe(22.9);
  });

  test('flags grants without a network condition and shows aws:SourceIp', () => {
    expect(report.access.map(g => [g.action, g.resources.join(), g.from])).toEqual([
      ['sagemaker:InvokeEndpoint', 'endpoint open-endpoint', 'from anywhere (no aws:SourceVpce / aws:SourceIp condition)'],
      ['sagemaker:CreatePresignedDomainUrl', '*', 'only if aws:SourceIp IpAddress 203.0.113.0/24'],
      ...['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync', 'sagemaker:InvokeEndpointWithResponseStream',
        'sagemaker:CreatePresignedNotebookInstanceUrl', 'sagemaker:CreatePresignedDomainUrl']
        .map(a => [a, '*', 'from anywhere (no aws:SourceVpce / aws:SourceIp condition)']),
    ]);
    const caller = report.roles.find(r => r.logicalId === 'Caller')!;
    expect(caller.permissions.find(p => p.service === 's3')!.statements).toEqual(['read objects under raw-data/datasets/a/']);
    expect(caller.permissions.find(p => p.service === 'sagemaker')!.statements).toContain('sagemaker:* on any resource');
  });

  test('acknowledgements are deduplicated per rule and reason, with resources and findings', () => {
    expect(report.acknowledgements).toEqual([
      {
        ruleId: 'AwsSolutions-IAM5',
        reason: 'Presigned domain URLs for any profile, limited to the office network range by aws:SourceIp.',
        resources: ['Caller', 'CallerPolicy'],
        findings: ['Action::sagemaker:*', 'Resource::*'],
      },
      {
        ruleId: 'SageMakerSecurity-NotebookRootAccessDisabled',
        reason: 'Legacy notebook keeps root access until the conda environments move to lifecycle scripts.',
        resources: ['Caller'],
        findings: [],
      },
    ]);
  });

  test('opt-outs list SageMakerSecurity acknowledgements and warnings', () => {
    expect(report.optOuts).toEqual([
      expect.objectContaining({ kind: 'acknowledgement', id: 'SageMakerSecurity-NotebookRootAccessDisabled' }),
      { kind: 'warning', id: 'cdk-secure-sagemaker:RootAccess', message: 'allowRootAccess: users of notebook legacy can become root', where: ['/Insecure/Notebook'] },
    ]);
  });

  test('draws an internet node for the internet gateway and the direct-internet notebook', () => {
    expect(report.networkDiagram).toContain('internet(((internet)))');
    expect(report.networkDiagram).toContain('Insecure_Igw --> internet');
    expect(report.networkDiagram).toContain('Insecure_Notebook --> internet');
    expect(report.networkDiagram).toContain('Insecure_Domain --> internet');
  });
});

describe('CLI', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));

  test('--format json writes the same content as a JSON document', () => {
    const { code } = run(['report', INSECURE, '--format', 'json', '--out', 'r.json'], cwd);
    expect(code).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(cwd, 'r.json'), 'utf-8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(buildReport(INSECURE))));
    expect(json.summary.fail).toBeGreaterThan(20);
  });

  test('--out=<file> and --format=markdown', () => {
    expect(run(['report', INSECURE, '--out=custom.md', '--format=markdown'], cwd).code).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'custom.md'), 'utf-8')).toMatch(/^# SageMaker security report/);
  });

  test('a missing directory is a clear error with exit code 2', () => {
    const { code, stderr } = run(['report', 'does-not-exist'], cwd);
    expect(code).toBe(2);
    expect(stderr).toMatch(/does-not-exist' is not a directory: pass the cloud assembly directory/);
  });

  test('a directory without manifest.json is a clear error with exit code 2', () => {
    const { code, stderr } = run(['report', '.'], cwd);
    expect(code).toBe(2);
    expect(stderr).toMatch(/has no manifest.json/);
  });

  test.each([
    [['report'], /missing the cloud assembly directory/],
    [['report', INSECURE, '--verbose'], /unknown option '--verbose'/],
    [['report', INSECURE, '--format', 'html'], /unknown format 'html'/],
    [['report', INSECURE, '--out'], /--out needs a value/],
    [['report', INSECURE, 'other'], /unexpected argument 'other'/],
    [['audit', INSECURE], /unknown command 'audit'/],
  ])('%j prints the usage and exits 2', (argv, message) => {
    const { code, stderr } = run(argv, cwd);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: cdk-secure-sagemaker report <cdk.out>');
  });

  test('--help prints the usage and exits 0', () => {
    const { code, stdout } = run(['report', '--help'], cwd);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: cdk-secure-sagemaker report');
  });
});
