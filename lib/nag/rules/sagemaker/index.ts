export { default as NotebookCurrentPlatform } from './NotebookCurrentPlatform';
export { default as NotebookIMDSv2 } from './NotebookIMDSv2';
export { default as NotebookLifecycleConfigAttached } from './NotebookLifecycleConfigAttached';
export { default as NotebookNitroInstanceType } from './NotebookNitroInstanceType';
export { default as NotebookRootAccessDisabled } from './NotebookRootAccessDisabled';
