/**
 * Turns ajv's errors into one-line messages that read on their own after a JSON pointer:
 * `must be an integer (got a string)`, `unknown property "llm_provider" (did you mean "provider"?)`,
 * `must be one of: openai, anthropic, …`.
 *
 * Two things make raw ajv output hard to read, and are handled here:
 * - `oneOf`/`anyOf`: ajv reports every branch's failures plus a summary. We pick the branch the
 *   value was meant for (schema-branches.ts) and report only its errors.
 * - Summaries that repeat an error already given (`propertyNames`, `if`) are dropped, and the
 *   same message at the same place is reported once.
 *
 * The errors must come from a validator built with `verbose: true` (scripts/generate-validators.mjs
 * does so): messages use each error's `schema`, `parentSchema` and `data`.
 */
import type { ErrorObject } from 'ajv';
import { isObject } from '../../core/json.js';
import { didYouMean } from '../did-you-mean.js';
import { appendPointer } from './json-pointer.js';
import type { PositionPart } from './json-source.js';
import { selectBranches } from './schema-branches.js';
import { count, describeType, propertiesOf, typePhrase } from './schema-words.js';

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
