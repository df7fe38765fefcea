import type { RetryConfig } from '../core/config.js';
import type { LoomError } from '../core/errors.js';

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'not-retryable' | 'retry-after-too-long' | 'exhausted' };

/**
 * Whether and when to retry after a failed attempt (CONTRACT §6): a server's `retry-after`
 * is waited for as given, unless it is longer than `maxDelayMs` (then the provider counts as
 * failed); otherwise exponential backoff with full jitter between minDelayMs and maxDelayMs.
 */
export function decideRetry(error: LoomError, attempt: number, retry: Required<RetryConfig>, random: () => number = Math.random): RetryDecision {
  if (!error.retryable) return { retry: false, reason: 'not-retryable' };
  if (attempt > retry.retries) return { retry: false, reason: 'exhausted' };
  if (error.retryAfterMs !== undefined) {
    return error.retryAfterMs > retry.maxDelayMs ? { retry: false, reason: 'retry-after-too-long' } : { retry: true, delayMs: error.retryAfterMs };
  }
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** (attempt - 1));
  return { retry: true, delayMs: Math.round(retry.minDelayMs + random() * Math.max(0, ceiling - retry.minDelayMs)) };
}
