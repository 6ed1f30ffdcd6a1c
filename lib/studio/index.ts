export * from './secure-studio-domain';
