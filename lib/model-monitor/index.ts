export * from './secure-model-monitor';
