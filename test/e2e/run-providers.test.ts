/**
 * Issue 3 end to end: `loom ask` and `loom run` on every provider type, streaming and not,
 * through the built CLI and the real SDKs against the fake server.
 */
import { describe, expect, it } from 'vitest';
import { anthropicWire, FakeProviderServer, geminiWire, json, openaiWire } from '../support/fake-provider-server.js';
import { ANTHROPIC_PATH, geminiStream, geminiWhole, KEYS, logLines, loom, OPENAI_PATH, workspace } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const GEMINI_MODEL = 'gemini-3.5-flash';

/** Per type: how to script one answer "Hello there" (usage 12/5), and where the server must see the key. */
const TYPES = [
  {
    name: 'oai',
    type: 'openai',
    path: OPENAI_PATH,
    streamed: () => openaiWire.sse(openaiWire.chunks({ text: ['Hello', ' there'], usage: openaiWire.usage(12, 5) })),
    whole: () => json(openaiWire.completion({ text: 'Hello there', usage: openaiWire.usage(12, 5) })),
    key: (headers: Record<string, unknown>) => expect(headers.authorization).toBe(`Bearer ${KEYS.OPENAI_TEST_KEY}`),
    system: (body: any) => expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' }),
    maxTokens: (body: any) => expect(body.max_completion_tokens).toBe(64),
  },
  {
    name: 'compat',
    type: 'openai-compatible',
    path: OPENAI_PATH,
    streamed: () => openaiWire.sse(openaiWire.chunks({ text: ['Hello', ' there'], usage: openaiWire.usage(12, 5) })),
    whole: () => json(openaiWire.completion({ text: 'Hello there', usage: openaiWire.usage(12, 5) })),
    key: (headers: Record<string, unknown>) => expect(headers.authorization).toBe(`Bearer ${KEYS.COMPAT_TEST_KEY}`),
    system: (body: any) => expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' }),
    maxTokens: (body: any) => expect(body.max_tokens).toBe(64),
  },
  {
    name: 'claude',
    type: 'anthropic',
    path: ANTHROPIC_PATH,
    streamed: () => anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['Hello', ' there'] }], input: 12, output: 5 })),
    whole: () => json(anthropicWire.message({ content: [{ type: 'text', text: 'Hello there' }], usage: anthropicWire.usage(12, 5) })),
    key: (headers: Record<string, unknown>) => {
      // @anthropic-ai/sdk 1.x sends the key as a Bearer token (client.mjs apiKeyAuth), not x-api-key.
      expect(headers.authorization).toBe(`Bearer ${KEYS.ANTHROPIC_TEST_KEY}`);
      expect(headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    },
    system: (body: any) => {
      expect(body.system).toBe('Be brief.');
      expect(body.messages.every((m: any) => m.role !== 'system')).toBe(true);
    },
    maxTokens: (body: any) => expect(body.max_tokens).toBe(64),
  },
  {
    name: 'gem',
    type: 'gemini',
    path: geminiStream(GEMINI_MODEL),
    wholePath: geminiWhole(GEMINI_MODEL),
    streamed: () => geminiWire.sse(geminiWire.chunks([[{ text: 'Hello' }], [{ text: ' there' }]], { usage: geminiWire.usage(12, 5) })),
    whole: () => json(geminiWire.response({ parts: [{ text: 'Hello there' }], usage: geminiWire.usage(12, 5) })),
    key: (headers: Record<string, unknown>) => expect(headers['x-goog-api-key']).toBe(KEYS.GEMINI_TEST_KEY),
    system: (body: any) => expect(body.systemInstruction.parts[0].text).toBe('Be brief.'),
    maxTokens: (body: any) => expect(body.generationConfig.maxOutputTokens).toBe(64),
  },
] as const;

describe.each(TYPES)('loom ask on $type', (t) => {
  it('streams the answer to stdout, nothing on stderr, and sends the key, system prompt and max tokens as the API wants', async () => {
    const cwd = await workspace(server);
    server.enqueue(t.path, t.streamed());
    const result = await loom(['ask', '-p', t.name, '-s', 'Be brief.', '--max-tokens', '64', 'Say', 'hello'], cwd);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('Hello there\n');
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    const received = server.requests[0]!;
    t.key(received.headers);
    t.system(received.body);
    t.maxTokens(received.body);
    expect(JSON.stringify(received.body)).toContain('Say hello');
  });

  it('--no-stream makes a non-streaming request and prints the whole answer', async () => {
    const cwd = await workspace(server);
    const wholePath = 'wholePath' in t ? t.wholePath : t.path;
    server.enqueue(wholePath, t.whole());
    const result = await loom(['ask', '-p', t.name, '--no-stream', 'Say hello'], cwd);
    expect(result).toMatchObject({ code: 0, stdout: 'Hello there\n', stderr: '' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe(wholePath);
    if (t.type !== 'gemini') expect(server.requests[0]!.body.stream ?? false).toBe(false);
  });

  it('--json reports usage and cost from the response', async () => {
    const cwd = await workspace(server);
    server.enqueue(t.path, t.streamed());
    const result = await loom(['ask', '-p', t.name, '--json', 'Say hello'], cwd);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: true, provider: t.name, text: 'Hello there', usage: { inputTokens: 12, outputTokens: 5 }, attempts: 1 });
    if (t.type === 'openai-compatible') {
      // llama3.2 on a server of our own has no known price: null, never 0.
      expect(doc.costUsd).toBeNull();
    } else {
      expect(typeof doc.costUsd).toBe('number');
      expect(doc.costUsd).toBeGreaterThan(0);
    }
  });
});

describe('loom ask on mock', () => {
  it('echoes offline, streaming and not, with no server and no key', async () => {
    const cwd = await workspace(server);
    for (const flags of [[], ['--no-stream']]) {
      const result = await loom(['ask', '-p', 'mock', ...flags, 'echo', 'these', 'words'], cwd, { env: {} });
      expect(result).toMatchObject({ code: 0, stdout: 'echo these words\n', stderr: '' });
    }
    const doc = JSON.parse((await loom(['ask', '-p', 'mock', '--json', 'three little words'], cwd)).stdout);
    expect(doc).toMatchObject({ ok: true, provider: 'mock', model: 'mock', text: 'three little words', usage: { inputTokens: 3, outputTokens: 3 }, costUsd: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('works with no config file at all (`loom ask -p mock` in an empty folder)', async () => {
    const { makeWorkspace } = await import('../support/workspace.js');
    const cwd = await makeWorkspace();
    const result = await loom(['ask', '-p', 'mock', 'hi there'], cwd);
    expect(result).toMatchObject({ code: 0, stdout: 'hi there\n', stderr: '' });
  });
});

describe('loom run on every provider type', () => {
  it.each(['oai', 'compat', 'claude', 'gem', 'mock'])('runs an agent on %s, streaming and not, with the rendered template', async (provider) => {
    const cwd = await workspace(server, {}, {
      'agents/greet/config.json': { provider, system: 'Greet {{who}}.', prompt: 'Say hello to {{who}}.', inputs: { who: { default: 'the team' } } },
    });
    const t = TYPES.find((type) => type.name === provider);
    for (const stream of [true, false]) {
      server.reset();
      if (t) server.enqueue(!stream && 'wholePath' in t ? t.wholePath : t.path, stream ? t.streamed() : t.whole());
      const result = await loom(['run', 'greet', ...(stream ? [] : ['--no-stream'])], cwd);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      if (!t) {
        expect(result.stdout).toBe('Say hello to the team.\n');
        continue;
      }
      expect(result.stdout).toBe('Hello there\n');
      const body = JSON.stringify(server.requests[0]!.body);
      expect(body).toContain('Say hello to the team.');
      expect(body).toContain('Greet the team.');
    }
    const lines = await logLines(cwd);
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.ok && line.agent === 'greet' && line.provider === provider)).toBe(true);
  });
});
