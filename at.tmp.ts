import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SecureMlPlatformStack } from './examples/secure-ml-platform';
import { AttackWorld } from './test/helpers/attack-model';
const app = new App();
const stack = new SecureMlPlatformStack(app, 'SecureMlPlatform');
const t = Template.fromStack(stack).toJSON() as any;
const w = new AttackWorld(t);
for (const r of ['ExploreNotebookRole', 'StudioUseraliceRole', 'ExploreNotebookJobRole', 'ChurnTrainingTrainingRole', 'ChurnEndpointRole', 'PipelineRole', 'DataScientistRole']) {
  const p = w.role(r);
  console.log('=====', r, p.arn, JSON.stringify(p.tags));
  for (const pol of p.policies) for (const s of [pol.Statement].flat()) {
    if (s.Effect === 'Allow') console.log(' ', s.Sid, JSON.stringify(s.Action), JSON.stringify(s.Resource).slice(0, 200), JSON.stringify(s.Condition ?? {}).slice(0, 150));
  }
}
