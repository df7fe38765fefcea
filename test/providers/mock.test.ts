/** The mock provider: deterministic echo, scripted replies (text, tool calls, errors), recorded calls. */
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockProvider, MockProvider, splitWords } from '../../src/providers/mock/index.js';
import { parseScript } from '../../src/providers/mock/script.js';
import type { ChatRequest } from '../../src/core/messages.js';
import { collect, failure, ofType, makeProvider, text } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-mock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request: ChatRequest = {
  model: 'mock-model',
  system: 'Be brief.',
  messages: [
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'an answer' },
    { role: 'user', content: 'Hello there,  world!\nBye.' },
  ],
};

describe('mock: echo', () => {
  it('streams the last user message back word by word with counted usage', async () => {
    const provider = await makeProvider({ type: 'mock', name: 'mock' });
    const events = await collect(provider, request);
    expect(ofType(events, 'text-delta').map((e) => e.text)).toEqual(['Hello', ' there,', '  world!', '\nBye.']);
    expect(text(events)).toBe('Hello there,  world!\nBye.');
    // input: "Be brief." 2 + "first question" 2 + "an answer" 2 + 4 = 10 words; output: 4 words
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 4 } },
      { type: 'finish', reason: 'stop', rawReason: 'stop' },
    ]);
  });

  it('answers in one piece when not streaming, and is deterministic', async () => {
    const provider = createMockProvider();
    const a = await collect(provider, request, { stream: false });
    const b = await collect(provider, request, { stream: false });
    expect(ofType(a, 'text-delta')).toEqual([{ type: 'text-delta', text: 'Hello there,  world!\nBye.' }]);
    expect(a).toEqual(b);
  });

  it('records every call', async () => {
    const provider = createMockProvider();
    await collect(provider, request);
    await collect(provider, { ...request, model: 'other' }, { stream: false });
    expect(provider.calls.map((c) => [c.request.model, c.stream])).toEqual([['mock-model', true], ['other', false]]);
    expect(provider.calls[0]!.request).toEqual(request);
  });

  it('splits text into pieces that join back to it', () => {
    for (const sample of ['', 'one', '  lead', 'trail  ', 'a\n\nb  c\t d']) expect(splitWords(sample).join('')).toBe(sample);
  });
});

describe('mock: script', () => {
  it('plays text, tool calls and errors from a script file, in order, then says it ran out', async () => {
    const script = join(dir, 'script.json');
    await writeFile(script, JSON.stringify([
      'Let me look.',
      { toolCalls: [{ name: 'read_file', input: { path: 'notes.md' }, id: 'call_1' }] },
      { error: { status: 429, message: 'slow down', retryAfterMs: 1500 } },
      { text: 'Done.', usage: { inputTokens: 100, outputTokens: 2 } },
    ]));
    const provider = await makeProvider({ type: 'mock', name: 'mock', script });
    expect(provider).toBeInstanceOf(MockProvider);

    expect(text(await collect(provider, request))).toBe('Let me look.');

    const second = await collect(provider, request);
    expect(ofType(second, 'tool-call')).toEqual([{ type: 'tool-call', call: { id: 'call_1', name: 'read_file', input: { path: 'notes.md' } } }]);
    expect(second.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', rawReason: 'tool-calls' });

    const third = await failure(provider, request);
    expect(third.error).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, retryAfterMs: 1500, provider: 'mock' });
    expect(third.error.message).toContain('slow down');

    const fourth = await collect(provider, request);
    expect(ofType(fourth, 'usage')).toEqual([{ type: 'usage', usage: { inputTokens: 100, outputTokens: 2 } }]);

    const fifth = await failure(provider, request);
    expect(fifth.error.code).toBe('bad_request');
    expect(fifth.error.message).toContain('no reply left');
  });

  it('maps scripted statuses exactly as the HTTP providers do', async () => {
    const provider = createMockProvider({}, [
      { error: { status: 401, message: 'bad key' } },
      { error: { status: 503 } },
      { error: { status: 400, message: 'context too long' } },
      { error: { code: 'timeout' } },
      { error: { code: 'network' } },
    ]);
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const { error } = await failure(provider, request);
      codes.push([error.code, error.retryable]);
    }
    expect(codes).toEqual([['auth_failed', false], ['provider_unavailable', true], ['bad_request', false], ['timeout', true], ['network', true]]);
  });

  it('can break a stream after some text, or go silent until aborted', async () => {
    const provider = createMockProvider({}, [
      { text: 'Half an answer', error: { code: 'network' } },
      { text: 'Waiting', hang: true },
    ]);
    const broken = await failure(provider, request);
    expect(text(broken.events)).toBe('Half an answer');
    expect(broken.error).toMatchObject({ code: 'network', retryable: true });

    const controller = new AbortController();
    const pending = failure(provider, request, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const hung = await pending;
    expect(text(hung.events)).toBe('Waiting');
    expect(hung.error.code).toBe('interrupted');
  });

  it('accepts {"replies": [...]} and rejects a malformed script with config_invalid', async () => {
    expect(parseScript({ replies: ['a'] })).toEqual([{ text: 'a' }]);
    expect(() => parseScript({ nope: 1 })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => parseScript([{ error: { status: 200 } }])).toThrow(/reply 1: "error" needs a "status"/);
    expect(() => parseScript([{ toolCalls: [{ input: {} }] }])).toThrow(/toolCalls\[0\] needs a "name"/);
    expect(() => parseScript([{ txt: 'typo' }])).toThrow(/unknown field "txt"/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '[1, ');
    await expect(makeProvider({ type: 'mock', script: bad })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(makeProvider({ type: 'mock', script: join(dir, 'missing.json') })).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
