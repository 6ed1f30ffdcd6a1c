export * from './secure-image-repository';
