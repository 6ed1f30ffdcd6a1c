// Internal module: the control catalogue shared by the rule pack and the reviewer report. Not
// exported from lib/index.ts.
export * from './catalogue';
export * from './cfn-values';
export * from './control';
export * from './data-stores';
export * from './ecr';
export * from './hosting';
export * from './job-definitions';
export * from './jobs';
export * from './monitoring';
export * from './network';
export * from './notebook';
export * from './sections';
export * from './storage';
export * from './studio';
export * from './template';
