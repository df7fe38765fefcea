/**
 * Step 2 of the output-schema check (json-schema-check.ts): compiling a schema with ajv, as the
 * run will, and placing what ajv's compile errors are about — an unresolvable `$ref`, a broken
 * `pattern`, an unknown keyword or format — at its pointer in the schema.
 */
import { createRequire } from 'node:module';
import type { Ajv2020, Options } from 'ajv/dist/2020.js';
import { isObject } from '../../core/json.js';
import { OUTPUT_SCHEMA_AJV_OPTIONS } from '../../core/output-schema.js';
import { didYouMean } from '../did-you-mean.js';
import { appendPointer, valueAt } from './json-pointer.js';
import type { SchemaIssue } from './schema-errors.js';

// ajv's compiler is loaded on first use only: with the plain-schema shortcut, most runs never compile, and
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

export function compileIssue(schema: unknown): SchemaIssue | null {
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
