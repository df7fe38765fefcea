import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeProviderServer, json, openaiWire } from '../support/fake-provider-server.js';
import { runLoom } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

const KEY = 'sk-test-check-0123456789abcdef';
let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('loom providers --check', () => {
  it('probes every provider in use, reports ok and latency, and exit 1 when one fails', async () => {
    server = await FakeProviderServer.start();
    server.route('/v1/chat/completions', () => json(openaiWire.completion({ text: 'OK' })));
    const dead = await deadPort();
    const cwd = await makeWorkspace({
      'loom.config.json': {
        defaultProvider: 'up',
        fallback: ['down'],
        providers: {
          up: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'gpt-5.4-mini', apiKey: '${UP_KEY}' },
          down: { type: 'openai-compatible', baseUrl: `http://127.0.0.1:${dead}/v1`, model: 'llama3.2', retry: { retries: 0 } },
        },
      },
    });
    const result = await runLoom(['providers', '--check', '--json'], { cwd, env: { UP_KEY: KEY } });
    expect(result.code).toBe(1);
    const listing = JSON.parse(result.stdout) as Array<Record<string, any>>;
    const byName = Object.fromEntries(listing.map((entry) => [entry.name, entry]));
    expect(byName.up).toMatchObject({ ok: true, error: null, keySet: true, keySource: 'UP_KEY' });
    expect(byName.up.latencyMs).toBeGreaterThanOrEqual(0);
    expect(byName.down).toMatchObject({ ok: false, latencyMs: null, error: { code: 'network', provider: 'down', status: null } });
    // Providers the project does not use are listed but not probed.
    expect(byName.anthropic).toMatchObject({ ok: null, latencyMs: null, error: null });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  it('exit 0 when every probed provider answers; providers named on the command line are probed too', async () => {
    server = await FakeProviderServer.start();
    server.route('/v1/chat/completions', () => json(openaiWire.completion({ text: 'OK' })));
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'mock', providers: { local: { type: 'openai-compatible', baseUrl: `${server.url}/v1`, model: 'llama3.2' } } },
    });
    const result = await runLoom(['providers', '--check', 'local'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^mock\s+mock\s+ok\s+\d+ms$/m);
    expect(result.stdout).toMatch(/^local\s+llama3\.2\s+ok\s+\d+ms$/m);
    expect(server.requests).toHaveLength(1);
  });

  it('a provider in use without its key fails the check without a request', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'openai' } });
    const result = await runLoom(['providers', '--check'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^openai\s+gpt-5\.4-mini\s+missing_api_key\s+no API key: set OPENAI_API_KEY$/m);
  });
});
