export * from './sagemaker-security-monitoring';
export { SageMakerThreatCategory } from './threat-categories';
