import { describe, expect, it, vi } from 'vitest';
import { ProviderLimiter, systemClock, type Clock, type LimitSettings, type Permit, type SettleOutcome } from '../../src/batch/limiter.js';

/** Lets every promise callback that is ready run (a macrotask turn: well under a millisecond). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Time that moves only when the test says so; each sleep resolves once time reaches its end. */
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

  /** Sleeps not yet over: the limiter should keep at most one. */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking each sleeper at its own time, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (let next = this.due(target); next; next = this.due(target)) {
      this.sleepers = this.sleepers.filter((sleeper) => sleeper !== next);
      this.time = next.at;
      next.resolve();
      await flush();
    }
    this.time = target;
    await flush();
  }

  private due(target: number) {
    return this.sleepers.filter((sleeper) => sleeper.at <= target).sort((a, b) => a.at - b.at)[0];
  }
}

/** A limiter and a record of which acquires have started, by name, in order. */
function setup(settings: LimitSettings) {
  const clock = new ManualClock();
  const limiter = new ProviderLimiter(settings, clock);
  const started: string[] = [];
  const permits = new Map<string, Permit>();
  const acquire = (name: string, tokens = 0, signal?: AbortSignal) =>
    limiter.acquire(tokens, signal).then((permit) => {
      started.push(name);
      permits.set(name, permit);
    });
  const settle = (name: string, outcome: SettleOutcome = { ok: true }) => permits.get(name)!.settle(outcome);
  return { clock, limiter, started, acquire, settle };
}

/** `count` requests one after the other, each started and settled with `outcome`. */
async function run(limiter: ProviderLimiter, outcome: SettleOutcome, count = 1): Promise<void> {
  for (let index = 0; index < count; index++) (await limiter.acquire(0)).settle(outcome);
}

const limited = { ok: false, rateLimited: { retryAfterMs: 0 } } as const;

describe('ProviderLimiter', () => {
  it('never has more requests in flight than its concurrency', async () => {
    const { limiter, acquire, settle, started } = setup({ concurrency: 3 });
    let most = 0;
    const names = Array.from({ length: 10 }, (_, index) => `r${index}`);
    for (const name of names) void acquire(name).then(() => (most = Math.max(most, limiter.inFlight)));
    await flush();
    expect(started).toEqual(['r0', 'r1', 'r2']);
    for (const name of names) {
      settle(name);
      await flush();
      expect(limiter.inFlight).toBeLessThanOrEqual(3);
    }
    expect(started).toEqual(names);
    expect(most).toBe(3);
  });

  it('serves waiters in the order they asked', async () => {
    const { acquire, settle, started } = setup({ concurrency: 1 });
    for (const name of ['a', 'b', 'c', 'd']) void acquire(name);
    await flush();
    for (const name of ['a', 'b', 'c']) {
      settle(name);
      await flush();
    }
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('lets no small request overtake a large one held back by the token limit', async () => {
    const { clock, acquire, started } = setup({ concurrency: 10, tokensPerMinute: 1000 });
    void acquire('first', 800);
    await flush();
    void acquire('large', 500);
    void acquire('small', 100); // would fit now, but waits its turn
    await flush();
    expect(started).toEqual(['first']);
    await clock.advance(60_000);
    expect(started).toEqual(['first', 'large', 'small']);
  });

  it('starts at most requestsPerMinute requests in any 60 seconds, with one timer and no polling', async () => {
    const { clock, acquire, settle, started } = setup({ concurrency: 10, requestsPerMinute: 3 });
    void acquire('a');
    await clock.advance(10_000);
    void acquire('b');
    await clock.advance(10_000);
    void acquire('c');
    await clock.advance(10_000);
    void acquire('d');
    void acquire('e');
    await flush();
    for (const name of ['a', 'b', 'c']) settle(name); // the window counts starts, not requests in flight
    expect(started).toEqual(['a', 'b', 'c']);
    expect(clock.pendingSleeps).toBe(1);
    await clock.advance(29_999); // a is 59.999 s old
    expect(started).toEqual(['a', 'b', 'c']);
    await clock.advance(1); // a is 60 s old: out of the window
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(clock.time).toBe(60_000);
    await clock.advance(9_999);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    await clock.advance(1); // b leaves the window
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('counts estimated tokens, corrected by the real usage either way', async () => {
    const { clock, acquire, settle, started } = setup({ concurrency: 10, tokensPerMinute: 1000 });
    void acquire('a', 600);
    void acquire('b', 600);
    await flush();
    expect(started).toEqual(['a']); // 600 + 600 would pass 1000
    await clock.advance(5_000);
    settle('a', { ok: true, tokens: 300 }); // it used less than estimated: b fits now, not at 60 s
    await flush();
    expect(started).toEqual(['a', 'b']);
    settle('b', { ok: true, tokens: 650 }); // more than estimated: 950 in the window, no room for 100
    void acquire('c', 100);
    await clock.advance(54_999);
    expect(started).toEqual(['a', 'b']);
    await clock.advance(1); // a's 300 leave the window at 60 s
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('always lets one request start when the window is empty, even one bigger than the limit', async () => {
    const { clock, acquire, started } = setup({ concurrency: 10, tokensPerMinute: 100 });
    void acquire('huge', 5_000);
    void acquire('tiny', 10);
    await flush();
    expect(started).toEqual(['huge']);
    await clock.advance(59_999);
    expect(started).toEqual(['huge']);
    await clock.advance(1);
    expect(started).toEqual(['huge', 'tiny']);
  });

  it('pauses new starts for the retry-after of a rate-limit answer, 1000 ms when it said nothing', async () => {
    for (const [rateLimited, pause] of [[{ retryAfterMs: 2_500 }, 2_500], [{}, 1_000]] as const) {
      const { clock, acquire, settle, started } = setup({ concurrency: 4 });
      void acquire('a');
      await flush();
      settle('a', { ok: false, rateLimited });
      void acquire('b');
      await clock.advance(pause - 1);
      expect(started).toEqual(['a']);
      await clock.advance(1);
      expect(started).toEqual(['a', 'b']);
    }
  });

  it('keeps the later end of overlapping pauses', async () => {
    const { clock, acquire, settle, started } = setup({ concurrency: 4 });
    for (const name of ['a', 'b']) void acquire(name);
    await flush();
    settle('a', { ok: false, rateLimited: { retryAfterMs: 5_000 } });
    settle('b', { ok: false, rateLimited: { retryAfterMs: 1_000 } }); // shorter: does not cut the first
    void acquire('c');
    await clock.advance(4_999);
    expect(started).toEqual(['a', 'b']);
    await clock.advance(1);
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('halves the concurrency on each rate limit, rounded down, never below 1', async () => {
    const { limiter } = setup({ concurrency: 5 });
    const seen: number[] = [];
    for (let index = 0; index < 3; index++) await run(limiter, limited).then(() => seen.push(limiter.concurrency));
    expect(seen).toEqual([2, 1, 1]);
  });

  it('starts no more than the halved concurrency while earlier requests are still in flight', async () => {
    const { acquire, settle, started, limiter } = setup({ concurrency: 4 });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) void acquire(name);
    await flush();
    settle('a', limited); // concurrency 2, 3 still in flight
    expect(limiter.inFlight).toBe(3);
    settle('b');
    settle('c');
    await flush();
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']); // d and e: two in flight
  });

  it('grows by one after 20 successes in a row, up to its starting value', async () => {
    const { limiter } = setup({ concurrency: 4 });
    await run(limiter, limited);
    const seen: number[] = [];
    for (const count of [19, 1, 19, 1, 40]) await run(limiter, { ok: true }, count).then(() => seen.push(limiter.concurrency));
    // 2 after 19, 3 at 20; the counter restarts: 3 after 19 more, 4 at 20; never past 4.
    expect(seen).toEqual([2, 3, 3, 4, 4]);
  });

  it('restarts the streak on a rate limit, and neither grows nor restarts it on another failure', async () => {
    const { limiter } = setup({ concurrency: 8 });
    await run(limiter, limited); // 4
    await run(limiter, { ok: true }, 10);
    await run(limiter, limited); // 2, streak back to 0
    await run(limiter, { ok: true }, 19);
    expect(limiter.concurrency).toBe(2);
    await run(limiter, { ok: false }); // not a rate limit: the streak stays at 19
    expect(limiter.concurrency).toBe(2);
    await run(limiter, { ok: true });
    expect(limiter.concurrency).toBe(3);
  });

  it('rejects an aborted waiter with the signal reason and serves the others', async () => {
    const { limiter, acquire, settle, started } = setup({ concurrency: 1 });
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    void acquire('a', 0, controller.signal);
    const waiting = acquire('b', 0, controller.signal);
    void acquire('c');
    await flush();
    // a started: its listener is gone, so a signal shared by a whole batch collects none.
    expect(removed).toHaveBeenCalledTimes(1);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    settle('a');
    await flush();
    expect(started).toEqual(['a', 'c']);
    // A signal aborted before the call rejects at once.
    await expect(limiter.acquire(0, controller.signal)).rejects.toBe(reason);
  });

  it('lets the next waiter start when an aborted head was what held it back', async () => {
    const { acquire, started, clock } = setup({ concurrency: 10, tokensPerMinute: 1000 });
    const controller = new AbortController();
    void acquire('a', 500);
    const large = acquire('large', 900, controller.signal);
    void acquire('small', 100);
    await flush();
    controller.abort(new Error('stop'));
    await expect(large).rejects.toThrow('stop');
    await flush();
    expect(started).toEqual(['a', 'small']);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('ignores a second settle', async () => {
    const { limiter, acquire, settle, started } = setup({ concurrency: 2 });
    for (const name of ['a', 'b', 'c', 'd']) void acquire(name);
    await flush();
    settle('a', limited);
    settle('a', { ok: false, rateLimited: { retryAfterMs: 60_000 } });
    settle('a');
    await flush();
    expect(limiter.concurrency).toBe(1);
    expect(limiter.inFlight).toBe(1); // b only: a was released once
    expect(started).toEqual(['a', 'b']);
    settle('b');
    await flush();
    expect(started).toEqual(['a', 'b', 'c']); // no pause of 60 s from the second settle
  });

  it('refuses settings that could never let a request start', () => {
    const bad = [{ concurrency: 0 }, { concurrency: 1.5 }, { concurrency: 1, requestsPerMinute: 0 }, { concurrency: 1, tokensPerMinute: -1 }];
    for (const settings of bad) expect(() => new ProviderLimiter(settings)).toThrow(RangeError);
  });
});

describe('systemClock', () => {
  it('sleeps, and rejects with the reason when aborted', async () => {
    await expect(systemClock.sleep(2)).resolves.toBeUndefined();
    const controller = new AbortController();
    const sleeping = systemClock.sleep(10_000, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    await expect(systemClock.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
