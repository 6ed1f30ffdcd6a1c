export * from './secure-studio-domain';
export * from './secure-user-profile';
