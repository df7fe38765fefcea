/**
 * The one retry layer (CONTRACT §6, DESIGN principle 2): the attempts of one model turn on one
 * provider. p-retry counts attempts and carries the signal; Loom computes each delay
 * (retry-after, RetryInfo, jittered backoff) and awaits it. Nothing is retried once text of an
 * attempt has reached the user: that text cannot be taken back.
 */
import pRetry from 'p-retry';
import { LoomError, toLoomError } from '../core/errors.js';
import type { ChatRequest, Provider } from '../core/messages.js';
import type { PlannedProvider } from '../core/plan.js';
import { attemptTurn, type TurnOutput } from './attempt.js';
import { decideRetry } from './backoff.js';
import type { EngineEvent, EngineOptions } from './execute-plan.js';
import type { RunState } from './run-state.js';

/** A stream that broke after part of it was shown: no retry, no fallback. */
export class BrokenAfterTextError extends LoomError {
  constructor(cause: LoomError) {
    super(cause.code, `${cause.message} (the answer broke off after part of it was printed)`, {
      provider: cause.provider,
      status: cause.status,
      hint: 'run again; use --json to get a complete answer or none',
    });
  }
}

export interface RetryContext {
  options: EngineOptions;
  state: RunState;
  emit: (event: EngineEvent) => void;
  /** Whether this turn's text streams to the user (a structured answer does not: it is shown once valid). */
  streamText: boolean;
  /** Whether the request itself is streamed (`--no-stream`: no). */
  streamRequest: boolean;
}

/** One turn on a chain entry's provider, with its retries; the output of the attempt that succeeded. */
export async function withRetries(provider: Provider, entry: PlannedProvider, request: ChatRequest, context: RetryContext): Promise<TurnOutput> {
  const { options, state, emit, streamText } = context;
  const sleep = options.sleep ?? defaultSleep;
  // Deltas reach a reader as they come only when both the run and this turn stream them.
  const reachesUser = options.textReachesUser && streamText;
  let attempt = 0;
  return pRetry(
    async () => {
      attempt++;
      state.attempts++;
      state.attemptText = '';
      let textShown = false;
      try {
        return await attemptTurn(provider, request, {
          signal: options.signal,
          stream: context.streamRequest,
          timeoutMs: entry.timeoutMs,
          onHttp: (exchange) => emit({ type: 'http', provider: entry.provider.name, attempt, ...exchange }),
          onDelta: (text) => {
            state.attemptText += text;
            if (!streamText) return;
            if (reachesUser) textShown = true;
            emit({ type: 'delta', text });
          },
        });
      } catch (error) {
        const loomError = toLoomError(error, entry.provider.name);
        // A call with no fixture was never made: not an attempt.
        if (loomError.code === 'replay_miss') state.attempts--;
        // A refusal after some text is still a refusal, not a broken stream; so is a fixture refused for a secret.
        if (!textShown || loomError.code === 'refused' || loomError.code === 'secret_in_fixture') throw loomError;
        throw new BrokenAfterTextError(loomError);
      }
    },
    {
      retries: entry.retry.retries,
      // Loom computes every delay itself (retry-after, jitter) and awaits it below.
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      signal: options.signal,
      onFailedAttempt: async ({ error }) => {
        if (error instanceof BrokenAfterTextError) throw error;
        const loomError = toLoomError(error, entry.provider.name);
        const decision = decideRetry(loomError, attempt, entry.retry, options.random);
        if (!decision.retry) {
          if (decision.reason === 'retry-after-too-long') {
            throw new LoomError(loomError.code, `${loomError.message} (asked to wait ${Math.ceil((loomError.retryAfterMs ?? 0) / 1000)}s, more than maxDelayMs)`, {
              provider: loomError.provider,
              status: loomError.status,
              hint: loomError.hint,
            });
          }
          throw loomError;
        }
        emit({ type: 'retry', provider: entry.provider.name, attempt: attempt + 1, maxAttempts: entry.retry.retries + 1, delayMs: decision.delayMs, code: loomError.code, status: loomError.status ?? null });
        await sleep(decision.delayMs, options.signal);
      },
    },
  ).catch((error: unknown) => {
    if (options.signal?.aborted) throw new LoomError('interrupted', 'interrupted', { provider: entry.provider.name });
    throw error;
  });
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    // The listener goes when the wait ends: a signal shared by many runs must not collect them.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
