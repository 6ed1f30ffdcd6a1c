export { default as ECRRepositoryScanOnPush } from './ECRRepositoryScanOnPush';
export { default as ECRRepositoryTagImmutable } from './ECRRepositoryTagImmutable';
export { default as ECRRepositoryKMSKey } from './ECRRepositoryKMSKey';
export { default as ECRRepositoryLifecyclePolicy } from './ECRRepositoryLifecyclePolicy';
