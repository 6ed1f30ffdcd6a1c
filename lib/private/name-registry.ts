import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { validationError } from './errors';

/**
 * What a SageMaker name identifies. Names of one kind are unique per account and Region; job
 * name prefixes must also not be prefixes of each other, since roles and guardrails are scoped to
 * `<prefix>*` and one workload's role could otherwise act on the other's jobs.
 */
export interface SageMakerNameKind {
  /** Shown in messages: 'notebook instance', 'endpoint'... */
  readonly label: string;
  /** The prop that sets the name, shown in the fix. */
  readonly prop: string;
  /** Compare as prefixes (`churn` and `churn-v2` overlap). */
  readonly prefix?: boolean;
}

export const NAME_KINDS = {
  notebook: { label: 'notebook instance', prop: 'notebookName' },
  endpoint: { label: 'endpoint', prop: 'endpointName' },
  domain: { label: 'Studio domain', prop: 'domainName' },
  trainingJobPrefix: { label: 'training job name prefix', prop: 'jobNamePrefix', prefix: true },
  promotionPrefix: { label: 'model and endpoint configuration name prefix of a promotion', prop: 'namePrefix', prefix: true },
  modelPackageGroup: { label: 'model package group', prop: 'modelPackageGroupName' },
  monitoringSchedule: { label: 'monitoring schedule', prop: 'scheduleNamePrefix' },
  processingJobPrefix: { label: 'processing job name prefix', prop: 'jobNamePrefix', prefix: true },
  tuningJobPrefix: { label: 'tuning job name prefix', prop: 'jobNamePrefix', prefix: true },
  transformJobPrefix: { label: 'transform job name prefix', prop: 'jobNamePrefix', prefix: true },
  featureGroup: { label: 'feature group', prop: 'featureGroupName' },
} satisfies Record<string, SageMakerNameKind>;

interface Entry {
  readonly name: string;
  readonly owner: IConstruct;
  readonly where: string;
  readonly concreteEnv: boolean;
}

/**
 * The SageMaker names the workloads of one app use, kept on the app's root (found through the
 * tree), so that two environments (or two stacks) of the app cannot claim the same name in the
 * same account and Region.
 */
class SageMakerNames extends Construct {
  public static readonly ID = 'SecureSageMakerNames';

  public static of(scope: IConstruct): SageMakerNames {
    const root = scope.node.root;
    const existing = root.node.tryFindChild(SageMakerNames.ID);
    return existing instanceof SageMakerNames ? existing : new SageMakerNames(root as Construct);
  }

  private readonly entries = new Map<string, Entry[]>();

  private constructor(root: Construct) {
    super(root, SageMakerNames.ID);
  }

  public claim(owner: IConstruct, kind: SageMakerNameKind, name: string): void {
    const stack = Stack.of(owner);
    const concreteEnv = !Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region);
    const where = concreteEnv ? `${stack.account}/${stack.region}` : 'unknown';
    const key = kind.label;
    const list = this.entries.get(key) ?? [];
    const lower = name.toLowerCase();
    for (const other of list) {
      const clash = kind.prefix
        ? lower.startsWith(other.name) || other.name.startsWith(lower)
        : lower === other.name;
      if (!clash || (other.concreteEnv && concreteEnv && other.where !== where)) {
        continue;
      }
      const what = kind.prefix
        ? `the ${kind.label} '${name}' of ${owner.node.path} overlaps '${other.name}' of ${other.owner.node.path} (one is a prefix of the other, so each workload's role and the guardrails would also cover the other's jobs)`
        : `the ${kind.label} name '${name}' of ${owner.node.path} is also used by ${other.owner.node.path}`;
      if (other.concreteEnv && concreteEnv) {
        throw validationError(owner, 'DuplicateSageMakerName',
          `${what} in account/Region ${where}: SageMaker names are unique per account and Region, and each workload's role is scoped by name. Give one of them another \`${kind.prop}\`.`);
      }
      Annotations.of(owner).addWarningV2('cdk-secure-sagemaker:PossibleDuplicateName',
        `${what}; one of the stacks has no concrete account and Region, so they may deploy to the same one, where the names would clash and each workload's role would cover the other. Give one of them another \`${kind.prop}\`, or set \`env\` on the stacks.`);
    }
    list.push({ name: lower, owner, where, concreteEnv });
    this.entries.set(key, list);
  }
}

/**
 * Claims `name` of `kind` for `owner` in its app: throws when another workload of the app already
 * uses it in the same account and Region (and warns when either stack's environment is unknown).
 * Token names are not compared.
 */
export function claimSageMakerName(owner: IConstruct, kind: SageMakerNameKind, name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  SageMakerNames.of(owner).claim(owner, kind, name);
}
