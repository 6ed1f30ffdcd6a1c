export * from './endpoint';
export * from './environment';
export * from './guardrails';
export * from './monitoring';
export * from './nag';
export * from './notebook';
export * from './studio';
export * from './training';
