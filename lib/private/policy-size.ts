import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';

/**
 * Sizes of policy documents and the one packer that splits statements into documents under a
 * limit: the managed policies of workload roles and of grants to outside identities, the
 * guardrails' deny policies and their service control policies.
 */

/** IAM limit on the size of one customer-managed policy document (whitespace excluded). */
export const MANAGED_POLICY_SIZE_LIMIT = 6144;

/** AWS Organizations limit on the size of one service control policy (whitespace excluded). */
export const SCP_SIZE_LIMIT = 5120;

/** Default IAM quota of managed policies attached to one role, user or group. */
export const MAX_MANAGED_POLICIES = 10;

/** `{"Statement":[],"Version":"2012-10-17"}` */
const EMPTY_POLICY_SIZE = 39;

/**
 * Size of a managed policy's document as IAM counts it (no whitespace). References are counted at
 * the length of their intrinsic functions, which is close to the length of the ARNs they become.
 */
export function policySize(policy: iam.ManagedPolicy): number {
  return JSON.stringify(Stack.of(policy).resolve(policy.document.toJSON()) ?? {}).length;
}

/** How a packer measures documents: what a document without statements counts, and what each statement adds. */
export interface PolicyMeasure {
  /** Characters of a document without statements. */
  readonly frame: number;
  /** Characters `statement` adds to a document, the comma that separates it included. */
  statement(statement: iam.PolicyStatement): number;
}

/**
 * Characters a reference may grow by between when a statement is added and when the template is
 * written: a reference to a resource of another stack becomes an `Fn::ImportValue` of an export
 * name (`<stack>:ExportsOutputFnGetAtt<LogicalId><hash>...`), about this much longer than the
 * local `Ref` or `Fn::GetAtt` it is estimated as.
 */
const CROSS_STACK_REFERENCE_GROWTH = 60;

/** Room kept below the IAM limit by the estimate, since references resolve later. */
const ESTIMATE_MARGIN = 400;

/**
 * Estimates, for statements added one at a time while references may still become cross-stack
 * ones (workload roles, grants): each statement's resolved JSON, each reference counted as if it
 * came from another stack; one character is kept to spare on the frame.
 */
function estimatedMeasure(stack: Stack): PolicyMeasure {
  return {
    frame: EMPTY_POLICY_SIZE + 1,
    statement: (statement) => {
      const json = JSON.stringify(stack.resolve(statement.toStatementJson()));
      const references = (json.match(/"(Ref|Fn::GetAtt|Fn::ImportValue)"/g) ?? []).length;
      return json.length + 1 + references * CROSS_STACK_REFERENCE_GROWTH;
    },
  };
}

/**
 * Length a reference stands for once deployed, by what it references: subnet IDs are 24
 * characters, VPC endpoint IDs 22, security group IDs 20; a KMS key ARN at most 87 (longest
 * partition and Region, multi-Region keys included). Anything else counts as 96.
 */
const DEPLOYED_LENGTH: Record<string, number> = {
  'AWS::EC2::Subnet': 24,
  'AWS::EC2::VPCEndpoint': 22,
  'AWS::EC2::SecurityGroup': 20,
  'AWS::KMS::Key': 87,
};
const OTHER_LENGTH = 96;

function concreteForSizing(value: unknown, types: Map<string, string>): unknown {
  const lengthOf = (logicalId: string) => DEPLOYED_LENGTH[types.get(logicalId) ?? ''] ?? OTHER_LENGTH;
  if (Array.isArray(value)) return value.map((v) => concreteForSizing(v, types));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  if ('Ref' in obj) return 'x'.repeat(lengthOf(obj.Ref as string));
  if ('Fn::GetAtt' in obj) return 'x'.repeat(lengthOf((obj['Fn::GetAtt'] as string[])[0]));
  if ('Fn::Join' in obj) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(concreteForSizing(p, types))).join(sep);
  }
  if (Object.keys(obj).some((k) => k.startsWith('Fn::'))) return 'x'.repeat(OTHER_LENGTH);
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, concreteForSizing(v, types)]));
}

/**
 * The size IAM and Organizations count (no whitespace), with references at their deployed length,
 * for documents whose statements are all known when they are split (the guardrails). The resource
 * types of the stack are read once, when the measure is made.
 */
export class DeployedPolicySize implements PolicyMeasure {
  /** `n` statements are joined by `n - 1` commas: the frame gives back the comma the last one does not have. */
  public readonly frame = EMPTY_POLICY_SIZE - 1;
  private readonly types = new Map<string, string>();

  constructor(private readonly stack: Stack) {
    for (const c of stack.node.findAll()) {
      if (CfnResource.isCfnResource(c) && Stack.of(c) === stack) {
        this.types.set(stack.resolve(c.logicalId), c.cfnResourceType);
      }
    }
  }

  public statement(statement: iam.PolicyStatement): number {
    return JSON.stringify(concreteForSizing(this.stack.resolve(statement.toStatementJson()), this.types)).length + 1;
  }

  /** The size of a whole document. */
  public document(doc: iam.PolicyDocument): number {
    return JSON.stringify(concreteForSizing(this.stack.resolve(doc.toJSON()), this.types) ?? {}).length;
  }
}

/**
 * Next-fit packing: statements go, in order, into the current document while it stays within
 * `limit`; a statement that does not fit starts the next document. A statement larger than the
 * limit still gets a document of its own (the size checks then report it).
 */
class StatementPacker {
  private documents = 0;
  private used = 0;

  constructor(private readonly limit: number, private readonly measure: PolicyMeasure) {}

  /**
   * Counts `statement` in and returns the index of its document. `beforeNewDocument` runs, with
   * the index, before a document is started; when it throws, nothing is counted.
   */
  public place(statement: iam.PolicyStatement, beforeNewDocument: (index: number) => void): number {
    const size = this.measure.statement(statement);
    if (this.documents === 0 || this.used + size > this.limit) {
      beforeNewDocument(this.documents);
      this.documents += 1;
      this.used = this.measure.frame;
    }
    this.used += size;
    return this.documents - 1;
  }
}

/** Packs `statements`, in order, into groups whose documents are each within `limit` characters by `measure`. */
export function packStatements(statements: iam.PolicyStatement[], limit: number, measure: PolicyMeasure): iam.PolicyStatement[][] {
  const packer = new StatementPacker(limit, measure);
  const groups: iam.PolicyStatement[][] = [];
  for (const statement of statements) {
    groups[packer.place(statement, () => groups.push([]))].push(statement);
  }
  return groups;
}

/** What a `ManagedPolicyPacker` creates its policies with. */
export interface ManagedPolicyPackerProps {
  /** Creates the `n`th policy (from 0), where it belongs in the tree. */
  readonly newPolicy: (n: number) => iam.ManagedPolicy;
  /** The error when more than `MAX_MANAGED_POLICIES` would be needed. */
  readonly tooMany: () => Error;
}

/**
 * The customer-managed policies that hold what is granted to one identity, packed under IAM's
 * size limit as statements arrive: a further policy is started when the current one would pass
 * the limit, up to `MAX_MANAGED_POLICIES`. Policies are created with their first statement, so an
 * owner without permissions has no empty policy.
 *
 * A child of the construct that owns the policies, with a fixed ID: a principal that has one as a
 * child (a `SageMakerWorkloadRole`) writes its own statements into managed policies, and grants
 * go to it unchanged (`ManagedPolicyPacker.of`).
 */
export class ManagedPolicyPacker extends Construct {
  public static readonly ID = 'SecureSageMakerPolicies';

  /** The packer of `owner`'s own policies, when it has one. */
  public static of(owner: IConstruct): ManagedPolicyPacker | undefined {
    const packer = owner.node.tryFindChild(ManagedPolicyPacker.ID);
    return packer instanceof ManagedPolicyPacker ? packer : undefined;
  }

  private readonly packer: StatementPacker;
  private readonly packed: iam.ManagedPolicy[] = [];

  constructor(owner: Construct, private readonly props: ManagedPolicyPackerProps) {
    super(owner, ManagedPolicyPacker.ID);
    this.packer = new StatementPacker(MANAGED_POLICY_SIZE_LIMIT - ESTIMATE_MARGIN, estimatedMeasure(Stack.of(owner)));
  }

  /** Adds `statement` to the current policy, or to a new one; returns the policy that holds it. */
  public add(statement: iam.PolicyStatement): iam.ManagedPolicy {
    const index = this.packer.place(statement, (n) => {
      if (n >= MAX_MANAGED_POLICIES) {
        throw this.props.tooMany();
      }
      this.packed.push(this.props.newPolicy(n));
    });
    const policy = this.packed[index];
    policy.addStatements(statement);
    return policy;
  }

  /** The policies created so far, in order. */
  public get policies(): iam.ManagedPolicy[] {
    return [...this.packed];
  }
}
