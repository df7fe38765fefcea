/**
 * Whether a value is a usable JSON Schema (draft 2020-12) — for agents' `output.schema`, which
 * Loom validates answers against with ajv.
 *
 * Two steps, because each catches what the other cannot:
 * 1. the draft 2020-12 meta-schema (`type: "strin"`, `required: "a"`), with a validator generated
 *    ahead of time — compiling the meta-schema at run time costs ~40 ms;
 * 2. compiling the schema with ajv, as the run will: an unresolvable `$ref`, a broken `pattern`,
 *    an unknown keyword (usually a typo such as `requried`) or format.
 * Plain schemas skip both (see `isPlainSchema`), and results are cached by content, so fifty
 * agents sharing a schema check it once.
 */
import { isObject } from '../../core/json.js';
import { OUTPUT_SCHEMA_AJV_OPTIONS } from '../../core/output-schema.js';
import { validateJsonSchema } from './generated/json-schema-validator.js';
import { compileIssue } from './json-schema-compile.js';
import { valueAt } from './json-pointer.js';
import type { JsonSource } from './json-source.js';
import { compareProblems, problemAt, type Problem } from './problems.js';
import { describeSchemaErrors, type SchemaIssue } from './schema-errors.js';

// The ajv options a schema must compile under are shared with the run (core/output-schema.ts),
// with ajv-formats' `fullFormats` as `formats`.
export { OUTPUT_SCHEMA_AJV_OPTIONS };

/** Messages (`/properties/a/type: must be one of: …`) for each way `schema` is not usable; `[]` when it is. */
export function checkJsonSchema(schema: unknown): string[] {
  return jsonSchemaIssues(schema).map(({ pointer, message }) => (pointer ? `${pointer}: ${message}` : message));
}

/**
 * `checkJsonSchema` for the schema at `pointer` in a config file (`/output/schema`), each problem
 * placed at its line and column. A value that is not an object is left to the config schema check.
 */
export function checkOutputSchema(source: JsonSource, pointer: string): Problem[] {
  const schema = valueAt(source.value, pointer);
  if (!isObject(schema)) return [];
  return jsonSchemaIssues(schema)
    .map(({ pointer: inner, message, part, hint }) => problemAt(source, pointer + inner, message, { part, hint }))
    .sort(compareProblems);
}

/** The issues with `schema`, pointers relative to it. The array is cached and shared: do not modify it. */
export function jsonSchemaIssues(schema: unknown): SchemaIssue[] {
  const key = JSON.stringify(schema);
  let issues = checked.get(key);
  if (issues === undefined) {
    issues = uncachedIssues(schema);
    checked.set(key, issues);
  }
  return issues;
}

const checked = new Map<string, SchemaIssue[]>();

function uncachedIssues(schema: unknown): SchemaIssue[] {
  if (isPlainSchema(schema)) return [];
  if (!validateJsonSchema(schema)) return describeSchemaErrors(validateJsonSchema.errors ?? []);
  const issue = compileIssue(schema);
  return issue ? [issue] : [];
}

/**
 * Whether `schema` is certainly valid and compiles: made only of the common keywords, each with a
 * well-formed value — the `type`/`properties`/`required`/`items` schemas agents mostly have. Those
 * skip both steps, which cost ~0.1 ms and ~0.5 ms a schema. Anything else (and anything wrong) takes
 * the thorough way, which also words the messages; a test checks this shortcut agrees with ajv.
 */
function isPlainSchema(schema: unknown): boolean {
  if (typeof schema === 'boolean') return true;
  if (!isObject(schema)) return false;
  return Object.entries(schema).every(([keyword, value]) => PLAIN_KEYWORDS[keyword]?.(value) === true);
}

const SIMPLE_TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);
const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;
const isNumber = (value: unknown) => typeof value === 'number';
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isString = (value: unknown) => typeof value === 'string';
const isUniqueList = (value: unknown, item: (value: unknown) => boolean) =>
  Array.isArray(value) && value.every(item) && new Set(value).size === value.length;
const isSchemaList = (value: unknown) => Array.isArray(value) && value.length > 0 && value.every(isPlainSchema);

const PLAIN_KEYWORDS: Record<string, (value: unknown) => boolean> = {
  type: (value) => (isString(value) ? SIMPLE_TYPES.has(value as string) : isUniqueList(value, (t) => SIMPLE_TYPES.has(t as string)) && (value as unknown[]).length > 0),
  enum: (value) => Array.isArray(value) && value.length > 0,
  const: () => true,
  properties: (value) => isObject(value) && Object.values(value).every(isPlainSchema),
  additionalProperties: isPlainSchema,
  propertyNames: isPlainSchema,
  items: isPlainSchema,
  not: isPlainSchema,
  prefixItems: isSchemaList,
  allOf: isSchemaList,
  anyOf: isSchemaList,
  oneOf: isSchemaList,
  required: (value) => isUniqueList(value, isString),
  minProperties: isCount,
  maxProperties: isCount,
  minItems: isCount,
  maxItems: isCount,
  minLength: isCount,
  maxLength: isCount,
  minimum: isNumber,
  maximum: isNumber,
  exclusiveMinimum: isNumber,
  exclusiveMaximum: isNumber,
  multipleOf: (value) => isNumber(value) && (value as number) > 0,
  uniqueItems: isBoolean,
  deprecated: isBoolean,
  readOnly: isBoolean,
  writeOnly: isBoolean,
  title: isString,
  description: isString,
  $comment: isString,
  default: () => true,
  examples: Array.isArray,
};
