/**
 * Whether a JSON Schema can be sent with `strict: true` (OpenAI Structured Outputs). Strict mode
 * takes a subset of JSON Schema: the root is an object; every object lists all its properties in
 * `required` and has `additionalProperties: false`; some keywords are not supported; at most 10
 * levels of nesting and 5000 properties. Anything else is sent non-strict and Loom's own ajv
 * validation decides (CONTRACT §10).
 */
const UNSUPPORTED = new Set([
  'allOf', 'not', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas', 'patternProperties',
  'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'contains', 'minContains', 'maxContains',
  'uniqueItems', 'minProperties', 'maxProperties', 'prefixItems', 'oneOf',
]);

const MAX_DEPTH = 10;
const MAX_PROPERTIES = 5000;

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

function isObjectSchema(schema: Schema): boolean {
  const type = schema.type;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || isSchema(schema.properties);
}

export function isStrictCompatible(root: Record<string, unknown>): boolean {
  if (!isSchema(root) || root.type !== 'object' || 'anyOf' in root) return false;
  let properties = 0;

  const check = (schema: unknown, depth: number): boolean => {
    if (typeof schema === 'boolean') return false;
    if (!isSchema(schema)) return false;
    if (depth > MAX_DEPTH) return false;
    for (const key of Object.keys(schema)) if (UNSUPPORTED.has(key)) return false;
    // Every schema must say what it is.
    if (!('type' in schema || 'anyOf' in schema || '$ref' in schema || 'enum' in schema || 'const' in schema)) return false;
    if (isObjectSchema(schema)) {
      if (schema.additionalProperties !== false) return false;
      const props = isSchema(schema.properties) ? schema.properties : {};
      const names = Object.keys(props);
      properties += names.length;
      if (properties > MAX_PROPERTIES) return false;
      const required = Array.isArray(schema.required) ? schema.required : [];
      if (names.length !== required.length || !names.every((name) => required.includes(name))) return false;
      for (const name of names) if (!check(props[name], depth + 1)) return false;
    }
    if ('items' in schema) {
      if (Array.isArray(schema.items) || !check(schema.items, depth + 1)) return false;
    }
    if ('anyOf' in schema) {
      if (!Array.isArray(schema.anyOf) || !schema.anyOf.every((variant) => check(variant, depth + 1))) return false;
    }
    for (const defsKey of ['$defs', 'definitions']) {
      const defs = schema[defsKey];
      if (defs !== undefined) {
        if (!isSchema(defs)) return false;
        for (const def of Object.values(defs)) if (!check(def, depth + 1)) return false;
      }
    }
    return true;
  };

  return check(root, 1);
}
