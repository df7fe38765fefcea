/**
 * planEvents in-process: the provider chain with retries, backoff, retry-after, fallback, silence
 * timeouts, broken streams and interrupts — with mock providers, an injected sleep and random,
 * so every delay is asserted exactly and nothing waits for real.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '../../src/core/config.js';
import type { EngineEvent, EngineOptions } from '../../src/engine/execute-plan.js';
import { planEvents } from '../../src/engine/execute-plan.js';
import type { PlannedProvider, ProviderSettings, RunPlan } from '../../src/core/plan.js';
import { priceFor } from '../../src/providers/pricing.js';
import { createMockProvider, type MockProvider, type MockReply } from '../../src/providers/mock/index.js';
import type { Provider } from '../../src/core/messages.js';

const RETRY = { retries: 3, minDelayMs: 100, maxDelayMs: 1000 };

function providerConfig(name: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return { name, type: 'mock', keySource: null, needsKey: false, keyVariables: [], ...overrides };
}

/** A chain entry; its price, unless given, is the built-in one of its provider and model (as a plan's). */
function entry(name: string, overrides: Partial<PlannedProvider> = {}): PlannedProvider {
  const provider = overrides.provider ?? providerConfig(name);
  const model = overrides.model ?? `${name}-model`;
  return { provider, model, retry: RETRY, timeoutMs: 5000, price: priceFor(provider.type, model, undefined, provider.name), ...overrides };
}

const ONE_A_MILLION: ModelPrice = { input: 1, output: 1 };

function plan(chain: PlannedProvider[], overrides: Partial<RunPlan> = {}): RunPlan {
  return { agent: null, chain, request: { messages: [{ role: 'user', content: 'hello there' }] }, stream: true, maxSteps: 10, maxCost: null, input: 'hello there', log: true, tools: null, ...overrides };
}

interface Harness {
  events: EngineEvent[];
  sleeps: number[];
  providers: Record<string, MockProvider>;
}

/** Runs a plan against scripted mock providers; sleeps are recorded, not waited. */
async function run(p: RunPlan, scripts: Record<string, MockReply[]>, options: Partial<EngineOptions> = {}): Promise<Harness> {
  const harness: Harness = { events: [], sleeps: [], providers: {} };
  const createProvider = async (config: ProviderSettings): Promise<Provider> => {
    const provider = createMockProvider(config, scripts[config.name] ?? []);
    harness.providers[config.name] = provider;
    return provider;
  };
  const sleep = async (ms: number, signal?: AbortSignal) => {
    harness.sleeps.push(ms);
    if (signal?.aborted) throw signal.reason;
  };
  for await (const event of planEvents(p, { textReachesUser: true, createProvider, sleep, random: () => 0.5, ...options })) harness.events.push(event);
  return harness;
}

const types = (events: EngineEvent[]) => events.map((e) => e.type);
const last = (events: EngineEvent[]) => events.at(-1)!;
const http = (status: number, retryAfterMs?: number): MockReply => ({ error: { status, message: `status ${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) } });

describe('planEvents: success', () => {
  it('yields start, the deltas as they come, usage and done with the result', async () => {
    const { events } = await run(plan([entry('a')]), { a: [{ text: 'Hello big world', usage: { inputTokens: 7, outputTokens: 3 } }] });
    expect(types(events)).toEqual(['start', 'delta', 'delta', 'delta', 'usage', 'done']);
    expect(events[0]).toEqual({ type: 'start', agent: null, provider: 'a', model: 'a-model' });
    expect(last(events)).toMatchObject({ type: 'done', provider: 'a', model: 'a-model', text: 'Hello big world', usage: { inputTokens: 7, outputTokens: 3 }, costUsd: 0, attempts: 1, fallbackFrom: [], steps: 1, toolCalls: [], output: null });
  });

  it('sends the plan request with the entry model and merged params', async () => {
    const { providers } = await run(plan([entry('a', { model: 'special', params: { seed: 7 } })], { request: { system: 'sys', messages: [{ role: 'user', content: 'q' }], maxTokens: 9 } }), { a: [{ text: 'ok' }] });
    expect(providers.a!.calls[0]!.request).toEqual({ model: 'special', system: 'sys', messages: [{ role: 'user', content: 'q' }], maxTokens: 9, params: { seed: 7 } });
    expect(providers.a!.calls[0]!.stream).toBe(true);
  });

  it('--no-stream plans make non-streaming calls', async () => {
    const { providers } = await run(plan([entry('a')], { stream: false }), { a: [{ text: 'whole' }] });
    expect(providers.a!.calls[0]!.stream).toBe(false);
  });
});

describe('planEvents: retries', () => {
  it('retries a retryable error with jittered exponential backoff between minDelayMs and maxDelayMs', async () => {
    const { events, sleeps, providers } = await run(plan([entry('a')]), { a: [http(500), http(503), http(529), { text: 'finally' }] }, { random: () => 1 });
    // ceiling = min(max, min * 2^(n-1)); full jitter with random() = 1 reaches the ceiling.
    expect(sleeps).toEqual([100, 200, 400]);
    expect(providers.a!.calls).toHaveLength(4);
    expect(events.filter((e) => e.type === 'retry')).toEqual([
      { type: 'retry', provider: 'a', attempt: 2, maxAttempts: 4, delayMs: 100, code: 'provider_unavailable', status: 500 },
      { type: 'retry', provider: 'a', attempt: 3, maxAttempts: 4, delayMs: 200, code: 'provider_unavailable', status: 503 },
      { type: 'retry', provider: 'a', attempt: 4, maxAttempts: 4, delayMs: 400, code: 'provider_unavailable', status: 529 },
    ]);
    expect(last(events)).toMatchObject({ type: 'done', text: 'finally', attempts: 4 });
  });

  it('random() = 0 waits minDelayMs; the ceiling is capped at maxDelayMs', async () => {
    const zero = await run(plan([entry('a')]), { a: [http(429), http(429), { text: 'ok' }] }, { random: () => 0 });
    expect(zero.sleeps).toEqual([100, 100]);
    const capped = await run(plan([entry('a', { retry: { retries: 6, minDelayMs: 100, maxDelayMs: 300 } })]), { a: [http(500), http(500), http(500), http(500), { text: 'ok' }] }, { random: () => 1 });
    expect(capped.sleeps).toEqual([100, 200, 300, 300]);
  });

  it('gives up after `retries` retries (retries 3 → 4 attempts) with the last error', async () => {
    const { events, providers } = await run(plan([entry('a')]), { a: [http(500), http(500), http(500), http(429), { text: 'never' }] });
    expect(providers.a!.calls).toHaveLength(4);
    expect(last(events)).toMatchObject({ type: 'error', error: { code: 'rate_limited', status: 429, provider: 'a' }, attempts: 4, provider: 'a' });
  });

  it('retries 0 means one attempt', async () => {
    const { providers, sleeps } = await run(plan([entry('a', { retry: { ...RETRY, retries: 0 } })]), { a: [http(500), { text: 'never' }] });
    expect(providers.a!.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it.each([400, 401, 403, 404, 422])('never retries a %i', async (status) => {
    const { providers, sleeps, events } = await run(plan([entry('a')]), { a: [http(status), { text: 'never' }] });
    expect(providers.a!.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(last(events)).toMatchObject({ type: 'error', error: { status } });
  });

  it('retries network failures and timeouts', async () => {
    const { providers, events } = await run(plan([entry('a')]), { a: [{ error: { code: 'network' } }, { error: { code: 'timeout' } }, { text: 'ok' }] });
    expect(providers.a!.calls).toHaveLength(3);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { code: string }).code)).toEqual(['network', 'timeout']);
  });

  it('waits a retry-after exactly as given, in place of the backoff (0 included)', async () => {
    const { sleeps } = await run(plan([entry('a')]), { a: [http(429, 750), http(503, 0), { text: 'ok' }] });
    expect(sleeps).toEqual([750, 0]);
  });

  it('a retry-after beyond maxDelayMs is not waited for: the provider fails at once and the fallback runs', async () => {
    const { sleeps, events, providers } = await run(plan([entry('a'), entry('b')]), { a: [http(429, 60_000), { text: 'never' }], b: [{ text: 'from b' }] });
    expect(sleeps).toEqual([]);
    expect(providers.a!.calls).toHaveLength(1);
    expect(types(events)).toEqual(['start', 'fallback', 'delta', 'delta', 'usage', 'done']);
    expect(events[1]).toEqual({ type: 'fallback', from: 'a', to: 'b', code: 'rate_limited' });
    expect(last(events)).toMatchObject({ provider: 'b', fallbackFrom: ['a'], attempts: 2, text: 'from b' });
  });

  it('says why when the provider gave up on a long retry-after', async () => {
    const { events } = await run(plan([entry('a')]), { a: [http(429, 5000)] });
    expect(last(events)).toMatchObject({ type: 'error', error: { code: 'rate_limited', message: expect.stringContaining('asked to wait 5s, more than maxDelayMs') } });
  });
});

describe('planEvents: fallback', () => {
  it('tries the chain in order; attempts count every request across providers', async () => {
    const { events, providers } = await run(plan([entry('a', { retry: { ...RETRY, retries: 1 } }), entry('b', { retry: { ...RETRY, retries: 0 } }), entry('c')]), {
      a: [http(500), http(500)],
      b: [{ error: { code: 'network' } }],
      c: [{ text: 'c wins' }],
    });
    expect(Object.values(providers).map((p) => p.calls.length)).toEqual([2, 1, 1]);
    expect(events.filter((e) => e.type === 'fallback')).toEqual([
      { type: 'fallback', from: 'a', to: 'b', code: 'provider_unavailable' },
      { type: 'fallback', from: 'b', to: 'c', code: 'network' },
    ]);
    expect(last(events)).toMatchObject({ type: 'done', provider: 'c', model: 'c-model', fallbackFrom: ['a', 'b'], attempts: 4 });
  });

  it('falls back on auth and not-found errors too, but never on bad_request', async () => {
    const auth = await run(plan([entry('a'), entry('b')]), { a: [http(401)], b: [{ text: 'ok' }] });
    expect(last(auth.events)).toMatchObject({ type: 'done', provider: 'b' });
    const bad = await run(plan([entry('a'), entry('b')]), { a: [http(400)], b: [{ text: 'ok' }] });
    expect(last(bad.events)).toMatchObject({ type: 'error', error: { code: 'bad_request' }, provider: 'a', fallbackFrom: [] });
    expect(bad.providers.b).toBeUndefined();
  });

  it('skips an unusable fallback with a notice', async () => {
    const { events, providers } = await run(plan([entry('a'), entry('b', { unusable: 'no API key (set B_KEY)' }), entry('c')]), { a: [http(500), http(500), http(500), http(500)], c: [{ text: 'ok' }] });
    expect(events).toContainEqual({ type: 'notice', message: 'skipping fallback b: no API key (set B_KEY)' });
    expect(providers.b).toBeUndefined();
    expect(events.find((e) => e.type === 'fallback')).toEqual({ type: 'fallback', from: 'a', to: 'c', code: 'provider_unavailable' });
    expect(last(events)).toMatchObject({ type: 'done', provider: 'c', fallbackFrom: ['a'] });
  });

  it('when all fail, the error names the last provider and lists the ones before it', async () => {
    const { events } = await run(plan([entry('a', { retry: { ...RETRY, retries: 0 } }), entry('b', { retry: { ...RETRY, retries: 0 } })]), { a: [http(503)], b: [http(404)] });
    expect(last(events)).toMatchObject({ type: 'error', error: { code: 'not_found', provider: 'b', status: 404 }, provider: 'b', model: 'b-model', fallbackFrom: ['a'], attempts: 2 });
  });

  it('a provider that cannot be created counts as failed and the chain goes on', async () => {
    const createProvider = async (config: ProviderSettings): Promise<Provider> => {
      if (config.name === 'a') {
        const { LoomError } = await import('../../src/core/errors.js');
        throw new LoomError('config_invalid', 'a: no baseUrl', { provider: 'a' });
      }
      return createMockProvider(config, [{ text: 'b answers' }]);
    };
    const events: EngineEvent[] = [];
    for await (const event of planEvents(plan([entry('a'), entry('b')]), { textReachesUser: true, createProvider, sleep: async () => {} })) events.push(event);
    expect(last(events)).toMatchObject({ type: 'done', provider: 'b', fallbackFrom: ['a'] });
  });
});

describe('planEvents: broken streams', () => {
  it('a stream that breaks after text reached the user is not retried and does not fall back', async () => {
    const { events, providers } = await run(plan([entry('a'), entry('b')]), { a: [{ text: 'Half an', error: { code: 'network' } }, { text: 'never' }], b: [{ text: 'never' }] });
    expect(providers.a!.calls).toHaveLength(1);
    expect(providers.b).toBeUndefined();
    expect(types(events)).toEqual(['start', 'delta', 'delta', 'error']);
    expect(last(events)).toMatchObject({ type: 'error', text: 'Half an', error: { code: 'network', message: expect.stringContaining('broke off after part of it was printed') } });
  });

  it('when nothing reaches the user (--json), the same break is retried and the answer is whole', async () => {
    const { events, providers } = await run(plan([entry('a')]), { a: [{ text: 'Half an', error: { code: 'network' } }, { text: 'Half an answer' }] }, { textReachesUser: false });
    expect(providers.a!.calls).toHaveLength(2);
    expect(last(events)).toMatchObject({ type: 'done', text: 'Half an answer', attempts: 2 });
  });

  it('a break before any text is retried even when text streams to the user', async () => {
    const { events } = await run(plan([entry('a')]), { a: [{ error: { code: 'network' } }, { text: 'ok' }] });
    expect(last(events)).toMatchObject({ type: 'done', text: 'ok', attempts: 2 });
  });
});

describe('planEvents: timeouts (real timers, short)', () => {
  it('a provider silent for timeoutMs is a timeout, retried', async () => {
    const started = Date.now();
    const { events, providers } = await run(plan([entry('a', { timeoutMs: 50, retry: { ...RETRY, retries: 1 } })]), { a: [{ hang: true }, { hang: true }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(providers.a!.calls).toHaveLength(2);
    expect(last(events)).toMatchObject({ type: 'error', error: { code: 'timeout', status: null, message: 'a: no response for 50ms' }, attempts: 2 });
  });

  it('a slow stream that keeps sending is never cut', async () => {
    const { events } = await run(plan([entry('a', { timeoutMs: 60 })]), { a: [{ text: 'one two three four five', delayMs: 30 }] });
    expect(last(events)).toMatchObject({ type: 'done', text: 'one two three four five', attempts: 1 });
  });

  it('a stream that stalls after text was shown fails with a timeout, keeping the text', async () => {
    const { events, providers } = await run(plan([entry('a', { timeoutMs: 50 })]), { a: [{ text: 'partial', hang: true }, { text: 'never' }] });
    expect(providers.a!.calls).toHaveLength(1);
    expect(last(events)).toMatchObject({ type: 'error', text: 'partial', error: { code: 'timeout' } });
  });
});

describe('planEvents: interrupts', () => {
  it('an abort while the provider is silent ends the run as interrupted, with no retry and no fallback', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const { events, providers } = await run(plan([entry('a'), entry('b')]), { a: [{ text: 'so far', hang: true }], b: [{ text: 'never' }] }, { signal: controller.signal });
    expect(providers.b).toBeUndefined();
    expect(last(events)).toMatchObject({ type: 'error', error: { code: 'interrupted', provider: 'a' }, text: 'so far', attempts: 1 });
  });

  it('an abort during a retry wait ends the run as interrupted', async () => {
    const controller = new AbortController();
    const sleep = async (_ms: number, signal?: AbortSignal) => {
      controller.abort();
      if (signal?.aborted) throw signal.reason;
    };
    const { events, providers } = await run(plan([entry('a'), entry('b')]), { a: [http(500), { text: 'never' }], b: [{ text: 'never' }] }, { signal: controller.signal, sleep });
    expect(providers.a!.calls).toHaveLength(1);
    expect(providers.b).toBeUndefined();
    expect(last(events)).toMatchObject({ type: 'error', error: { code: 'interrupted' } });
  });
});

describe('planEvents: the run signal', () => {
  it('keeps no abort listeners once a run with retries ends (a signal shared by many runs must not collect them)', async () => {
    const controller = new AbortController();
    const createProvider = async (config: ProviderSettings) => createMockProvider(config, [http(429, 1), http(503, 1), { text: 'ok' }]);
    for (let i = 0; i < 3; i++) {
      const events: EngineEvent[] = [];
      // The real sleep: no injected one.
      for await (const event of planEvents(plan([entry('a')]), { textReachesUser: true, createProvider, signal: controller.signal })) events.push(event);
      expect(last(events)).toMatchObject({ type: 'done', attempts: 3 });
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('planEvents: usage and cost', () => {
  it('no usage reported: usage and cost are null, not 0, and no usage event', async () => {
    const provider: Provider = {
      name: 'bare',
      type: 'openai-compatible',
      async *stream() {
        yield { type: 'text-delta', text: 'hi' };
        yield { type: 'finish', reason: 'stop' };
      },
    };
    const events: EngineEvent[] = [];
    const priced = entry('bare', { provider: providerConfig('bare', { type: 'openai-compatible' }), price: ONE_A_MILLION });
    for await (const event of planEvents(plan([priced]), { textReachesUser: true, createProvider: async () => provider })) events.push(event);
    expect(types(events)).toEqual(['start', 'delta', 'done']);
    expect(last(events)).toMatchObject({ type: 'done', usage: null, costUsd: null });
  });

  it.each([
    ['negative', { inputTokens: -1_000_000, outputTokens: 5 }],
    ['not a number', { inputTokens: 'many', outputTokens: 5 }],
    ['fractional', { inputTokens: 1.5, outputTokens: 5 }],
    ['NaN', { inputTokens: Number.NaN, outputTokens: 5 }],
  ])('%s token counts make the turn\'s usage unknown (as when none is reported: a budget estimates it), never a negative cost', async (_name, usage) => {
    const provider: Provider = {
      name: 'liar',
      type: 'openai-compatible',
      async *stream() {
        yield { type: 'text-delta', text: 'hi' };
        yield { type: 'usage', usage: usage as never };
        yield { type: 'finish', reason: 'stop' };
      },
    };
    const priced = entry('liar', { provider: providerConfig('liar', { type: 'openai-compatible' }), price: ONE_A_MILLION });
    const events: EngineEvent[] = [];
    for await (const event of planEvents(plan([priced]), { textReachesUser: true, createProvider: async () => provider })) events.push(event);
    expect(types(events)).toEqual(['start', 'delta', 'done']);
    expect(last(events)).toMatchObject({ type: 'done', usage: null, costUsd: null });
  });

  it('priced by the chain entry\'s price (the provider pricing, as the plan has it), null for a model with no known price', async () => {
    const priced = await run(plan([entry('p', { provider: providerConfig('p', { type: 'openai-compatible' }), price: { input: 2, output: 10 } })]), { p: [{ text: 'x', usage: { inputTokens: 1000, outputTokens: 100 } }] });
    // The mock provider stands in for an openai-compatible one; the entry's price applies.
    expect(last(priced.events)).toMatchObject({ type: 'done', costUsd: (1000 * 2 + 100 * 10) / 1e6 });
    const unknown = await run(plan([entry('u', { provider: providerConfig('u', { type: 'openai-compatible' }) })]), { u: [{ text: 'x', usage: { inputTokens: 5, outputTokens: 5 } }] });
    expect(last(unknown.events)).toMatchObject({ type: 'done', costUsd: null });
  });
});
