export * from './environment';
export * from './nag';
