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
 * Keeps the security model true. SECURITY-MODEL.md explains it threat by threat and links to the
 * reference controls in docs/security-model/*.md, which map each recommendation of the sources to
 * what implements, checks and proves it.
 *
 * For the reference controls: every rule ID, guardrail Sid, alert category, AWS Config rule,
 * construct property and test a control cites must exist, every status must be one of three
 * words, every covered control must name a test, and every rule of our pack must be mapped to a
 * control. For SECURITY-MODEL.md: the same tokens must exist, every threat says what is blocked
 * (each with a control and a test), what is only detected (each with a control) and what is the
 * account owner's job, every control is placed under a threat (a Not covered one under an owner's
 * job), every control link resolves, and the coverage counts match the controls. No line of
 * either is over 400 characters.
 *
 * Token conventions of the documents (docs/security-model/README.md says the same):
 * - rules: `SageMakerSecurity-<Rule>` or a cdk-nag pack ID (`AwsSolutions-SM3`, `HIPAA.Security-...`)
 * - guardrail deny statements: `guardrail:<Sid>`; alert categories: `alert:<Category>`;
 *   AWS Config managed rules: `config:<IDENTIFIER>`
 * - features: `<ExportedName>.<member>` (a prop of `<ExportedName>Props`, or a public member)
 * - proofs: `test/<path>.test.ts` › `<test name>`
 * - controls: a `### <ID>` heading in a reference file, with `- **Field:** value` lines;
 *   SECURITY-MODEL.md cites them as `[<ID>]` with a link definition `[<ID>]: docs/security-model/<file>.md#<id>`
 */

const ROOT = path.join(__dirname, '..', '..');
const DOC = path.join(ROOT, 'SECURITY-MODEL.md');
const REFERENCE_DIR = path.join(ROOT, 'docs', 'security-model');
const STATUSES = ['Covered', 'Partly', 'Not covered'] as const;
type Status = typeof STATUSES[number];
/** Controls under this theme are the library's own additions, not counted in the coverage summary. */
const EXTRA_THEME = 'Beyond the sources';
const MAX_LINE = 400;

/** One control of a reference file. */
interface Row {
  readonly id: string;
  /** The reference file (relative to docs/security-model) and line of its heading. */
  readonly file: string;
  readonly line: number;
  readonly status: string;
  readonly theme: string;
  /** Every field except "Proven by", where rule and feature tokens are looked for. */
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

/**
 * The controls of a reference file: each `### <ID>` heading, with the theme of the `##` heading
 * above, and its `- **Field:** value` lines (indented lines continue a field; `  - ` items of
 * "Proven by" are one proof each).
 */
function parseRows(markdown: string, file = 'inline'): Row[] {
  const rows: Row[] = [];
  let theme = '';
  let current: { id: string; line: number; theme: string; fields: Map<string, string[]> } | undefined;
  let field: string | undefined;
  const flush = () => {
    if (!current) return;
    const value = (name: string) => (current!.fields.get(name) ?? []).join(' ').trim();
    const proof = (current.fields.get('Proven by') ?? []).join('<br>').trim();
    rows.push({
      id: current.id,
      file,
      line: current.line,
      status: value('Status'),
      theme: current.theme,
      claims: [...current.fields.keys()].filter((k) => k !== 'Proven by').map(value).join(' | '),
      proof,
    });
    current = undefined;
  };
  markdown.split('\n').forEach((line, index) => {
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      field = undefined;
      if (heading[1] === '##') theme = heading[2].trim();
      if (heading[1] === '###') current = { id: heading[2].trim(), line: index + 1, theme, fields: new Map() };
      return;
    }
    if (!current) return;
    const start = /^- \*\*([^*]+):\*\*\s*(.*)$/.exec(line);
    if (start) {
      field = start[1].trim();
      current.fields.set(field, start[2].trim() ? [start[2].trim()] : []);
      return;
    }
    if (field && /^ {2}\S/.test(line)) {
      const item = /^ {2}- (.*)$/.exec(line);
      const values = current.fields.get(field)!;
      if (item && field === 'Proven by') values.push(item[1].trim());
      else if (values.length > 0) values[values.length - 1] += ` ${line.trim()}`;
      else values.push(line.trim());
      return;
    }
    field = undefined;
  });
  flush();
  return rows;
}

/** The reference files of docs/security-model (its README excepted), by file name. */
function referenceFiles(): Map<string, string> {
  return new Map(fs.readdirSync(REFERENCE_DIR)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((f) => [f, fs.readFileSync(path.join(REFERENCE_DIR, f), 'utf-8')] as const));
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
    lifecycleConfigArns: ['arn:aws:sagemaker:us-east-1:111122223333:studio-lifecycle-config/sdk-defaults'],
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

/** What `tokenProblems` found: the problems, and the rule, member and proof tokens it read. */
interface TokenCheck {
  readonly problems: string[];
  readonly rules: string[];
  readonly members: RegExpExecArray[];
  readonly proofs: RegExpExecArray[];
}

/** What the tokens of `claims` and `proofText` cite that does not exist. */
function tokenProblems(claims: string, proofText: string, u: Universe): TokenCheck {
  const problems: string[] = [];
  const rules = matches(RULE_TOKEN, claims).map((m) => m[1]);
  for (const rule of rules) {
    if (!u.ruleIds.has(rule)) problems.push(`rule ${rule} is not registered in any pack`);
    else if (rule.startsWith('SageMakerSecurity-') && !u.documentedRuleIds.has(rule)) problems.push(`rule ${rule} is not listed in RULES.md`);
  }
  for (const [, sid] of matches(GUARDRAIL_TOKEN, claims)) {
    if (!u.guardrailSids.has(sid)) problems.push(`guardrail Sid '${sid}' is not a deny statement of SageMakerGuardrails`);
  }
  for (const [, category] of matches(ALERT_TOKEN, claims)) {
    if (!u.alertCategories.has(category)) problems.push(`alert category '${category}' is not a SageMakerThreatCategory`);
  }
  for (const [, identifier] of matches(CONFIG_TOKEN, claims)) {
    if (!u.configRules.has(identifier)) problems.push(`AWS Config rule '${identifier}' is not created by SageMakerSecurityMonitoring`);
  }
  const members = matches(MEMBER_TOKEN, claims);
  for (const [, name, member] of members) {
    if (!u.declarations.has(name)) {
      problems.push(`'${name}' is not an exported class, interface or enum of lib/`);
    } else if (!hasMember(u.declarations, `${name}Props`, member) && !hasMember(u.declarations, name, member)) {
      problems.push(`'${name}.${member}' is neither a prop of ${name}Props nor a public member of ${name}`);
    }
  }
  const proofs = matches(PROOF_TOKEN, proofText);
  for (const [, file, name] of proofs) {
    const parsed = readTestFile(file);
    if (!parsed) problems.push(`test file ${file} does not exist`);
    else if (!hasTest(parsed, name)) problems.push(`test file ${file} has no test named '${name}'`);
  }
  return { problems, rules, members, proofs };
}

/** Every stale or malformed entry of the controls, as `<file> line N (ID): problem`. */
function staleEntries(rows: Row[], u: Universe): string[] {
  const problems: string[] = [];
  const seenIds = new Set<string>();
  for (const row of rows) {
    const at = `${row.file} line ${row.line} (${row.id || 'no ID'})`;
    const report = (problem: string) => problems.push(`${at}: ${problem}`);
    if (!/^[A-Z]+-\d+$/.test(row.id)) report(`ID '${row.id}' is not of the form THEME-<n>`);
    if (seenIds.has(row.id)) report(`ID '${row.id}' is used twice`);
    seenIds.add(row.id);
    if (!(STATUSES as readonly string[]).includes(row.status)) {
      report(`status '${row.status}' is not one of ${STATUSES.join(', ')}`);
    }

    const { problems: tokens, rules, members, proofs } = tokenProblems(row.claims, row.proof, u);
    tokens.forEach(report);
    const unparsed = row.proof.replace(new RegExp(PROOF_TOKEN.source, 'g'), '').replace(/<br>|[—\s;,]/g, '');
    if (unparsed) report(`"Proven by" has text that is not \`test/<file>.test.ts\` › \`<test name>\`: '${unparsed}'`);
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

/** Rules of our pack that no control cites. */
function unmappedRules(markdown: string, u: Universe): string[] {
  const cited = new Set(matches(RULE_TOKEN, markdown).map((m) => m[1]));
  return [...u.ownRuleIds].filter((id) => !cited.has(id)).map((id) => `${id} is in the SageMakerSecurity pack but no control of docs/security-model cites it`);
}

/** The coverage table's counts (`| Theme | Covered | Partly | Not covered | Total |`) against the controls. */
function summaryMismatches(markdown: string, rows: Row[]): string[] {
  const problems: string[] = [];
  const summary = new Map<string, number[]>();
  for (const line of markdown.split('\n')) {
    const cells = splitCells(line);
    if (line.trim().startsWith('|') && cells.length === 5 && cells.slice(1).every((c) => /^\**\d+\**$/.test(c))) {
      summary.set(cells[0].replace(/\*/g, ''), cells.slice(1).map((c) => Number(c.replace(/\*/g, ''))));
    }
  }
  const sourceRows = rows.filter((r) => r.theme !== EXTRA_THEME);
  const themes = [...new Set(sourceRows.map((r) => r.theme))];
  const count = (rs: Row[]) => [...STATUSES.map((s: Status) => rs.filter((r) => r.status === s).length), rs.length];
  for (const theme of [...themes, 'Total']) {
    const expected = count(theme === 'Total' ? sourceRows : sourceRows.filter((r) => r.theme === theme));
    const actual = summary.get(theme);
    if (!actual) problems.push(`summary has no row for '${theme}' (expected ${expected.join(' / ')})`);
    else if (actual.join() !== expected.join()) problems.push(`summary row '${theme}' says ${actual.join(' / ')}, the controls give ${expected.join(' / ')}`);
  }
  for (const theme of summary.keys()) {
    if (theme !== 'Total' && !themes.includes(theme)) problems.push(`summary row '${theme}' is not a theme of the controls`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The threat model

const SUBSECTIONS = ['Blocked', 'Only detected', "The account owner's job"] as const;
type Subsection = typeof SUBSECTIONS[number];

/** One `## T<n>. <title>` section of SECURITY-MODEL.md. */
interface Threat {
  readonly title: string;
  readonly line: number;
  /** The `###` subsections in document order, each with its text and its top-level bullets. */
  readonly subsections: Array<{ name: string; line: number; text: string; bullets: string[] }>;
}

const CONTROL_CITATION = /\[([A-Z]+-\d+)\](?![(:])/g;
const CONTROL_LINK = /^\[([A-Z]+-\d+)\]:\s*(\S+)\s*$/gm;

function parseThreats(markdown: string): Threat[] {
  const threats: Threat[] = [];
  let threat: Threat | undefined;
  let sub: Threat['subsections'][number] | undefined;
  markdown.split('\n').forEach((line, index) => {
    const h2 = /^##\s+(.*)$/.exec(line);
    if (h2) {
      threat = /^T\d+\.\s/.test(h2[1]) ? { title: h2[1].trim(), line: index + 1, subsections: [] } : undefined;
      if (threat) threats.push(threat);
      sub = undefined;
      return;
    }
    const h3 = /^###\s+(.*)$/.exec(line);
    if (h3 && threat) {
      sub = { name: h3[1].trim(), line: index + 1, text: '', bullets: [] };
      threat.subsections.push(sub);
      return;
    }
    if (!sub) return;
    sub.text += `${line}\n`;
    if (line.startsWith('- ')) sub.bullets.push(line);
    else if (/^\s+\S/.test(line) && sub.bullets.length > 0) sub.bullets[sub.bullets.length - 1] += `\n${line}`;
  });
  return threats;
}

/** File and anchor of each control, as SECURITY-MODEL.md must link it. */
function controlTargets(rows: Row[]): Map<string, string> {
  return new Map(rows.map((r) => [r.id, `docs/security-model/${r.file}#${r.id.toLowerCase()}`]));
}

/** Everything the threat model gets wrong: structure, control citations and links, tokens, coverage. */
function threatModelProblems(markdown: string, rows: Row[], u: Universe): string[] {
  const problems: string[] = [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const threats = parseThreats(markdown);
  if (threats.length < 8) problems.push(`only ${threats.length} threat sections (## T<n>. <title>), expected at least 8`);

  const citedUnder = new Map<string, Set<Subsection>>();
  for (const threat of threats) {
    const at = `line ${threat.line} (${threat.title})`;
    const names = threat.subsections.map((s) => s.name);
    if (names.join('|') !== SUBSECTIONS.join('|')) {
      problems.push(`${at}: subsections are '${names.join("', '")}', expected '${SUBSECTIONS.join("', '")}'`);
    }
    for (const sub of threat.subsections) {
      const where = `line ${sub.line} (${threat.title} › ${sub.name})`;
      if (!sub.text.trim()) problems.push(`${where}: is empty`);
      for (const [, id] of matches(CONTROL_CITATION, sub.text)) {
        if (!(SUBSECTIONS as readonly string[]).includes(sub.name)) continue;
        citedUnder.set(id, (citedUnder.get(id) ?? new Set()).add(sub.name as Subsection));
        if (sub.name === 'Blocked' && byId.has(id) && byId.get(id)!.status === 'Not covered') {
          problems.push(`${where}: ${id} is Not covered, so it cannot block anything`);
        }
      }
      if (sub.name === 'Blocked') {
        if (sub.bullets.length === 0) problems.push(`${where}: lists no control`);
        for (const bullet of sub.bullets) {
          const first = bullet.split('\n')[0].slice(0, 60);
          if (matches(CONTROL_CITATION, bullet).length === 0) problems.push(`${where}: '${first}' cites no control`);
          if (matches(PROOF_TOKEN, bullet).length === 0) problems.push(`${where}: '${first}' cites no test`);
        }
      }
      if (sub.name === 'Only detected') {
        for (const bullet of sub.bullets) {
          if (matches(CONTROL_CITATION, bullet).length === 0) problems.push(`${where}: '${bullet.split('\n')[0].slice(0, 60)}' cites no control`);
        }
      }
    }
  }

  const targets = controlTargets(rows);
  const links = new Map(matches(CONTROL_LINK, markdown).map((m) => [m[1], m[2]]));
  for (const [, id] of matches(CONTROL_CITATION, markdown)) {
    if (!targets.has(id)) problems.push(`[${id}] is not a control of docs/security-model`);
    else if (links.get(id) !== targets.get(id)) problems.push(`[${id}] links to '${links.get(id) ?? 'nothing'}', expected '${targets.get(id)}'`);
  }
  for (const row of rows) {
    const under = citedUnder.get(row.id);
    if (!under) {
      problems.push(`${row.id} (${row.file}) is not cited under any threat`);
    } else if (row.status === 'Not covered' && !under.has("The account owner's job")) {
      problems.push(`${row.id} is Not covered but no threat lists it as the account owner's job`);
    }
  }

  // Tokens of the prose: the proof lines are checked as proofs, everything else as claims.
  const proofLines = markdown.split('\n').filter((l) => /^\s*Proof:/.test(l)).join('\n');
  for (const problem of tokenProblems(markdown, proofLines, u).problems) problems.push(`SECURITY-MODEL.md: ${problem}`);
  const unparsed = proofLines.replace(new RegExp(PROOF_TOKEN.source, 'g'), '').replace(/Proof:|\s/g, '');
  if (unparsed) problems.push(`a Proof line has text that is not \`test/<file>.test.ts\` › \`<test name>\`: '${unparsed}'`);
  return problems;
}

function longLines(name: string, markdown: string): string[] {
  return markdown.split('\n').flatMap((l, i) => (l.length > MAX_LINE ? [`${name} line ${i + 1} has ${l.length} characters (at most ${MAX_LINE})`] : []));
}

function format(problems: string[]): string {
  return problems.length === 0 ? '' : `the security model has stale entries:\n  ${problems.join('\n  ')}`;
}

// ---------------------------------------------------------------------------------------------

describe('SECURITY-MODEL.md and docs/security-model', () => {
  let universe: Universe;
  const markdown = fs.readFileSync(DOC, 'utf-8');
  const references = referenceFiles();
  const reference = [...references.values()].join('\n');
  const rows = [...references].flatMap(([file, text]) => parseRows(text, file));

  beforeAll(() => {
    universe = buildUniverse();
  });

  test('has reference controls with fields', () => {
    expect(rows.filter((r) => r.theme !== EXTRA_THEME).length).toBeGreaterThanOrEqual(30);
    expect(new Set(rows.map((r) => r.theme)).size).toBeGreaterThanOrEqual(9);
    expect(rows.filter((r) => !r.status)).toEqual([]);
  });

  test('every cited rule, guardrail, alert, Config rule, construct member and test exists', () => {
    expect(format(staleEntries(rows, universe))).toBe('');
  });

  test('every rule of the SageMakerSecurity pack is mapped to a control', () => {
    expect(format(unmappedRules(reference, universe))).toBe('');
  });

  test('the coverage counts of SECURITY-MODEL.md match the controls', () => {
    expect(format(summaryMismatches(markdown, rows))).toBe('');
  });

  test('every threat says what is blocked, detected and left to the owner; every control is placed under a threat', () => {
    expect(format(threatModelProblems(markdown, rows, universe))).toBe('');
  });

  test('no line is over 400 characters', () => {
    expect([...longLines('SECURITY-MODEL.md', markdown), ...[...references].flatMap(([f, t]) => longLines(f, t))]).toEqual([]);
  });

  test('the checker reports fabricated entries and accepts real ones', () => {
    const fake = [
      '## Fake',
      '',
      '### FAKE-1',
      '',
      '- **Recommendation:** made up',
      '- **Status:** Covered',
      '- **Feature:** `SecureNotebook.noSuchProp`, `NoSuchConstruct.x`',
      '- **Rule / guardrail / alert:** `SageMakerSecurity-NoSuchRule`, `guardrail:NoSuchSid`,',
      '  `alert:NoSuchCategory`, `config:NO_SUCH_RULE`',
      '- **Proven by:**',
      '  - `test/notebook/secure-notebook.test.ts` › `no such test`',
      '  - `test/no/such.test.ts` › `anything`',
      '',
      '### FAKE-1',
      '',
      '- **Recommendation:** made up',
      '- **Status:** Sort of',
      '- **Feature:** —',
      '- **Rule / guardrail / alert:** —',
      '- **Proven by:** —',
      '',
      '### FAKE-3',
      '',
      '- **Recommendation:** real',
      '- **Status:** Covered',
      '- **Feature:** `SecureNotebook.allowRootAccess`, `SecureUserProfile.role`,',
      '  `SageMakerGuardrails.attachTo()`',
      '- **Rule / guardrail / alert:** `SageMakerSecurity-NotebookRootAccessDisabled`, `AwsSolutions-SM3`,',
      '  `guardrail:NotebookRoot`, `alert:Cryptojacking`, `config:SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK`',
      '- **Proven by:**',
      '  - `test/notebook/secure-notebook.test.ts` › `allowRootAccess is honoured, warned and acknowledged with a reason`',
      '  - `test/notebook/secure-notebook.test.ts` › `fails on non-Nitro instance type %p`',
      '  - `test/notebook/secure-notebook.test.ts` › `fails on non-Nitro instance type ml.t2.medium`',
      '',
      '### FAKE-4',
      '',
      '- **Recommendation:** left to the owner',
      '- **Status:** Not covered',
      '- **Feature:** out of scope',
      '- **Rule / guardrail / alert:** —',
      '- **Proven by:** —',
    ].join('\n');
    const fakeRows = parseRows(fake, 'fake.md');
    expect(fakeRows.map((r) => r.id)).toEqual(['FAKE-1', 'FAKE-1', 'FAKE-3', 'FAKE-4']);
    const problems = staleEntries(fakeRows, universe);
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
    expect(problems.filter((p) => p.includes('FAKE-3') || p.includes('FAKE-4'))).toEqual([]);
    expect(problems).toHaveLength(expected.length);

    const unmapped = unmappedRules(fake, universe);
    expect(unmapped).toContain('SageMakerSecurity-NotebookIMDSv2 is in the SageMakerSecurity pack but no control of docs/security-model cites it');
    expect(unmapped).not.toContainEqual(expect.stringContaining('NotebookRootAccessDisabled'));

    // A threat model over FAKE-3 and FAKE-4: one good threat, one with every mistake.
    const good = [
      '## T1. Good threat',
      '',
      '### Blocked',
      '',
      '- **Root off.** `SecureNotebook.allowRootAccess` [FAKE-3]',
      '  Proof: `test/notebook/secure-notebook.test.ts` › `allowRootAccess is honoured, warned and acknowledged with a reason`',
      '',
      '### Only detected',
      '',
      '- `alert:Cryptojacking` [FAKE-3]',
      '',
      "### The account owner's job",
      '',
      '- Everything else [FAKE-4].',
      '',
      '[FAKE-3]: docs/security-model/fake.md#fake-3',
      '[FAKE-4]: docs/security-model/fake.md#fake-4',
    ];
    const okRows = fakeRows.filter((r) => r.id === 'FAKE-3' || r.id === 'FAKE-4');
    expect(threatModelProblems(good.join('\n'), okRows, universe).filter((p) => !/threat sections/.test(p))).toEqual([]);
    const bad = [
      '## T1. Bad threat',
      '',
      '### Blocked',
      '',
      '- **Owner thing blocks?** [FAKE-4] without a proof',
      '- **No control.** `SecureNotebook.noSuchProp`',
      '  Proof: `test/notebook/secure-notebook.test.ts` › `no such test`',
      '',
      "### The account owner's job",
      '',
      '- See [FAKE-9].',
      '',
      '[FAKE-4]: docs/security-model/other.md#fake-4',
    ].join('\n');
    const badProblems = threatModelProblems(bad, okRows, universe);
    const badExpected = [
      /only 1 threat sections/,
      /Bad threat\): subsections are 'Blocked', 'The account owner's job'/,
      /FAKE-4 is Not covered, so it cannot block anything/,
      /'- \*\*Owner thing blocks\?\*\* \[FAKE-4\] without a proof' cites no test/,
      /'- \*\*No control\.\*\* `SecureNotebook.noSuchProp`' cites no control/,
      /\[FAKE-9\] is not a control/,
      /\[FAKE-4\] links to 'docs\/security-model\/other.md#fake-4', expected 'docs\/security-model\/fake.md#fake-4'/,
      /FAKE-3 \(fake.md\) is not cited under any threat/,
      /FAKE-4 is Not covered but no threat lists it as the account owner's job/,
      /'SecureNotebook.noSuchProp' is neither a prop/,
      /has no test named 'no such test'/,
    ];
    for (const re of badExpected) {
      expect(badProblems.filter((p) => re.test(p))).toHaveLength(1);
    }
    expect(badProblems).toHaveLength(badExpected.length);
  });
});
