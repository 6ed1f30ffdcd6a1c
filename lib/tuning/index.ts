export * from './parameter-ranges';
export * from './secure-tuning-job';
