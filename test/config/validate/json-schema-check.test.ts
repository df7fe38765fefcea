import { Ajv2020 } from 'ajv/dist/2020.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { describe, expect, it } from 'vitest';
import { checkJsonSchema, checkOutputSchema, jsonSchemaIssues, OUTPUT_SCHEMA_AJV_OPTIONS } from '../../../src/config/validate/json-schema-check.js';
import { parseJsonSource } from '../../../src/config/validate/json-source.js';

describe('checkJsonSchema', () => {
  it.each<[string, unknown, string[]]>([
    ['a misspelt type', { type: 'strin' }, ['/type: must be one of: array, boolean, integer, null, number, object, string (did you mean "string"?)']],
    [
      'a misspelt type in a list, deep inside',
      { type: 'object', properties: { a: { type: ['string', 'nul'] } } },
      ['/properties/a/type/1: must be one of: array, boolean, integer, null, number, object, string (did you mean "null"?)'],
    ],
    ['required as a string', { type: 'object', required: 'a' }, ['/required: must be an array (got a string)']],
    ['a wrong keyword value', { minimum: 'x' }, ['/minimum: must be a number (got a string)']],
    ['items as a list (draft-07 style)', { items: [{}] }, ['/items: must be an object or a boolean (got an array)']],
    ['not a schema at all', 5, ['must be an object or a boolean (got a number)']],
    ['an unresolvable $ref', { type: 'object', properties: { a: { $ref: '#/$defs/nope' } } }, ['/properties/a/$ref: cannot resolve "$ref": "#/$defs/nope"']],
    ['a remote $ref', { $ref: 'https://example.com/s.json' }, ['/$ref: cannot resolve "$ref": "https://example.com/s.json"']],
    ['a misspelt keyword', { type: 'object', requried: ['a'] }, ['/requried: unknown keyword "requried" (did you mean "required"?)']],
    ['an unknown format', { properties: { a: { type: 'string', format: 'emial' } } }, ['/properties/a/format: unknown format "emial" (did you mean "email"?)']],
    ['a broken pattern', { properties: { a: { type: 'string', pattern: '(' } } }, ['/properties/a/pattern: invalid regular expression: Unterminated group']],
    ['a broken patternProperties name', { patternProperties: { '[': {} } }, ['/patternProperties/[: invalid regular expression: Unterminated character class']],
    ['an empty enum', { properties: { a: { enum: [] } } }, ['/properties/a/enum: must not be empty']],
  ])('%s', (_, schema, messages) => {
    expect(checkJsonSchema(schema)).toEqual(messages);
  });

  it.each<[string, unknown]>([
    ['the CONTRACT example', { type: 'object', properties: { bullets: { type: 'array' } }, required: ['bullets'] }],
    ['true', true],
    ['an empty schema', {}],
    ['a known format', { type: 'string', format: 'email' }],
    ['local references', { $defs: { item: { type: 'string' } }, type: 'array', items: { $ref: '#/$defs/item' } }],
    ['a draft-07 $schema', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }],
    ['an $id', { $id: 'https://example.com/answer.json', type: 'object' }],
  ])('accepts %s', (_, schema) => {
    expect(checkJsonSchema(schema)).toEqual([]);
  });

  it('gives the same answer for the same schema twice (results are cached by content)', () => {
    const schema = { type: 'object', requried: ['x'] };
    const first = jsonSchemaIssues(schema);
    expect(jsonSchemaIssues({ ...schema })).toBe(first);
    expect(first).toHaveLength(1);
  });

  // Plain schemas skip the meta-schema and the compile; this checks that the shortcut agrees with
  // a full ajv check on a corpus that exercises both paths and the shortcut's edges.
  it('agrees with ajv itself on whether a schema compiles', () => {
    const ajv = new Ajv2020({ ...OUTPUT_SCHEMA_AJV_OPTIONS, formats: fullFormats, logger: false });
    const corpus: unknown[] = [
      { type: 'object', properties: { a: { type: 'string', minLength: 1, maxLength: 9 }, b: { type: 'integer', minimum: 0 } } },
      { type: 'array', items: { type: 'number', multipleOf: 0.5 }, minItems: 1, uniqueItems: true },
      { type: 'array', prefixItems: [{ type: 'string' }], items: false },
      { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, examples: ['x'] },
      { oneOf: [{ const: 1 }, { enum: [2, 3] }], not: { const: 4 }, title: 't', description: 'd', deprecated: true },
      { type: 'object', additionalProperties: { type: 'boolean' }, propertyNames: { maxLength: 3 }, minProperties: 1 },
      { type: 'object', dependentRequired: { a: ['b'] }, readOnly: true, writeOnly: false, $comment: 'c' },
      { allOf: [{ type: 'object' }, { required: ['a'] }], properties: { a: {} } },
      { properties: { a: { enum: [] } } },
      { if: { type: 'string' }, then: { minLength: 1 } },
      { contains: { type: 'string' }, minContains: 2 },
      { properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: true } },
      { type: 'string', pattern: '^a+$' },
      { type: 'string', format: 'nope' },
      { nullable: true },
      { type: 'object', unevaluatedProperties: false },
      // at the edges of the plain-schema shortcut
      { type: [] },
      { type: ['string', 'string'] },
      { type: ['string', 'null'], description: 'x', examples: ['a'] },
      { required: ['a', 'a'] },
      { minLength: -1 },
      { minLength: 1.5 },
      { multipleOf: 0 },
      { examples: 'x' },
      { items: 5 },
      { properties: { a: 5 } },
      { allOf: [] },
      { description: 5 },
      { properties: { a: { properties: { b: { items: { anyOf: [true, { type: 'null' }] } } } } } },
      { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' },
    ];
    for (const schema of corpus) {
      let compiles = ajv.validateSchema(schema as object) === true;
      if (compiles) {
        try {
          ajv.compile(schema as object);
        } catch {
          compiles = false;
        }
      }
      expect({ schema, ok: checkJsonSchema(schema).length === 0 }).toEqual({ schema, ok: compiles });
    }
  });
});

describe('checkOutputSchema', () => {
  const agent = [
    '{',
    '  "prompt": "List them",',
    '  "output": {',
    '    "schema": {',
    '      "type": "object",',
    '      "properties": { "items": { "type": "aray" } },',
    '      "requried": ["items"]',
    '    }',
    '  }',
    '}',
  ].join('\n');

  it('places each problem inside the config file', () => {
    const parsed = parseJsonSource('agents/list/config.json', agent);
    if (!parsed.ok) throw new Error('fixture');
    expect(checkOutputSchema(parsed.source, '/output/schema')).toEqual([
      {
        severity: 'error',
        pointer: '/output/schema/properties/items/type',
        line: 6,
        column: 42,
        message: 'must be one of: array, boolean, integer, null, number, object, string (did you mean "array"?)',
      },
    ]);
  });

  it('reports a compile problem at its keyword once the meta-schema is satisfied', () => {
    const fixed = agent.replace('"aray"', '"array"');
    const parsed = parseJsonSource('agents/list/config.json', fixed);
    if (!parsed.ok) throw new Error('fixture');
    expect(checkOutputSchema(parsed.source, '/output/schema')).toEqual([
      {
        severity: 'error',
        pointer: '/output/schema/requried',
        line: 7,
        column: 7,
        message: 'unknown keyword "requried" (did you mean "required"?)',
        hint: 'JSON Schema draft 2020-12 keywords only; a typo would silently check nothing',
      },
    ]);
  });

  it('leaves a missing or non-object schema to the config schema check', () => {
    const parsed = parseJsonSource('c.json', '{ "output": { "schema": "object" } }');
    if (!parsed.ok) throw new Error('fixture');
    expect(checkOutputSchema(parsed.source, '/output/schema')).toEqual([]);
    expect(checkOutputSchema(parsed.source, '/nothing')).toEqual([]);
  });
});
