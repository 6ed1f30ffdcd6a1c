export * from './sagemaker-security-checks';
export * from './compliance';
