/**
 * config.schema.json is the source of truth for config files; src/core/config.ts mirrors it for
 * the compiler, and src/config/validate/generated/ holds validators generated from it. These tests keep
 * the three in step, and hold the schema to its own conventions.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TOOLS, FIELDS, PROVIDER_TYPES } from '../../src/core/config.js';

type Schema = Record<string, unknown>;

const root = new URL('../../', import.meta.url);
const schema = JSON.parse(readFileSync(new URL('config.schema.json', root), 'utf8')) as Schema;

/** The schema at a JSON pointer inside config.schema.json (`#/$defs/agent`), following `$ref`s. */
function at(ref: string): Schema {
  let node: unknown = schema;
  for (const segment of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = (node as Schema)[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`no ${ref} in config.schema.json`);
  }
  const target = node as Schema;
  return typeof target.$ref === 'string' ? at(target.$ref) : target;
}

const propertyNames = (ref: string) => Object.keys((at(ref).properties ?? {}) as Schema).sort();
const sorted = (list: readonly string[]) => [...list].sort();

/** The mcpServer form that requires `name`. */
function mcpForm(name: string): string {
  const forms = at('#/$defs/mcpServer').oneOf as Schema[];
  const index = forms.findIndex((form) => (form.required as string[] | undefined)?.includes(name));
  if (index < 0) throw new Error(`no mcpServer form requires ${name}`);
  return `#/$defs/mcpServer/oneOf/${index}`;
}

describe('src/core/config.ts matches config.schema.json', () => {
  it.each([
    ['project', '#'],
    ['provider', '#/$defs/provider'],
    ['agent', '#/$defs/agent'],
    ['retry', '#/$defs/retry'],
    ['limits', '#/$defs/provider/properties/limits'],
    ['agentInput', '#/$defs/agent/properties/inputs/additionalProperties'],
    ['network', '#/properties/network'],
  ] as const)('FIELDS.%s = the properties of %s', (name, ref) => {
    expect(sorted(FIELDS[name])).toEqual(propertyNames(ref));
  });

  it('FIELDS.stdioMcpServer and FIELDS.httpMcpServer = the two mcpServer forms', () => {
    expect(sorted(FIELDS.stdioMcpServer)).toEqual(propertyNames(mcpForm('command')));
    expect(sorted(FIELDS.httpMcpServer)).toEqual(propertyNames(mcpForm('url')));
    expect((at('#/$defs/mcpServer').oneOf as unknown[]).length).toBe(2);
  });

  it('PROVIDER_TYPES and BUILTIN_TOOLS = the schema’s enums', () => {
    expect(at('#/$defs/provider/properties/type').enum).toEqual([...PROVIDER_TYPES]);
    expect((at('#/$defs/agent/properties/tools').items as Schema).enum).toEqual([...BUILTIN_TOOLS]);
  });

  it('the project and agent share the definitions they have in common', () => {
    for (const name of ['retry', 'timeoutMs', 'fallback', 'mcpServers', 'maxCost', 'log']) {
      expect((schema.properties as Schema)[name]).toEqual({ $ref: `#/$defs/${name}` });
      expect((at('#/$defs/agent').properties as Schema)[name]).toEqual({ $ref: `#/$defs/${name}` });
    }
  });
});

describe('config.schema.json conventions', () => {
  /** Every subschema, with its pointer. */
  function* walk(node: unknown, pointer: string): Generator<[string, Schema]> {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const subschema = node as Schema;
    yield [pointer, subschema];
    for (const keyword of ['properties', '$defs']) {
      for (const [name, child] of Object.entries((subschema[keyword] ?? {}) as Schema)) yield* walk(child, `${pointer}/${keyword}/${name}`);
    }
    for (const keyword of ['additionalProperties', 'items', 'propertyNames']) yield* walk(subschema[keyword], `${pointer}/${keyword}`);
    for (const [index, child] of ((subschema.oneOf ?? []) as unknown[]).entries()) yield* walk(child, `${pointer}/oneOf/${index}`);
  }
  const all = [...walk(schema, '#')];

  it('every property has a description (directly or through its $ref), for editors and docs', () => {
    const missing = all.flatMap(([pointer, node]) =>
      Object.keys((node.properties ?? {}) as Schema)
        .map((name) => `${pointer}/properties/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`)
        .filter((ref) => {
          const description = at(ref).description;
          return typeof description !== 'string' || description.trim() === '';
        }),
    );
    expect(missing).toEqual([]);
  });

  it('every object with named properties rejects unknown ones; open maps are maps of a schema', () => {
    // Objects that are deliberately open: request parameters passed through as given, and a
    // JSON Schema written by the user.
    const open = new Set([
      '#/$defs/params',
      '#/$defs/agent/properties/output/properties/schema',
      // A test's JSON Schema, and the arguments a tool call must include (matched as a subset).
      '#/$defs/testAssertion/oneOf/5/properties/schema',
      '#/$defs/testAssertion/oneOf/6/properties/input',
    ]);
    const offenders = all
      .filter(([pointer, node]) => node.type === 'object' && !open.has(pointer))
      .filter(([, node]) => (node.properties ? node.additionalProperties !== false : typeof node.additionalProperties !== 'object'))
      .map(([pointer]) => pointer);
    expect(offenders).toEqual([]);
  });

  it('is a valid draft 2020-12 schema that ajv compiles in strict mode', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    ajv.addSchema(schema, 'config.schema.json');
    expect(ajv.getSchema('config.schema.json')).toBeTypeOf('function');
    expect(ajv.getSchema('config.schema.json#/$defs/agent')).toBeTypeOf('function');
  });

  it('the generated validators are up to date with it (scripts/generate-validators.mjs --check)', () => {
    expect(() =>
      execFileSync(process.execPath, ['scripts/generate-validators.mjs', '--check'], { cwd: new URL('.', root), stdio: 'pipe' }),
    ).not.toThrow();
  });
});
