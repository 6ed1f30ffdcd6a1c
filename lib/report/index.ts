// Internal module: deliberately NOT re-exported from lib/index.ts (jsii cannot export free functions).
// Import by path: `import { buildReport } from 'cdk-secure-sagemaker/lib/report'`.
export * from './model';
export * from './security-report';
export { AssemblyError } from './assembly';
export { main } from './cli';
