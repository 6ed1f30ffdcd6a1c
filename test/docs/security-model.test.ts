import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  IApplyRule,
  NagPack,
  NagPackProps,
  NIST80053R5Checks,
  PCIDSS321Checks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';
import * as ts from 'typescript';
import {
  SageMakerEnvironment,
  SageMakerGuardrails,
  SageMakerSecurityChecks,
  SageMakerSecurityMonitoring,
  SageMakerThreatCategory,
} from '../../lib';
import { newTestStack } from '../helpers/compliance';

/**
 * Keeps SECURITY-MODEL.md true: every rule ID, guardrail Sid, alert category, AWS Config rule,
 * construct property and test it cites must exist, every status must be one of three words, every
 * covered row must name a test, the summary counts must match the tables, and every rule of our
 * pack must be mapped somewhere.
 *
 * Token conventions of the document (its "How to read" section says the same):
 * - rules: `SageMakerSecurity-<Rule>` or a cdk-nag pack ID (`AwsSolutions-SM3`, `HIPAA.Security-...`)
 * - guardrail deny statements: `guardrail:<Sid>`; alert categories: `alert:<Category>`;
 *   AWS Config managed rules: `config:<IDENTIFIER>`
 * - features: `<ExportedName>.<member>` (a prop of `<ExportedName>Props`, or a public member)
 * - proofs: `test/<path>.test.ts` › `<test name>`
 */

const ROOT = path.join(__dirname, '..', '..');
const DOC = path.join(ROOT, 'SECURITY-MODEL.md');
const STATUSES = ['Covered', 'Partly', 'Not covered'] as const;
type Status = typeof STATUSES[number];

/** One row of a table in the document. */
interface Row {
  readonly id: string;
  readonly line: number;
  readonly status: string;
  readonly theme: string;
  /** Everything except the proof column, where rule and feature tokens are looked for. */
  readonly claims: string;
  readonly proof: string;
}

/** What exists in the library and its tests, against which the document is checked. */
interface Universe {
  /** Rule IDs registered in our pack and in the cdk-nag packs the library runs. */
  readonly ruleIds: Set<string>;
  /** Rule IDs listed in RULES.md. */
  readonly documentedRuleIds: Set<string>;
  /** Our pack's rule IDs only. */
  readonly ownRuleIds: Set<string>;
  readonly guardrailSids: Set<string>;
  readonly alertCategories: Set<string>;
  readonly configRules: Set<string>;
  /** Exported declarations of lib/ and their member names (heritage resolved). */
  readonly declarations: Map<string, Declaration>;
}

interface Declaration {
  readonly members: Set<string>;
  readonly heritage: string[];
}

// ---------------------------------------------------------------------------------------------
// Parsing the document

const RULE_TOKEN = /`((?:SageMakerSecurity|AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-[A-Za-z0-9]+)`/g;
const GUARDRAIL_TOKEN = /`guardrail:([^`]+)`/g;
const ALERT_TOKEN = /`alert:([^`]+)`/g;
const CONFIG_TOKEN = /`config:([^`]+)`/g;
const MEMBER_TOKEN = /`([A-Z][A-Za-z0-9]*)\.([A-Za-z_][A-Za-z0-9_]*)(?:\(\))?`/g;
const PROOF_TOKEN = /`(test\/[^`]+?\.test\.ts)`\s*›\s*`([^`]+)`/g;

function splitCells(line: string): string[] {
  const trimmed = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return trimmed.split('|').map((c) => c.trim());
}

/** Rows of every table whose header has a "Proven by" column, with the theme of the `##` heading above. */
function parseRows(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const rows: Row[] = [];
  let theme = '';
  let columns: string[] | undefined;
  lines.forEach((line, index) => {
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading) {
      theme = heading[1].trim();
      columns = undefined;
      return;
    }
    if (!line.trim().startsWith('|')) {
      columns = undefined;
      return;
    }
    const cells = splitCells(line);
    if (!columns) {
      if (cells.some((c) => /^Proven by/.test(c))) {
        columns = cells;
      }
      return;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) {
      return;
    }
    const col = (name: RegExp) => cells[columns!.findIndex((c) => name.test(c))] ?? '';
    const proof = col(/^Proven by/);
    rows.push({
      id: col(/^ID$/),
      line: index + 1,
      status: col(/^Status$/),
      theme,
      claims: cells.filter((c) => c !== proof).join(' | '),
      proof,
    });
  });
  return rows;
}

function matches(re: RegExp, text: string): RegExpExecArray[] {
  return Array.from(text.matchAll(new RegExp(re.source, re.flags))) as RegExpExecArray[];
}

// ---------------------------------------------------------------------------------------------
// What exists

type PackClass = new (scope?: IConstruct, props?: NagPackProps) => NagPack;

/** The protected part of a cdk-nag pack that registers its rules. */
interface PackInternals {
  readonly readPackName: string;
  applyRule(params: IApplyRule): void;
  checkResource(node: CfnResource): void;
}

/** The rule IDs a pack registers: every `applyRule` call its `checkResource` makes, recorded instead of run. */
function registeredRuleIds(pack: PackClass): string[] {
  const ids: string[] = [];
  const instance = new pack() as unknown as PackInternals;
  instance.applyRule = (params: IApplyRule) => {
    ids.push(`${instance.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`);
  };
  const stack = new Stack();
  instance.checkResource(new CfnResource(stack, 'Probe', { type: 'AWS::S3::Bucket' }));
  return ids;
}

/** Exported classes, interfaces and enums of lib/ (lib/private excluded) with their public member names. */
function libDeclarations(): Map<string, Declaration> {
  const result = new Map<string, Declaration>();
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'private' ? [] : walk(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
  const hasModifier = (n: ts.Node, ...kinds: ts.SyntaxKind[]) =>
    (ts.canHaveModifiers(n) ? ts.getModifiers(n) ?? [] : []).some((m) => kinds.includes(m.kind));
  const isExported = (n: ts.Node) => hasModifier(n, ts.SyntaxKind.ExportKeyword);
  const isPublic = (n: ts.Node) => !hasModifier(n, ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword);
  for (const file of walk(path.join(ROOT, 'lib'))) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf-8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!(ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isEnumDeclaration(statement))
        || !statement.name || !isExported(statement)) {
        continue;
      }
      const members = new Set<string>();
      const heritage: string[] = [];
      if (ts.isEnumDeclaration(statement)) {
        statement.members.forEach((m) => members.add(m.name.getText(source)));
      } else {
        for (const m of statement.members as ts.NodeArray<ts.ClassElement | ts.TypeElement>) {
          if (m.name && isPublic(m) && !m.name.getText(source).startsWith('_')) {
            members.add(m.name.getText(source));
          }
        }
        for (const clause of statement.heritageClauses ?? []) {
          clause.types.forEach((t) => heritage.push(t.expression.getText(source)));
        }
      }
      result.set(statement.name.text, { members, heritage });
    }
  }
  return result;
}

function hasMember(decls: Map<string, Declaration>, name: string, member: string, seen = new Set<string>()): boolean {
  const decl = decls.get(name);
  if (!decl || seen.has(name)) return false;
  seen.add(name);
  return decl.members.has(member) || decl.heritage.some((h) => hasMember(decls, h, member, seen));
}

function buildUniverse(): Universe {
  const own = registeredRuleIds(SageMakerSecurityChecks);
  const generic = [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks].flatMap(registeredRuleIds);

  // Guardrails with every optional statement turned on (security groups, presigned-URL sources, a required tag).
  const stack = newTestStack('Guardrails');
  const env = SageMakerEnvironment.of(stack);
  const sg = new ec2.SecurityGroup(stack, 'WorkloadSg', { vpc: env.network.vpc, allowAllOutbound: false });
  new SageMakerGuardrails(stack, 'Guardrails', {
    environment: env,
    securityGroups: [sg],
    presignedUrlSourceIps: ['192.0.2.0/24'],
    presignedUrlVpcEndpointIds: ['vpce-0123456789abcdef0'],
    requiredTags: ['cost-center'],
  });
  new SageMakerSecurityMonitoring(stack, 'Monitoring', { environment: env, configRules: true });
  const template = Template.fromStack(stack);
  const guardrailSids = new Set<string>();
  for (const policy of Object.values(template.findResources('AWS::IAM::ManagedPolicy'))) {
    for (const s of policy.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Effect: string }>) {
      if (s.Sid && s.Effect === 'Deny') guardrailSids.add(s.Sid);
    }
  }
  const configRules = new Set(Object.values(template.findResources('AWS::Config::ConfigRule'))
    .map((r) => r.Properties.Source.SourceIdentifier as string));

  return {
    ruleIds: new Set([...own, ...generic]),
    ownRuleIds: new Set(own),
    documentedRuleIds: new Set(matches(/\|\s*(SageMakerSecurity-[A-Za-z0-9]+)\s*\|/g, fs.readFileSync(path.join(ROOT, 'RULES.md'), 'utf-8')).map((m) => m[1])),
    guardrailSids,
    alertCategories: new Set(Object.values(SageMakerThreatCategory) as string[]),
    configRules,
    declarations: libDeclarations(),
  };
}

// ---------------------------------------------------------------------------------------------
// Tests named in a test file

interface TestFile {
  /** First arguments of test/it/describe calls (with or without .each/.only/.skip). */
  readonly names: Set<string>;
  /** Every string literal in the file (rows of .each tables). */
  readonly literals: Set<string>;
}

const testFiles = new Map<string, TestFile | undefined>();

function readTestFile(rel: string): TestFile | undefined {
  if (testFiles.has(rel)) return testFiles.get(rel);
  const file = path.join(ROOT, rel);
  let parsed: TestFile | undefined;
  if (fs.existsSync(file)) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf-8'), ts.ScriptTarget.Latest, true);
    const names = new Set<string>();
    const literals = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        literals.add(node.text);
      }
      if (ts.isCallExpression(node) && node.arguments.length > 0) {
        const callee = node.expression;
        const calleeText = ts.isCallExpression(callee) ? callee.expression.getText(source) : callee.getText(source);
        const first = node.arguments[0];
        if (/^(test|it|describe)(\.(each|only|skip|concurrent))*$/.test(calleeText)
          && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
          names.add(first.text);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    parsed = { names, literals };
  }
  testFiles.set(rel, parsed);
  return parsed;
}

/**
 * True when `name` is a test (or describe) name of the file: literally, or as an instance of a
 * `.each` template (`'denied: %s'`) whose substituted parts are string literals of the file.
 */
function hasTest(file: TestFile, name: string): boolean {
  if (file.names.has(name)) return true;
  for (const template of file.names) {
    if (!/%[spdifjo#]/.test(template)) continue;
    const pattern = template.split(/%[spdifjo#]/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.+?)');
    const m = new RegExp(`^${pattern}$`).exec(name);
    if (m && m.slice(1).every((part) => file.literals.has(part) || file.literals.has(part.replace(/^["']|["']$/g, '')))) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The check

/** Every stale or malformed entry of the rows, as `line N (ID): problem`. */
function staleEntries(rows: Row[], u: Universe): string[] {
  const problems: string[] = [];
  const seenIds = new Set<string>();
  for (const row of rows) {
    const at = `line ${row.line} (${row.id || 'no ID'})`;
    const report = (problem: string) => problems.push(`${at}: ${problem}`);
    if (!/^[A-Z]+-\d+$/.test(row.id)) report(`ID '${row.id}' is not of the form THEME-<n>`);
    if (seenIds.has(row.id)) report(`ID '${row.id}' is used twice`);
    seenIds.add(row.id);
    if (!(STATUSES as readonly string[]).includes(row.status)) {
      report(`status '${row.status}' is not one of ${STATUSES.join(', ')}`);
    }

    const rules = matches(RULE_TOKEN, row.claims).map((m) => m[1]);
    for (const rule of rules) {
      if (!u.ruleIds.has(rule)) report(`rule ${rule} is not registered in any pack`);
      else if (rule.startsWith('SageMakerSecurity-') && !u.documentedRuleIds.has(rule)) report(`rule ${rule} is not listed in RULES.md`);
    }
    for (const [, sid] of matches(GUARDRAIL_TOKEN, row.claims)) {
      if (!u.guardrailSids.has(sid)) report(`guardrail Sid '${sid}' is not a deny statement of SageMakerGuardrails`);
    }
    for (const [, category] of matches(ALERT_TOKEN, row.claims)) {
      if (!u.alertCategories.has(category)) report(`alert category '${category}' is not a SageMakerThreatCategory`);
    }
    for (const [, identifier] of matches(CONFIG_TOKEN, row.claims)) {
      if (!u.configRules.has(identifier)) report(`AWS Config rule '${identifier}' is not created by SageMakerSecurityMonitoring`);
    }
    const members = matches(MEMBER_TOKEN, row.claims);
    for (const [, name, member] of members) {
      if (!u.declarations.has(name)) {
        report(`'${name}' is not an exported class, interface or enum of lib/`);
      } else if (!hasMember(u.declarations, `${name}Props`, member) && !hasMember(u.declarations, name, member)) {
        report(`'${name}.${member}' is neither a prop of ${name}Props nor a public member of ${name}`);
      }
    }

    const proofs = matches(PROOF_TOKEN, row.proof);
    for (const [, file, name] of proofs) {
      const parsed = readTestFile(file);
      if (!parsed) report(`test file ${file} does not exist`);
      else if (!hasTest(parsed, name)) report(`test file ${file} has no test named '${name}'`);
    }
    const unparsed = row.proof.replace(new RegExp(PROOF_TOKEN.source, 'g'), '').replace(/<br>|[—\s;,]/g, '');
    if (unparsed) report(`proof column has text that is not \`test/<file>.test.ts\` › \`<test name>\`: '${unparsed}'`);
    if (row.status === 'Covered' || row.status === 'Partly') {
      if (proofs.length === 0) report(`status ${row.status} but no test proves it`);
      if (members.length + rules.length === 0 && !/`(guardrail|alert|config):/.test(row.claims)) {
        report(`status ${row.status} but no construct feature, rule, guardrail, alert or Config rule is named`);
      }
    } else if (row.status === 'Not covered' && proofs.length > 0) {
      report('status Not covered but tests are cited');
    }
  }
  return problems;
}

/** Rules of our pack that no row cites. */
function unmappedRules(markdown: string, u: Universe): string[] {
  const cited = new Set(matches(RULE_TOKEN, markdown).map((m) => m[1]));
  return [...u.ownRuleIds].filter((id) => !cited.has(id)).map((id) => `${id} is in the SageMakerSecurity pack but SECURITY-MODEL.md does not cite it`);
}

/** The summary table's counts (`| Theme | Covered | Partly | Not covered | Total |`) against the rows. */
function summaryMismatches(markdown: string, rows: Row[]): string[] {
  const problems: string[] = [];
  const summary = new Map<string, number[]>();
  for (const line of markdown.split('\n')) {
    const cells = splitCells(line);
    if (line.trim().startsWith('|') && cells.length === 5 && cells.slice(1).every((c) => /^\**\d+\**$/.test(c))) {
      summary.set(cells[0].replace(/\*/g, ''), cells.slice(1).map((c) => Number(c.replace(/\*/g, ''))));
    }
  }
  const seedRows = rows.filter((r) => r.theme !== 'Beyond the seeds');
  const themes = [...new Set(seedRows.map((r) => r.theme))];
  const count = (rs: Row[]) => [...STATUSES.map((s: Status) => rs.filter((r) => r.status === s).length), rs.length];
  for (const theme of [...themes, 'Total']) {
    const expected = count(theme === 'Total' ? seedRows : seedRows.filter((r) => r.theme === theme));
    const actual = summary.get(theme);
    if (!actual) problems.push(`summary has no row for '${theme}' (expected ${expected.join(' / ')})`);
    else if (actual.join() !== expected.join()) problems.push(`summary row '${theme}' says ${actual.join(' / ')}, the tables give ${expected.join(' / ')}`);
  }
  return problems;
}

function format(problems: string[]): string {
  return problems.length === 0 ? '' : `SECURITY-MODEL.md has stale entries:\n  ${problems.join('\n  ')}`;
}

// ---------------------------------------------------------------------------------------------

describe('SECURITY-MODEL.md', () => {
  let universe: Universe;
  const markdown = fs.readFileSync(DOC, 'utf-8');
  const rows = parseRows(markdown);

  beforeAll(() => {
    universe = buildUniverse();
  });

  test('has recommendation tables with rows', () => {
    expect(rows.filter((r) => r.theme !== 'Beyond the seeds').length).toBeGreaterThanOrEqual(30);
    expect(new Set(rows.map((r) => r.theme)).size).toBeGreaterThanOrEqual(9);
  });

  test('every cited rule, guardrail, alert, Config rule, construct member and test exists', () => {
    expect(format(staleEntries(rows, universe))).toBe('');
  });

  test('every rule of the SageMakerSecurity pack is mapped to a row', () => {
    expect(format(unmappedRules(markdown, universe))).toBe('');
  });

  test('the summary counts match the tables', () => {
    expect(format(summaryMismatches(markdown, rows))).toBe('');
  });

  test('the checker reports fabricated entries and accepts real ones', () => {
    const fake = [
      '## Fake',
      '| ID | Seed recommendation (source) | Status | Feature | Rule / guardrail / alert | Proven by |',
      '| --- | --- | --- | --- | --- | --- |',
      '| FAKE-1 | made up | Covered | `SecureNotebook.noSuchProp`, `NoSuchConstruct.x` | `SageMakerSecurity-NoSuchRule`, `guardrail:NoSuchSid`, `alert:NoSuchCategory`, `config:NO_SUCH_RULE` | `test/notebook/secure-notebook.test.ts` › `no such test`<br>`test/no/such.test.ts` › `anything` |',
      '| FAKE-1 | made up | Sort of | — | — | — |',
      '| FAKE-3 | real | Covered | `SecureNotebook.allowRootAccess`, `SecureUserProfile.role`, `SageMakerGuardrails.attachTo()` | `SageMakerSecurity-NotebookRootAccessDisabled`, `AwsSolutions-SM3`, `guardrail:NotebookRoot`, `alert:Cryptojacking`, `config:SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK` | `test/notebook/secure-notebook.test.ts` › `allowRootAccess is honoured, warned and acknowledged with a reason`<br>`test/notebook/secure-notebook.test.ts` › `fails on non-Nitro instance type %p`<br>`test/notebook/secure-notebook.test.ts` › `fails on non-Nitro instance type ml.t2.medium` |',
    ].join('\n');
    const problems = staleEntries(parseRows(fake), universe);
    const expected = [
      /FAKE-1.*'SecureNotebook.noSuchProp' is neither a prop/,
      /FAKE-1.*'NoSuchConstruct' is not an exported/,
      /FAKE-1.*rule SageMakerSecurity-NoSuchRule is not registered/,
      /FAKE-1.*guardrail Sid 'NoSuchSid'/,
      /FAKE-1.*alert category 'NoSuchCategory'/,
      /FAKE-1.*AWS Config rule 'NO_SUCH_RULE'/,
      /FAKE-1.*has no test named 'no such test'/,
      /FAKE-1.*test file test\/no\/such.test.ts does not exist/,
      /FAKE-1.*ID 'FAKE-1' is used twice/,
      /FAKE-1.*status 'Sort of'/,
    ];
    for (const re of expected) {
      expect(problems.filter((p) => re.test(p))).toHaveLength(1);
    }
    expect(problems.filter((p) => p.includes('FAKE-3'))).toEqual([]);
    expect(problems).toHaveLength(expected.length);

    const unmapped = unmappedRules(fake, universe);
    expect(unmapped).toContain('SageMakerSecurity-NotebookIMDSv2 is in the SageMakerSecurity pack but SECURITY-MODEL.md does not cite it');
    expect(unmapped).not.toContainEqual(expect.stringContaining('NotebookRootAccessDisabled'));
  });
});
