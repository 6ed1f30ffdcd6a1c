export * from './endpoint';
export * from './environment';
export * from './nag';
export * from './notebook';
export * from './studio';
export * from './training';
