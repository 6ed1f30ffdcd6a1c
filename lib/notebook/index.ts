export * from './secure-notebook';
