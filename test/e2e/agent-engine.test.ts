/**
 * Issue 5 in-process: planEvents's agent loop with the mock provider and a real or instrumented tool
 * set — what the mock receives on each turn, that calls of one turn run at once, the order of
 * events and summaries, a fallback in the middle of a tool loop, and an interrupt while tools run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlannedProvider, ProviderSettings, RunPlan } from '../../src/core/plan.js';
import { planEvents, type EngineEvent, type EngineOptions } from '../../src/engine/execute-plan.js';
import { createMockProvider, type MockProvider, type MockReply } from '../../src/providers/mock/index.js';
import type { Provider, ToolCall } from '../../src/core/messages.js';
import { createToolSet, type ToolResult, type ToolSet } from '../../src/tools/index.js';

const dirs: string[] = [];
const sets: ToolSet[] = [];
afterEach(async () => {
  await Promise.all(sets.splice(0).map((set) => set.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const RETRY = { retries: 0, minDelayMs: 1, maxDelayMs: 1 };
const config = (name: string): ProviderSettings => ({ name, type: 'mock', keySource: null, needsKey: false, keyVariables: [] });
// A mock's price, as a plan gives it: free.
const entry = (name: string): PlannedProvider => ({ provider: config(name), model: `${name}-model`, retry: RETRY, timeoutMs: 5000, price: { input: 0, output: 0 } });
const plan = (overrides: Partial<RunPlan> = {}): RunPlan => ({
  agent: 'bot',
  chain: [entry('a')],
  request: { messages: [{ role: 'user', content: 'Do the task.' }] },
  stream: true,
  maxSteps: 10,
  maxCost: null,
  input: null,
  log: true,
  tools: null,
  ...overrides,
});

async function run(p: RunPlan, scripts: Record<string, MockReply[]>, tools: ToolSet | undefined, options: Partial<EngineOptions> = {}) {
  const providers: Record<string, MockProvider> = {};
  const createProvider = async (c: ProviderSettings): Promise<Provider> => (providers[c.name] = createMockProvider(c, scripts[c.name] ?? []));
  const events: EngineEvent[] = [];
  for await (const event of planEvents(p, { textReachesUser: true, createProvider, sleep: async () => {}, tools, ...options })) events.push(event);
  return { events, providers, last: events.at(-1)! };
}

async function realTools(files: Record<string, string>, builtins = ['read_file', 'list_files']): Promise<ToolSet> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-agent-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const set = await createToolSet({ builtins, mcpServers: {}, workspace: dir, allow: [], yes: false, shell: false, configDir: dir, env: {} });
  sets.push(set);
  return set;
}

/** A tool set whose calls wait on the test: it records how many run at once. */
function gatedTools(names: string[]) {
  const state = { running: 0, most: 0, started: [] as string[], release: new Map<string, (result: ToolResult) => void>() };
  const set: ToolSet = {
    specs: names.map((name) => ({ name, description: name, parameters: { type: 'object' } })),
    call(call: ToolCall) {
      state.running++;
      state.most = Math.max(state.most, state.running);
      state.started.push(call.id);
      return new Promise<ToolResult>((resolve) => {
        state.release.set(call.id, (result) => {
          state.running--;
          resolve(result);
        });
      });
    },
    close: async () => {},
  };
  return { set, state };
}

const waitFor = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
};

describe('the mock provider in the loop', () => {
  it('receives the assistant\'s tool-call turn and then one tool message per call, with ids, names and error flags', async () => {
    const tools = await realTools({ 'notes.md': 'hello\n' });
    const { providers, last } = await run(plan(), {
      a: [{ text: 'Looking.', toolCalls: [{ id: 't1', name: 'read_file', input: { path: 'notes.md' } }, { id: 't2', name: 'read_file', input: { path: 'nope.md' } }] }, { text: 'Done.' }],
    }, tools);
    expect(last).toMatchObject({ type: 'done', text: 'Done.', steps: 2, toolCalls: [{ name: 'read_file', ok: true }, { name: 'read_file', ok: false }] });
    const calls = providers.a!.calls;
    expect(calls).toHaveLength(2);
    expect(calls[0]!.request.tools!.map((t) => t.name)).toEqual(['read_file', 'list_files']);
    expect(calls[1]!.request.messages).toEqual([
      { role: 'user', content: 'Do the task.' },
      { role: 'assistant', content: 'Looking.', toolCalls: [{ id: 't1', name: 'read_file', input: { path: 'notes.md' } }, { id: 't2', name: 'read_file', input: { path: 'nope.md' } }] },
      { role: 'tool', toolCallId: 't1', toolName: 'read_file', content: 'hello\n' },
      { role: 'tool', toolCallId: 't2', toolName: 'read_file', content: '"nope.md" does not exist', isError: true },
    ]);
  });

  it('the repair turn of structured output carries the invalid answer and the validation errors', async () => {
    const schema = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };
    const { providers, last } = await run(plan({ request: { messages: [{ role: 'user', content: 'Count.' }], responseSchema: schema } }), { a: [{ text: '{"n": 1.5}' }, { text: '{"n": 2}' }] }, undefined);
    expect(last).toMatchObject({ type: 'done', output: { n: 2 }, steps: 2 });
    expect(providers.a!.calls[1]!.request.messages).toEqual([
      { role: 'user', content: 'Count.' },
      { role: 'assistant', content: '{"n": 1.5}' },
      { role: 'user', content: 'Your answer does not match the required JSON Schema:\n- /n: must be integer\nReply again with only the corrected JSON value: no prose, no code fence.' },
    ]);
    expect(providers.a!.calls[1]!.request.responseSchema).toEqual(schema);
  });
});

describe('tool calls of one turn', () => {
  it('run at once; tool_result events come as they finish, while toolCalls and the messages keep the model\'s order', async () => {
    const { set, state } = gatedTools(['slow', 'fast', 'mid']);
    const calls = [{ id: 's', name: 'slow' }, { id: 'f', name: 'fast' }, { id: 'm', name: 'mid' }];
    const running = run(plan(), { a: [{ toolCalls: calls }, { text: 'ok' }] }, set);
    // All three are running before any has finished.
    await waitFor(() => state.running === 3);
    state.release.get('f')!({ ok: true, output: 'fast result' });
    state.release.get('m')!({ ok: false, output: 'mid failed' });
    state.release.get('s')!({ ok: true, output: 'slow result' });
    const { events, providers, last } = await running;
    expect(state.most).toBe(3);
    expect(events.filter((e) => e.type === 'tool_call').map((e) => (e as { id: string }).id)).toEqual(['s', 'f', 'm']);
    expect(events.filter((e) => e.type === 'tool_result').map((e) => (e as { id: string }).id)).toEqual(['f', 'm', 's']);
    expect(last).toMatchObject({ type: 'done', toolCalls: [{ name: 'slow', ok: true }, { name: 'fast', ok: true }, { name: 'mid', ok: false }] });
    expect(providers.a!.calls[1]!.request.messages.slice(2).map((m) => m.content)).toEqual(['slow result', 'fast result', 'mid failed']);
  });

  it('Ctrl-C while tools run: the run ends interrupted, with the calls so far and no further turn', async () => {
    const { set, state } = gatedTools(['wait']);
    const controller = new AbortController();
    const running = run(plan(), { a: [{ text: 'Waiting.', toolCalls: [{ id: 'w', name: 'wait' }] }, { text: 'never' }] }, set, { signal: controller.signal });
    await waitFor(() => state.running === 1);
    controller.abort();
    state.release.get('w')!({ ok: false, output: 'the tool call was aborted' });
    const { providers, last } = await running;
    expect(last).toMatchObject({ type: 'error', error: { code: 'interrupted' }, steps: 1, text: 'Waiting.', toolCalls: [{ name: 'wait', ok: false }] });
    expect(providers.a!.calls).toHaveLength(1);
  });
});

describe('a fallback in the middle of a tool loop', () => {
  it('the fallback gets the whole conversation, the first provider\'s tool calls and results included, and the run stays there', async () => {
    const tools = await realTools({ 'notes.md': 'hello\n' });
    const { providers, last, events } = await run(plan({ chain: [entry('a'), entry('b')] }), {
      a: [{ toolCalls: [{ id: 'a1', name: 'read_file', input: { path: 'notes.md' } }] }, { error: { status: 503 } }],
      b: [{ toolCalls: [{ id: 'b1', name: 'list_files', input: {} }] }, { text: 'Answered by b.' }],
    }, tools);
    expect(events.filter((e) => e.type === 'fallback')).toEqual([{ type: 'fallback', from: 'a', to: 'b', code: 'provider_unavailable' }]);
    expect(last).toMatchObject({ type: 'done', provider: 'b', text: 'Answered by b.', steps: 3, attempts: 4, fallbackFrom: ['a'] });
    expect(providers.a!.calls).toHaveLength(2);
    expect(providers.b!.calls[0]!.request.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(providers.b!.calls[0]!.request.messages[2]).toMatchObject({ toolCallId: 'a1', content: 'hello\n' });
    expect(providers.b!.calls[1]!.request.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool']);
  });
});

describe('budgets in-process', () => {
  const pricedStep = (name: string): PlannedProvider => ({ ...entry(name), price: { input: 1, output: 1 } });

  it('maxCost with a price of $1 per 1M tokens: a turn of 3M tokens passes a $2 budget and stops the run after it', async () => {
    const tools = await realTools({});
    const { last, providers } = await run(plan({ chain: [pricedStep('a')], maxCost: 2, request: { messages: [{ role: 'user', content: 'x' }] } }), {
      a: [{ toolCalls: [{ id: 'l', name: 'list_files' }], usage: { inputTokens: 1_000_000, outputTokens: 2_000_000 } }, { text: 'never' }],
    }, tools);
    expect(last).toMatchObject({ type: 'error', error: { code: 'budget_exceeded' }, costUsd: 3, steps: 1, toolCalls: [] });
    expect(providers.a!.calls).toHaveLength(1);
  });

  it('the estimate before a turn counts what every request carries besides the conversation: the tool definitions and the output schema', async () => {
    const cheap = (name: string): PlannedProvider => ({ ...entry(name), price: { input: 10, output: 10 } });
    // 400,000 characters ≈ 100,000 tokens ≈ $1 at $10 per 1M: past a $0.5 budget before anything is sent.
    const { set } = gatedTools([]);
    const bigTools: ToolSet = { ...set, specs: [{ name: 'huge', description: 'x'.repeat(400_000), parameters: { type: 'object' } }] };
    const withTools = await run(plan({ chain: [cheap('a')], maxCost: 0.5 }), { a: [{ text: 'never' }] }, bigTools);
    expect(withTools.last).toMatchObject({ type: 'error', error: { code: 'budget_exceeded' }, steps: 0 });
    expect(withTools.providers.a?.calls ?? []).toHaveLength(0);

    const bigSchema = { type: 'object', description: 'y'.repeat(400_000) };
    const withSchema = await run(plan({ chain: [cheap('a')], maxCost: 0.5, request: { messages: [{ role: 'user', content: 'x' }], responseSchema: bigSchema } }), { a: [{ text: '{}' }] }, undefined);
    expect(withSchema.last).toMatchObject({ type: 'error', error: { code: 'budget_exceeded' }, steps: 0 });

    // The same run with a budget that covers it goes ahead.
    const fine = await run(plan({ chain: [cheap('a')], maxCost: 2 }), { a: [{ text: 'sent' }] }, bigTools);
    expect(fine.last).toMatchObject({ type: 'done', text: 'sent' });
  });
});
