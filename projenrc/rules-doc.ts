// Rewrites RULES.md from the control catalogue: `npx ts-node --prefer-ts-exts projenrc/rules-doc.ts`.
// test/nag/rules/rules-doc.test.ts fails when RULES.md is out of date.
import * as fs from 'fs';
import * as path from 'path';
import { renderRulesMarkdown } from '../lib/nag/rules-doc';

const target = path.join(__dirname, '..', 'RULES.md');
fs.writeFileSync(target, renderRulesMarkdown());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
