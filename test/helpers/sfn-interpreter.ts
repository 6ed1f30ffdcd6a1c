/**
 * Runs a Step Functions state machine definition (Amazon States Language, JSONPath) with mocked
 * task results, the way the service would, so that a test can follow an execution from start to
 * end: which states it enters, what each task is asked to do, and how it ends.
 *
 * Supported: `Task` (its `Parameters` are resolved and handed to a mock that returns the task's
 * result), `Pass` (`Parameters`/`Result`), `Wait` (not waited), `Choice` (`StringEquals`,
 * `StringEqualsPath`, `NumericGreaterThanEquals`, `NumericEquals`, `BooleanEquals`, `IsPresent`,
 * `And`, `Or`, `Not`, `Default`), `Succeed`, `Fail`; `InputPath`, `ResultSelector`, `ResultPath`
 * (a path, or null), `OutputPath`; fields ending in `.$` with paths into the state input (`$.`) or
 * the context (`$$.Execution.Name`, `$$.Execution.Id`), and the intrinsic functions
 * `States.Format` and `States.MathAdd`. Anything else throws, so a definition the helper cannot
 * read never passes silently.
 */

/** A task call: the state, its resource and its resolved parameters. */
export interface TaskCall {
  readonly state: string;
  readonly resource: string;
  readonly parameters: any;
}

/** How an execution ended. */
export interface ExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly cause?: string;
  /** The states entered, in order. */
  readonly path: string[];
  /** The tasks called, in order. */
  readonly calls: TaskCall[];
  readonly output?: any;
}

export interface RunOptions {
  /** The execution input. */
  readonly input?: any;
  readonly executionName?: string;
  readonly executionArn?: string;
  /** The result of a task call (throw to fail the task; unhandled, it fails the execution). */
  readonly task: (call: TaskCall) => any;
  /** Stop after this many states (a loop that never ends is a failure of the test). */
  readonly maxStates?: number;
}

/** Runs `definition` (the parsed `DefinitionString`) to its end. */
export function runExecution(definition: any, options: RunOptions): ExecutionResult {
  const context = {
    Execution: { Name: options.executionName ?? 'promote-0001', Id: options.executionArn ?? `arn:aws:states:us-east-1:111122223333:execution:sm:${options.executionName ?? 'promote-0001'}` },
  };
  const path: string[] = [];
  const calls: TaskCall[] = [];
  let data = options.input ?? {};
  let name: string = definition.StartAt;
  const max = options.maxStates ?? 10_000;
  for (let step = 0; step < max; step++) {
    const state = definition.States[name];
    if (!state) throw new Error(`no state ${name}`);
    path.push(name);
    const input = state.InputPath === undefined ? data : readPath(data, context, state.InputPath);
    switch (state.Type) {
      case 'Task': {
        const call = { state: name, resource: state.Resource, parameters: resolveTemplate(state.Parameters ?? {}, input, context) };
        calls.push(call);
        let result: any;
        try {
          result = options.task(call);
        } catch (e) {
          return { status: 'FAILED', error: 'TaskFailed', cause: String(e), path, calls };
        }
        if (state.ResultSelector) result = resolveTemplate(state.ResultSelector, result, context);
        data = applyOutput(state, data, result, context);
        break;
      }
      case 'Pass': {
        const result = state.Parameters !== undefined ? resolveTemplate(state.Parameters, input, context) : (state.Result ?? input);
        data = applyOutput(state, data, result, context);
        break;
      }
      case 'Wait':
        break;
      case 'Choice': {
        const rule = (state.Choices as any[]).find((c) => matches(c, input, context));
        const next = rule ? rule.Next : state.Default;
        if (!next) return { status: 'FAILED', error: 'States.NoChoiceMatched', path, calls };
        name = next;
        continue;
      }
      case 'Succeed':
        return { status: 'SUCCEEDED', path, calls, output: data };
      case 'Fail':
        return { status: 'FAILED', error: state.Error, cause: state.Cause, path, calls };
      default:
        throw new Error(`state type ${state.Type} of ${name} is not supported`);
    }
    if (state.End) return { status: 'SUCCEEDED', path, calls, output: data };
    name = state.Next;
  }
  throw new Error(`the execution did not end within ${max} states: ${path.slice(-10).join(' > ')}`);
}

function applyOutput(state: any, data: any, result: any, context: any): any {
  let out: any;
  if (state.ResultPath === null) out = data;
  else if (state.ResultPath === undefined || state.ResultPath === '$') out = result;
  else out = writePath(data, state.ResultPath, result);
  return state.OutputPath === undefined ? out : readPath(out, context, state.OutputPath);
}

function resolveTemplate(template: any, input: any, context: any): any {
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, input, context));
  if (template && typeof template === 'object') {
    const out: Record<string, any> = {};
    for (const [key, value] of Object.entries(template)) {
      if (key.endsWith('.$')) {
        out[key.slice(0, -2)] = evaluateExpression(value as string, input, context);
      } else {
        out[key] = resolveTemplate(value, input, context);
      }
    }
    return out;
  }
  return template;
}

function evaluateExpression(expression: string, input: any, context: any): any {
  const e = expression.trim();
  if (e.startsWith('States.')) return intrinsic(e, input, context);
  return readPath(input, context, e);
}

function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) { current += c + text[++i]; continue; }
    if (c === "'") quoted = !quoted;
    if (!quoted && c === '(') depth++;
    if (!quoted && c === ')') depth--;
    if (!quoted && depth === 0 && c === ',') { args.push(current.trim()); current = ''; continue; }
    current += c;
  }
  if (current.trim() !== '') args.push(current.trim());
  return args;
}

function intrinsic(expression: string, input: any, context: any): any {
  const m = /^States\.(\w+)\((.*)\)$/s.exec(expression);
  if (!m) throw new Error(`cannot read intrinsic ${expression}`);
  const args = splitArgs(m[2]).map((a) => {
    if (a.startsWith("'")) return a.slice(1, -1).replace(/\\(.)/g, '$1');
    if (a.startsWith('$')) return readPath(input, context, a);
    if (a.startsWith('States.')) return intrinsic(a, input, context);
    if (/^-?\d+(\.\d+)?$/.test(a)) return Number(a);
    throw new Error(`cannot read argument ${a} of ${expression}`);
  });
  switch (m[1]) {
    case 'Format': {
      let i = 1;
      return String(args[0]).replace(/\{\}/g, () => String(args[i++]));
    }
    case 'MathAdd':
      return Number(args[0]) + Number(args[1]);
    default:
      throw new Error(`intrinsic States.${m[1]} is not supported`);
  }
}

function readPath(input: any, context: any, path: string): any {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [input, path.slice(1)];
  if (rest === '') return root;
  let value = root;
  for (const part of rest.replace(/^\./, '').split('.')) {
    if (value === undefined || value === null || !(part in value)) {
      throw new Error(`States.Runtime: path ${path} not found`);
    }
    value = value[part];
  }
  return value;
}

function writePath(data: any, path: string, value: any): any {
  const parts = path.replace(/^\$\.?/, '').split('.');
  const copy = JSON.parse(JSON.stringify(data ?? {}));
  let target = copy;
  for (const part of parts.slice(0, -1)) {
    target[part] = target[part] ?? {};
    target = target[part];
  }
  target[parts[parts.length - 1]] = value;
  return copy;
}

function present(input: any, context: any, path: string): boolean {
  try {
    readPath(input, context, path);
    return true;
  } catch {
    return false;
  }
}

function matches(rule: any, input: any, context: any): boolean {
  if (rule.And) return (rule.And as any[]).every((r) => matches(r, input, context));
  if (rule.Or) return (rule.Or as any[]).some((r) => matches(r, input, context));
  if (rule.Not) return !matches(rule.Not, input, context);
  if ('IsPresent' in rule) return present(input, context, rule.Variable) === rule.IsPresent;
  const value = present(input, context, rule.Variable) ? readPath(input, context, rule.Variable) : undefined;
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('StringEqualsPath' in rule) return value === readPath(input, context, rule.StringEqualsPath);
  if ('NumericGreaterThanEquals' in rule) return typeof value === 'number' && value >= rule.NumericGreaterThanEquals;
  if ('NumericEquals' in rule) return typeof value === 'number' && value === rule.NumericEquals;
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  throw new Error(`choice rule ${JSON.stringify(rule)} is not supported`);
}
