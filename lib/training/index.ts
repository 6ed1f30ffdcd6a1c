export * from './secure-training-job';
export * from './training-image';
