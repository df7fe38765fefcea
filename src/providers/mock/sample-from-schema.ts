/**
 * The smallest value a JSON Schema accepts, for the mock provider's answer to a structured
 * request: every required property (all of them when none is marked), the first of an `enum`,
 * `const` as given, the minimum of a number, arrays of their `minItems`. Enough for the schemas
 * agents declare; `$ref`, `oneOf` and friends take their first branch and may not validate.
 */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 16) return null;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0] ?? null;
  if ('default' in s) return s.default;
  for (const branch of ['oneOf', 'anyOf', 'allOf'] as const) {
    const first = Array.isArray(s[branch]) ? (s[branch] as unknown[])[0] : undefined;
    if (first !== undefined) return sampleFromSchema(first, depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type ?? (s.properties ? 'object' : s.items ? 'array' : undefined)) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : Object.keys(properties);
      return Object.fromEntries(required.map((name) => [name, sampleFromSchema(properties[name] ?? {}, depth + 1)]));
    }
    case 'array':
      return Array.from({ length: typeof s.minItems === 'number' ? s.minItems : 0 }, () => sampleFromSchema(s.items ?? {}, depth + 1));
    case 'string':
      return 'x'.repeat(typeof s.minLength === 'number' ? s.minLength : 0) || 'mock';
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}
