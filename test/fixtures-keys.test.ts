/**
 * CONTRACT §12 keys: the SHA-256 of canonical JSON of what decides an answer — provider type and
 * base-URL origin, model, the normalized request, the occurrence, the repeat, the role — and of
 * nothing else (no key, header, id, time or `stream` flag). Tool-call ids are replaced by their
 * position in the conversation, so two recordings of the same conversation have the same keys.
 */
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/core/messages.js';
import type { PlannedProvider } from '../src/core/plan.js';
import { canonicalJson } from '../src/fixtures/canonical.js';
import { fixtureKey, modelKeyMaterial, normalizeRequest, originOf, toolKeyMaterial } from '../src/fixtures/keys.js';

const entry = (overrides: Partial<PlannedProvider['provider']> = {}, model = 'gpt-5.4-mini'): PlannedProvider => ({
  provider: { name: 'oai', type: 'openai', baseUrl: 'https://api.example.com/v1', keySource: 'OPENAI_API_KEY', needsKey: true, keyVariables: ['OPENAI_API_KEY'], ...overrides },
  model,
  retry: { retries: 3, minDelayMs: 500, maxDelayMs: 30_000 },
  timeoutMs: 120_000,
  price: null,
});

const toolTurn = (id: string): ChatRequest => ({
  model: 'gpt-5.4-mini',
  system: 'Be brief.',
  messages: [
    { role: 'user', content: 'Read notes.md' },
    { role: 'assistant', content: '', toolCalls: [{ id, name: 'read_file', input: { path: 'notes.md' }, metadata: { gemini: { thoughtSignature: `sig-${id}` } } }] },
    { role: 'tool', toolCallId: id, toolName: 'read_file', content: 'the notes' },
  ],
  tools: [{ name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }],
});

const key = (request: ChatRequest, options: { occurrence?: number; repeat?: number; role?: 'judge'; plannedEntry?: PlannedProvider } = {}) =>
  fixtureKey(modelKeyMaterial(options.plannedEntry ?? entry(), request, { occurrence: options.occurrence ?? 0, repeat: options.repeat, role: options.role }));

describe('canonical JSON', () => {
  it('sorts object keys at every depth, keeps arrays in order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});

describe('the key of a model call', () => {
  it('is 64 hex digits and the same for the same call, whatever the order of object keys', () => {
    const a = key(toolTurn('call_1'));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { ...toolTurn('call_1'), tools: [{ parameters: { properties: { path: { type: 'string' } }, type: 'object' }, description: 'Read a file', name: 'read_file' }] };
    expect(key(reordered)).toBe(a);
  });

  it('ignores the ids the model made up and opaque metadata: two recordings of one conversation share their keys', () => {
    expect(key(toolTurn('call_AAAA'))).toBe(key(toolTurn('toolu_BBBB')));
  });

  it('still knows which result answers which call (positions, not ids)', () => {
    const two = (first: string, second: string): ChatRequest => ({
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 't', input: {} }, { id: 'b', name: 't', input: {} }] },
        { role: 'tool', toolCallId: first, toolName: 't', content: 'one' },
        { role: 'tool', toolCallId: second, toolName: 't', content: 'two' },
      ],
    });
    expect(key(two('a', 'b'))).not.toBe(key(two('b', 'a')));
    expect(normalizeRequest(two('a', 'b')).messages[2]).toEqual({ role: 'tool', toolCallId: '#1', toolName: 't', content: 'one' });
  });

  it('changes with each part of the request, the model, the provider type and origin, the occurrence, the repeat and the role', () => {
    const base = toolTurn('c');
    const a = key(base);
    const variants: ChatRequest[] = [
      { ...base, system: 'Be long.' },
      { ...base, messages: [...base.messages.slice(0, 2), { role: 'tool', toolCallId: 'c', toolName: 'read_file', content: 'other notes' }] },
      { ...base, tools: [] },
      { ...base, responseSchema: { type: 'object' } },
      { ...base, temperature: 0.2 },
      { ...base, maxTokens: 100 },
      { ...base, params: { top_p: 0.5 } },
    ];
    const keys = new Set([a, ...variants.map((request) => key(request))]);
    expect(keys.size).toBe(variants.length + 1);
    expect(key(base, { plannedEntry: entry({}, 'gpt-5.5') })).not.toBe(a);
    expect(key(base, { plannedEntry: entry({ type: 'openai-compatible' }) })).not.toBe(a);
    expect(key(base, { plannedEntry: entry({ baseUrl: 'https://other.example.com/v1' }) })).not.toBe(a);
    expect(key(base, { occurrence: 1 })).not.toBe(a);
    expect(key(base, { repeat: 2 })).not.toBe(a);
    expect(key(base, { role: 'judge' })).not.toBe(a);
  });

  it('never holds a key, a header, the provider name, credentials in the URL, its path or the stream flag', () => {
    const base = toolTurn('c');
    const withSecrets = entry({ name: 'renamed', keySource: 'config', baseUrl: 'https://user:s3cr3t-password@api.example.com/other/path' });
    expect(key(base, { plannedEntry: withSecrets })).toBe(key(base));
    const material = canonicalJson(modelKeyMaterial(withSecrets, base, { occurrence: 0 }));
    expect(material).not.toContain('s3cr3t');
    expect(material).not.toContain('renamed');
    expect(material).not.toContain('stream');
    expect(material).not.toContain('OPENAI_API_KEY');
  });

  it('an entry without a base URL has origin null (the SDK default endpoint)', () => {
    expect(originOf(undefined)).toBeNull();
    expect(originOf('http://127.0.0.1:8080/v1')).toBe('http://127.0.0.1:8080');
  });
});

describe('the key of a tool call', () => {
  it('is its name, canonical input and occurrence (and repeat): never the call id', () => {
    const a = fixtureKey(toolKeyMaterial('write_file', { path: 'a.txt', content: 'x' }, { occurrence: 0 }));
    expect(fixtureKey(toolKeyMaterial('write_file', { content: 'x', path: 'a.txt' }, { occurrence: 0 }))).toBe(a);
    expect(fixtureKey(toolKeyMaterial('write_file', { path: 'a.txt', content: 'y' }, { occurrence: 0 }))).not.toBe(a);
    expect(fixtureKey(toolKeyMaterial('write_file', { path: 'a.txt', content: 'x' }, { occurrence: 1 }))).not.toBe(a);
    expect(fixtureKey(toolKeyMaterial('write_file', { path: 'a.txt', content: 'x' }, { occurrence: 0, repeat: 1 }))).not.toBe(a);
    // A model call and a tool call never share a key.
    expect(fixtureKey(toolKeyMaterial('read_file', {}, { occurrence: 0 }))).not.toBe(key({ model: 'm', messages: [] }));
  });
});
