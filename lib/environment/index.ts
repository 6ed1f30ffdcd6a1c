export * from './access-logs-bucket';
export * from './endpoint-perimeter';
export * from './endpoint-service';
export * from './interfaces';
export * from './sagemaker-environment';
export * from './sagemaker-network';
export * from './workload-role';
