export { default as S3BucketKeyEnabled } from './S3BucketKeyEnabled';
export { default as S3BucketRetained } from './S3BucketRetained';
