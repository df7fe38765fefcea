import { describe, expect, it } from 'vitest';
import { decideRetry } from '../../src/engine/backoff.js';
import { LoomError } from '../../src/core/errors.js';

const retry = { retries: 3, minDelayMs: 100, maxDelayMs: 1000 };
const retryable = (retryAfterMs?: number) => new LoomError('rate_limited', 'slow down', { retryable: true, status: 429, retryAfterMs });

describe('retry decisions', () => {
  it('never retries an error that is not retryable', () => {
    expect(decideRetry(new LoomError('bad_request', 'no', { status: 400 }), 1, retry)).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('stops after `retries` retries: retries 3 means at most 4 attempts', () => {
    expect(decideRetry(retryable(), 3, retry).retry).toBe(true);
    expect(decideRetry(retryable(), 4, retry)).toEqual({ retry: false, reason: 'exhausted' });
  });

  it('waits a retry-after as given, and gives up on one beyond maxDelayMs', () => {
    expect(decideRetry(retryable(750), 1, retry)).toEqual({ retry: true, delayMs: 750 });
    expect(decideRetry(retryable(0), 1, retry)).toEqual({ retry: true, delayMs: 0 });
    expect(decideRetry(retryable(1001), 1, retry)).toEqual({ retry: false, reason: 'retry-after-too-long' });
  });

  it('backs off exponentially with full jitter between minDelayMs and the capped ceiling', () => {
    expect(decideRetry(retryable(), 1, retry, () => 0.999)).toEqual({ retry: true, delayMs: 100 });
    expect(decideRetry(retryable(), 2, retry, () => 0)).toEqual({ retry: true, delayMs: 100 });
    expect(decideRetry(retryable(), 2, retry, () => 1)).toEqual({ retry: true, delayMs: 200 });
    expect(decideRetry(retryable(), 3, retry, () => 1)).toEqual({ retry: true, delayMs: 400 });
    expect(decideRetry(retryable(), 3, { ...retry, retries: 10 }, () => 0.5)).toEqual({ retry: true, delayMs: 250 });
    expect(decideRetry(retryable(), 8, { ...retry, retries: 10 }, () => 1)).toEqual({ retry: true, delayMs: 1000 });
  });
});
