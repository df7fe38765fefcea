/** An abort by the caller, and the last resort for an error no provider mapping recognised. */
import { LoomError, isLoomError } from '../../core/errors.js';
import type { ErrorContext } from './context.js';
import { causeChainText, isNetworkFailure, networkError, timeoutError } from './network.js';
import { malformedError } from './response.js';
import { safeCause } from './scrub.js';

/**
 * What to throw when the caller's signal aborted the request. An engine that aborts with a
 * LoomError as the reason (its own timeout, say) gets that very error back; otherwise
 * `interrupted`.
 */
export function abortedError(ctx: ErrorContext, signal: AbortSignal | undefined, cause?: unknown): LoomError {
  const reason: unknown = signal?.reason;
  if (isLoomError(reason)) return reason;
  return new LoomError('interrupted', `${ctx.provider}: request aborted`, { provider: ctx.provider, cause: safeCause(cause ?? reason, ctx.secrets) });
}

function isAbortLike(error: unknown): boolean {
  return !!error && typeof error === 'object' && ((error as { name?: unknown }).name === 'AbortError' || (error as { name?: unknown }).name === 'APIUserAbortError');
}

/**
 * The last resort for an error a provider's own mapping did not recognise: keeps LoomErrors,
 * honours an aborted signal, spots timeouts and socket failures, and calls anything else a
 * malformed response (a TypeError from reading a body that is not what the API promises).
 */
export function mapUnknownError(ctx: ErrorContext, error: unknown, signal?: AbortSignal, options: { midStream?: boolean } = {}): LoomError {
  if (signal?.aborted) return abortedError(ctx, signal, error);
  if (isLoomError(error)) return error;
  if (isAbortLike(error)) return timeoutError(ctx, error);
  if (isNetworkFailure(error)) return networkError(ctx, error, options);
  if (/timed? ?out/i.test(causeChainText(error))) return timeoutError(ctx, error);
  return malformedError(ctx, error);
}
