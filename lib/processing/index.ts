export * from './secure-processing-job';
