/**
 * One timeout (issue 11): the merged `timeoutMs` of a chain entry (agent over provider over
 * project) is the engine's bound on silences and the SDK's own bound on the wait for response
 * headers alike. An agent that allows longer than its provider's entry gets the longer wait
 * from the SDK too, not the provider's: a server that answers after the provider's timeout but
 * within the agent's is a success, on a real socket through the real SDKs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/config/build-plan.js';
import { loadAgent, loadProject } from '../../src/config/load.js';
import { credentialReader } from '../../src/config/resolve-provider.js';
import type { ProviderSettings } from '../../src/core/plan.js';
import { runOnce } from '../../src/engine/run-once.js';
import { createMockProvider } from '../../src/providers/mock/index.js';
import type { ProviderContext } from '../../src/providers/registry.js';
import { anthropicWire, openaiWire, type SseEvent } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';

const PROVIDER_TIMEOUT_MS = 150;
const AGENT_TIMEOUT_MS = 10_000;
/** Past the provider's timeout, well within the agent's. */
const ANSWER_AFTER_MS = 700;

/** A server that sends nothing, not even headers, for ANSWER_AFTER_MS, then streams a short answer. */
let server: http.Server;
let url = '';
const requests: string[] = [];

const sse = (events: SseEvent[]) => events.map((event) => `${event.event ? `event: ${event.event}\n` : ''}data: ${typeof event.data === 'string' ? event.data : JSON.stringify(event.data)}\n\n`).join('');

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push(req.url ?? '');
      const body = req.url?.startsWith('/v1/messages') ? sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['late', ' but fine'] }] })) : sse(openaiWire.chunks({ text: ['late', ' but fine'] }));
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(body);
      }, ANSWER_AFTER_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function agentProject() {
  const entry = { timeoutMs: PROVIDER_TIMEOUT_MS, retry: { retries: 0 } };
  const root = await makeWorkspace({
    'loom.config.json': {
      providers: {
        oai: { type: 'openai', baseUrl: `${url}/v1`, model: 'gpt-5.4-mini', apiKey: '${OAI_KEY}', ...entry },
        claude: { type: 'anthropic', baseUrl: url, model: 'claude-sonnet-5-5', apiKey: '${CLAUDE_KEY}', ...entry },
      },
    },
    'agents/patient/config.json': { prompt: 'hi', timeoutMs: AGENT_TIMEOUT_MS },
  });
  return loadProject({ cwd: root, env: { HOME: root, XDG_CONFIG_HOME: join(root, '.xdg'), OAI_KEY: 'sk-test-oai-timeout', CLAUDE_KEY: 'sk-test-claude-timeout' } });
}

describe('one timeout, the engine\'s and the SDK\'s', () => {
  it.each(['oai', 'claude'])('an agent timeoutMs longer than its provider\'s reaches the SDK: a late answer on %s is a success', async (provider) => {
    const project = await agentProject();
    const plan = await buildPlan(project, await loadAgent(project, 'patient', project.rootDir), { provider, vars: {}, input: null, stream: true });
    expect(plan.chain[0]?.timeoutMs).toBe(AGENT_TIMEOUT_MS);
    const before = requests.length;
    const outcome = await runOnce(plan, { textReachesUser: true, credentials: credentialReader(project.raw, project.env) });
    expect(outcome.final).toMatchObject({ type: 'done', text: 'late but fine', attempts: 1 });
    expect(outcome.exitCode).toBe(0);
    expect(requests.length - before).toBe(1);
  });

  it('each provider is built with its entry\'s merged timeout, and reads its credentials only then', async () => {
    const built: Array<{ name: string; timeoutMs: number; key: string | undefined }> = [];
    const plan = {
      agent: null,
      chain: [
        { provider: { name: 'a', type: 'mock', keySource: 'A_KEY', needsKey: true, keyVariables: ['A_KEY'] } as ProviderSettings, model: 'm', retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 4321, price: null },
      ],
      request: { messages: [{ role: 'user' as const, content: 'hi' }] },
      stream: true,
      maxSteps: 2,
      maxCost: null,
      input: 'hi',
      log: false,
      tools: null,
    };
    let reads = 0;
    const outcome = await runOnce(plan, {
      textReachesUser: false,
      credentials: (name) => {
        reads++;
        return { apiKey: `key-of-${name}`, headers: {} };
      },
      createProvider: async (settings: ProviderSettings, context: ProviderContext) => {
        built.push({ name: settings.name, timeoutMs: context.timeoutMs, key: context.credentials().apiKey });
        return createMockProvider(settings, [{ text: 'ok' }]);
      },
    });
    expect(outcome.final.type).toBe('done');
    expect(built).toEqual([{ name: 'a', timeoutMs: 4321, key: 'key-of-a' }]);
    expect(reads).toBe(1);
  });
});
