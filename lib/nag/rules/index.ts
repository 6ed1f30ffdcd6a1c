export * from './ecr';
export * from './kms';
export * from './logs';
export * from './s3';
export * from './sagemaker';
export * from './vpc';
