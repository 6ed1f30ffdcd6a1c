export * from './promotion-options';
export * from './secure-model-promotion';
