/**
 * Turns ajv's errors into one-line messages that read on their own after a JSON pointer:
 * `must be an integer (got a string)`, `unknown property "llm_provider" (did you mean "provider"?)`,
 * `must be one of: openai, anthropic, …`.
 *
 * Two things make raw ajv output hard to read, and are handled here:
 * - `oneOf`/`anyOf`: ajv reports every branch's failures plus a summary. We pick the branch the
 *   value was meant for (see `intendedBranch`) and report only its errors.
 * - Summaries that repeat an error already given (`propertyNames`, `if`) are dropped, and the
 *   same message at the same place is reported once.
 *
 * The errors must come from a validator built with `verbose: true` (scripts/generate-validators.mjs
 * does so): messages use each error's `schema`, `parentSchema` and `data`.
 */
import type { ErrorObject } from 'ajv';
import { didYouMean } from './did-you-mean.js';
import { appendPointer, isWithin } from './json-pointer.js';
import type { PositionPart } from './json-source.js';

export interface SchemaIssue {
  /** Pointer of the value concerned, relative to the validated value. */
  pointer: string;
  /** `key` for a problem with a property's name (unknown, misnamed, missing: its parent's name). */
  part: PositionPart;
  message: string;
  hint?: string;
}

/** Friendlier words for the schema's patterns, which mean nothing to most readers. */
const PATTERN_MESSAGES: Record<string, string> = {
  '^[A-Za-z_][A-Za-z0-9_]*$': 'use letters, digits and _, not starting with a digit',
  '^(write_file|run_command|fetch_url)(:.+)?$':
    'must be "write_file", "write_file:<path or glob>", "run_command", "run_command:<command prefix>" or "fetch_url:<host>"',
  '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._*-]+)(:[0-9]{1,5}|/[0-9]{1,3})?$':
    'must be a host name, an IPv4 address or a bracketed IPv6 address with an optional :port, or a CIDR range ("localhost:3000", "10.1.0.0/16")',
};

export function describeSchemaErrors(errors: readonly ErrorObject[]): SchemaIssue[] {
  const { kept, hints } = selectBranches(errors);
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of kept) {
    const issue = describeError(error);
    if (!issue) continue;
    const hint = hints.get(error);
    if (hint !== undefined) issue.hint = hint;
    const key = `${issue.pointer}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

// ─── oneOf / anyOf ──────────────────────────────────────────────────────────────────────────

interface Selection {
  kept: ErrorObject[];
  /** Hints added to errors of a branch chosen for want of a better one. */
  hints: Map<ErrorObject, string>;
}

function selectBranches(errors: readonly ErrorObject[]): Selection {
  const dropped = new Set<ErrorObject>();
  const hints = new Map<ErrorObject, string>();
  const summaries: ErrorObject[] = [];
  for (const composite of errors) {
    if ((composite.keyword !== 'oneOf' && composite.keyword !== 'anyOf') || !Array.isArray(composite.schema)) continue;
    const branches = composite.schema as unknown[];
    const members = new Map<ErrorObject, number>();
    for (const error of errors) {
      const branch = error === composite ? undefined : branchOf(error, composite, branches);
      if (branch !== undefined) members.set(error, branch);
    }
    const choice = intendedBranch(branches, composite.data);
    if (choice === undefined) {
      // The value suits no branch at all (a number where an object is expected): the summary,
      // reworded from the branches' types, says it better than each branch's complaint.
      for (const member of members.keys()) dropped.add(member);
      continue;
    }
    summaries.push(composite);
    for (const [member, branch] of members) {
      if (branch !== choice.index) dropped.add(member);
      else if (member.instancePath !== composite.instancePath) continue;
      else if (choice.byDefault && member.keyword === 'required') {
        const alternatives = alternativesHint(branches);
        if (alternatives) hints.set(member, alternatives);
      } else if (!choice.byDefault && member.keyword === 'additionalProperties') {
        hints.set(member, chosenFormHint(branches[choice.index]));
      }
    }
  }
  // A summary goes when other errors still speak about its value. It stays when none do (a value
  // matching several branches of a oneOf): dropping it would hide the failure.
  for (const summary of summaries) {
    const explained = errors.some(
      (error) => !dropped.has(error) && !isSummary(error) && isWithin(error.instancePath, summary.instancePath),
    );
    if (explained) dropped.add(summary);
  }
  return { kept: errors.filter((error) => !dropped.has(error)), hints };
}

const isSummary = (error: ErrorObject): boolean => error.keyword === 'oneOf' || error.keyword === 'anyOf';

/** Which branch of `composite` an error comes from, when that can be told. */
function branchOf(error: ErrorObject, composite: ErrorObject, branches: unknown[]): number | undefined {
  if (!isWithin(error.instancePath, composite.instancePath)) return undefined;
  const prefix = `${composite.schemaPath}/`;
  if (error.schemaPath.startsWith(prefix)) {
    const index = Number(error.schemaPath.slice(prefix.length).split('/')[0]);
    return Number.isInteger(index) ? index : undefined;
  }
  // A branch that is only a `$ref` reports paths of the referenced schema instead. Only its
  // errors about the value itself are attributed to it: deeper ones may come from another branch.
  if (error.instancePath !== composite.instancePath) return undefined;
  const index = branches.findIndex((branch) => {
    const ref = isObject(branch) ? branch.$ref : undefined;
    return typeof ref === 'string' && ref.startsWith('#') && error.schemaPath.startsWith(`${ref}/`);
  });
  return index < 0 ? undefined : index;
}

/**
 * The branch a value was meant for: among the branches whose `type` admits the value (a declared
 * type that matches beats no declared type), the last one whose required properties are all
 * present — for an MCP server, `url` means HTTP even when `command` is there too — else the first
 * (a stdio server, when neither `command` nor `url` is given). Undefined when no branch admits the
 * value's type.
 */
function intendedBranch(branches: unknown[], data: unknown): { index: number; byDefault: boolean } | undefined {
  const type = jsonType(data);
  const exact: number[] = [];
  const open: number[] = [];
  branches.forEach((branch, index) => {
    const declared = isObject(branch) ? branch.type : undefined;
    if (declared === undefined) open.push(index);
    else if (typeMatches(declared, type)) exact.push(index);
  });
  const pool = exact.length > 0 ? exact : open;
  if (pool.length === 0) return undefined;
  if (isObject(data)) {
    const complete = pool.filter((index) => {
      const required = (branches[index] as { required?: unknown }).required;
      return Array.isArray(required) && required.length > 0 && required.every((name) => Object.hasOwn(data, String(name)));
    });
    const last = complete.at(-1);
    if (last !== undefined) return { index: last, byDefault: false };
  }
  return { index: pool[0] ?? 0, byDefault: pool.length > 1 };
}

/** `give one of: "command" (a server started as a child process…), or "url" (a server reached over HTTP)`. */
function alternativesHint(branches: unknown[]): string | undefined {
  const forms = branches.flatMap((branch) => {
    if (!isObject(branch) || !Array.isArray(branch.required) || branch.required.length === 0) return [];
    const names = branch.required.map((name) => `"${String(name)}"`).join(' and ');
    const description = typeof branch.description === 'string' ? ` (${lowerFirst(branch.description.replace(/\.$/, ''))})` : '';
    return [`${names}${description}`];
  });
  return forms.length > 1 ? `give one of: ${forms.join(', or ')}` : undefined;
}

/** `with "url" this is a server reached over streamable HTTP, which takes: url, headers`. */
function chosenFormHint(branch: unknown): string {
  const schema = isObject(branch) ? branch : {};
  const required = Array.isArray(schema.required) ? schema.required.map((name) => `"${String(name)}"`).join(' and ') : '';
  const description = typeof schema.description === 'string' ? lowerFirst(schema.description.replace(/\.$/, '')) : 'this form';
  return `with ${required} this is ${description}, which takes: ${Object.keys(propertiesOf(schema)).join(', ')}`;
}

// ─── one error ──────────────────────────────────────────────────────────────────────────────

function describeError(error: ErrorObject): SchemaIssue | undefined {
  const pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const at = (message: string, hint?: string): SchemaIssue =>
    hint === undefined ? { pointer, part: 'value', message } : { pointer, part: 'value', message, hint };

  // An error about a property's name (from `propertyNames`) is reported at that name.
  if (error.propertyName !== undefined) {
    const inner = describeError({ ...error, propertyName: undefined });
    if (!inner) return undefined;
    const message = `invalid name "${error.propertyName}": ${inner.message}`;
    return { pointer: appendPointer(pointer, error.propertyName), part: 'key', message };
  }

  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(params.additionalProperty ?? params.unevaluatedProperty);
      const allowed = Object.keys(propertiesOf(error.parentSchema));
      const suggestion = didYouMean(name, allowed);
      const message = `unknown property "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
      const issue: SchemaIssue = { pointer: appendPointer(pointer, name), part: 'key', message };
      if (!suggestion && allowed.length > 0) issue.hint = `allowed properties: ${allowed.join(', ')}`;
      return issue;
    }
    case 'required':
      return { pointer, part: 'key', message: `missing required property "${String(params.missingProperty)}"` };
    case 'dependentRequired':
      return {
        pointer,
        part: 'key',
        message: `property "${String(params.missingProperty)}" is required when "${String(params.property)}" is given`,
      };
    case 'type': {
      // A fraction where an integer belongs is shown as given; otherwise only the type is named,
      // never the value, which may be a key.
      const fraction = params.type === 'integer' && typeof error.data === 'number';
      return at(`must be ${typePhrase(params.type)} (got ${fraction ? String(error.data) : describeType(error.data)})`);
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      const suggestion =
        typeof error.data === 'string' ? didYouMean(error.data, allowed.filter((value): value is string => typeof value === 'string')) : undefined;
      const list = allowed.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ');
      return at(`must be one of: ${list}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
    case 'const':
      return at(`must be ${JSON.stringify(params.allowedValue)}`);
    case 'minLength':
      return at(params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long`);
    case 'maxLength':
      return at(`must be at most ${String(params.limit)} characters long`);
    case 'minimum':
      return at(`must be at least ${String(params.limit)} (got ${String(error.data)})`);
    case 'maximum':
      return at(`must be at most ${String(params.limit)} (got ${String(error.data)})`);
    case 'exclusiveMinimum':
      return at(`must be greater than ${String(params.limit)} (got ${String(error.data)})`);
    case 'exclusiveMaximum':
      return at(`must be less than ${String(params.limit)} (got ${String(error.data)})`);
    case 'multipleOf':
      return at(`must be a multiple of ${String(params.multipleOf)}`);
    case 'minItems':
      return at(`must have at least ${count(params.limit, 'item')}`);
    case 'maxItems':
      return at(`must have at most ${count(params.limit, 'item')}`);
    case 'minProperties':
      return at(`must have at least ${count(params.limit, 'property', 'properties')}`);
    case 'maxProperties':
      return at(`must have at most ${count(params.limit, 'property', 'properties')}`);
    case 'uniqueItems': {
      // ajv names the later duplicate `i` and the earlier one `j`; point at the later one.
      const later = Number(params.i);
      const item = Array.isArray(error.data) ? (error.data as unknown[])[later] : undefined;
      const what = typeof item === 'string' || typeof item === 'number' ? JSON.stringify(item) : `item ${later}`;
      return { pointer: appendPointer(pointer, later), part: 'value', message: `${what} is listed more than once` };
    }
    case 'pattern': {
      const pattern = String(params.pattern);
      return at(PATTERN_MESSAGES[pattern] ?? `must match the pattern ${pattern}`);
    }
    case 'format':
      return at(`must be a valid ${String(params.format)}`);
    case 'oneOf':
    case 'anyOf':
      // Only reached when no branch admits the value, or (oneOf) when several do.
      if (Array.isArray(params.passingSchemas)) return at('matches more than one of the allowed forms');
      return at(unionMessage(error));
    case 'propertyNames': // a summary of the name's own error, reported above
    case 'if': // a summary of the `then`/`else` errors
      return undefined;
    case 'false schema':
      return at('is not allowed here');
    default:
      return at(error.message ?? 'is invalid');
  }
}

function unionMessage(error: ErrorObject): string {
  const branches = Array.isArray(error.schema) ? (error.schema as unknown[]) : [];
  const types = [...new Set(branches.flatMap((branch) => (isObject(branch) ? [branch.type].flat() : [])))];
  if (types.length > 0 && types.every((type) => typeof type === 'string')) {
    return `must be ${typePhrase(types.join(','))} (got ${describeType(error.data)})`;
  }
  return `does not match any of the allowed forms`;
}

// ─── words ──────────────────────────────────────────────────────────────────────────────────

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** `integer` → `an integer`; `boolean` → `true or false`; `object,boolean` → `an object or a boolean`. */
function typePhrase(type: unknown): string {
  const types = (Array.isArray(type) ? type.map(String) : String(type).split(',')).filter(Boolean);
  if (types.length === 1 && types[0] === 'boolean') return 'true or false';
  const words = types.map((name) => (name === 'boolean' ? 'a boolean' : (TYPE_WORDS[name] ?? name)));
  return words.length <= 1 ? (words[0] ?? 'valid') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** The type of what was given, never its value: the value may be a key. */
function describeType(data: unknown): string {
  const type = jsonType(data);
  if (type === 'boolean') return 'a boolean';
  if (type === 'integer') return 'a number';
  return TYPE_WORDS[type] ?? type;
}

function jsonType(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  if (typeof data === 'number') return Number.isInteger(data) ? 'integer' : 'number';
  return typeof data;
}

function typeMatches(declared: unknown, type: string): boolean {
  const types = [declared].flat().map(String);
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  return isObject(schema) && isObject(schema.properties) ? schema.properties : {};
}

const count = (limit: unknown, one: string, many = `${one}s`): string => `${String(limit)} ${limit === 1 ? one : many}`;
const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

