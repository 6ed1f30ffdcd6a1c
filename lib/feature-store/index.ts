export * from './secure-feature-group';
