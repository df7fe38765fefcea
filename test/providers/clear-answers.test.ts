/**
 * Issue 10, provider side, through the real SDKs over real HTTP against the fake server: refusals
 * come back as `content-filter` with the provider's words (never as answer text), a stream the
 * server ended cleanly is complete without a finish reason, an error object inside a stream is
 * mapped by the HTTP status it names, every usage counter is read, and each request is reported
 * once as an `http` event (for --verbose) without a header, a body or a key.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderType } from '../../src/core/config.js';
import type { ChatRequest, ProviderEvent } from '../../src/core/messages.js';
import { anthropicWire, FakeProviderServer, geminiWire, json, openaiWire } from '../support/fake-provider-server.js';
import { collect, collectAll, failure, ofType, makeProvider, text, usage } from './helpers.js';

const OPENAI = '/v1/chat/completions';
const ANTHROPIC = '/v1/messages';
const MODEL = 'gemini-3.5-flash';
const GEMINI = `/v1beta/models/${MODEL}:streamGenerateContent`;
const GEMINI_WHOLE = `/v1beta/models/${MODEL}:generateContent`;
const KEY = 'sk-test-clear-answers-0123456789';

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

const provider = (type: ProviderType, overrides: Record<string, unknown> = {}) =>
  makeProvider({ type, name: type, apiKey: KEY, baseUrl: type === 'openai' || type === 'openai-compatible' ? `${server.url}/v1` : server.url, ...overrides });

const request = (model = 'test-model'): ChatRequest => ({ model, messages: [{ role: 'user', content: 'Say hello' }] });

describe('refusals are content-filter finishes with the provider\'s words, never answer text', () => {
  it('openai: streamed refusal deltas are kept for the error, not shown', async () => {
    const chunks = [openaiWire.chunk({ role: 'assistant', content: null, refusal: '' }), openaiWire.chunk({ refusal: "I'm sorry, " }), openaiWire.chunk({ refusal: "I can't help with that." }), openaiWire.chunk({}, 'stop'), '[DONE]'];
    server.enqueue(OPENAI, openaiWire.sse(chunks.map((data) => ({ data }))));
    const events = await collect(await provider('openai'), request());
    expect(text(events)).toBe('');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'content-filter', rawReason: 'stop', refusal: { reason: 'refusal message', text: "I'm sorry, I can't help with that." } });
  });

  it('openai: finish_reason content_filter, streamed and whole; a whole message\'s refusal', async () => {
    server.enqueue(OPENAI, openaiWire.sse(openaiWire.chunks({ text: ['Part'], finishReason: 'content_filter' })));
    const openai = await provider('openai');
    expect((await collect(openai, request())).at(-1)).toEqual({ type: 'finish', reason: 'content-filter', rawReason: 'content_filter', refusal: { reason: 'finish_reason content_filter' } });
    const whole = openaiWire.completion({ text: null });
    whole.choices[0]!.message.refusal = 'No.';
    server.enqueue(OPENAI, json(whole));
    const events = await collect(openai, request(), { stream: false });
    expect(text(events)).toBe('');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'content-filter', rawReason: 'stop', refusal: { reason: 'refusal message', text: 'No.' } });
  });

  it('anthropic: stop_reason refusal with its category and explanation (stop_details)', async () => {
    const events = anthropicWire.events({ blocks: [], stopReason: 'refusal' });
    const delta = events.find((e) => e.event === 'message_delta')!.data as { delta: Record<string, unknown> };
    delta.delta.stop_details = { type: 'refusal', category: 'cyber', explanation: `Blocked.\nSee the docs; key ${KEY}` };
    server.enqueue(ANTHROPIC, anthropicWire.sse(events));
    const finish = (await collect(await provider('anthropic'), request())).at(-1);
    // One line, and no secret even where the provider's words echo one.
    expect(finish).toEqual({ type: 'finish', reason: 'content-filter', rawReason: 'refusal', refusal: { reason: 'stop_reason refusal, cyber', text: 'Blocked. See the docs; key [redacted]' } });
  });

  it('gemini: a filtered candidate names the blocked categories; a blocked prompt its blockReason', async () => {
    const filtered = geminiWire.response({ parts: [], finishReason: 'RECITATION' }) as any;
    filtered.candidates[0].safetyRatings = [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH', blocked: true }, { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'LOW' }];
    server.enqueue(GEMINI, geminiWire.sse([{ data: filtered }]));
    const gemini = await provider('gemini');
    expect((await collect(gemini, request(MODEL))).at(-1)).toEqual({
      type: 'finish', reason: 'content-filter', rawReason: 'RECITATION', refusal: { reason: 'finishReason RECITATION', text: 'blocked: HARM_CATEGORY_HARASSMENT' },
    });
    for (const reason of ['SAFETY', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']) {
      server.enqueue(GEMINI_WHOLE, json(geminiWire.response({ parts: [], finishReason: reason as never })));
      expect((await collect(gemini, request(MODEL), { stream: false })).at(-1)).toMatchObject({ reason: 'content-filter', refusal: { reason: `finishReason ${reason}` } });
    }
    server.enqueue(GEMINI_WHOLE, json({ promptFeedback: { blockReason: 'OTHER', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', blocked: true }] }, usageMetadata: geminiWire.usage(9, 0) }));
    expect((await collect(gemini, request(MODEL), { stream: false })).slice(-2)).toEqual([
      { type: 'usage', usage: usage(9, 0) },
      { type: 'finish', reason: 'content-filter', rawReason: 'OTHER', refusal: { reason: 'promptFeedback.blockReason OTHER', text: 'blocked: HARM_CATEGORY_DANGEROUS_CONTENT' } },
    ]);
  });
});

describe('a stream the server ended cleanly is complete, finish reason or not', () => {
  it('openai-compatible: [DONE] without finish_reason keeps its tool call (id "0", the name repeated in a later fragment)', async () => {
    const fragment = (args: string) => openaiWire.chunk({ tool_calls: [{ index: 0, id: '0', type: 'function', function: { name: 'read_file', arguments: args } }] });
    server.enqueue(OPENAI, openaiWire.sse([{ data: fragment('') }, { data: fragment('{"path":"a.txt"}') }, { data: { ...openaiWire.chunk({ content: '' }), usage: openaiWire.usage(57, 17) } }, { data: '[DONE]' }]));
    const events = await collect(await provider('openai-compatible'), request());
    expect(events).toEqual([
      { type: 'tool-call', call: { id: '0', name: 'read_file', input: { path: 'a.txt' } } },
      { type: 'usage', usage: usage(57, 17) },
      { type: 'finish', reason: 'unknown' },
    ]);
  });

  it('gemini: chunks without a finishReason end in finish unknown; a stream cut off is still broken', async () => {
    server.enqueue(GEMINI, geminiWire.sse([{ data: geminiWire.response({ parts: [{ text: 'Hel' }], finishReason: null }) }]));
    const gemini = await provider('gemini');
    const events = await collect(gemini, request(MODEL));
    expect(text(events)).toBe('Hel');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'unknown' });
    server.enqueue(GEMINI, geminiWire.sse([{ data: geminiWire.response({ parts: [{ text: 'Hel' }], finishReason: null }) }], 'drop'));
    expect((await failure(gemini, request(MODEL))).error).toMatchObject({ code: 'network', retryable: true });
  });
});

describe('an error object inside a stream is mapped by the status it names', () => {
  it('openai-compatible: {"error":{"code":400}} is bad_request (not retryable), 429 rate_limited, and no code still falls back to the type', async () => {
    const errorChunk = (error: Record<string, unknown>) => ({ data: { ...openaiWire.chunk({ content: '' }), error } });
    const compat = await provider('openai-compatible');
    server.enqueue(OPENAI, openaiWire.sse([{ data: openaiWire.chunk({ content: '' }, 'length') }, errorChunk({ code: 400, message: 'Token limit reached' })]));
    expect((await failure(compat, request())).error).toMatchObject({ code: 'bad_request', status: 400, retryable: false, message: 'openai-compatible: bad request (400): Token limit reached' });
    server.enqueue(OPENAI, openaiWire.sse([errorChunk({ code: 429, message: 'slow down' })]));
    expect((await failure(compat, request())).error).toMatchObject({ code: 'rate_limited', status: 429, retryable: true });
    server.enqueue(OPENAI, openaiWire.sse([errorChunk({ type: 'server_error', message: 'oops' })]));
    expect((await failure(compat, request())).error).toMatchObject({ code: 'provider_unavailable', status: 500 });
  });

  it('gemini: an in-stream google.rpc.Status with code 400 is bad_request', async () => {
    server.enqueue(GEMINI, geminiWire.sse([{ data: geminiWire.response({ parts: [{ text: 'a' }], finishReason: null }) }, { data: geminiWire.errorBody(400, 'INVALID_ARGUMENT', 'Bad thing') }]));
    expect((await failure(await provider('gemini'), request(MODEL))).error).toMatchObject({ code: 'bad_request', status: 400, retryable: false });
  });
});

describe('every usage counter', () => {
  it('openai: cached_tokens; anthropic: cache reads and writes inside input; gemini: cachedContentTokenCount, toolUsePromptTokenCount and thoughts', async () => {
    server.enqueue(OPENAI, openaiWire.sse(openaiWire.chunks({ text: ['x'], usage: { ...openaiWire.usage(100, 5), prompt_tokens_details: { cached_tokens: 64 } } })));
    expect(ofType(await collect(await provider('openai'), request()), 'usage')).toEqual([{ type: 'usage', usage: usage(100, 5, 64) }]);

    const events = anthropicWire.events({ input: 10, output: 3 });
    const start = events[0]!.data as { message: { usage: Record<string, number> } };
    Object.assign(start.message.usage, { cache_read_input_tokens: 200, cache_creation_input_tokens: 50 });
    server.enqueue(ANTHROPIC, anthropicWire.sse(events));
    expect(ofType(await collect(await provider('anthropic'), request()), 'usage')).toEqual([{ type: 'usage', usage: usage(260, 3, 200, 50) }]);

    server.enqueue(GEMINI, geminiWire.sse(geminiWire.chunks([[{ text: 'x' }]], { usage: { promptTokenCount: 40, toolUsePromptTokenCount: 7, cachedContentTokenCount: 32, candidatesTokenCount: 5, thoughtsTokenCount: 11 } })));
    expect(ofType(await collect(await provider('gemini'), request(MODEL)), 'usage')).toEqual([{ type: 'usage', usage: usage(47, 16, 32) }]);
  });
});

describe('http events: one per request, for --verbose', () => {
  const httpEvents = (events: ProviderEvent[]) => ofType(events, 'http').map((e) => e.exchange);

  it.each([
    ['openai', OPENAI, () => openaiWire.sse(openaiWire.chunks({ text: ['hi'] })), 'req_fake_openai'],
    ['anthropic', ANTHROPIC, () => anthropicWire.sse(anthropicWire.events()), 'req_fake_anthropic'],
    ['gemini', GEMINI, () => ({ ...geminiWire.sse(geminiWire.chunks([[{ text: 'hi' }]])), headers: { 'x-goog-request-id': 'goog_1' } }), 'goog_1'],
  ] as const)('%s: method, path without the query, status, time and the request id; nothing else', async (type, path, response, requestId) => {
    server.enqueue(path, response() as never);
    const events = await collectAll(await provider(type), request(type === 'gemini' ? MODEL : 'test-model'));
    const [exchange, ...more] = httpEvents(events);
    expect(more).toEqual([]);
    expect(exchange).toEqual({ method: 'POST', path, status: 200, durationMs: expect.any(Number), requestId });
    // The event comes before the answer it carries.
    expect(events.findIndex((e) => e.type === 'http')).toBeLessThan(events.findIndex((e) => e.type === 'text-delta'));
  });

  it('reports an error status before the error, and a connection that failed with status null', async () => {
    server.enqueue(OPENAI, openaiWire.error(404, 'no such model'));
    const events: ProviderEvent[] = [];
    const openai = await provider('openai');
    await expect((async () => {
      for await (const event of openai.stream(request())) events.push(event);
    })()).rejects.toMatchObject({ code: 'not_found' });
    expect(httpEvents(events)).toEqual([{ method: 'POST', path: OPENAI, status: 404, durationMs: expect.any(Number), requestId: 'req_fake_openai' }]);

    const unreachable = await provider('anthropic', { baseUrl: 'http://127.0.0.1:1' });
    const seen: ProviderEvent[] = [];
    await expect((async () => {
      for await (const event of unreachable.stream(request())) seen.push(event);
    })()).rejects.toMatchObject({ code: 'network' });
    expect(httpEvents(seen)).toEqual([{ method: 'POST', path: '/v1/messages', status: null, durationMs: expect.any(Number), requestId: null }]);
  });
});
