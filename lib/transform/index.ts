export * from './secure-transform-job';
