import * as fs from 'fs';
import * as path from 'path';
import { ACTION_REVIEW } from '../../lib/guardrails/action-review';
import { UNGUARDED_ACTIONS } from '../../lib/guardrails/guardrail-statements';
import { actionCoverage, actionPatternMatches, CoverageRow, renderCoverageMarkdown, sageMakerCatalogue } from '../helpers/action-coverage';

// Every SageMaker action of IAM's catalogue (Service Authorization Reference as data) is either
// judged by a guardrail deny statement or reviewed with a reason. A new action IAM adds fails here
// until it is placed; docs/guardrail-coverage.md is the table a reviewer reads.

let rows: CoverageRow[];
beforeAll(async () => {
  rows = await actionCoverage();
});

describe('guardrail coverage of the SageMaker catalogue', () => {
  test('every action is judged by a deny statement or reviewed with a reason', () => {
    const neither = rows.filter((r) => r.statements.length === 0 && !r.reason).map((r) => r.action);
    expect(neither).toEqual([]);
    expect(rows.length).toBeGreaterThan(400);
  });

  test('every Create, Update, Start and Put action that no statement judges has a specific reason, not the read-only one', () => {
    const writes = rows.filter((r) => /Write/.test(r.accessLevel) && r.statements.length === 0);
    const unreviewed = writes.filter((r) => !ACTION_REVIEW.some((g) => g.actions.some((p) => actionPatternMatches(p, r.action))));
    expect(unreviewed.map((r) => r.action)).toEqual([]);
  });

  test('each review group names actions that exist and that no statement judges (no stale or redundant reason)', async () => {
    const catalogue = await sageMakerCatalogue();
    for (const group of ACTION_REVIEW) {
      for (const pattern of group.actions) {
        const matched = catalogue.filter((a) => actionPatternMatches(pattern, a));
        expect({ pattern, matched: matched.length > 0 }).toEqual({ pattern, matched: true });
        const judged = rows.filter((r) => matched.includes(r.action) && r.statements.length > 0 && !/^(Delete|Stop)/.test(r.action.split(':')[1]));
        expect({ pattern, judged: judged.map((r) => r.action) }).toEqual({ pattern, judged: [] });
      }
    }
  });

  test('the compute paths the issue named are judged: HyperPod, monitoring, inference components, AutoML, compilation, optimization, recommendations, labeling, pipelines, spaces, MLflow', () => {
    const sids = (name: string) => rows.find((r) => r.action === `sagemaker:${name}`)!.statements;
    expect(sids('CreateCluster')).toEqual(expect.arrayContaining(['NoSubnets', 'ForeignSubnets', 'ForeignSecurityGroups']));
    expect(sids('CreateDataQualityJobDefinition')).toEqual(expect.arrayContaining(['NetworkIsolation', 'InterContainerEncryption', 'NoSubnets', 'OutputKey', 'JobNoVolumeKey']));
    expect(sids('CreateMonitoringSchedule')).toContain('InlineMonitoringJob');
    expect(sids('CreateInferenceComponent')).toContain('InlineInferenceContainer');
    expect(sids('CreateAutoMLJobV2')).toEqual(expect.arrayContaining(['NoSubnets', 'NoVolumeKey', 'OutputKey', 'InterContainerEncryption']));
    expect(sids('CreateLabelingJob')).toEqual(expect.arrayContaining(['NoVolumeKey', 'OutputKey', 'PublicWorkforce']));
    expect(sids('CreateSpace')).toEqual(expect.arrayContaining(['RemoteAccess', 'StudioTypes']));
    expect(sids('CreateDomain')).toContain('ForeignSharingKey');
    for (const name of ['CreateCompilationJob', 'CreateOptimizationJob', 'CreateInferenceRecommendationsJob', 'CreatePipeline', 'CreateMlflowTrackingServer', 'CreateMlflowApp', 'StartSession']) {
      expect({ name, sids: sids(name) }).toEqual({ name, sids: ['UnguardedActions'] });
    }
  });

  test('every unguarded action is in the catalogue and judged only by UnguardedActions', () => {
    for (const action of UNGUARDED_ACTIONS) {
      expect(rows.find((r) => r.action === action)?.statements).toEqual(['UnguardedActions']);
    }
  });

  test('docs/guardrail-coverage.md is current (npx projen guardrail-coverage)', async () => {
    const written = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'guardrail-coverage.md'), 'utf8');
    expect(written).toEqual(await renderCoverageMarkdown());
  });
});
