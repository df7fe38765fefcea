/**
 * Issue 10 in the engine: a refusal fails the run with `refused` (its usage kept, not retried, no
 * fallback); each HTTP request a provider reports becomes an `http` event with its attempt; a
 * setting a provider of the chain does not take is one warning per run; costs are tidy.
 */
import { describe, expect, it } from 'vitest';
import type { PlannedProvider, ProviderSettings, RunPlan } from '../../src/core/plan.js';
import { priceFor } from '../../src/providers/pricing.js';
import { LoomError } from '../../src/core/errors.js';
import { planEvents, type EngineEvent } from '../../src/engine/execute-plan.js';
import { createMockProvider, type MockReply } from '../../src/providers/mock/index.js';
import type { Provider, ProviderEvent } from '../../src/core/messages.js';

const RETRY = { retries: 2, minDelayMs: 1, maxDelayMs: 10 };

const config = (name: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings => ({ name, type: 'mock', keySource: null, needsKey: false, keyVariables: [], ...overrides });
/** A chain entry; its price, unless given, is the built-in one of its provider and model (as a plan's). */
const entry = (name: string, overrides: Partial<PlannedProvider> = {}): PlannedProvider => {
  const provider = overrides.provider ?? config(name);
  return { provider, model: `${name}-model`, retry: RETRY, timeoutMs: 5000, price: priceFor(provider.type, overrides.model ?? `${name}-model`, undefined, provider.name), ...overrides };
};
const plan = (chain: PlannedProvider[], overrides: Partial<RunPlan> = {}): RunPlan => ({ agent: null, chain, request: { messages: [{ role: 'user', content: 'hi' }] }, stream: true, maxSteps: 10, maxCost: null, input: 'hi', log: true, tools: null, ...overrides });

/** A provider that plays scripted event lists, one per request (a thrown error where given). */
function scripted(name: string, turns: (ProviderEvent[] | Error)[]): Provider & { calls: number } {
  const provider = {
    name,
    type: 'mock',
    calls: 0,
    async *stream(): AsyncGenerator<ProviderEvent> {
      const turn = turns[provider.calls++];
      if (!turn) throw new Error('no turn left');
      if (turn instanceof Error) throw turn;
      yield* turn;
    },
  };
  return provider;
}

async function run(p: RunPlan, providers: Record<string, Provider>): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  const createProvider = async (c: ProviderSettings) => providers[c.name] ?? createMockProvider(c, []);
  for await (const event of planEvents(p, { textReachesUser: true, createProvider, sleep: async () => {}, random: () => 0.5 })) events.push(event);
  return events;
}

describe('refusals', () => {
  it('fail the run with refused, the provider\'s reason and words in the message; usage kept; no retry, no fallback', async () => {
    const a = scripted('a', [[
      { type: 'text-delta', text: 'Partly' },
      { type: 'usage', usage: { inputTokens: 97, outputTokens: 3 } },
      { type: 'finish', reason: 'content-filter', rawReason: 'refusal', refusal: { reason: 'stop_reason refusal, cyber', text: 'Blocked by policy.' } },
    ]]);
    const b = scripted('b', []);
    const events = await run(plan([entry('a'), entry('b')]), { a, b });
    expect(events.filter((e) => e.type === 'fallback' || e.type === 'retry')).toEqual([]);
    expect(b.calls).toBe(0);
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      error: { code: 'refused', message: 'a: the model refused to answer (stop_reason refusal, cyber): Blocked by policy.', provider: 'a', status: null },
      attempts: 1,
      fallbackFrom: [],
      steps: 1,
      text: 'Partly',
      usage: { inputTokens: 97, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('a mock content-filter finish without words names its reason', async () => {
    const events = await run(plan([entry('m')]), { m: createMockProvider(config('m'), [{ text: '', finishReason: 'content-filter' } satisfies MockReply]) });
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'refused', message: 'm: the model refused to answer (content-filter)' } });
  });
});

describe('http events', () => {
  it('carry the provider and the attempt they belong to, retries included', async () => {
    const exchange = (status: number): ProviderEvent => ({ type: 'http', exchange: { method: 'POST', path: '/v1/chat/completions', status, durationMs: 5, requestId: `req_${status}` } });
    let calls = 0;
    // The first request is answered 503 (reported, then failed as a provider does); the retry succeeds.
    const a: Provider = {
      name: 'a',
      type: 'mock',
      async *stream() {
        calls++;
        yield exchange(calls === 1 ? 503 : 200);
        if (calls === 1) throw new LoomError('provider_unavailable', 'a: service unavailable (503)', { status: 503, retryable: true });
        yield { type: 'text-delta', text: 'ok' };
        yield { type: 'finish', reason: 'stop' };
      },
    };
    const events = await run(plan([entry('a')]), { a });
    expect(events.filter((e) => e.type === 'http')).toEqual([
      { type: 'http', provider: 'a', attempt: 1, method: 'POST', path: '/v1/chat/completions', status: 503, durationMs: 5, requestId: 'req_503' },
      { type: 'http', provider: 'a', attempt: 2, method: 'POST', path: '/v1/chat/completions', status: 200, durationMs: 5, requestId: 'req_200' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', text: 'ok', attempts: 2 });
  });
});

describe('settings a provider does not take', () => {
  const anthropic = (name: string, overrides: Partial<PlannedProvider> = {}) => entry(name, { provider: config(name, { type: 'anthropic' }), ...overrides });

  const WHY = '(the Anthropic Messages API version 2026-10-21 has no sampling parameters), so it is not sent';
  const busy: MockReply = { error: { status: 503, message: 'busy' } };

  it('said once per provider, before the first request to it, retries included; a fallback never used is not named', async () => {
    const request = { messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0.2 };
    const first = await run(plan([anthropic('claude'), anthropic('backup')], { request }), { claude: createMockProvider(config('claude'), [{ text: 'ok' }]) });
    expect(first.filter((e) => e.type === 'warning')).toEqual([{ type: 'warning', message: `claude does not take "temperature" ${WHY}` }]);
    expect(first.map((e) => e.type).slice(0, 2)).toEqual(['start', 'warning']);

    const fellBack = await run(plan([anthropic('claude'), entry('m'), anthropic('backup')], { request }), {
      claude: createMockProvider(config('claude'), [busy, busy, busy]),
      m: createMockProvider(config('m'), [busy, busy, busy]),
      backup: createMockProvider(config('backup'), [{ text: 'ok' }]),
    });
    expect(fellBack.filter((e) => e.type === 'warning' || e.type === 'fallback').map((e) => (e.type === 'warning' ? e.message : `fallback to ${e.to}`))).toEqual([
      `claude does not take "temperature" ${WHY}`,
      'fallback to m',
      'fallback to backup',
      `backup does not take "temperature" ${WHY}`,
    ]);
    expect(fellBack.at(-1)).toMatchObject({ type: 'done', provider: 'backup' });
  });

  it('no warning when params send it anyway, when nothing sets it, or for a fallback that cannot be tried', async () => {
    const request = { messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0.2 };
    const viaParams = await run(plan([anthropic('claude', { params: { temperature: 0.2 } })], { request }), { claude: createMockProvider(config('claude'), [{ text: 'ok' }]) });
    const unset = await run(plan([anthropic('claude')]), { claude: createMockProvider(config('claude'), [{ text: 'ok' }]) });
    const skipped = await run(plan([entry('m'), anthropic('backup', { unusable: 'no API key' })], { request }), { m: createMockProvider(config('m'), [{ text: 'ok' }]) });
    for (const events of [viaParams, unset, skipped]) expect(events.filter((e) => e.type === 'warning')).toEqual([]);
  });
});

describe('tidy numbers', () => {
  it('costUsd is rounded to 8 decimal places, never float noise', async () => {
    const priced = config('p', { type: 'openai-compatible' });
    const events = await run(plan([entry('p', { provider: priced, price: { input: 0.15, output: 0.6 } })]), { p: createMockProvider(priced, [{ text: 'x', usage: { inputTokens: 356, outputTokens: 38 } }]) });
    // (356 × 0.15 + 38 × 0.6) / 1e6 is 0.00007620000000000001 in floating point.
    expect(events.at(-1)).toMatchObject({ type: 'done', costUsd: 0.0000762 });
  });
});
