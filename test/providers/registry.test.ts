/** The registry: one lazy loader per provider type, no SDK imported until a provider is made. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDER_TYPES } from '../../src/core/config.js';
import { createProvider, PROVIDER_LOADERS } from '../../src/providers/registry.js';
import { makeProvider } from './helpers.js';

describe('registry', () => {
  it('has a loader for every provider type', () => {
    expect(Object.keys(PROVIDER_LOADERS).sort()).toEqual([...PROVIDER_TYPES].sort());
  });

  it('creates each type with its name and type', async () => {
    for (const type of PROVIDER_TYPES) {
      const provider = await makeProvider({ type, name: `my-${type}`, apiKey: 'sk-test-x', baseUrl: 'http://127.0.0.1:9/v1' });
      expect(provider).toMatchObject({ name: `my-${type}`, type });
      expect(typeof provider.stream).toBe('function');
    }
  });

  it('rejects an unknown type', async () => {
    await expect(makeProvider({ type: 'nope' as never })).rejects.toMatchObject({ code: 'unknown_provider' });
  });

  it('imports no SDK statically: only types, errors and string-literal dynamic imports', () => {
    const source = readFileSync(new URL('../../src/providers/registry.ts', import.meta.url), 'utf8');
    const staticImports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: !!m[1], from: m[2]! }));
    for (const { typeOnly, from } of staticImports) {
      expect(typeOnly || from === '../core/errors.js', `static import of ${from}`).toBe(true);
    }
    const dynamic = [...source.matchAll(/import\(([^)]*)\)/g)].map((m) => m[1]!);
    expect(dynamic).toHaveLength(PROVIDER_TYPES.length);
    for (const specifier of dynamic) expect(specifier).toMatch(/^'\.\/[a-z-]+\/index\.js'$/);
  });
});
