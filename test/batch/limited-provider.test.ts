import { describe, expect, it } from 'vitest';
import { estimateTokens, limitedProvider } from '../../src/batch/limited-provider.js';
import { ProviderLimiter, type Clock, type LimitSettings, type Permit, type SettleOutcome } from '../../src/batch/limiter.js';
import { LoomError } from '../../src/core/errors.js';
import type { ChatRequest, Provider, ProviderEvent, StreamOptions } from '../../src/core/messages.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Time that stands still unless advanced; a sleep ends once time has reached it. */
class ManualClock implements Clock {
  time = 0;
  private sleepers: { at: number; resolve(): void }[] = [];
  now = () => this.time;
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { at: this.time + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((other) => other !== sleeper);
        reject(signal.reason);
      }, { once: true });
    });
  }
  async advance(ms: number): Promise<void> {
    this.time += ms;
    for (const sleeper of this.sleepers.filter((one) => one.at <= this.time)) sleeper.resolve();
    this.sleepers = this.sleepers.filter((one) => one.at > this.time);
    await flush();
  }
}

/** A real limiter that records every settle of every permit it gives out. */
class RecordingLimiter extends ProviderLimiter {
  readonly settles: SettleOutcome[][] = [];
  readonly estimates: number[] = [];

  constructor(settings: LimitSettings, clock: Clock = new ManualClock()) {
    super(settings, clock);
  }

  override async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    this.estimates.push(estimatedTokens);
    const permit = await super.acquire(estimatedTokens, signal);
    const record: SettleOutcome[] = [];
    this.settles.push(record);
    return {
      settle: (outcome) => {
        record.push(outcome);
        permit.settle(outcome);
      },
    };
  }
}

/** A hand-written Provider whose every call runs `script`. */
function fakeProvider(script: (request: ChatRequest, options?: StreamOptions) => AsyncIterable<ProviderEvent>): Provider {
  return { name: 'fake', type: 'mock', stream: script };
}

const request: ChatRequest = { model: 'm', system: 'be brief', messages: [{ role: 'user', content: 'hello' }], maxTokens: 100 };
const usage: ProviderEvent = { type: 'usage', usage: { inputTokens: 12, outputTokens: 30 } };

async function collect(events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const seen: ProviderEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe('estimateTokens', () => {
  it('counts four characters a token over what is sent, plus the output allowed', () => {
    const characters = JSON.stringify('be brief').length + JSON.stringify(request.messages).length;
    expect(estimateTokens(request)).toBe(Math.ceil(characters / 4) + 100);
    const withTools: ChatRequest = { ...request, tools: [{ name: 't', description: 'd', parameters: {} }], responseSchema: { type: 'object' } };
    expect(estimateTokens(withTools)).toBeGreaterThan(estimateTokens(request));
  });

  it('assumes 1024 output tokens when maxTokens is not set', () => {
    const { maxTokens: _, ...unbounded } = request;
    expect(estimateTokens(unbounded) - estimateTokens(request)).toBe(1024 - 100);
  });
});

describe('limitedProvider', () => {
  it('keeps the wrapped provider’s name and type', () => {
    const wrapped = limitedProvider(fakeProvider(async function* () {}), new RecordingLimiter({ concurrency: 1 }));
    expect([wrapped.name, wrapped.type]).toEqual(['fake', 'mock']);
  });

  it('passes every event through and settles once with the reported tokens', async () => {
    const limiter = new RecordingLimiter({ concurrency: 1, tokensPerMinute: 1_000_000 });
    const events: ProviderEvent[] = [{ type: 'text-delta', text: 'hi' }, usage, { type: 'finish', reason: 'stop' }];
    let seenOptions: StreamOptions | undefined;
    const provider = fakeProvider(async function* (_request, options) {
      seenOptions = options;
      yield* events;
    });
    const signal = new AbortController().signal;
    expect(await collect(limitedProvider(provider, limiter).stream(request, { signal, stream: false }))).toEqual(events);
    expect(seenOptions).toEqual({ signal, stream: false });
    expect(limiter.estimates).toEqual([estimateTokens(request)]);
    expect(limiter.settles).toEqual([[{ ok: true, tokens: 42 }]]);
    expect(limiter.inFlight).toBe(0);
    // Without a token limit the request is not sized at all.
    const plain = new RecordingLimiter({ concurrency: 1 });
    await collect(limitedProvider(provider, plain).stream(request));
    expect(plain.estimates).toEqual([0]);
  });

  it('settles without tokens when no usage was reported', async () => {
    const limiter = new RecordingLimiter({ concurrency: 1 });
    await collect(limitedProvider(fakeProvider(async function* () { yield { type: 'finish', reason: 'stop' }; }), limiter).stream(request));
    expect(limiter.settles).toEqual([[{ ok: true }]]);
  });

  it('settles a rate-limit error with its retry-after, rethrows it, and pauses the provider', async () => {
    const clock = new ManualClock();
    const limiter = new RecordingLimiter({ concurrency: 2 }, clock);
    const error = new LoomError('rate_limited', 'slow down', { status: 429, retryable: true, retryAfterMs: 1_500 });
    const provider = fakeProvider(async function* () {
      yield { type: 'activity' };
      throw error;
    });
    const wrapped = limitedProvider(provider, limiter);
    await expect(collect(wrapped.stream(request))).rejects.toBe(error);
    expect(limiter.settles).toEqual([[{ ok: false, rateLimited: { retryAfterMs: 1_500 } }]]);
    expect(limiter.concurrency).toBe(1);
    let next = false;
    void limiter.acquire(0).then(() => (next = true));
    await clock.advance(1_499);
    expect(next).toBe(false);
    await clock.advance(1);
    expect(next).toBe(true);
  });

  it('settles any other error as a plain failure and rethrows the original', async () => {
    const limiter = new RecordingLimiter({ concurrency: 2 });
    const error = new TypeError('boom');
    const wrapped = limitedProvider(fakeProvider(async function* () { throw error; }), limiter);
    await expect(collect(wrapped.stream(request))).rejects.toBe(error);
    const timeout = new LoomError('timeout', 'too slow');
    const timingOut = limitedProvider(fakeProvider(async function* () { throw timeout; }), limiter);
    await expect(collect(timingOut.stream(request))).rejects.toBe(timeout);
    expect(limiter.settles).toEqual([[{ ok: false }], [{ ok: false }]]);
    expect(limiter.concurrency).toBe(2);
  });

  it('settles once, without tokens, when the consumer stops early', async () => {
    const limiter = new RecordingLimiter({ concurrency: 1 });
    let innerClosed = false;
    const provider = fakeProvider(async function* () {
      try {
        yield { type: 'text-delta', text: 'a' };
        yield usage;
        yield { type: 'text-delta', text: 'never read' };
      } finally {
        innerClosed = true;
      }
    });
    for await (const event of limitedProvider(provider, limiter).stream(request)) {
      if (event.type === 'usage') break;
    }
    expect(innerClosed).toBe(true);
    expect(limiter.settles).toEqual([[{ ok: true }]]);
    expect(limiter.inFlight).toBe(0);
  });

  it('does not blame the provider for an error the consumer throws in', async () => {
    const limiter = new RecordingLimiter({ concurrency: 1 });
    const stream = limitedProvider(fakeProvider(async function* () { yield { type: 'activity' }; yield { type: 'activity' }; }), limiter).stream(request);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const error = new LoomError('rate_limited', 'not from the provider');
    await expect(iterator.throw!(error)).rejects.toBe(error);
    expect(limiter.settles).toEqual([[{ ok: true }]]);
    expect(limiter.concurrency).toBe(1);
  });

  it('takes no permit when the wait is aborted, and never calls the provider', async () => {
    const limiter = new RecordingLimiter({ concurrency: 1 });
    let calls = 0;
    const provider = fakeProvider(async function* () {
      calls++;
      yield { type: 'activity' };
    });
    const wrapped = limitedProvider(provider, limiter);
    const holder = wrapped.stream(request)[Symbol.asyncIterator]();
    await holder.next(); // holds the only slot
    const controller = new AbortController();
    const waiting = collect(wrapped.stream(request, { signal: controller.signal }));
    await flush();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await holder.return!(undefined);
    expect(calls).toBe(1);
    expect(limiter.settles).toEqual([[{ ok: true }]]);
  });

  it('runs at most N streams at once with concurrency N', async () => {
    const limiter = new RecordingLimiter({ concurrency: 3 });
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const provider = fakeProvider(async function* () {
      running++;
      most = Math.max(most, running);
      try {
        await new Promise<void>((resolve) => gates.push(resolve));
        yield usage;
      } finally {
        running--;
      }
    });
    const wrapped = limitedProvider(provider, limiter);
    const all = Promise.all(Array.from({ length: 10 }, () => collect(wrapped.stream(request))));
    for (let opened = 0; opened < 10; opened++) {
      await flush();
      expect(running).toBeLessThanOrEqual(3);
      gates.shift()?.();
    }
    await all;
    expect(most).toBe(3);
    expect(limiter.settles).toHaveLength(10);
    expect(limiter.settles.every((record) => record.length === 1)).toBe(true);
    expect(limiter.inFlight).toBe(0);
  });
});
