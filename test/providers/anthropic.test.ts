/**
 * The anthropic provider through the real @anthropic-ai/sdk, over real HTTP, against the fake
 * server speaking the Messages API's JSON and SSE event sequence.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../src/core/messages.js';
import { anthropicWire, drop, FakeProviderServer, json, raw } from '../support/fake-provider-server.js';
import { collect, failure, ofType, makeProvider, text, usage } from './helpers.js';

const KEY = 'sk-ant-test-0123456789abcdef';
const PATH = '/v1/messages';
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

const anthropic = (overrides: Record<string, unknown> = {}) =>
  makeProvider({ type: 'anthropic', name: 'anthropic', apiKey: KEY, keySource: 'ANTHROPIC_API_KEY', keyVariables: ['ANTHROPIC_API_KEY'], baseUrl: server.url, ...overrides });

const request: ChatRequest = {
  model: 'claude-sonnet-5-5',
  system: 'You are terse.',
  messages: [{ role: 'user', content: 'Say hello' }],
};

describe('anthropic: request', () => {
  it('sends the key the way this SDK does, anthropic-version, system at top level, a default max_tokens', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events()));
    await collect(await anthropic(), request);
    const received = server.requests[0]!;
    expect(received.method).toBe('POST');
    // @anthropic-ai/sdk 1.x sends the API key as a Bearer token, not x-api-key (client.mjs apiKeyAuth).
    expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received.headers['x-api-key']).toBeUndefined();
    expect(received.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(received.body).toEqual({
      model: 'claude-sonnet-5-5',
      max_tokens: 4096,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
    });
  });

  it('uses maxTokens, sends tools with input_schema, leaves temperature out, merges params', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events()));
    await collect(await anthropic(), {
      ...request,
      maxTokens: 300,
      temperature: 0.3,
      tools: [{ name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }],
      params: { output_config: { effort: 'low' }, metadata: { user_id: 'u1' } },
    });
    const body = server.requests[0]!.body;
    expect(body.max_tokens).toBe(300);
    expect(body).not.toHaveProperty('temperature');
    expect(body.tools).toEqual([{ name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }]);
    expect(body.output_config).toEqual({ effort: 'low' });
    expect(body.metadata).toEqual({ user_id: 'u1' });
  });

  it('asks for structured output through output_config.format', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['{"bullets":[]}'] }] })));
    await collect(await anthropic(), { ...request, responseSchema: { type: 'object', properties: { bullets: { type: 'array', items: { type: 'string' } } }, required: ['bullets'] }, params: { output_config: { effort: 'low' } } });
    expect(server.requests[0]!.body.output_config).toEqual({
      format: { type: 'json_schema', schema: { type: 'object', properties: { bullets: { type: 'array', items: { type: 'string' } } }, required: ['bullets'], additionalProperties: false } },
      effort: 'low',
    });
  });

  it('sends tool calls and results as tool_use and tool_result blocks', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events()));
    await collect(await anthropic(), {
      model: 'claude-sonnet-5-5',
      messages: [
        { role: 'user', content: 'Read both' },
        { role: 'assistant', content: 'Reading.', toolCalls: [
          { id: 'toolu_1', name: 'read_file', input: { path: 'a' } },
          { id: 'call.2', name: 'read_file', input: { path: 'b' } },
        ] },
        { role: 'tool', toolCallId: 'toolu_1', toolName: 'read_file', content: 'A' },
        { role: 'tool', toolCallId: 'call.2', toolName: 'read_file', content: 'no such file', isError: true },
      ],
    });
    expect(server.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'Read both' },
      { role: 'assistant', content: [
        { type: 'text', text: 'Reading.' },
        { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a' } },
        { type: 'tool_use', id: 'call_2', name: 'read_file', input: { path: 'b' } },
      ] },
      { role: 'user', content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'A' },
        { type: 'tool_result', tool_use_id: 'call_2', content: 'no such file', is_error: true },
      ] },
    ]);
  });

  it('reads no credential, header or telemetry setting from the environment', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-env-should-not-be-used');
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', 'auth-token-from-env');
    vi.stubEnv('ANTHROPIC_CUSTOM_HEADERS', 'X-Leak: from-env');
    vi.stubEnv('ANTHROPIC_LOG', 'debug');
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events()));
    const log = vi.spyOn(console, 'debug').mockImplementation(() => {});
    await collect(await anthropic({ headers: { 'anthropic-beta': 'some-beta' } }), request);
    const headers = server.requests[0]!.headers;
    expect(headers.authorization).toBe(`Bearer ${KEY}`);
    expect(headers['x-leak']).toBeUndefined();
    expect(headers['anthropic-beta']).toBe('some-beta');
    expect(JSON.stringify(headers)).not.toContain('auth-token-from-env');
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });
});

describe('anthropic: streaming', () => {
  it('yields text deltas, skips ping, reports usage and the stop reason', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['Hel', 'lo', '!'] }], input: 30, output: 4 })));
    const events = await collect(await anthropic(), request);
    expect(events).toEqual([
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'text-delta', text: '!' },
      { type: 'usage', usage: usage(30, 4) },
      { type: 'finish', reason: 'stop', rawReason: 'end_turn' },
    ]);
  });

  it('assembles input_json_delta fragments into tool calls', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events({
      blocks: [
        { type: 'text', text: ['Checking.'] },
        { type: 'tool_use', id: 'toolu_01', name: 'read_file', json: ['{"pa', 'th": "notes', '.md"}'] },
        { type: 'tool_use', id: 'toolu_02', name: 'list_files', json: [] },
      ],
    })));
    const events = await collect(await anthropic(), request);
    expect(text(events)).toBe('Checking.');
    expect(ofType(events, 'tool-call').map((e) => e.call)).toEqual([
      { id: 'toolu_01', name: 'read_file', input: { path: 'notes.md' } },
      { id: 'toolu_02', name: 'list_files', input: {} },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', rawReason: 'tool_use' });
  });

  it('keeps thinking blocks on the tool call and sends them back first', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events({
      blocks: [
        { type: 'thinking', thinking: ['I should ', 'read it.'], signature: 'sig-abc' },
        { type: 'tool_use', id: 'toolu_01', name: 'read_file', json: ['{"path":"a"}'] },
      ],
    })));
    const provider = await anthropic();
    const events = await collect(provider, request);
    expect(text(events)).toBe('');
    const call = ofType(events, 'tool-call')[0]!.call;
    expect(call.metadata).toEqual({ anthropic: { thinking: [{ type: 'thinking', thinking: 'I should read it.', signature: 'sig-abc' }] } });

    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events()));
    await collect(provider, {
      ...request,
      messages: [...request.messages, { role: 'assistant', content: '', toolCalls: [call] }, { role: 'tool', toolCallId: call.id, toolName: call.name, content: 'A' }],
    });
    expect(server.requests[1]!.body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I should read it.', signature: 'sig-abc' },
        { type: 'tool_use', id: 'toolu_01', name: 'read_file', input: { path: 'a' } },
      ],
    });
  });

  it('maps max_tokens and refusal stop reasons', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events({ stopReason: 'max_tokens' })), anthropicWire.sse(anthropicWire.events({ stopReason: 'refusal' })));
    const provider = await anthropic();
    expect((await collect(provider, request)).at(-1)).toEqual({ type: 'finish', reason: 'length', rawReason: 'max_tokens' });
    expect((await collect(provider, request)).at(-1)).toEqual({ type: 'finish', reason: 'content-filter', rawReason: 'refusal', refusal: { reason: 'stop_reason refusal' } });
  });

  it('maps an error event in the stream (overloaded) to a retryable provider_unavailable', async () => {
    const events = anthropicWire.events({ blocks: [{ type: 'text', text: ['Hel', 'lo'] }] }).slice(0, 4);
    events.push({ event: 'error', data: anthropicWire.errorBody('overloaded_error', 'Overloaded') });
    server.enqueue(PATH, anthropicWire.sse(events));
    const { error, events: got } = await failure(await anthropic(), request);
    expect(text(got)).toBe('Hel');
    expect(error).toMatchObject({ code: 'provider_unavailable', status: 529, retryable: true });
    expect(error.message).toContain('Overloaded');
  });

  it('takes a stream the server ended cleanly without message_stop as complete; one without message_start is broken', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events({ stop: false })));
    const provider = await anthropic();
    const events = await collect(provider, request);
    expect(text(events)).toBe('Hello!');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop', rawReason: 'end_turn' });

    // Not even message_delta: still complete, tool calls of blocks left open included, finish unknown.
    const cut = anthropicWire.events({ blocks: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', json: ['{"path":', '"a"}'] }] });
    server.enqueue(PATH, anthropicWire.sse(cut.slice(0, cut.findIndex((e) => e.event === 'content_block_stop'))));
    const open = await collect(provider, request);
    expect(ofType(open, 'tool-call')).toEqual([{ type: 'tool-call', call: { id: 'toolu_1', name: 'read_file', input: { path: 'a' } } }]);
    expect(open.at(-1)).toEqual({ type: 'finish', reason: 'unknown' });

    server.enqueue(PATH, anthropicWire.sse([{ event: 'ping', data: { type: 'ping' } }]));
    expect((await failure(provider, request)).error).toMatchObject({ code: 'network', retryable: true });
  });

  it('maps a stream cut mid-way to network', async () => {
    server.enqueue(PATH, anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['Hel', 'lo'] }] }).slice(0, 4), 'drop'));
    const { error, events } = await failure(await anthropic(), request);
    expect(text(events)).toBe('Hel');
    expect(error).toMatchObject({ code: 'network', retryable: true });
  });
});

describe('anthropic: non-streaming', () => {
  it('maps a whole message to the same events', async () => {
    server.enqueue(PATH, json(anthropicWire.message({
      content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_9', name: 'read_file', input: { path: 'x' } }],
      usage: { ...anthropicWire.usage(40, 7), cache_read_input_tokens: 100 },
    })));
    const events = await collect(await anthropic(), request, { stream: false });
    expect(server.requests[0]!.body).not.toHaveProperty('stream');
    expect(events).toEqual([
      { type: 'text-delta', text: 'Let me check.' },
      { type: 'tool-call', call: { id: 'toolu_9', name: 'read_file', input: { path: 'x' } } },
      { type: 'usage', usage: usage(140, 7, 100) },
      { type: 'finish', reason: 'tool-calls', rawReason: 'tool_use' },
    ]);
  });
});

describe('anthropic: errors', () => {
  const cases: [number, string, string, boolean][] = [
    [400, 'invalid_request_error', 'bad_request', false],
    [401, 'authentication_error', 'auth_failed', false],
    [403, 'permission_error', 'auth_failed', false],
    [404, 'not_found_error', 'not_found', false],
    [413, 'request_too_large', 'bad_request', false],
    [429, 'rate_limit_error', 'rate_limited', true],
    [500, 'api_error', 'provider_unavailable', true],
    [503, 'api_error', 'provider_unavailable', true],
    [529, 'overloaded_error', 'provider_unavailable', true],
  ];
  it.each(cases)('HTTP %i %s → %s (retryable: %s)', async (status, type, code, retryable) => {
    server.enqueue(PATH, anthropicWire.error(status, type, `says ${type}`));
    const { error } = await failure(await anthropic(), request);
    expect(error).toMatchObject({ code, status, retryable, provider: 'anthropic' });
    expect(error.message).toContain(`says ${type}`);
    expect(server.requests).toHaveLength(1);
  });

  it('honours retry-after on a 429 and names the key variable on a 401', async () => {
    server.enqueue(PATH, anthropicWire.error(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '3' }));
    server.enqueue(PATH, anthropicWire.error(401, 'authentication_error', `invalid x-api-key ${KEY}`));
    const provider = await anthropic();
    expect((await failure(provider, request)).error.retryAfterMs).toBe(3000);
    const auth = (await failure(provider, request)).error;
    expect(auth.hint).toContain('ANTHROPIC_API_KEY');
    expect(auth.message).not.toContain(KEY);
    expect(inspect(auth, { depth: 20 })).not.toContain(KEY);
  });

  it('says "context too long" in the provider\'s own words', async () => {
    server.enqueue(PATH, anthropicWire.error(400, 'invalid_request_error', 'prompt is too long: 1200000 tokens > 1000000 maximum'));
    const { error } = await failure(await anthropic(), request);
    expect(error).toMatchObject({ code: 'bad_request', retryable: false });
    expect(error.message).toContain('prompt is too long: 1200000 tokens > 1000000 maximum');
  });

  it('maps a dropped connection and a malformed body', async () => {
    server.enqueue(PATH, drop(), raw('not json at all', 200));
    const provider = await anthropic();
    expect((await failure(provider, request)).error).toMatchObject({ code: 'network', retryable: true });
    expect((await failure(provider, request, { stream: false })).error).toMatchObject({ code: 'provider_unavailable' });
  });

  it('maps the SDK timeout to a retryable timeout after one request', async () => {
    server.enqueue(PATH, { kind: 'hang' });
    const { error } = await failure(await anthropic({ timeoutMs: 100 }), request);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('fails with missing_api_key, before any request, without a key', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-env');
    await expect(anthropic({ apiKey: undefined, keySource: null })).rejects.toMatchObject({ code: 'missing_api_key' });
    expect(server.requests).toHaveLength(0);
  });
});
