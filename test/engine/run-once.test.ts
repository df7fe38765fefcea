/**
 * runOnce, without a terminal: the one call every command that runs an agent makes. A scripted
 * provider answers; the outcome (last event, exit code, run-log line) is asserted.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedProvider, ProviderSettings, RunPlan } from '../../src/core/plan.js';
import { KnownSecrets } from '../../src/core/secrets.js';
import type { EngineEvent } from '../../src/engine/execute-plan.js';
import { runOnce } from '../../src/engine/run-once.js';
import { createMockProvider } from '../../src/providers/mock/index.js';
import type { MockReply } from '../../src/providers/mock/script.js';

const provider: ProviderSettings = { name: 'scripted', type: 'mock', keySource: null, needsKey: false, keyVariables: [] };
const entry: PlannedProvider = { provider, model: 'm', retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 5000, price: { input: 0, output: 0 } };

function plan(overrides: Partial<RunPlan> = {}): RunPlan {
  return { agent: 'bot', chain: [entry], request: { messages: [{ role: 'user', content: 'Read notes.md' }] }, stream: true, maxSteps: 5, maxCost: null, input: 'Read notes.md', log: true, tools: null, ...overrides };
}

async function workspaceWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-run-once-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const toolPlan = (workspace: string) => ({ builtins: ['read_file'], mcpServers: {}, allow: [], shell: false, workspace, configDir: workspace, protect: { folders: [], files: [] }, networkAllow: [], sandbox: false as const });

describe('runOnce', () => {
  it('starts the plan\'s tools, runs the loop and comes to a result, exit 0 and a log line', async () => {
    const workspace = await workspaceWith({ 'notes.md': 'the notes\n' });
    const replies: MockReply[] = [{ toolCalls: [{ id: 'r1', name: 'read_file', input: { path: 'notes.md' } }] }, { text: 'They say: the notes.', usage: { inputTokens: 10, outputTokens: 5 } }];
    const events: EngineEvent[] = [];
    const outcome = await runOnce(plan({ tools: toolPlan(workspace) }), {
      textReachesUser: false,
      createProvider: async (config) => createMockProvider(config, replies),
      onEvent: (event) => events.push(event),
      tools: { env: {}, yes: false },
    });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.final).toMatchObject({ type: 'done', text: 'They say: the notes.', steps: 2, toolCalls: [{ name: 'read_file', ok: true }], provider: 'scripted' });
    expect(events.map((e) => e.type).filter((type) => type !== 'delta')).toEqual(['start', 'tool_call', 'tool_result', 'usage', 'done']);
    expect(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text).join('')).toBe('They say: the notes.');
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({ ok: true, output: 'the notes\n' });
    expect(outcome.logEntry).toMatchObject({ agent: 'bot', ok: true, input: 'Read notes.md', text: 'They say: the notes.', steps: 2, error: null });
  });

  it('a failed run: the error event, its exit code and a log line with the partial answer', async () => {
    const outcome = await runOnce(plan(), { textReachesUser: false, createProvider: async (config) => createMockProvider(config, [{ text: 'Half an ans', error: { status: 401, message: 'bad key' } }]) });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.final).toMatchObject({ type: 'error', error: { code: 'auth_failed' }, text: 'Half an ans' });
    expect(outcome.logEntry).toMatchObject({ ok: false, error: { code: 'auth_failed' }, text: 'Half an ans' });
  });

  it('tools that cannot start: nothing is sent, no log line for a config error (exit 2)', async () => {
    let asked = 0;
    const outcome = await runOnce(plan({ tools: toolPlan('/no/such/folder') }), {
      textReachesUser: false,
      createProvider: async (config) => ((asked++, createMockProvider(config, [{ text: 'never' }])) as never),
      tools: { env: {}, yes: false },
    });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.final).toMatchObject({ type: 'error', error: { code: 'config_invalid', provider: null } });
    expect(outcome.logEntry).toBeNull();
    expect(asked).toBe(0);
  });

  it('redacts the log line\'s texts with the known secrets before they are cut', async () => {
    const secrets = new KnownSecrets();
    secrets.add('sk-test-run-once-0123456789');
    const outcome = await runOnce(plan({ input: 'key sk-test-run-once-0123456789' }), { textReachesUser: false, secrets, createProvider: async (config) => createMockProvider(config, [{ text: 'ok' }]) });
    expect(outcome.logEntry?.input).toBe('key [redacted]');
  });
});
