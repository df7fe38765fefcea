/**
 * A wrong type in any field, of the project config or of an agent, stops `ask`/`run` with exit 2
 * and the first problem's place (CONTRACT §10): no wrong type reaches a provider or an internal
 * error. The fields and their kinds are read from config.schema.json, so a field added later is
 * covered too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeWorkspace } from '../support/workspace.js';
import { loom } from './run-helpers.js';
import { INTERNAL_ERROR } from '../../src/cli/report-error.js';

type Schema = Record<string, unknown>;
const schema = JSON.parse(readFileSync(new URL('../../config.schema.json', import.meta.url), 'utf8')) as Schema;

function resolveRef(node: Schema): Schema {
  let current = node;
  while (typeof current.$ref === 'string') {
    current = current.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Schema>((at, key) => at[key] as Schema, schema);
  }
  return current;
}

/** A value the field's schema refuses, whatever kind it is. */
function wrongValue(field: Schema): unknown {
  const node = resolveRef(field);
  if (Array.isArray(node.enum)) return 'not-one-of-them';
  if (Array.isArray(node.oneOf) || Array.isArray(node.anyOf)) return [[]];
  switch (node.type) {
    case 'string':
      return 42;
    case 'integer':
    case 'number':
      return 'many';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'one';
    case 'object':
      return 'an object';
    default:
      return Symbol.for('skip');
  }
}

const fieldsOf = (node: Schema) => Object.entries((resolveRef(node).properties ?? {}) as Record<string, Schema>).filter(([name]) => name !== '$schema');

describe('a wrong type in a project config field', () => {
  it.each(fieldsOf(schema))('%s: exit 2 with its place, nothing sent', async (name, field) => {
    const value = wrongValue(field);
    if (value === Symbol.for('skip')) return;
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock', [name]: value } });
    const result = await loom(['ask', '-p', 'mock', 'hi'], cwd);
    expect(result.code, `${name}=${JSON.stringify(value)}: ${result.stderr}`).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^loom: error: loom\\.config\\.json:\\d+:\\d+: /${name.replace(/\$/g, '\\$')}(/|: )`));
    expect(result.stderr).not.toContain(INTERNAL_ERROR);
  });
});

describe('a wrong type in an agent field', () => {
  it.each(fieldsOf((schema.$defs as Schema).agent as Schema))('%s: exit 2 with its place, nothing sent', async (name, field) => {
    const value = wrongValue(field);
    if (value === Symbol.for('skip')) return;
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' }, 'agents/a/config.json': { prompt: 'x', [name]: value } });
    const result = await loom(['run', 'a', 'hi'], cwd);
    expect(result.code, `${name}=${JSON.stringify(value)}: ${result.stderr}`).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^loom: error: agents/a/config\\.json:\\d+:\\d+: /`));
    expect(result.stderr).not.toContain(INTERNAL_ERROR);
  });
});
