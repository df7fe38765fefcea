/**
 * The assertions of a test case (CONTRACT §13), checked against what a run came to. `path` is a
 * JSON Pointer into the structured output; without it an assertion applies to the output of an
 * agent with an output schema, else to the answer text (for `json-schema`, the text parsed as
 * JSON). Each result says what was expected and what was found, cut short and ready to print.
 * `judge` needs a model call: judge.ts.
 */
import type { TestAssertion } from '../core/config.js';
import { isObject } from '../core/json.js';
import { valueAt } from '../config/validate/json-pointer.js';
import { OutputValidator } from '../engine/structured-output.js';

/** A run as the assertions see it. */
export interface RunView {
  ok: boolean;
  /** The error code of a failed run, else null. */
  errorCode: string | null;
  text: string;
  /** The structured output (null when the agent has none, or the run failed). */
  output: unknown;
  /** Whether the agent has an output schema. */
  structured: boolean;
  toolCalls: { name: string; input: unknown; ok: boolean }[];
  costUsd: number | null;
  /** The run's latency: wall time live, the recorded time under replay. */
  latencyMs: number;
  steps: number;
  replayed: boolean;
}

export interface AssertionResult {
  type: TestAssertion['type'];
  pass: boolean;
  /** What was checked and, for a failure, expected against actual. */
  message: string;
}

const MAX_SHOWN = 200;

/** A value for a message: JSON, cut short. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** What an assertion looks at: the value at `path`, the structured output, or the answer text. */
function subject(view: RunView, path: string | undefined): { value: unknown; where: string } {
  if (path !== undefined) return { value: valueAt(view.output, path), where: `output at ${path}` };
  if (view.structured) return { value: view.output, where: 'output' };
  return { value: view.text, where: 'answer' };
}

/** Text to search in: a string as is, anything else as its JSON. */
const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** Whether `actual` holds everything of `expected` (objects by key, recursively; other values equal). */
function includes(actual: unknown, expected: unknown): boolean {
  if (isObject(expected)) return isObject(actual) && Object.entries(expected).every(([key, value]) => includes(actual[key], value));
  return deepEqual(actual, expected);
}

const result = (assertion: TestAssertion, pass: boolean, message: string): AssertionResult => ({ type: assertion.type, pass, message });

/** Every assertion but `judge`, whose result judge.ts gives. */
export async function checkAssertion(assertion: Exclude<TestAssertion, { type: 'judge' }>, view: RunView): Promise<AssertionResult> {
  switch (assertion.type) {
    case 'equals': {
      const { value, where } = subject(view, assertion.path);
      const pass = deepEqual(value, assertion.value);
      return result(assertion, pass, pass ? `${where} equals ${shown(assertion.value)}` : `${where}: expected ${shown(assertion.value)}, got ${shown(value)}`);
    }
    case 'contains':
    case 'not-contains': {
      const { value, where } = subject(view, assertion.path);
      const fold = (text: string) => (assertion.ignoreCase ? text.toLowerCase() : text);
      const haystack = fold(asText(value));
      const needles = typeof assertion.value === 'string' ? [assertion.value] : assertion.value;
      // Each text is checked on its own (present for contains, absent for not-contains); "all"
      // (default) needs every one to hold, "any" one of them.
      const wantPresent = assertion.type === 'contains';
      const holding = needles.filter((needle) => haystack.includes(fold(needle)) === wantPresent);
      const any = assertion.match === 'any';
      const pass = any ? holding.length > 0 : holding.length === needles.length;
      const wanted = `${any ? 'any of ' : needles.length > 1 ? 'all of ' : ''}${needles.map(shown).join(', ')}`;
      const verb = wantPresent ? 'contain' : 'not contain';
      return result(assertion, pass, pass ? `${where} does ${verb} ${wanted}` : `${where}: expected to ${verb} ${wanted}, got ${shown(value)}`);
    }
    case 'regex': {
      const { value, where } = subject(view, assertion.path);
      const pattern = new RegExp(assertion.pattern, assertion.flags);
      const pass = pattern.test(asText(value));
      return result(assertion, pass, pass ? `${where} matches /${assertion.pattern}/${assertion.flags ?? ''}` : `${where}: expected to match /${assertion.pattern}/${assertion.flags ?? ''}, got ${shown(value)}`);
    }
    case 'starts-with': {
      const { value, where } = subject(view, assertion.path);
      const text = asText(value);
      const pass = assertion.ignoreCase ? text.toLowerCase().startsWith(assertion.value.toLowerCase()) : text.startsWith(assertion.value);
      return result(assertion, pass, pass ? `${where} starts with ${shown(assertion.value)}` : `${where}: expected to start with ${shown(assertion.value)}, got ${shown(value)}`);
    }
    case 'json-schema':
      return checkJsonSchema(assertion, view);
    case 'tool-called': {
      const calls = view.toolCalls.filter((call) => call.name === assertion.name && (assertion.input === undefined || includes(call.input, assertion.input)));
      const what = `${assertion.name}${assertion.input ? ` with ${shown(assertion.input)}` : ''}`;
      const pass = assertion.times === undefined ? calls.length > 0 : calls.length === assertion.times;
      const expected = assertion.times === undefined ? 'at least once' : `${assertion.times} time${assertion.times === 1 ? '' : 's'}`;
      const made = view.toolCalls.map((call) => call.name);
      return result(assertion, pass, pass ? `called ${what} ${expected}` : `expected a call of ${what} ${expected}, got ${calls.length} (calls made: ${made.length ? made.join(', ') : 'none'})`);
    }
    case 'tool-not-called': {
      const count = view.toolCalls.filter((call) => call.name === assertion.name).length;
      return result(assertion, count === 0, count === 0 ? `never called ${assertion.name}` : `expected no call of ${assertion.name}, got ${count}`);
    }
    case 'max-cost': {
      const recorded = view.replayed ? ' (recorded)' : '';
      if (view.costUsd === null) return result(assertion, false, `the cost is unknown (no usage or no price), so it cannot be held to $${assertion.usd}`);
      const pass = view.costUsd <= assertion.usd;
      return result(assertion, pass, `cost $${view.costUsd}${recorded} ${pass ? '≤' : '>'} $${assertion.usd}`);
    }
    case 'max-latency': {
      const pass = view.latencyMs <= assertion.ms;
      return result(assertion, pass, `latency ${view.latencyMs} ms${view.replayed ? ' (recorded)' : ''} ${pass ? '≤' : '>'} ${assertion.ms} ms`);
    }
    case 'max-steps': {
      const pass = view.steps <= assertion.value;
      return result(assertion, pass, `${view.steps} step${view.steps === 1 ? '' : 's'} ${pass ? '≤' : '>'} ${assertion.value}`);
    }
    case 'status': {
      const actual = view.ok ? 'ok' : `failed with ${view.errorCode}`;
      const pass = assertion.ok ? view.ok : !view.ok && (assertion.code === undefined || assertion.code === view.errorCode);
      const expected = assertion.ok ? 'ok' : `failed${assertion.code ? ` with ${assertion.code}` : ''}`;
      return result(assertion, pass, pass ? `the run ${actual}` : `expected the run ${expected}, got ${actual}`);
    }
  }
}

async function checkJsonSchema(assertion: Extract<TestAssertion, { type: 'json-schema' }>, view: RunView): Promise<AssertionResult> {
  let value: unknown;
  let where: string;
  if (assertion.path !== undefined || view.structured) ({ value, where } = subject(view, assertion.path));
  else {
    where = 'answer';
    try {
      value = JSON.parse(view.text);
    } catch {
      return result(assertion, false, `the answer is not JSON, so it cannot match the schema: ${shown(view.text)}`);
    }
  }
  const check = (await OutputValidator.create(assertion.schema)).check(JSON.stringify(value) ?? 'null');
  return check.ok ? result(assertion, true, `${where} matches the schema`) : result(assertion, false, `${where} does not match the schema: ${check.errors.slice(0, 3).join('; ')}`);
}
