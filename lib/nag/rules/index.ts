export * from './kms';
export * from './logs';
export * from './s3';
export * from './vpc';
