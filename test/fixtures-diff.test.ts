/**
 * CONTRACT §12 "A miss explains itself": the JSON pointers where a request differs from the nearest
 * recorded one, each with what changed, at most five.
 */
import { describe, expect, it } from 'vitest';
import { requestDifferences } from '../src/fixtures/diff.js';

const conversation = (result: string) => ({
  system: 'Be brief.',
  messages: [
    { role: 'user', content: 'Read notes.md' },
    { role: 'assistant', content: '', toolCalls: [{ id: '#1', name: 'read_file', input: { path: 'notes.md' } }] },
    { role: 'tool', toolCallId: '#1', toolName: 'read_file', content: result },
  ],
});

describe('requestDifferences', () => {
  it('names a tool result that changed by its tool and its lengths', () => {
    expect(requestDifferences(conversation('x'.repeat(1204)), conversation('y'.repeat(1377)))).toEqual(['/messages/2/content (tool read_file result: 1204 → 1377 chars)']);
  });

  it('short strings and numbers show both values; added and removed fields say so', () => {
    const recorded = { system: 'Be brief.', temperature: 0.2, messages: [{ role: 'user', content: 'hi' }] };
    const now = { system: 'Be long.', messages: [{ role: 'user', content: 'hi' }], maxTokens: 10 };
    expect(requestDifferences(recorded, now)).toEqual(['/maxTokens (added: 10)', '/system (system prompt: "Be brief." → "Be long.")', '/temperature (removed: 0.2)']);
  });

  it('reaches into schemas and escapes pointer characters', () => {
    const recorded = { responseSchema: { type: 'object', properties: { 'a/b': { type: 'string' } } } };
    const now = { responseSchema: { type: 'object', properties: { 'a/b': { type: 'number' } } } };
    expect(requestDifferences(recorded, now)).toEqual(['/responseSchema/properties/a~1b/type ("string" → "number")']);
  });

  it('a message added or removed at the end is one difference', () => {
    const recorded = { messages: [{ role: 'user', content: 'hi' }] };
    const now = { messages: [{ role: 'user', content: 'hi' }, { role: 'user', content: 'again' }] };
    expect(requestDifferences(recorded, now)).toEqual(['/messages/1 (added: user message)']);
  });

  it('stops at five', () => {
    const recorded = { messages: Array.from({ length: 8 }, (_, i) => ({ role: 'user', content: `a${i}` })) };
    const now = { messages: Array.from({ length: 8 }, (_, i) => ({ role: 'user', content: `b${i}` })) };
    const found = requestDifferences(recorded, now);
    expect(found).toHaveLength(5);
    expect(found[0]).toBe('/messages/0/content (user message: "a0" → "b0")');
  });

  it('identical requests have no differences', () => {
    expect(requestDifferences(conversation('same'), conversation('same'))).toEqual([]);
  });
});
