/**
 * Checks a request against the SageMaker API model that ships with the `aws-sdk` (v2) package
 * (`apis/sagemaker-2017-07-24.min.json`, Apache-2.0): the request of a Step Functions task
 * (`arn:aws:states:::sagemaker:<operation>[.sync]` or `aws-sdk:sagemaker:<operation>`) must be a
 * valid `<Operation>Request`, or the execution fails at run time.
 *
 * What is checked: every member is one the shape has (no misspelt or invented field), every
 * required member is present, lists are lists, structures are objects, numbers and booleans are
 * what the model says. A field ending in `.$` (a JSONPath that Step Functions resolves at run time)
 * counts as its member, with any value; so does a value that is a CloudFormation token.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const MODEL = require('aws-sdk/apis/sagemaker-2017-07-24.min.json') as {
  operations: Record<string, { input: Shape }>;
  shapes: Record<string, Shape>;
};

interface Shape {
  readonly shape?: string;
  readonly type?: string;
  readonly members?: Record<string, Shape>;
  readonly required?: string[];
  readonly member?: Shape;
  readonly key?: Shape;
  readonly value?: Shape;
}

function resolve(shape: Shape): Shape {
  return shape.shape ? resolve(MODEL.shapes[shape.shape]) : shape;
}

/** The names of the SageMaker API's operations (`CreateTrainingJob`, ...). */
export function sageMakerOperations(): string[] {
  return Object.keys(MODEL.operations);
}

/** The member names of an operation's request, or of a nested structure given by path (`['ProcessingResources', 'ClusterConfig']`). */
export function requestMembers(operation: string, path: string[] = []): string[] {
  let shape = inputOf(operation);
  for (const part of path) {
    const next = resolve(shape).members?.[part];
    if (!next) throw new Error(`${operation}: no member ${path.join('.')}`);
    shape = resolve(next);
    while (shape.type === 'list' && shape.member) shape = resolve(shape.member);
  }
  return Object.keys(resolve(shape).members ?? {});
}

function inputOf(operation: string): Shape {
  const op = MODEL.operations[operation];
  if (!op) throw new Error(`The SageMaker API has no operation ${operation}`);
  return op.input;
}

function isToken(value: unknown): boolean {
  if (typeof value === 'string') return /\$\{Token\[|^\$\{|#\{/.test(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
  }
  return false;
}

/**
 * The problems of `request` as an `<operation>` request, one line each (empty when valid). Pass the
 * `Parameters` of the task as they stand in the state machine definition.
 */
export function requestProblems(operation: string, request: unknown): string[] {
  const problems: string[] = [];
  check(inputOf(operation), request, operation, problems);
  return problems;
}

function check(shapeRef: Shape, value: unknown, path: string, problems: string[]): void {
  if (isToken(value)) return;
  const shape = resolve(shapeRef);
  switch (shape.type) {
    case 'structure': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${path}: expected a structure, got ${JSON.stringify(value)?.slice(0, 80)}`);
        return;
      }
      const given = new Set<string>();
      for (const [rawKey, member] of Object.entries(value as Record<string, unknown>)) {
        const dynamic = rawKey.endsWith('.$');
        const key = dynamic ? rawKey.slice(0, -2) : rawKey;
        given.add(key);
        const memberShape = shape.members?.[key];
        if (!memberShape) {
          problems.push(`${path}.${key}: not a member (members: ${Object.keys(shape.members ?? {}).join(', ')})`);
          continue;
        }
        if (!dynamic) check(memberShape, member, `${path}.${key}`, problems);
      }
      for (const required of shape.required ?? []) {
        if (!given.has(required)) problems.push(`${path}.${required}: required member missing`);
      }
      return;
    }
    case 'list':
      if (!Array.isArray(value)) {
        problems.push(`${path}: expected a list, got ${JSON.stringify(value)?.slice(0, 80)}`);
        return;
      }
      value.forEach((item, i) => check(shape.member!, item, `${path}[${i}]`, problems));
      return;
    case 'map':
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${path}: expected a map`);
        return;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) check(shape.value!, v, `${path}.${k}`, problems);
      return;
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      if (typeof value !== 'number') problems.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'timestamp':
      return;
    default:
      // Strings (the model's default type).
      if (typeof value !== 'string') problems.push(`${path}: expected a string, got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
}
