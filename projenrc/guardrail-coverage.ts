// Rewrites docs/guardrail-coverage.md from IAM's SageMaker catalogue and the guardrail statements:
// `npx projen guardrail-coverage`. test/guardrails/action-coverage.test.ts fails when it is stale.
import * as fs from 'fs';
import * as path from 'path';
import { renderCoverageMarkdown } from '../test/helpers/action-coverage';

const target = path.join(__dirname, '..', 'docs', 'guardrail-coverage.md');
void renderCoverageMarkdown().then((text) => {
  fs.writeFileSync(target, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
});
