/** openai-compatible: the openai code with max_tokens, a required baseUrl and a key only when configured. */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../src/core/messages.js';
import { FakeProviderServer, json, openaiWire } from '../support/fake-provider-server.js';
import { validateChatCompletionRequest } from './openapi.js';
import { collect, makeProvider, text } from './helpers.js';

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

const request: ChatRequest = { model: 'llama3.2', system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }], maxTokens: 64 };

describe('openai-compatible', () => {
  it('sends max_tokens and no Authorization header when no key is configured', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-real-openai-key-must-not-leak');
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hi', '!'] })));
    const provider = await makeProvider({ type: 'openai-compatible', name: 'ollama', baseUrl: `${server.url}/v1` });
    const events = await collect(provider, request);
    expect(text(events)).toBe('Hi!');
    const received = server.requests[0]!;
    expect(received.headers.authorization).toBeUndefined();
    expect(JSON.stringify(received.headers)).not.toContain('sk-real-openai-key');
    expect(received.body.max_tokens).toBe(64);
    expect(received.body).not.toHaveProperty('max_completion_tokens');
    expect(received.body.stream_options).toEqual({ include_usage: true });
    expect(validateChatCompletionRequest(received.body)).toEqual([]);
  });

  it('sends the configured key as a Bearer token', async () => {
    server.enqueue(PATH, json(openaiWire.completion({ text: 'ok' })));
    const provider = await makeProvider({ type: 'openai-compatible', name: 'huggingface', apiKey: 'hf_test_token', keySource: 'HF_TOKEN', baseUrl: `${server.url}/v1` });
    await collect(provider, request, { stream: false });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer hf_test_token');
  });

  it('keeps an Authorization header the entry sets itself', async () => {
    server.enqueue(PATH, json(openaiWire.completion({ text: 'ok' })));
    const provider = await makeProvider({ type: 'openai-compatible', name: 'proxy', baseUrl: `${server.url}/v1`, headers: { Authorization: 'Basic dXNlcjpwdw==' } });
    await collect(provider, request, { stream: false });
    expect(server.requests[0]!.headers.authorization).toBe('Basic dXNlcjpwdw==');
  });

  it('treats finish_reason "stop" with tool calls (as Ollama sends it) as tool-calls, and a stream without usage as having none', async () => {
    server.enqueue(PATH, openaiWire.sse(openaiWire.chunks({ toolCalls: [{ id: 'call_0', name: 'list_files', args: ['{}'] }], finishReason: 'stop', usage: null })));
    const provider = await makeProvider({ type: 'openai-compatible', name: 'ollama', baseUrl: `${server.url}/v1` });
    const events = await collect(provider, request);
    expect(events).toEqual([
      { type: 'tool-call', call: { id: 'call_0', name: 'list_files', input: {} } },
      { type: 'finish', reason: 'tool-calls', rawReason: 'stop' },
    ]);
  });

  it('refuses to start without a baseUrl, so a key cannot go to api.openai.com', async () => {
    await expect(makeProvider({ type: 'openai-compatible', name: 'local', apiKey: 'secret' })).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
