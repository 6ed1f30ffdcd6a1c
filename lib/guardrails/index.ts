export * from './sagemaker-guardrails';
