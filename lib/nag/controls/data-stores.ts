import { NagMessageLevel } from 'cdk-nag';
import { asList, flatten, isPlainObject, isProvable, isTrue, render } from './cfn-values';
import { Control, fail, judge, notApplicable, Observation, pass } from './control';
import { DATA_STORES_SECTION } from './sections';

/**
 * SageMaker Feature Store feature groups, model package groups, inference experiments and the
 * resources the Security Hub / AWS Config tagging checks read. Internal.
 */

export const FEATURE_GROUP = 'AWS::SageMaker::FeatureGroup';
export const MODEL_PACKAGE_GROUP = 'AWS::SageMaker::ModelPackageGroup';
export const INFERENCE_EXPERIMENT = 'AWS::SageMaker::InferenceExperiment';
const DOMAIN = 'AWS::SageMaker::Domain';
const APP_IMAGE_CONFIG = 'AWS::SageMaker::AppImageConfig';
const IMAGE = 'AWS::SageMaker::Image';

const FEATURE_STORE_SECURITY = 'Amazon SageMaker AI Developer Guide, [Security and access control](https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-security.html) (Feature Store)';

/**
 * SageMaker feature groups encrypt their stores with a customer managed key: the offline store
 * (`OfflineStoreConfig.S3StorageConfig.KmsKeyId`) when there is one, and an enabled online store
 * with standard storage (`OnlineStoreConfig.SecurityConfig.KmsKeyId`). A feature group with neither
 * store is not applicable; a configuration that does not resolve is non-compliant.
 */
export const FEATURE_GROUP_KMS_KEYS: Control = {
  id: 'FeatureGroupKMSKeys',
  resourceTypes: [FEATURE_GROUP],
  level: NagMessageLevel.ERROR,
  section: DATA_STORES_SECTION,
  info: 'The SageMaker feature group does not encrypt its offline store (S3StorageConfig.KmsKeyId) or its standard online store (SecurityConfig.KmsKeyId) with a KMS key that can be proven at synth time.',
  explanation: 'Feature groups hold the curated training and inference features of a workload, often personal data. Without keys the offline store uses the bucket '
    + 'default and the online store an AWS owned key, whose use you cannot restrict or audit through a key policy.',
  doc: {
    cause: 'An `AWS::SageMaker::FeatureGroup` with `OfflineStoreConfig` but no `S3StorageConfig.KmsKeyId`, or with `OnlineStoreConfig.EnableOnlineStore: true` and a '
      + '`StorageType` other than `InMemory` but no `SecurityConfig.KmsKeyId`; a key or configuration that does not resolve (a parameter, `Fn::If`) is flagged. '
      + 'The InMemory tier is not judged (Security Hub checks standard storage only).',
    fix: 'Set `offlineStoreConfig.s3StorageConfig.kmsKeyId` and `onlineStoreConfig.securityConfig.kmsKeyId` on `CfnFeatureGroup` to the environment key.',
    sources: 'Security Hub [SageMaker.17] SageMaker feature group offline stores should be encrypted with AWS KMS keys (AWS Config `sagemaker-featuregroup-encryption-at-rest`), '
      + '[SageMaker.18] SageMaker feature group online stores with standard storage should be encrypted with AWS KMS keys (AWS Config '
      + `\`sagemaker-featuregroup-online-store-encryption\`); ${FEATURE_STORE_SECURITY}.`,
  },
  report: { label: 'KMS key (offline store), KMS key (online store)' },
  check: ({ properties: p, template }) => {
    const out: Observation[] = [];
    const offline = p.OfflineStoreConfig;
    if (offline !== undefined) {
      const s3 = isPlainObject(offline) ? offline.S3StorageConfig : undefined;
      const key = isPlainObject(s3) ? s3.KmsKeyId : undefined;
      out.push(judge(isProvable(key, template), `offline store KmsKeyId ${render(key)}`,
        key === undefined ? 'the offline store has no KmsKeyId: it uses the bucket default' : `offline store KmsKeyId ${render(key) || 'empty'}: not a key that can be proven`,
        { label: 'KMS key (offline store)' }));
    }
    const online = p.OnlineStoreConfig;
    if (online !== undefined) {
      if (!isPlainObject(online)) {
        out.push(fail('OnlineStoreConfig does not resolve', { label: 'KMS key (online store)' }));
      } else if (!isTrue(online.EnableOnlineStore)) {
        out.push(notApplicable('online store not enabled', { label: 'KMS key (online store)' }));
      } else if (online.StorageType === 'InMemory') {
        out.push(notApplicable('online store on the InMemory tier', { label: 'KMS key (online store)' }));
      } else {
        const security = online.SecurityConfig;
        const key = isPlainObject(security) ? security.KmsKeyId : undefined;
        out.push(judge(isProvable(key, template), `online store KmsKeyId ${render(key)}`,
          key === undefined ? 'the online store has no SecurityConfig.KmsKeyId: it uses an AWS owned key' : `online store KmsKeyId ${render(key) || 'empty'}: not a key that can be proven`,
          { label: 'KMS key (online store)' }));
      }
    }
    return out;
  },
};

/** SageMaker feature groups have a description. */
export const FEATURE_GROUP_DESCRIPTION: Control = {
  id: 'FeatureGroupDescription',
  resourceTypes: [FEATURE_GROUP],
  level: NagMessageLevel.WARN,
  section: DATA_STORES_SECTION,
  info: 'The SageMaker feature group has no Description (or one that cannot be proven at synth time).',
  explanation: 'Feature groups are shared between teams; a description tells a reviewer what data the group holds and so how sensitive it is.',
  doc: {
    cause: 'An `AWS::SageMaker::FeatureGroup` without a non-empty `Description` that resolves at synth time.',
    fix: 'Set `description` on `CfnFeatureGroup`, naming the data and its owner.',
    sources: 'AWS Config [`sagemaker-featuregroup-description`](https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-featuregroup-description.html).',
  },
  check: ({ properties: p, template }) => [judge(isProvable(p.Description, template), 'Description set', 'no Description')],
};

/**
 * SageMaker Studio domains, feature groups, app image configs and images carry at least one tag of
 * their own (a literal key that does not start with `aws:`). Tags that do not resolve are
 * non-compliant.
 */
export const SAGEMAKER_RESOURCE_TAGGED: Control = {
  id: 'SageMakerResourceTagged',
  resourceTypes: [DOMAIN, FEATURE_GROUP, APP_IMAGE_CONFIG, IMAGE],
  level: NagMessageLevel.WARN,
  section: DATA_STORES_SECTION,
  info: 'The SageMaker resource has no tag of its own (Tags with a key that does not start with aws:).',
  explanation: 'Tags identify the owner and the data classification of a resource, and attribute-based access control reads them; Security Hub and AWS Config '
    + 'flag these SageMaker resources when they carry none.',
  doc: {
    cause: 'An `AWS::SageMaker::Domain`, `FeatureGroup`, `AppImageConfig` or `Image` without a `Tags` entry whose `Key` is a literal that does not start with `aws:`. '
      + 'The tag keys an account requires (the `requiredKeyTags` parameter of the Config rules) are an account setting and are not checked.',
    fix: 'Tag the resource (`Tags.of(scope).add(key, value)`); the constructs of this library tag what they create.',
    sources: 'Security Hub [SageMaker.6] SageMaker app image configurations should be tagged, [SageMaker.7] SageMaker images should be tagged; AWS Config '
      + '`sagemaker-app-image-config-tagged`, `sagemaker-image-tagged`, `sagemaker-domain-tagged`, `sagemaker-feature-group-tagged`.',
  },
  check: ({ properties: p }) => {
    const tags = p.Tags;
    if (tags !== undefined && !Array.isArray(tags)) {
      return [fail('Tags do not resolve to a list')];
    }
    const own = asList(tags).filter((t) => isPlainObject(t) && typeof t.Key === 'string' && t.Key.length > 0 && !t.Key.startsWith('aws:'));
    return [judge(own.length > 0, `tags ${own.map((t) => (t as { Key: string }).Key).join(', ')}`, 'no tags of its own')];
  },
};

/**
 * SageMaker inference experiments (shadow tests) encrypt their instance storage
 * (`KmsKey`) and, when they capture data (`DataStorageConfig`), the captured data
 * (`DataStorageConfig.KmsKey`) with a key that resolves at synth time.
 */
export const INFERENCE_EXPERIMENT_KMS_KEYS: Control = {
  id: 'InferenceExperimentKMSKeys',
  resourceTypes: [INFERENCE_EXPERIMENT],
  level: NagMessageLevel.ERROR,
  section: DATA_STORES_SECTION,
  info: 'The SageMaker inference experiment does not encrypt its instance storage (KmsKey) or its captured data (DataStorageConfig.KmsKey) with a KMS key that can be proven at synth time.',
  explanation: 'A shadow test serves production traffic to the shadow variant: its instance storage holds the model and inference data, and the captured requests and '
    + 'responses are production data. Encrypt both with a customer managed key.',
  doc: {
    cause: 'An `AWS::SageMaker::InferenceExperiment` without a `KmsKey` that resolves, or with `DataStorageConfig` but no `DataStorageConfig.KmsKey` that resolves.',
    fix: 'Set `kmsKey` and `dataStorageConfig.kmsKey` on `CfnInferenceExperiment` to the environment key.',
    sources: 'Security Hub [SageMaker.23] SageMaker inference experiments should have instance storage volume encrypted with customer managed AWS KMS keys, [SageMaker.24] SageMaker '
      + 'inference experiments should have data storage encrypted with customer managed AWS KMS keys (AWS Config `sagemaker-inf-experiment-instance-storage-kms-encrypted`, '
      + '`sagemaker-inf-experiment-data-storage-kms-encrypted`).',
  },
  report: { label: 'KMS key (instance storage), KMS key (captured data)' },
  check: ({ properties: p, template }) => {
    const out = [judge(isProvable(p.KmsKey, template), `KmsKey ${render(p.KmsKey)}`, p.KmsKey === undefined ? 'no KmsKey: instance storage uses an AWS managed key' : 'KmsKey cannot be proven',
      { label: 'KMS key (instance storage)' })];
    if (p.DataStorageConfig !== undefined) {
      const key = isPlainObject(p.DataStorageConfig) ? p.DataStorageConfig.KmsKey : undefined;
      out.push(judge(isProvable(key, template), `DataStorageConfig.KmsKey ${render(key)}`, key === undefined ? 'captured data is not encrypted with a customer key' : 'DataStorageConfig.KmsKey cannot be proven',
        { label: 'KMS key (captured data)' }));
    }
    return out;
  },
};

/** Condition keys that restrict a wildcard principal to an organization or account. */
const PRINCIPAL_SCOPING_KEYS = ['aws:principalorgid', 'aws:principalorgpaths', 'aws:principalaccount'];

/**
 * SageMaker model package groups do not share their model packages with everyone: no `Allow`
 * statement of `ModelPackageGroupPolicy` has a `*` principal (or an account that could be any),
 * unless a condition on `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` or `aws:PrincipalAccount`
 * restricts it. Not applicable without a policy; a policy that does not resolve is non-compliant.
 */
export const MODEL_PACKAGE_GROUP_NO_PUBLIC_ACCESS: Control = {
  id: 'ModelPackageGroupNoPublicAccess',
  resourceTypes: [MODEL_PACKAGE_GROUP],
  level: NagMessageLevel.ERROR,
  section: DATA_STORES_SECTION,
  info: 'The resource policy of the SageMaker model package group allows a wildcard principal without an organization or account condition, or cannot be read.',
  explanation: 'A model package group policy lets other accounts describe and deploy its model packages, and so read the model artifacts. A `*` principal shares the '
    + 'models with every AWS account.',
  doc: {
    cause: 'An `AWS::SageMaker::ModelPackageGroup` whose `ModelPackageGroupPolicy` (an object or JSON text) has an `Allow` statement with `Principal: "*"`, `{"AWS": "*"}` or an '
      + 'ARN built from a parameter, without a condition on `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` or `aws:PrincipalAccount`; a policy that does not resolve is flagged. '
      + 'Not applicable without a policy.',
    fix: 'Name the consuming accounts (`arn:aws:iam::<account>:root`) as principals, or restrict a `*` principal with `aws:PrincipalOrgID`.',
    sources: 'Amazon SageMaker AI Developer Guide, [Cross-account model registry access](https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-ram.html); '
      + 'project guidance: least privilege.',
  },
  check: ({ properties: p, template }) => {
    let policy = p.ModelPackageGroupPolicy;
    if (policy === undefined) {
      return [];
    }
    if (typeof policy === 'string') {
      try {
        policy = JSON.parse(policy);
      } catch {
        return [fail('ModelPackageGroupPolicy is not JSON')];
      }
    }
    if (!isPlainObject(policy) || !Array.isArray(asList(policy.Statement)) || asList(policy.Statement).length === 0) {
      return [fail('ModelPackageGroupPolicy does not resolve to a policy with statements')];
    }
    const principals = (s: { [key: string]: any }): unknown[] => (s.Principal === '*' ? ['*'] : isPlainObject(s.Principal) ? Object.values(s.Principal).flatMap(asList) : [s.Principal]);
    const scoped = (s: { [key: string]: any }) => isPlainObject(s.Condition) && Object.values(s.Condition)
      .some((c) => isPlainObject(c) && Object.keys(c).some((k) => PRINCIPAL_SCOPING_KEYS.includes(k.toLowerCase())));
    const open = asList(policy.Statement).filter((s) => !isPlainObject(s)
      || (s.Effect === 'Allow' && principals(s).some((x) => flatten(x, template).includes('*')) && !scoped(s)));
    return [open.length === 0 ? pass('no wildcard principal') : fail(`${open.length} statement(s) allow a wildcard principal`)];
  },
};
