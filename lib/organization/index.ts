export * from './sagemaker-stack-set';
