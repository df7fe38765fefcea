/**
 * One provider's rate limits across a whole batch (CONTRACT §14): however many items run at once,
 * the requests that reach a provider stay within its concurrency, its requests per minute and its
 * tokens per minute. Rate-limit answers slow it down: new starts wait for the retry-after and the
 * concurrency halves; a run of successes earns it back one step at a time. Retries are not done
 * here (they stay the one layer of §6): this only decides when a request may start.
 */

export interface LimitSettings {
  /** Most requests in flight at once to this provider (the starting value of the adaptive concurrency). */
  concurrency: number;
  requestsPerMinute?: number;
  /** Input plus output tokens per minute. */
  tokensPerMinute?: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export type SettleOutcome = { ok: true; tokens?: number } | { ok: false; rateLimited?: { retryAfterMs?: number } };

export interface Permit {
  /** Call exactly once when the request ends. */
  settle(outcome: SettleOutcome): void;
}

/** The span of the sliding windows of requests and tokens per minute. */
const WINDOW_MS = 60_000;
/** The pause after a rate-limit answer that did not say how long to wait. */
const DEFAULT_RETRY_AFTER_MS = 1000;
/** Successes in a row that earn back one step of concurrency. */
const SUCCESSES_TO_GROW = 20;

/** A request started within the last minute: when, and its tokens (estimated, then as reported). */
interface WindowEntry {
  start: number;
  tokens: number;
  /** False once it has left the window: a late correction must not change the window's sum. */
  inWindow: boolean;
}

interface Waiter {
  estimatedTokens: number;
  resolve(permit: Permit): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** The one pending wake-up, for the earliest time the head of the queue could start. */
interface Timer {
  at: number;
  controller: AbortController;
}

export class ProviderLimiter {
  private readonly settings: LimitSettings;
  private readonly clock: Clock;
  private current: number;
  private running = 0;
  private successes = 0;
  /** New starts wait until this time (a rate-limit pause); 0 when none was asked for. */
  private pauseUntil = 0;
  /** Start times in order, so the oldest entry is always first. */
  private readonly window: WindowEntry[] = [];
  private windowTokens = 0;
  private readonly queue: Waiter[] = [];
  private timer: Timer | undefined;

  constructor(settings: LimitSettings, clock: Clock = systemClock) {
    checkSettings(settings);
    this.settings = settings;
    this.clock = clock;
    this.current = settings.concurrency;
  }

  /** The current (adaptive) concurrency. */
  get concurrency(): number {
    return this.current;
  }

  /** Whether `acquire` looks at its estimate (a `tokensPerMinute` limit is set). */
  get countsTokens(): boolean {
    return this.settings.tokensPerMinute !== undefined;
  }

  get inFlight(): number {
    return this.running;
  }

  /**
   * A permit once the request may start, in the order of the calls. An aborted signal rejects
   * with its reason, and the request is no longer waiting.
   */
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { estimatedTokens: Number.isFinite(estimatedTokens) ? Math.max(0, estimatedTokens) : 0, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index === -1) return;
          this.queue.splice(index, 1);
          reject(signal.reason);
          // The head may have been what held the others back.
          this.pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Starts waiters from the head of the queue while they may start, then waits for the next chance. */
  private pump(): void {
    for (;;) {
      const head = this.queue[0];
      if (!head) break;
      const now = this.clock.now();
      this.prune(now);
      if (this.openAt(head.estimatedTokens, now) !== now) break;
      this.queue.shift();
      if (head.onAbort) head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve(this.start(head.estimatedTokens, now));
    }
    this.schedule();
  }

  /**
   * When a request of this size could start as far as time goes: `now` if it may start now,
   * a later time when only the pause or the windows hold it back, or undefined when all slots are
   * taken (a settle, not time, frees one; it calls pump).
   */
  private openAt(estimatedTokens: number, now: number): number | undefined {
    if (this.running >= this.current) return undefined;
    let at = Math.max(now, this.pauseUntil);
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.settings;
    if (rpm !== undefined && this.window.length >= rpm) {
      // A start needs fewer than rpm entries, so the window never holds more than rpm: the
      // oldest one's expiry makes room.
      at = Math.max(at, this.expiry(0));
    }
    // An empty window lets any request start: one bigger than the limit must not wait forever.
    if (tpm !== undefined && this.window.length > 0 && this.windowTokens + estimatedTokens > tpm) {
      at = Math.max(at, this.tokensFreeAt(estimatedTokens, tpm));
    }
    return at;
  }

  /** When enough of the oldest entries have expired for these tokens to fit, at the latest when the window is empty. */
  private tokensFreeAt(estimatedTokens: number, tpm: number): number {
    let remaining = this.windowTokens;
    for (let index = 0; index < this.window.length - 1; index++) {
      remaining -= this.window[index]!.tokens;
      if (remaining + estimatedTokens <= tpm) return this.expiry(index);
    }
    return this.expiry(this.window.length - 1);
  }

  private expiry(index: number): number {
    return this.window[index]!.start + WINDOW_MS;
  }

  /** Drops the entries that started a minute ago or more. */
  private prune(now: number): void {
    let expired = 0;
    while (expired < this.window.length && this.window[expired]!.start + WINDOW_MS <= now) {
      const entry = this.window[expired]!;
      entry.inWindow = false;
      this.windowTokens -= entry.tokens;
      expired++;
    }
    if (expired > 0) this.window.splice(0, expired);
    // The sum is kept by additions and subtractions: reset it exactly when nothing is left.
    if (this.window.length === 0) this.windowTokens = 0;
  }

  private start(estimatedTokens: number, now: number): Permit {
    this.running++;
    // Without per-minute limits there is nothing to count: a long fast batch keeps no history.
    const counted = this.settings.requestsPerMinute !== undefined || this.settings.tokensPerMinute !== undefined;
    const entry: WindowEntry = { start: now, tokens: estimatedTokens, inWindow: counted };
    if (counted) {
      this.window.push(entry);
      this.windowTokens += estimatedTokens;
    }
    let settled = false;
    return {
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        this.settle(entry, outcome);
      },
    };
  }

  private settle(entry: WindowEntry, outcome: SettleOutcome): void {
    this.running--;
    if (outcome.ok) {
      if (outcome.tokens !== undefined && entry.inWindow && Number.isFinite(outcome.tokens) && outcome.tokens >= 0) {
        this.windowTokens += outcome.tokens - entry.tokens;
        entry.tokens = outcome.tokens;
      }
      this.succeeded();
    } else if (outcome.rateLimited) {
      this.rateLimited(outcome.rateLimited.retryAfterMs);
    }
    // Any other failure neither grows nor resets the streak: a bad request or a timeout says
    // nothing about the provider's rate limits.
    this.pump();
  }

  private succeeded(): void {
    this.successes++;
    if (this.successes < SUCCESSES_TO_GROW) return;
    this.successes = 0;
    this.current = Math.min(this.settings.concurrency, this.current + 1);
  }

  private rateLimited(retryAfterMs: number | undefined): void {
    const wait = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.max(0, retryAfterMs) : DEFAULT_RETRY_AFTER_MS;
    // Overlapping pauses keep the later end: an earlier, shorter answer must not cut a longer one.
    this.pauseUntil = Math.max(this.pauseUntil, this.clock.now() + wait);
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.successes = 0;
  }

  /** Keeps exactly one wake-up, at the earliest time the head could start; none when it waits for a settle or nobody waits. */
  private schedule(): void {
    const head = this.queue[0];
    const now = this.clock.now();
    const at = head ? this.openAt(head.estimatedTokens, now) : undefined;
    if (this.timer && this.timer.at === at) return;
    // A stale timer is cancelled, not left to fire: a pending real timeout would keep the process alive.
    this.timer?.controller.abort();
    this.timer = undefined;
    if (at === undefined) return;
    const timer: Timer = { at, controller: new AbortController() };
    this.timer = timer;
    this.clock.sleep(at - now, timer.controller.signal).then(
      () => {
        if (this.timer !== timer) return;
        this.timer = undefined;
        this.pump();
      },
      () => {
        // Cancelled: a newer timer, or none, took its place.
      },
    );
  }
}

function checkSettings(settings: LimitSettings): void {
  if (!Number.isSafeInteger(settings.concurrency) || settings.concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, not ${settings.concurrency}`);
  }
  for (const key of ['requestsPerMinute', 'tokensPerMinute'] as const) {
    const value = settings[key];
    if (value !== undefined && !(value > 0)) throw new RangeError(`${key} must be more than 0, not ${value}`);
  }
}

/** Real time: a sleep that rejects with the signal's reason on abort. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      // The listener goes when the wait ends: a signal shared by many waits must not collect them.
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
