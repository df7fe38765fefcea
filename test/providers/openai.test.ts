/**
 * The openai provider through the real openai SDK, over real HTTP, against the fake server:
 * what the server receives (headers, body against the published OpenAPI document) and the
 * events Loom gets back, streaming and not, plus error mapping.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../src/core/messages.js';
import { drop, FakeProviderServer, hang, json, openaiWire, raw } from '../support/fake-provider-server.js';
import { validateChatCompletionRequest } from './openapi.js';
import { collect, collectAll, failure, hello, ofType, makeProvider, text, usage } from './helpers.js';

const KEY = 'sk-test-openai-0123456789abcdef';
const PATH = '/v1/chat/completions';
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

const openai = (overrides: Record<string, unknown> = {}) =>
  makeProvider({ type: 'openai', name: 'openai', apiKey: KEY, keySource: 'OPENAI_API_KEY', keyVariables: ['OPENAI_API_KEY'], baseUrl: `${server.url}/v1`, ...overrides });

const request: ChatRequest = {
  model: 'gpt-5.4-mini',
  system: 'You are terse.',
  messages: [{ role: 'user', content: 'Say hello' }],
  maxTokens: 256,
  temperature: 0.2,
};

describe('openai: streaming', () => {
  it('sends a spec-valid Chat Completions request with the key as a Bearer token', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hel', 'lo', '!'] })));
    const provider = await openai();
    await collect(provider, request);

    expect(server.requests).toHaveLength(1);
    const received = server.requests[0]!;
    expect(received.method).toBe('POST');
    expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received.headers['accept-encoding']).toBe('identity');
    expect(received.body).toMatchObject({
      model: 'gpt-5.4-mini',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 256,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
    expect(received.body).not.toHaveProperty('max_tokens');
    expect(validateChatCompletionRequest(received.body)).toEqual([]);
  });

  it('yields text deltas as they arrive, then usage and finish', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hel', 'lo', '!'], usage: openaiWire.usage(21, 3) })));
    const events = await collect(await openai(), request);
    expect(events).toEqual([
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'text-delta', text: '!' },
      { type: 'usage', usage: usage(21, 3) },
      { type: 'finish', reason: 'stop', rawReason: 'stop' },
    ]);
  });

  it('says the wire is alive for every chunk, also those it holds back (tool-call fragments)', async () => {
    const chunks = openaiWire.chunks({ toolCalls: [{ id: 'call_a', name: 'read_file', args: ['{"pa', 'th": "no', 'tes.md"}'] }] });
    server.enqueue(PATH, openaiWire.sse(chunks));
    const events = await collectAll(await openai(), request);
    // One activity per JSON chunk (the closing [DONE] is not a chunk the SDK yields).
    const jsonChunks = chunks.filter((event) => typeof event.data === 'object').length;
    expect(events.filter((event) => event.type === 'activity')).toHaveLength(jsonChunks);
    expect(events.filter((event) => event.type === 'tool-call')).toHaveLength(1);
  });

  it('assembles streamed tool call fragments into parsed calls', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({
      text: ['Let me look.'],
      toolCalls: [
        { id: 'call_a', name: 'read_file', args: ['{"pa', 'th": "no', 'tes.md"}'] },
        { id: 'call_b', name: 'list_files', args: [''] },
      ],
    })));
    const events = await collect(await openai(), {
      ...request,
      tools: [
        { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
        { name: 'list_files', description: 'List files', parameters: { type: 'object', properties: {} } },
      ],
    });
    expect(ofType(events, 'tool-call').map((e) => e.call)).toEqual([
      { id: 'call_a', name: 'read_file', input: { path: 'notes.md' } },
      { id: 'call_b', name: 'list_files', input: {} },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', rawReason: 'tool_calls' });
    const body = server.requests[0]!.body;
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } },
      { type: 'function', function: { name: 'list_files', description: 'List files', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(validateChatCompletionRequest(body)).toEqual([]);
  });

  it('sends the conversation back with tool calls and tool results', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['Done.'] })));
    await collect(await openai(), {
      model: 'gpt-5.4-mini',
      messages: [
        { role: 'user', content: 'Read notes.md' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_a', name: 'read_file', input: { path: 'notes.md' } }] },
        { role: 'tool', toolCallId: 'call_a', toolName: 'read_file', content: 'hello' },
      ],
    });
    const body = server.requests[0]!.body;
    expect(body.messages).toEqual([
      { role: 'user', content: 'Read notes.md' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"notes.md"}' } }] },
      { role: 'tool', tool_call_id: 'call_a', content: 'hello' },
    ]);
    expect(validateChatCompletionRequest(body)).toEqual([]);
  });

  it('merges params into the body as given', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['ok'] })));
    await collect(await openai(), { ...request, params: { reasoning_effort: 'low', seed: 7, top_p: 0.9 } });
    expect(server.requests[0]!.body).toMatchObject({ reasoning_effort: 'low', seed: 7, top_p: 0.9, stream: true });
  });

  it('asks for strict structured output only when the schema keeps the strict rules', async () => {
    const strict = { type: 'object', properties: { bullets: { type: 'array', items: { type: 'string' } } }, required: ['bullets'], additionalProperties: false };
    const loose = { type: 'object', properties: { bullets: { type: 'array' } }, required: ['bullets'] };
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['{"bullets":[]}'] })), openaiWire.sse(openaiWire.chunks({ text: ['{}'] })));
    const provider = await openai();
    await collect(provider, { ...request, responseSchema: strict });
    await collect(provider, { ...request, responseSchema: loose });
    expect(server.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema: strict, strict: true } });
    expect(server.requests[1]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema: loose, strict: false } });
    for (const r of server.requests) expect(validateChatCompletionRequest(r.body)).toEqual([]);
  });

  it('sends no organization, project or custom headers from the environment', async () => {
    vi.stubEnv('OPENAI_ORG_ID', 'org-from-env');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-from-env');
    vi.stubEnv('OPENAI_ADMIN_KEY', 'sk-admin-from-env');
    vi.stubEnv('OPENAI_API_KEY', 'sk-env-key-should-not-be-used');
    vi.stubEnv('OPENAI_CUSTOM_HEADERS', 'X-Leak: from-env');
    vi.stubEnv('OPENAI_LOG', 'debug');
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['ok'] })));
    const log = vi.spyOn(console, 'debug').mockImplementation(() => {});
    await collect(await openai({ headers: { 'X-Configured': 'yes' } }), request);
    const headers = server.requests[0]!.headers;
    expect(headers['openai-organization']).toBeUndefined();
    expect(headers['openai-project']).toBeUndefined();
    expect(headers['x-leak']).toBeUndefined();
    expect(headers.authorization).toBe(`Bearer ${KEY}`);
    expect(headers['x-configured']).toBe('yes');
    expect(log).not.toHaveBeenCalled();
    expect(process.env.OPENAI_CUSTOM_HEADERS).toBe('X-Leak: from-env');
    log.mockRestore();
  });

  it('fails with missing_api_key before sending anything when there is no key', async () => {
    await expect(openai({ apiKey: undefined, keySource: null })).rejects.toMatchObject({ code: 'missing_api_key', hint: expect.stringContaining('OPENAI_API_KEY') });
    expect(server.requests).toHaveLength(0);
  });
});

describe('openai: non-streaming', () => {
  it('makes one plain request and maps the completion to the same events', async () => {
    server.enqueue(PATH, json(openaiWire.completion({ text: 'Hello there', usage: openaiWire.usage(9, 2) })));
    const events = await collect(await openai(), request, { stream: false });
    const body = server.requests[0]!.body;
    expect(body).not.toHaveProperty('stream');
    expect(body).not.toHaveProperty('stream_options');
    expect(validateChatCompletionRequest(body)).toEqual([]);
    expect(events).toEqual([
      { type: 'text-delta', text: 'Hello there' },
      { type: 'usage', usage: usage(9, 2) },
      { type: 'finish', reason: 'stop', rawReason: 'stop' },
    ]);
  });

  it('maps tool calls of a whole completion', async () => {
    server.enqueue(PATH, json(openaiWire.completion({ text: null, toolCalls: [{ id: 'call_1', name: 'read_file', arguments: '{"path":"a.txt"}' }] })));
    const events = await collect(await openai(), request, { stream: false });
    expect(ofType(events, 'tool-call')).toEqual([{ type: 'tool-call', call: { id: 'call_1', name: 'read_file', input: { path: 'a.txt' } } }]);
    expect(events.at(-1)).toMatchObject({ reason: 'tool-calls' });
  });
});

describe('openai: errors', () => {
  const cases: [number, string, boolean][] = [
    [400, 'bad_request', false],
    [401, 'auth_failed', false],
    [403, 'auth_failed', false],
    [404, 'not_found', false],
    [408, 'timeout', true],
    [409, 'provider_unavailable', true],
    [422, 'bad_request', false],
    [429, 'rate_limited', true],
    [500, 'provider_unavailable', true],
    [502, 'provider_unavailable', true],
    [503, 'provider_unavailable', true],
    [504, 'provider_unavailable', true],
    [529, 'provider_unavailable', true],
  ];
  it.each(cases)('HTTP %i → %s (retryable: %s), one request only', async (status, code, retryable) => {
    server.enqueue(PATH, openaiWire.error(status, `the server says ${status}`));
    const { error } = await failure(await openai(), request);
    expect(error).toMatchObject({ code, status, retryable, provider: 'openai' });
    expect(error.message).toContain(`the server says ${status}`);
    expect(server.requests).toHaveLength(1);
  });

  it('names the model and provider on 404, and the key variable on 401', async () => {
    server.enqueue(PATH, openaiWire.error(404, 'The model `gpt-nope` does not exist', { code: 'model_not_found' }));
    server.enqueue(PATH, openaiWire.error(401, 'Incorrect API key provided'));
    const provider = await openai();
    const notFound = await failure(provider, { ...request, model: 'gpt-nope' });
    expect(notFound.error.message).toContain('model "gpt-nope"');
    expect(notFound.error.message).toMatch(/^openai: /);
    const auth = await failure(provider, request);
    expect(auth.error.hint).toContain('OPENAI_API_KEY');
  });

  it('reads retry-after-ms, retry-after in seconds and as an HTTP date', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    server.enqueue(PATH,
      openaiWire.error(429, 'slow down', { headers: { 'retry-after-ms': '1500', 'retry-after': '9' } }),
      openaiWire.error(429, 'slow down', { headers: { 'retry-after': '2' } }),
      openaiWire.error(503, 'busy', { headers: { 'retry-after': date } }),
    );
    const provider = await openai();
    expect((await failure(provider, request)).error.retryAfterMs).toBe(1500);
    expect((await failure(provider, request)).error.retryAfterMs).toBe(2000);
    const dated = (await failure(provider, request)).error.retryAfterMs!;
    expect(dated).toBeGreaterThan(25_000);
    expect(dated).toBeLessThanOrEqual(30_000);
  });

  it('treats an exhausted quota as a 429 that waiting will not fix', async () => {
    server.enqueue(PATH, openaiWire.error(429, 'You exceeded your current quota', { type: 'insufficient_quota', code: 'insufficient_quota' }));
    const { error } = await failure(await openai(), request);
    expect(error).toMatchObject({ code: 'rate_limited', retryable: false });
  });

  it('never puts the key in the message when the provider echoes it', async () => {
    server.enqueue(PATH, openaiWire.error(401, `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com`));
    const { error } = await failure(await openai(), request);
    expect(error.code).toBe('auth_failed');
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
    expect(JSON.stringify({ message: error.message, hint: error.hint })).not.toContain(KEY);
    // Not even in the cause chain that --debug would print.
    expect(inspect(error, { depth: 20 })).not.toContain(KEY);
    expect((error.cause as Error).name).toBe('AuthenticationError');
  });

  it('maps an error sent inside the stream', async () => {
    server.enqueue(PATH, openaiWire.sse([
      { data: openaiWire.chunk({ content: 'Hel' }) },
      { data: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } } },
    ]));
    const { error, events } = await failure(await openai(), request);
    expect(text(events)).toBe('Hel');
    expect(error).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });

  it('maps connection refused to network', async () => {
    const provider = await openai({ baseUrl: 'http://127.0.0.1:1/v1' });
    const { error } = await failure(provider, request);
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('maps a socket destroyed before any answer to network', async () => {
    server.enqueue(PATH, drop());
    const { error } = await failure(await openai(), request);
    expect(error).toMatchObject({ code: 'network', retryable: true });
  });

  it('maps a stream cut mid-way to network, keeping the text already received', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hel', 'lo'] }).slice(0, 3), 'drop'));
    const { error, events } = await failure(await openai(), request);
    expect(text(events)).toBe('Hello');
    expect(error).toMatchObject({ code: 'network', retryable: true });
  });

  it('takes a stream the server ended cleanly without a finish_reason or [DONE] as complete (finish unknown)', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hel'] }).slice(0, 2)));
    expect(await collect(await openai(), request)).toEqual([{ type: 'text-delta', text: 'Hel' }, { type: 'finish', reason: 'unknown' }]);
  });

  it('maps a 200 that closes without a single chunk to a retryable network error', async () => {
    server.enqueue(PATH, openaiWire.sse([]));
    const { error } = await failure(await openai(), request);
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(error.message).toContain('without any data');
  });

  it('maps a malformed body to provider_unavailable, never a raw TypeError', async () => {
    server.enqueue(PATH, raw('{"choices": [', 200), json({ unexpected: true }), raw('<html><body>Bad gateway</body></html>', 502, { 'content-type': 'text/html' }));
    const provider = await openai();
    const broken = await failure(provider, request, { stream: false });
    expect(broken.error).toMatchObject({ code: 'provider_unavailable' });
    const wrongShape = await failure(provider, request, { stream: false });
    expect(wrongShape.error).toMatchObject({ code: 'provider_unavailable' });
    const html = await failure(provider, request, { stream: false });
    expect(html.error).toMatchObject({ code: 'provider_unavailable', status: 502, retryable: true });
    expect(html.error.message).not.toContain('<');
  });

  it('maps malformed SSE data to provider_unavailable', async () => {
    server.enqueue(PATH, openaiWire.sse([{ data: '{"id": "x", "choices": [' }]));
    const { error } = await failure(await openai(), request);
    expect(error.code).toBe('provider_unavailable');
  });

  it('maps the SDK\'s own timeout (config.timeoutMs, waiting for headers) to a retryable timeout, without retrying', async () => {
    server.enqueue(PATH, hang());
    const { error } = await failure(await openai({ timeoutMs: 100 }), request);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('does not cut a slow stream that keeps sending past timeoutMs', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['a', 'b', 'c', 'd'], delayMs: 40 })));
    const events = await collect(await openai({ timeoutMs: 100 }), request);
    expect(text(events)).toBe('abcd');
  });

  it('aborts a request that hangs when the signal fires', async () => {
    server.enqueue(PATH, hang());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { error } = await failure(await openai(), request, { signal: controller.signal });
    expect(error.code).toBe('interrupted');
  });

  it('aborts mid-stream, with the abort reason when it is a LoomError', async () => {
    const { LoomError } = await import('../../src/core/errors.js');
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hel'] }).slice(0, 2), 'hang'));
    const controller = new AbortController();
    const provider = await openai();
    const events: string[] = [];
    const run = (async () => {
      for await (const event of provider.stream(request, { signal: controller.signal })) {
        if (event.type === 'text-delta') {
          events.push(event.text);
          controller.abort(new LoomError('timeout', 'openai: no data for 50ms', { retryable: true }));
        }
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'timeout', message: 'openai: no data for 50ms' });
    expect(events).toEqual(['Hel']);
  });
});

describe('the OpenAPI check itself', () => {
  it('reports unknown fields and wrong types', () => {
    expect(validateChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_output_tokens: 5 })).toEqual(['unknown top-level field "max_output_tokens"']);
    expect(validateChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }).length).toBeGreaterThan(0);
    expect(validateChatCompletionRequest({ model: 'm' }).length).toBeGreaterThan(0);
  });
});
