/**
 * The gemini provider through the real @google/genai SDK, over real HTTP, against the fake
 * server speaking generateContent and streamGenerateContent?alt=sse.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../src/core/messages.js';
import { drop, FakeProviderServer, geminiWire, json, raw } from '../support/fake-provider-server.js';
import { collect, failure, makeProvider, ofType, providerCredentials, providerSettings, text, usage } from './helpers.js';

const KEY = 'AIza-test-gemini-0123456789';
const MODEL = 'gemini-3.5-flash';
const STREAM = `/v1beta/models/${MODEL}:streamGenerateContent`;
const WHOLE = `/v1beta/models/${MODEL}:generateContent`;
let server: FakeProviderServer;

beforeAll(async () => {
  server = await FakeProviderServer.start();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
  vi.unstubAllEnvs();
});

const gemini = (overrides: Record<string, unknown> = {}) =>
  makeProvider({ type: 'gemini', name: 'gemini', apiKey: KEY, keySource: 'GEMINI_API_KEY', keyVariables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], baseUrl: server.url, ...overrides });

const request: ChatRequest = {
  model: MODEL,
  system: 'You are terse.',
  messages: [{ role: 'user', content: 'Say hello' }],
  maxTokens: 200,
  temperature: 0.4,
};

describe('gemini: request', () => {
  it('streams from streamGenerateContent?alt=sse with x-goog-api-key, systemInstruction and generationConfig', async () => {
    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([[{ text: 'Hi' }]])));
    await collect(await gemini(), request);
    const received = server.requests[0]!;
    expect(received.method).toBe('POST');
    expect(received.path).toBe(STREAM);
    expect(received.query.get('alt')).toBe('sse');
    expect(received.query.get('key')).toBeNull();
    expect(received.headers['x-goog-api-key']).toBe(KEY);
    expect(received.headers.authorization).toBeUndefined();
    expect(received.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }],
      systemInstruction: { parts: [{ text: 'You are terse.' }], role: 'user' },
      generationConfig: { temperature: 0.4, maxOutputTokens: 200 },
    });
  });

  it('declares tools as functionDeclarations and asks for JSON with responseJsonSchema', async () => {
    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([[{ text: '{}' }]])));
    const schema = { type: 'object', properties: { bullets: { type: 'array', items: { type: 'string' } } }, required: ['bullets'] };
    await collect(await gemini(), {
      ...request,
      tools: [{ name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }],
      responseSchema: schema,
      params: { generationConfig: { topK: 40 }, safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] },
    });
    const body = server.requests[0]!.body;
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'read_file', description: 'Read a file', parametersJsonSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }] }]);
    expect(body.generationConfig).toEqual({ temperature: 0.4, maxOutputTokens: 200, topK: 40, responseMimeType: 'application/json', responseJsonSchema: schema });
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]);
  });

  it('sends tool calls back with their thoughtSignature, and results as functionResponse parts', async () => {
    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([[{ text: 'ok' }]])));
    await collect(await gemini(), {
      model: MODEL,
      messages: [
        { role: 'user', content: 'Read a and b' },
        { role: 'assistant', content: '', toolCalls: [
          { id: 'fc_1', name: 'read_file', input: { path: 'a' }, metadata: { gemini: { thoughtSignature: 'c2lnLTE=', id: 'fc_1' } } },
          { id: 'call_x', name: 'read_file', input: { path: 'b' } },
        ] },
        { role: 'tool', toolCallId: 'fc_1', toolName: 'read_file', content: 'A' },
        { role: 'tool', toolCallId: 'call_x', toolName: 'read_file', content: 'missing', isError: true },
      ],
    });
    expect(server.requests[0]!.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Read a and b' }] },
      { role: 'model', parts: [
        { functionCall: { id: 'fc_1', name: 'read_file', args: { path: 'a' } }, thoughtSignature: 'c2lnLTE=' },
        { functionCall: { name: 'read_file', args: { path: 'b' } } },
      ] },
      { role: 'user', parts: [
        { functionResponse: { id: 'fc_1', name: 'read_file', response: { output: 'A' } } },
        { functionResponse: { name: 'read_file', response: { error: 'missing' } } },
      ] },
    ]);
  });

  it('ignores the Vertex, base URL and key variables of the environment', async () => {
    vi.stubEnv('GOOGLE_GENAI_USE_VERTEXAI', 'true');
    vi.stubEnv('GOOGLE_CLOUD_PROJECT', 'proj-from-env');
    vi.stubEnv('GOOGLE_API_KEY', 'AIza-env-should-not-be-used');
    vi.stubEnv('GOOGLE_GEMINI_BASE_URL', 'http://127.0.0.1:1');
    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([[{ text: 'ok' }]])));
    await collect(await gemini(), request);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['x-goog-api-key']).toBe(KEY);
    expect(server.requests[0]!.path).toBe(STREAM);
  });

  it('uses Google\'s own base URL, not GOOGLE_GEMINI_BASE_URL, when the config names none', async () => {
    vi.stubEnv('GOOGLE_GEMINI_BASE_URL', 'http://127.0.0.1:1');
    const { createGeminiClient, GEMINI_DEFAULT_BASE_URL } = await import('../../src/providers/gemini/index.js');
    const client = createGeminiClient(providerSettings({ type: 'gemini', apiKey: KEY }), providerCredentials({ type: 'gemini', apiKey: KEY }));
    expect((client as unknown as { apiClient: { getBaseUrl(): string } }).apiClient.getBaseUrl()).toBe(GEMINI_DEFAULT_BASE_URL);
    expect(client.vertexai).toBe(false);
  });
});

describe('gemini: responses', () => {
  it('yields streamed text, usage (thinking counted as output) and finish', async () => {
    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([[{ text: 'Hel' }], [{ text: 'lo' }], [{ text: '!' }]], { usage: geminiWire.usage(20, 3, 8) })));
    const events = await collect(await gemini(), request);
    expect(events).toEqual([
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'text-delta', text: '!' },
      { type: 'usage', usage: usage(20, 11) },
      { type: 'finish', reason: 'stop', rawReason: 'STOP' },
    ]);
  });

  it('turns functionCall parts into tool calls that keep their thoughtSignature, and skips thought text', async () => {
    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([
      [{ text: 'planning…', thought: true }],
      [{ functionCall: { id: 'fc_1', name: 'read_file', args: { path: 'notes.md' } }, thoughtSignature: 'c2ln' }],
      [{ functionCall: { name: 'list_files', args: {} } }],
    ])));
    const events = await collect(await gemini(), request);
    expect(text(events)).toBe('');
    const calls = ofType(events, 'tool-call').map((e) => e.call);
    expect(calls[0]).toEqual({ id: 'fc_1', name: 'read_file', input: { path: 'notes.md' }, metadata: { gemini: { thoughtSignature: 'c2ln', id: 'fc_1' } } });
    expect(calls[1]).toMatchObject({ name: 'list_files', input: {} });
    expect(calls[1]!.id).toMatch(/^call_/);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', rawReason: 'STOP' });
  });

  it('maps MAX_TOKENS and SAFETY', async () => {
    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([[{ text: 'cut' }]], { finishReason: 'MAX_TOKENS' })), geminiWire.sse(geminiWire.chunks([[{ text: '' }]], { finishReason: 'SAFETY' })));
    const provider = await gemini();
    expect((await collect(provider, request)).at(-1)).toEqual({ type: 'finish', reason: 'length', rawReason: 'MAX_TOKENS' });
    expect((await collect(provider, request)).at(-1)).toEqual({ type: 'finish', reason: 'content-filter', rawReason: 'SAFETY', refusal: { reason: 'finishReason SAFETY' } });
  });

  it('maps a blocked prompt (promptFeedback, no candidates) to content-filter', async () => {
    server.enqueue(STREAM, geminiWire.sse([{ data: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: geminiWire.usage(5, 0), modelVersion: MODEL } }]));
    const events = await collect(await gemini(), request);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'content-filter', rawReason: 'PROHIBITED_CONTENT', refusal: { reason: 'promptFeedback.blockReason PROHIBITED_CONTENT' } });
  });

  it('makes a plain generateContent call when not streaming', async () => {
    server.enqueue(WHOLE, json(geminiWire.response({ parts: [{ text: 'Hello there' }], usage: geminiWire.usage(7, 2) })));
    const events = await collect(await gemini(), request, { stream: false });
    expect(server.requests[0]!.path).toBe(WHOLE);
    expect(server.requests[0]!.query.get('alt')).toBeNull();
    expect(events).toEqual([
      { type: 'text-delta', text: 'Hello there' },
      { type: 'usage', usage: usage(7, 2) },
      { type: 'finish', reason: 'stop', rawReason: 'STOP' },
    ]);
  });
});

describe('gemini: errors', () => {
  const cases: [number, string, string, boolean][] = [
    [400, 'INVALID_ARGUMENT', 'bad_request', false],
    [403, 'PERMISSION_DENIED', 'auth_failed', false],
    [404, 'NOT_FOUND', 'not_found', false],
    [429, 'RESOURCE_EXHAUSTED', 'rate_limited', true],
    [500, 'INTERNAL', 'provider_unavailable', true],
    [503, 'UNAVAILABLE', 'provider_unavailable', true],
    [504, 'DEADLINE_EXCEEDED', 'provider_unavailable', true],
  ];
  it.each(cases)('HTTP %i %s → %s (retryable: %s), one request only', async (status, rpcStatus, code, retryable) => {
    server.enqueue(STREAM, geminiWire.error(status, rpcStatus, `says ${rpcStatus}`));
    const { error } = await failure(await gemini(), request);
    expect(error).toMatchObject({ code, status, retryable, provider: 'gemini' });
    expect(error.message).toContain(`says ${rpcStatus}`);
    expect(server.requests).toHaveLength(1);
  });

  it('reads RetryInfo.retryDelay from the error body', async () => {
    server.enqueue(STREAM, geminiWire.error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', { retryDelay: '2s' }));
    server.enqueue(WHOLE, geminiWire.error(503, 'UNAVAILABLE', 'busy', { retryDelay: '1.5s' }));
    const provider = await gemini();
    expect((await failure(provider, request)).error.retryAfterMs).toBe(2000);
    expect((await failure(provider, request, { stream: false })).error.retryAfterMs).toBe(1500);
  });

  it('reads a retry-after header although the SDK error carries none', async () => {
    server.enqueue(STREAM, geminiWire.error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', { headers: { 'retry-after': '4' } }));
    expect((await failure(await gemini(), request)).error.retryAfterMs).toBe(4000);
  });

  it('calls a 400 API_KEY_INVALID an auth failure, without the key in the message', async () => {
    server.enqueue(STREAM, geminiWire.error(400, 'INVALID_ARGUMENT', `API key not valid: ${KEY}. Please pass a valid API key.`, { reason: 'API_KEY_INVALID' }));
    const { error } = await failure(await gemini(), request);
    expect(error).toMatchObject({ code: 'auth_failed', status: 400, retryable: false });
    expect(error.hint).toContain('GEMINI_API_KEY');
    expect(error.message).not.toContain(KEY);
    expect(inspect(error, { depth: 20 })).not.toContain(KEY);
  });

  it('maps an error chunk inside the stream', async () => {
    server.enqueue(STREAM, geminiWire.sse([
      ...geminiWire.chunks([[{ text: 'Hel' }]], { finishReason: undefined }).map((e) => ({ ...e, data: { ...(e.data as object), candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] }, index: 0 }] } })),
      { data: geminiWire.errorBody(503, 'UNAVAILABLE', 'The model is overloaded') },
    ]));
    const { error, events } = await failure(await gemini(), request);
    expect(text(events)).toBe('Hel');
    expect(error).toMatchObject({ code: 'provider_unavailable', status: 503, retryable: true });
  });

  it('maps connection refused, a dropped socket, a cut stream and a malformed body', async () => {
    const refused = await gemini({ baseUrl: 'http://127.0.0.1:1' });
    expect((await failure(refused, request)).error).toMatchObject({ code: 'network', retryable: true });

    server.enqueue(STREAM, drop());
    expect((await failure(await gemini(), request)).error).toMatchObject({ code: 'network', retryable: true });

    server.enqueue(STREAM, geminiWire.sse(geminiWire.chunks([[{ text: 'Hel' }], [{ text: 'lo' }]]).slice(0, 1).map((e) => ({ ...e, data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] }, index: 0 }] } })), 'drop'));
    const cut = await failure(await gemini(), request);
    expect(text(cut.events)).toBe('Hel');
    expect(cut.error).toMatchObject({ code: 'network', retryable: true });

    server.enqueue(WHOLE, raw('{"candidates": [', 200));
    expect((await failure(await gemini(), request, { stream: false })).error).toMatchObject({ code: 'provider_unavailable' });
    server.enqueue(STREAM, geminiWire.sse([{ data: '{"candidates": [' }]));
    expect((await failure(await gemini(), request)).error).toMatchObject({ code: 'provider_unavailable' });
  });

  it('fails with missing_api_key without a key, whatever GOOGLE_API_KEY holds', async () => {
    vi.stubEnv('GOOGLE_API_KEY', 'AIza-env');
    await expect(gemini({ apiKey: undefined, keySource: null })).rejects.toMatchObject({ code: 'missing_api_key', hint: expect.stringContaining('GEMINI_API_KEY') });
  });
});
