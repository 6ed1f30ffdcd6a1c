export { default as KMSKeyRetained } from './KMSKeyRetained';
