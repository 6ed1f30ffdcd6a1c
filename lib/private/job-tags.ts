import { ITaggable, TagManager, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from './errors';
import { SdkTag } from './sdk-defaults';
import { ENVIRONMENT_TAG, isReservedTagKey, TAG_KEY_PATTERN, TAG_KEY_RULE, TAG_VALUE_PATTERN, TAG_VALUE_RULE } from './tags';

/** SageMaker's limit of tags per job request. */
export const MAX_JOB_TAGS = 50;

/** Tags a user may pass: two of the 50 are the ownership and environment tags. */
export const MAX_USER_JOB_TAGS = MAX_JOB_TAGS - 2;

/** Who a job construct's jobs are, for their tags and the messages about them. */
export interface JobTagging {
  /** `training`, `processing`, `tuning`, `transform`: in messages. */
  readonly kind: string;
  /** The API that receives the tags, such as `CreateTrainingJob`. */
  readonly api: string;
  /** The ownership tag key; its value is the job name prefix. */
  readonly ownerTag: string;
  readonly jobNamePrefix: string;
  readonly environmentName: string;
}

/**
 * The tags of every job a state machine starts: ownership, environment, `userTags`, then what
 * `Tags.of(...)` put on `tagged` (the state machine; read once aspects have run). `aws:` keys are
 * CloudFormation's, not for jobs. A key in `userTags` wins over a `Tags.of` tag.
 */
export function tagsOfJobs(tagged: IConstruct, t: JobTagging, userTags: Record<string, string>): SdkTag[] {
  const tags = new Map<string, string>([
    [t.ownerTag, t.jobNamePrefix],
    [ENVIRONMENT_TAG, t.environmentName],
  ]);
  for (const [key, value] of Object.entries(userTags)) {
    tags.set(key, value);
  }
  const applied = tagged.node.defaultChild;
  if (applied && TagManager.isTaggable(applied)) {
    const values = (applied as ITaggable).tags.tagValues();
    for (const key of Object.keys(values).sort()) {
      if (!tags.has(key) && !key.toLowerCase().startsWith('aws:')) {
        tags.set(key, values[key]);
      }
    }
  }
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/**
 * What SageMaker would reject in the jobs' tags, once `Tags.of(...)` tags are known (a node
 * validation of the construct): more than 50, or keys and values outside SageMaker's pattern.
 */
export function jobTagErrors(owner: IConstruct, tagged: IConstruct, t: JobTagging, userTags: Record<string, string>): string[] {
  const tags = tagsOfJobs(tagged, t, userTags);
  const errors: string[] = [];
  if (tags.length > MAX_JOB_TAGS) {
    errors.push(`${t.kind} jobs ${t.jobNamePrefix} would carry ${tags.length} tags (the ownership and environment tags, \`tags\` and the tags applied with Tags.of to this construct or above): ${t.api} accepts at most ${MAX_JOB_TAGS}, so every run would fail. Apply fewer tags.`);
  }
  for (const { Key, Value } of tags) {
    if (!Token.isUnresolved(Key) && !TAG_KEY_PATTERN.test(Key)) {
      errors.push(`tag key '${Key}' applied to ${owner.node.path} is not accepted by SageMaker (${TAG_KEY_RULE}), so every ${t.kind} run would fail. Remove it or exclude this construct with Tags.of(...).add(key, value, { excludeResourceTypes: ['AWS::StepFunctions::StateMachine'] }).`);
    } else if (!Token.isUnresolved(Value) && !TAG_VALUE_PATTERN.test(Value)) {
      errors.push(`the value of tag '${Key}' applied to ${owner.node.path} is not accepted by SageMaker (${TAG_VALUE_RULE}), so every ${t.kind} run would fail. Change the value.`);
    }
  }
  return errors;
}

/** Throws a ValidationError naming `tags` for a user tag SageMaker or the construct would refuse. */
export function validateUserJobTags(owner: IConstruct, t: Pick<JobTagging, 'kind' | 'ownerTag'>, userTags: Record<string, string> | undefined): void {
  const tags = Object.entries(userTags ?? {});
  if (tags.length > MAX_USER_JOB_TAGS) {
    throw validationError(owner, 'TooManyTags', `\`tags\` has ${tags.length} entries: a ${t.kind} job takes at most ${MAX_JOB_TAGS} tags, two of which are the ownership and environment tags, so pass at most ${MAX_USER_JOB_TAGS}.`);
  }
  for (const [tagKey, tagValue] of tags) {
    if (tagKey === t.ownerTag || tagKey === ENVIRONMENT_TAG || isReservedTagKey(tagKey)) {
      throw validationError(owner, 'ReservedTag', `\`tags\` key '${tagKey}' is reserved (the ownership or environment tag, or the aws: prefix). Use another key.`);
    }
    if (!Token.isUnresolved(tagKey) && !TAG_KEY_PATTERN.test(tagKey)) {
      throw validationError(owner, 'InvalidTagKey', `\`tags\` key '${tagKey}' must be ${TAG_KEY_RULE}, or every ${t.kind} run fails.`);
    }
    if (!Token.isUnresolved(tagValue) && !TAG_VALUE_PATTERN.test(tagValue)) {
      throw validationError(owner, 'InvalidTagValue', `\`tags\` value of '${tagKey}' must be ${TAG_VALUE_RULE}, or every ${t.kind} run fails.`);
    }
  }
}
