/**
 * `--dry-run`'s `wire` must be the body a run really sends: for every provider type and a range of
 * requests, `wireBody` (SDK-free) is compared with what the real SDK put on the wire to the fake
 * server. And the settings an API does not take (`droppedSettings`) are exactly those the body
 * leaves out, for the Messages API version the installed Anthropic SDK really speaks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderType } from '../../src/core/config.js';
import { ANTHROPIC_API_VERSION } from '../../src/providers/anthropic/descriptor.js';
import { droppedSettings } from '../../src/providers/capabilities.js';
import type { ChatRequest } from '../../src/core/messages.js';
import { wireBody } from '../../src/providers/wire.js';
import { anthropicWire, FakeProviderServer, geminiWire, json, openaiWire, type FakeResponse } from '../support/fake-provider-server.js';
import { collect, makeProvider } from './helpers.js';

let server: FakeProviderServer;
beforeAll(async () => {
  server = await FakeProviderServer.start();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
});

const MODEL = 'wire-model';

const answers: Record<Exclude<ProviderType, 'mock'>, { path: string | RegExp; stream: () => FakeResponse; whole: () => FakeResponse }> = {
  openai: { path: '/v1/chat/completions', stream: () => openaiWire.sse(openaiWire.chunks({ text: ['ok'] })), whole: () => json(openaiWire.completion()) },
  'openai-compatible': { path: '/v1/chat/completions', stream: () => openaiWire.sse(openaiWire.chunks({ text: ['ok'] })), whole: () => json(openaiWire.completion()) },
  anthropic: { path: '/v1/messages', stream: () => anthropicWire.sse(anthropicWire.events()), whole: () => json(anthropicWire.message()) },
  gemini: { path: /^\/v1beta\/models\//, stream: () => geminiWire.sse(geminiWire.chunks([[{ text: 'ok' }]])), whole: () => json(geminiWire.response()) },
};

const TOOLS = [{ name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }];

const REQUESTS: [string, ChatRequest][] = [
  ['a plain prompt', { model: MODEL, messages: [{ role: 'user', content: 'Say hello' }] }],
  ['system, temperature, maxTokens and params', { model: MODEL, system: 'Be terse.', temperature: 0.2, maxTokens: 300, params: { top_p: 0.9, generationConfig: { topK: 4 } }, messages: [{ role: 'user', content: 'hi' }] }],
  ['a structured output schema', { model: MODEL, responseSchema: { type: 'object', properties: { bullets: { type: 'array', items: { type: 'string', minLength: 2 } } }, required: ['bullets'] }, messages: [{ role: 'user', content: 'list' }] }],
  [
    'tools, a tool-call turn with its metadata and the results',
    {
      model: MODEL,
      tools: TOOLS,
      messages: [
        { role: 'user', content: 'Read a.txt' },
        {
          role: 'assistant',
          content: 'Reading.',
          toolCalls: [{
            id: 'call_1',
            name: 'read_file',
            input: { path: 'a.txt' },
            metadata: { anthropic: { thinking: [{ type: 'thinking', thinking: 'I should read it.', signature: 'sig==' }] }, gemini: { thoughtSignature: 'EpwI', id: 'g1' } },
          }],
        },
        { role: 'tool', toolCallId: 'call_1', toolName: 'read_file', content: 'the notes' },
        { role: 'tool', toolCallId: 'call_1', toolName: 'read_file', content: 'no such file', isError: true },
      ],
    },
  ],
];

describe.each(Object.keys(answers) as Exclude<ProviderType, 'mock'>[])('wireBody(%s) is what the SDK sends', (type) => {
  it.each(REQUESTS)('%s, streamed and not', async (_, request) => {
    const provider = await makeProvider({ type, name: type, apiKey: 'sk-test-wire-0123456789', baseUrl: type.startsWith('openai') ? `${server.url}/v1` : server.url });
    for (const stream of [true, false]) {
      server.reset();
      server.enqueue(answers[type].path, stream ? answers[type].stream() : answers[type].whole());
      await collect(provider, request, { stream });
      expect(server.requests).toHaveLength(1);
      expect(wireBody(type, request, stream)).toEqual(server.requests[0]!.body);
    }
  });
});

describe('settings an API does not take', () => {
  it('the Anthropic version named is the one the installed SDK sends', async () => {
    server.enqueue('/v1/messages', answers.anthropic.stream());
    await collect(await makeProvider({ type: 'anthropic', apiKey: 'sk-test-wire-0123456789', baseUrl: server.url }), { model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests[0]!.headers['anthropic-version']).toBe(ANTHROPIC_API_VERSION);
  });

  it('temperature on anthropic is dropped, and left out of the body; not when params set it; every other type takes it', () => {
    const request: ChatRequest = { model: MODEL, temperature: 0.3, messages: [{ role: 'user', content: 'hi' }] };
    expect(droppedSettings('anthropic', request)).toEqual([{ setting: 'temperature', why: `the Anthropic Messages API version ${ANTHROPIC_API_VERSION} has no sampling parameters` }]);
    expect(wireBody('anthropic', request, true)).not.toHaveProperty('temperature');
    const viaParams = { ...request, params: { temperature: 0.3 } };
    expect(droppedSettings('anthropic', viaParams)).toEqual([]);
    expect(wireBody('anthropic', viaParams, true)).toMatchObject({ temperature: 0.3 });
    expect(droppedSettings('anthropic', {})).toEqual([]);
    for (const type of ['openai', 'openai-compatible', 'gemini', 'mock']) expect(droppedSettings(type, request)).toEqual([]);
    expect(wireBody('openai', request, true)).toMatchObject({ temperature: 0.3 });
    expect(wireBody('gemini', request, true)).toMatchObject({ generationConfig: { temperature: 0.3 } });
    expect(wireBody('mock', request, true)).toBeNull();
  });
});
