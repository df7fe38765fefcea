/**
 * Issue 4 end to end: retries, retry-after, fallback, timeouts, broken streams, network
 * failures, key hygiene and Ctrl-C — the built CLI against a fake server injecting faults.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { anthropicWire, drop, FakeProviderServer, geminiWire, hang, openaiWire, raw, type FakeResponse } from '../support/fake-provider-server.js';
import { ANTHROPIC_PATH, geminiStream, jsonLines, KEYS, logLines, logText, loom, OPENAI_PATH, spawnLoom, until, workspace } from './run-helpers.js';
import { INTERNAL_ERROR } from '../../src/cli/report-error.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const ok = (...text: string[]) => openaiWire.sse(openaiWire.chunks({ text: text.length ? text : ['ok'] }));
const gaps = (path: string) => {
  const times = server.requestsTo(path).map((r) => r.at);
  return times.slice(1).map((at, i) => at - times[i]!);
};

describe('retries', () => {
  it.each([
    [408, 'timeout'],
    [409, 'provider_unavailable'],
    [429, 'rate_limited'],
    [500, 'provider_unavailable'],
    [502, 'provider_unavailable'],
    [503, 'provider_unavailable'],
    [504, 'provider_unavailable'],
    [529, 'provider_unavailable'],
  ])('retries a %i: retries 2 means 3 requests, then fails with %s', async (status, code) => {
    const cwd = await workspace(server);
    server.route(OPENAI_PATH, () => openaiWire.error(status, `status ${status}`));
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(server.requests).toHaveLength(3);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code, status, provider: 'oai' }, attempts: 3 });
    expect(result.stderr.match(/retrying in/g)).toHaveLength(2);
  });

  it.each([
    [400, 'bad_request'],
    [401, 'auth_failed'],
    [403, 'auth_failed'],
    [404, 'not_found'],
    [422, 'bad_request'],
  ])('never retries a %i (%s): one request', async (status, code) => {
    const cwd = await workspace(server);
    server.route(OPENAI_PATH, () => openaiWire.error(status, `status ${status}`));
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(server.requests).toHaveLength(1);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code, status }, attempts: 1 });
    expect(result.stderr).not.toContain('retrying');
  });

  it('recovers after a failure: the answer once, attempts counted, one notice per retry in the contract form', async () => {
    const cwd = await workspace(server, { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5000 } });
    server.enqueue(OPENAI_PATH, openaiWire.error(429, 'slow down', { headers: { 'retry-after': '1.2' } }), openaiWire.error(503, 'busy', { headers: { 'retry-after-ms': '10' } }), ok('Hel', 'lo'));
    const result = await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Hello\n');
    expect(result.stderr).toBe('loom: oai: rate limited (429), retrying in 1.2s (2/4)\nloom: oai: unavailable (503), retrying in 10ms (3/4)\n');
    expect(server.requests).toHaveLength(3);
    expect(gaps(OPENAI_PATH)[0]).toBeGreaterThanOrEqual(1200);
    expect(await logLines(cwd)).toMatchObject([{ ok: true, attempts: 3 }]);
  });

  it('honours retry-after (seconds) and retry-after-ms: the gap between requests is at least the wait asked for', async () => {
    const cwd = await workspace(server, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2000 } });
    server.enqueue(OPENAI_PATH, openaiWire.error(429, 'wait', { headers: { 'retry-after': '0.3' } }), openaiWire.error(429, 'wait', { headers: { 'retry-after-ms': '250' } }), ok());
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, attempts: 3 });
    const [first, second] = gaps(OPENAI_PATH);
    expect(first).toBeGreaterThanOrEqual(300);
    expect(second).toBeGreaterThanOrEqual(250);
    // No needless extra waiting either (generous bound for a loaded machine).
    expect(first! + second!).toBeLessThan(550 + 1000);
  });

  it('honours an HTTP-date retry-after and Gemini RetryInfo.retryDelay', async () => {
    const cwd = await workspace(server, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 3000 } });
    const path = geminiStream('gemini-3.5-flash');
    server.enqueue(path, geminiWire.error(429, 'RESOURCE_EXHAUSTED', 'quota', { retryDelay: '0.4s' }), geminiWire.sse(geminiWire.chunks([[{ text: 'ok' }]])));
    const gem = await loom(['ask', '-p', 'gem', '--json', 'hi'], cwd);
    expect(JSON.parse(gem.stdout)).toMatchObject({ ok: true, attempts: 2 });
    expect(gaps(path)[0]).toBeGreaterThanOrEqual(400);

    server.reset();
    // An HTTP date has whole seconds: three seconds ahead is at least two seconds away, and still
    // more than one once the CLI has started, however slowly (within maxDelayMs: waited for).
    server.enqueue(OPENAI_PATH, openaiWire.error(503, 'later', { headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() } }), ok());
    const dated = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(JSON.parse(dated.stdout)).toMatchObject({ ok: true, attempts: 2 });
    expect(gaps(OPENAI_PATH)[0]).toBeGreaterThanOrEqual(900);
  });

  it('a retry-after longer than maxDelayMs is not waited for: the provider fails and the fallback answers', async () => {
    const cwd = await workspace(server, { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1000 }, fallback: ['claude'] });
    server.enqueue(OPENAI_PATH, openaiWire.error(429, 'come back in an hour', { headers: { 'retry-after': '3600' } }));
    server.enqueue(ANTHROPIC_PATH, anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['from claude'] }] })));
    const started = Date.now();
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, provider: 'claude', fallbackFrom: ['oai'], text: 'from claude', attempts: 2 });
    expect(result.stderr).toContain('oai failed (rate_limited); falling back to claude');

    // With nothing to fall back to, the run fails at once, saying why.
    server.reset();
    const alone = await workspace(server, { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1000 } });
    server.enqueue(OPENAI_PATH, openaiWire.error(429, 'come back in an hour', { headers: { 'retry-after': '3600' } }));
    const failed = await loom(['ask', '-p', 'oai', 'hi'], alone);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^loom: error: oai: rate limited \(429\).*more than maxDelayMs/);
    expect(server.requests).toHaveLength(1);
  });

  it('retry settings merge: the agent over the provider over the project', async () => {
    const cwd = await workspace(server, {
      retry: { retries: 5, minDelayMs: 1, maxDelayMs: 10 },
      providers: { oai: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'gpt-5.4-mini', apiKey: '${OPENAI_TEST_KEY}', retry: { retries: 3 } } },
    }, { 'agents/a/config.json': { provider: 'oai', prompt: 'hi', retry: { retries: 1 } } });
    server.route(OPENAI_PATH, () => openaiWire.error(500, 'down'));
    await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(server.requests).toHaveLength(4);
    server.reset();
    server.route(OPENAI_PATH, () => openaiWire.error(500, 'down'));
    await loom(['run', 'a'], cwd);
    expect(server.requests).toHaveLength(2);
  });
});

describe('fallback', () => {
  it('falls back along the chain with a notice; --json and the log name who answered and who failed', async () => {
    const cwd = await workspace(server, { fallback: ['claude', 'gem'] });
    server.route(OPENAI_PATH, () => openaiWire.error(503, 'down'));
    server.route(ANTHROPIC_PATH, () => anthropicWire.error(529, 'overloaded_error', 'Overloaded'));
    server.enqueue(geminiStream('gemini-3.5-flash'), geminiWire.sse(geminiWire.chunks([[{ text: 'from gemini' }]])));
    const result = await loom(['ask', '--json', 'hi'], cwd);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: true, provider: 'gem', model: 'gemini-3.5-flash', fallbackFrom: ['oai', 'claude'], text: 'from gemini', attempts: 7 });
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(3);
    expect(server.requestsTo(ANTHROPIC_PATH)).toHaveLength(3);
    expect(result.stderr).toContain('loom: oai failed (provider_unavailable); falling back to claude\n');
    expect(result.stderr).toContain('loom: claude failed (provider_unavailable); falling back to gem\n');
    expect(await logLines(cwd)).toMatchObject([{ ok: true, provider: 'gem', fallbackFrom: ['oai', 'claude'], attempts: 7 }]);

    // In text mode, the answer is printed once and the notices go to stderr.
    server.reset();
    server.route(OPENAI_PATH, () => openaiWire.error(503, 'down'));
    server.route(ANTHROPIC_PATH, () => anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['from ', 'claude'] }] })));
    const text = await loom(['ask', 'hi'], cwd);
    expect(text).toMatchObject({ code: 0, stdout: 'from claude\n' });
    expect(text.stderr.split('\n').filter(Boolean)).toEqual([
      'loom: oai: unavailable (503), retrying in 1ms (2/3)',
      expect.stringMatching(/^loom: oai: unavailable \(503\), retrying in \d+ms \(3\/3\)$/),
      'loom: oai failed (provider_unavailable); falling back to claude',
    ]);
  });

  it('--jsonl carries retry and fallback events', async () => {
    const cwd = await workspace(server, { fallback: ['compat'], retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } });
    server.enqueue(OPENAI_PATH, openaiWire.error(500, 'down'), openaiWire.error(500, 'down'), ok('fine'));
    const events = jsonLines((await loom(['ask', '-p', 'oai', '--jsonl', 'hi'], cwd)).stdout);
    expect(events.map((e) => e.type)).toEqual(['start', 'retry', 'fallback', 'delta', 'usage', 'done']);
    expect(events[1]).toEqual({ type: 'retry', provider: 'oai', attempt: 2, maxAttempts: 2, delayMs: 1, code: 'provider_unavailable', status: 500 });
    expect(events[2]).toEqual({ type: 'fallback', from: 'oai', to: 'compat', code: 'provider_unavailable' });
    expect(events[5]).toMatchObject({ provider: 'compat', model: 'llama3.2', fallbackFrom: ['oai'], attempts: 3 });
  });

  it('a model named by the agent or -m belongs to the primary; a fallback uses its own', async () => {
    const cwd = await workspace(server, { fallback: ['compat'] }, { 'agents/a/config.json': { provider: 'oai', model: 'gpt-5.5', prompt: 'hi' } });
    server.enqueue(OPENAI_PATH, openaiWire.error(401, 'bad key'), ok('from compat'));
    const run = JSON.parse((await loom(['run', 'a', '--json'], cwd)).stdout);
    expect(run).toMatchObject({ ok: true, provider: 'compat', model: 'llama3.2', fallbackFrom: ['oai'] });
    expect(server.requests.map((r) => r.body.model)).toEqual(['gpt-5.5', 'llama3.2']);

    server.reset();
    server.enqueue(OPENAI_PATH, openaiWire.error(404, 'no such model'), ok('from compat'));
    const ask = JSON.parse((await loom(['ask', '-p', 'oai', '-m', 'gpt-5.4', '--json', 'hi'], cwd)).stdout);
    expect(ask).toMatchObject({ ok: true, provider: 'compat', model: 'llama3.2' });
    expect(server.requests.map((r) => r.body.model)).toEqual(['gpt-5.4', 'llama3.2']);
  });

  it('an agent fallback list replaces the project one', async () => {
    const cwd = await workspace(server, { fallback: ['claude'] }, { 'agents/a/config.json': { provider: 'oai', prompt: 'hi', fallback: ['compat'] } });
    server.enqueue(OPENAI_PATH, openaiWire.error(500, 'down'), openaiWire.error(500, 'down'), openaiWire.error(500, 'down'), ok('compat'));
    const doc = JSON.parse((await loom(['run', 'a', '--json'], cwd)).stdout);
    expect(doc).toMatchObject({ ok: true, provider: 'compat' });
    expect(server.requestsTo(ANTHROPIC_PATH)).toHaveLength(0);
  });

  it('a fallback whose key is missing is skipped with a notice', async () => {
    const cwd = await workspace(server, { fallback: ['claude', 'compat'] });
    server.enqueue(OPENAI_PATH, openaiWire.error(401, 'bad key'), ok('from compat'));
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd, { env: { ANTHROPIC_TEST_KEY: undefined } });
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, provider: 'compat', fallbackFrom: ['oai'] });
    expect(result.stderr).toContain('skipping fallback claude: no API key (set ANTHROPIC_TEST_KEY)');
    expect(server.requestsTo(ANTHROPIC_PATH)).toHaveLength(0);
  });

  it('a bad request does not fall back', async () => {
    const cwd = await workspace(server, { fallback: ['compat'] });
    server.enqueue(OPENAI_PATH, openaiWire.error(400, 'context too long: 900000 tokens'));
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(result.code).toBe(1);
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('context too long') }, fallbackFrom: [] });
    expect(result.stderr).not.toContain('falling back');
  });

  it('when every provider fails, the error is the last one, with every provider tried in fallbackFrom', async () => {
    const cwd = await workspace(server, { fallback: ['compat'], retry: { retries: 0 } });
    server.enqueue(OPENAI_PATH, openaiWire.error(503, 'down'), openaiWire.error(429, 'slow'));
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, provider: 'compat', error: { code: 'rate_limited', provider: 'compat', status: 429 }, fallbackFrom: ['oai'], attempts: 2 });
    expect(await logLines(cwd)).toMatchObject([{ ok: false, provider: 'compat', fallbackFrom: ['oai'], error: { code: 'rate_limited' } }]);
  });
});

describe('timeouts and broken connections', () => {
  it('a server that never answers is a timeout after timeoutMs, retried', async () => {
    const cwd = await workspace(server, { timeoutMs: 300 });
    server.route(OPENAI_PATH, () => hang());
    const started = Date.now();
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests).toHaveLength(3);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'timeout', provider: 'oai', status: null }, attempts: 3 });
    expect(result.stderr).toContain('oai: timed out, retrying in');
  });

  it('a stream that stalls before any text is a timeout and is retried; one that keeps sending text is never cut', async () => {
    const cwd = await workspace(server, { timeoutMs: 400 });
    const stalled: FakeResponse = openaiWire.sse(openaiWire.chunks({ text: ['never'] }).slice(0, 1), 'hang');
    // 150 ms between text chunks, 750 ms in all: longer than timeoutMs, never silent that long.
    const slow = openaiWire.chunks({ text: ['slow', ' but', ' steady', ' words'] }).map((event, i) => (i < 5 ? { ...event, delayMs: 150 } : event));
    server.enqueue(OPENAI_PATH, stalled, openaiWire.sse(slow));
    const result = await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(result).toMatchObject({ code: 0, stdout: 'slow but steady words\n' });
    expect(server.requests).toHaveLength(2);
    expect(result.stderr).toMatch(/^loom: oai: timed out, retrying in \d+ms \(2\/3\)\n$/);
  });

  it('a stream that stalls after text was printed: timeout, exit 1, the partial text kept once', async () => {
    const cwd = await workspace(server, { timeoutMs: 300 });
    server.route(OPENAI_PATH, () => openaiWire.sse(openaiWire.chunks({ text: ['partial ', 'answer'] }).slice(0, 3), 'hang'));
    const result = await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('partial answer\n');
    expect(server.requests).toHaveLength(1);
    expect(result.stderr).toMatch(/^loom: error: oai: no response for 300ms \(the answer broke off after part of it was printed\)\n/);
    expect(await logLines(cwd)).toMatchObject([{ ok: false, text: 'partial answer', error: { code: 'timeout' } }]);
  });

  it('a stream cut after text was printed: exit 1, stdout holds the partial text exactly once; under --json it is retried', async () => {
    const cwd = await workspace(server);
    const cut = () => openaiWire.sse(openaiWire.chunks({ text: ['Hel', 'lo'] }).slice(0, 3), 'drop');
    server.enqueue(OPENAI_PATH, cut(), ok('Hel', 'lo', ' world'));
    const text = await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('Hello\n');
    expect(server.requests).toHaveLength(1);
    expect(text.stderr).toContain('broke off after part of it was printed');

    server.reset();
    server.enqueue(OPENAI_PATH, cut(), ok('Hel', 'lo', ' world'));
    const json = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, text: 'Hello world', attempts: 2 });
    expect(server.requests).toHaveLength(2);

    // --jsonl shows deltas as they come: it is not retried either.
    server.reset();
    server.enqueue(OPENAI_PATH, cut(), ok('Hel', 'lo', ' world'));
    const jsonl = await loom(['ask', '-p', 'oai', '--jsonl', 'hi'], cwd);
    expect(jsonl.code).toBe(1);
    expect(jsonLines(jsonl.stdout).map((e) => e.type)).toEqual(['start', 'delta', 'delta', 'error']);
  });

  it('a stream cut before any text is retried, and so is a connection dropped without a response', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['x'] }).slice(0, 1), 'drop'), drop(), ok('fine'));
    const result = await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(result).toMatchObject({ code: 0, stdout: 'fine\n' });
    expect(server.requests).toHaveLength(3);
  });

  it('connection refused (a dead port) is `network`, retried', async () => {
    const port = await deadPort();
    const cwd = await workspace(server, { providers: { dead: { type: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' } } });
    const result = await loom(['ask', '-p', 'dead', '--json', 'hi'], cwd);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'network', provider: 'dead', status: null }, attempts: 3 });
    expect(result.stderr.match(/dead: network error, retrying in/g)).toHaveLength(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a malformed body is a clean error, never a stack trace', async () => {
    const cwd = await workspace(server, { retry: { retries: 0 } });
    server.enqueue(OPENAI_PATH, raw('<html>not json</html>', 200, { 'content-type': 'text/html' }));
    const result = await loom(['ask', '-p', 'oai', '--no-stream', 'hi'], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^loom: error: oai: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain(INTERNAL_ERROR);
  });

  // Providers hold back what is not text yet (tool-call argument fragments, usage, Anthropic pings
  // and thinking deltas), but each wire event is an `activity` event that re-arms the silence
  // timer: a stream that keeps sending those for longer than timeoutMs is not cut.
  it('a stream that keeps sending tool-call fragments for longer than timeoutMs is not cut', async () => {
    const cwd = await workspace(server, { timeoutMs: 400, retry: { retries: 0 } });
    const fragments = openaiWire.chunks({ toolCalls: [{ id: 'call_1', name: 'write_file', args: ['{"path":', '"a.txt",', '"content":', '"x"}'] }] });
    server.enqueue(OPENAI_PATH, openaiWire.sse(fragments.map((event) => ({ ...event, delayMs: 150 }))));
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(JSON.parse(result.stdout).error?.code).not.toBe('timeout');
  });
});

describe('keys never leak', () => {
  it('a 401 whose body echoes the key: the key is nowhere in stdout, stderr, --json, --jsonl or the log', async () => {
    const cwd = await workspace(server, { fallback: ['claude'] });
    const echo = () => openaiWire.error(401, `Incorrect API key provided: ${KEYS.OPENAI_TEST_KEY}. You can find your API key at https://platform.openai.com`);
    const echoClaude = () => anthropicWire.error(401, 'authentication_error', `invalid x-api-key ${KEYS.ANTHROPIC_TEST_KEY}`);
    const outputs: string[] = [];
    for (const mode of [[], ['--json'], ['--jsonl'], ['--debug']]) {
      server.enqueue(OPENAI_PATH, echo());
      server.enqueue(ANTHROPIC_PATH, echoClaude());
      const result = await loom(['ask', '-p', 'oai', ...mode, 'hi'], cwd);
      expect(result.code).toBe(1);
      outputs.push(result.stdout, result.stderr);
    }
    outputs.push(await logText(cwd));
    const all = outputs.join('\n');
    expect(all).toContain('[redacted]');
    expect(all).toContain('auth_failed');
    for (const key of Object.values(KEYS)) expect(all).not.toContain(key);
    expect(all).toContain('hint: check the key in ANTHROPIC_TEST_KEY'); // the variable, not its value
  });
});

describe('keys never leak from a streamed answer', () => {
  it('a key the model streams back split across deltas is redacted whole, in text and --jsonl; other text is untouched', async () => {
    const cwd = await workspace(server);
    const key = KEYS.OPENAI_TEST_KEY;
    const pieces = ['your key: ', key.slice(0, 7), key.slice(7, 20), key.slice(20), ' and s', 'k-ish words'];
    server.route(OPENAI_PATH, () => openaiWire.sse(openaiWire.chunks({ text: pieces })));
    const text = await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(text).toMatchObject({ code: 0, stdout: 'your key: [redacted] and sk-ish words\n', stderr: '' });
    const jsonl = await loom(['ask', '-p', 'oai', '--jsonl', 'hi'], cwd);
    const deltas = jsonLines(jsonl.stdout).filter((e) => e.type === 'delta').map((e) => e.text);
    expect(deltas.join('')).toBe('your key: [redacted] and sk-ish words');
    expect(jsonl.stdout).not.toContain(key.slice(7, 20));
    expect(jsonLines(jsonl.stdout).at(-1)).toMatchObject({ type: 'done', text: 'your key: [redacted] and sk-ish words' });
    expect(await logText(cwd)).not.toContain(key);
  });

  it('a stream ending on what looks like the start of a key prints it at the end', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['ends with sk-te'] })));
    expect(await loom(['ask', '-p', 'oai', 'hi'], cwd)).toMatchObject({ code: 0, stdout: 'ends with sk-te\n' });
  });
});

describe('Ctrl-C', () => {
  it('while waiting for the server: exit 130, a log line with `interrupted`', async () => {
    const cwd = await workspace(server);
    server.route(OPENAI_PATH, () => hang());
    const live = spawnLoom(['ask', '-p', 'oai', 'hi'], cwd);
    await until(() => server.requests.length === 1);
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('interrupted');
    expect(server.requests).toHaveLength(1);
    expect(await logLines(cwd)).toMatchObject([{ ok: false, error: { code: 'interrupted' }, provider: 'oai' }]);
  });

  it('mid-stream: exit 130, the partial answer kept on stdout, the log line written; --json gives its document', async () => {
    const cwd = await workspace(server);
    server.route(OPENAI_PATH, () => openaiWire.sse(openaiWire.chunks({ text: ['partial ', 'words'] }).slice(0, 3), 'hang'));
    const live = spawnLoom(['ask', '-p', 'oai', 'hi'], cwd);
    // The final "s" could begin a key (sk-test-…): it is held back until the stream goes on or ends.
    await live.waitFor('partial word');
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('partial words\n');
    expect(result.stderr).toMatch(/^loom: error: interrupted\n/);
    expect(await logLines(cwd)).toMatchObject([{ ok: false, text: 'partial words', error: { code: 'interrupted' } }]);

    const json = spawnLoom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    await until(() => server.requests.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    json.child.kill('SIGINT');
    const doc = await json.done;
    expect(doc.code).toBe(130);
    expect(JSON.parse(doc.stdout)).toMatchObject({ ok: false, error: { code: 'interrupted' } });
    expect(await logLines(cwd)).toHaveLength(2);
  });

  it('during a retry wait: exit 130 at once', async () => {
    const cwd = await workspace(server, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 60_000 } });
    server.route(OPENAI_PATH, () => openaiWire.error(429, 'wait', { headers: { 'retry-after': '30' } }));
    const live = spawnLoom(['ask', '-p', 'oai', 'hi'], cwd);
    await live.waitFor('retrying in 30s', 'stderr');
    const started = Date.now();
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.code).toBe(130);
    expect(server.requests).toHaveLength(1);
    expect(await logLines(cwd)).toMatchObject([{ ok: false, error: { code: 'interrupted' } }]);
  });
});

async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
