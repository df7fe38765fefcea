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
import { createRequire } from 'node:module';
import type { Ajv2020, Options } from 'ajv/dist/2020.js';
import { OUTPUT_SCHEMA_AJV_OPTIONS } from '../core/output-schema.js';
import { didYouMean } from './did-you-mean.js';
import { validateJsonSchema } from './generated/json-schema-validator.js';
import { appendPointer, valueAt } from './json-pointer.js';
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
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [];
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

// ajv's compiler is loaded on first use only: with the check above, most runs never compile, and
// loading it (~10 ms) would be the largest cost of `config validate`. require() keeps
// `checkJsonSchema` synchronous; ajv and ajv-formats are CommonJS. The require() of a literal name
// is what esbuild sees: scripts/build.mjs bundles each as dist/cjs/<name>.cjs, which these calls
// load, so an installed Loom needs nothing from node_modules. Unbundled (vitest) `require` may be
// missing: Node's loader then.
let ajv: Ajv2020 | undefined;
const formats = (): Record<string, unknown> =>
  (
    (typeof require === 'function'
      ? require('ajv-formats/dist/formats.js')
      : createRequire(import.meta.url)('ajv-formats/dist/formats.js')) as typeof import('ajv-formats/dist/formats.js')
  ).fullFormats;

function compileIssue(schema: unknown): SchemaIssue | null {
  const { Ajv2020: Ajv } = (
    typeof require === 'function' ? require('ajv/dist/2020.js') : createRequire(import.meta.url)('ajv/dist/2020.js')
  ) as typeof import('ajv/dist/2020.js');
  ajv ??= new Ajv({
    ...OUTPUT_SCHEMA_AJV_OPTIONS,
    formats: formats() as Options['formats'],
    // Step 1 did the meta-schema's work; only compiling is left.
    meta: false,
    validateSchema: false,
    // Two agents may use the same `$id`; neither schema is kept for the other to refer to.
    addUsedSchema: false,
    logger: false,
    // The function is thrown away: skip the optimizing pass.
    code: { optimize: false },
  });
  try {
    ajv.compile(schema as object);
    return null;
  } catch (error) {
    return describeCompileError(schema, error as Error & { missingRef?: string });
  }
}

/** ajv's compile errors carry no location; find the place in the schema they are about. */
function describeCompileError(schema: unknown, error: Error & { missingRef?: string }): SchemaIssue {
  const { message } = error;
  if (error.missingRef !== undefined) {
    const ref = error.missingRef;
    const at = findSchema(schema, (node) => typeof node.$ref === 'string' && (node.$ref === ref || ref.endsWith(node.$ref)));
    const local = ref.startsWith('#');
    return {
      pointer: at === undefined ? '' : appendPointer(at, '$ref'),
      part: 'value',
      message: `cannot resolve "$ref": "${ref}"`,
      hint: local ? 'no definition exists at that place in this schema' : 'Loom does not fetch other schemas; copy the definition into "$defs"',
    };
  }
  const keyword = /^strict mode: unknown keyword: "(.*)"$/.exec(message)?.[1];
  if (keyword !== undefined) {
    const at = findSchema(schema, (node) => Object.hasOwn(node, keyword));
    const suggestion = didYouMean(keyword, KEYWORDS);
    return {
      pointer: at === undefined ? '' : appendPointer(at, keyword),
      part: 'key',
      message: `unknown keyword "${keyword}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      hint: 'JSON Schema draft 2020-12 keywords only; a typo would silently check nothing',
    };
  }
  const format = /^unknown format "(.*)" ignored in schema at path "#(.*)"$/.exec(message);
  if (format) {
    const [, name = '', path = ''] = format;
    const known = Object.keys(formats());
    const suggestion = didYouMean(name, known);
    return {
      pointer: `${path}/format`,
      part: 'value',
      message: `unknown format "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      hint: `known formats: ${known.join(', ')}`,
    };
  }
  if (error instanceof SyntaxError && message.startsWith('Invalid regular expression')) {
    const reason = message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
    const inPattern = findSchema(schema, (node) => typeof node.pattern === 'string' && !isRegExp(node.pattern));
    if (inPattern !== undefined) {
      return { pointer: appendPointer(inPattern, 'pattern'), part: 'value', message: `invalid regular expression: ${reason}` };
    }
    const inProperties = findSchema(schema, (node) => Object.keys(patternPropertiesOf(node)).some((key) => !isRegExp(key)));
    const badKey = inProperties === undefined ? undefined : Object.keys(patternPropertiesOf(valueAt(schema, inProperties))).find((key) => !isRegExp(key));
    if (inProperties !== undefined && badKey !== undefined) {
      return { pointer: appendPointer(appendPointer(inProperties, 'patternProperties'), badKey), part: 'key', message: `invalid regular expression: ${reason}` };
    }
  }
  if (message === 'enum must have non-empty array') {
    const at = findSchema(schema, (node) => Array.isArray(node.enum) && node.enum.length === 0);
    return { pointer: at === undefined ? '' : appendPointer(at, 'enum'), part: 'value', message: 'must not be empty' };
  }
  return { pointer: '', part: 'value', message: message.replace(/^strict mode: /, '') };
}

// ajv compiles patterns with the `u` flag.
function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}

const patternPropertiesOf = (node: unknown): Record<string, unknown> => {
  const value = isObject(node) ? node.patternProperties : undefined;
  return isObject(value) ? value : {};
};

/** The pointer of the first (sub)schema, in document order, for which `test` holds. */
function findSchema(schema: unknown, test: (node: Record<string, unknown>) => boolean, pointer = ''): string | undefined {
  if (!isObject(schema)) return undefined;
  if (test(schema)) return pointer;
  for (const [keyword, value] of Object.entries(schema)) {
    const at = appendPointer(pointer, keyword);
    let found: string | undefined;
    if (SCHEMA_KEYWORDS.has(keyword)) found = findSchema(value, test, at);
    else if (SCHEMA_ARRAY_KEYWORDS.has(keyword) && Array.isArray(value)) {
      for (const [index, item] of value.entries()) if ((found = findSchema(item, test, appendPointer(at, index)))) break;
    } else if (SCHEMA_MAP_KEYWORDS.has(keyword) && isObject(value)) {
      for (const [name, item] of Object.entries(value)) if ((found = findSchema(item, test, appendPointer(at, name)))) break;
    }
    if (found !== undefined) return found;
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose value is a schema, an array of schemas, or a map of schemas (draft 2020-12). */
const SCHEMA_KEYWORDS = new Set([
  'not', 'if', 'then', 'else', 'items', 'contains', 'additionalProperties', 'propertyNames',
  'unevaluatedItems', 'unevaluatedProperties', 'contentSchema',
]);
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** Every keyword of draft 2020-12, for did-you-mean on an unknown one. */
const KEYWORDS = [
  '$schema', '$id', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$defs', '$comment', '$vocabulary',
  'type', 'enum', 'const', 'properties', 'patternProperties', 'additionalProperties', 'required',
  'propertyNames', 'minProperties', 'maxProperties', 'dependentRequired', 'dependentSchemas',
  'items', 'prefixItems', 'contains', 'minContains', 'maxContains', 'minItems', 'maxItems', 'uniqueItems',
  'unevaluatedItems', 'unevaluatedProperties', 'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else',
  'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly',
  'contentEncoding', 'contentMediaType', 'contentSchema',
];
