export * from './model-source';
export * from './secure-endpoint';
