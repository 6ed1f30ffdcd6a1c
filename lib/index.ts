export * from './environment';
export * from './nag';
export * from './notebook';
