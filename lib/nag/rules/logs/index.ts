export { default as LogGroupRetained } from './LogGroupRetained';
