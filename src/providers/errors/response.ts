/** A response that is not what the API promises: malformed, or a stream that is not whole. */
import { LoomError } from '../../core/errors.js';
import type { ErrorContext } from './context.js';
import { cleanMessage, safeCause } from './scrub.js';

/** A body that is not what the API promises: `provider_unavailable`, never a raw TypeError. */
export function malformedError(ctx: ErrorContext, cause?: unknown, what = 'a malformed response'): LoomError {
  const detail = cause instanceof Error ? cleanMessage(cause.message, ctx.secrets, 200) : undefined;
  return new LoomError('provider_unavailable', `${ctx.provider}: ${what}${detail ? ` (${detail})` : ''}`, {
    retryable: false,
    provider: ctx.provider,
    cause: safeCause(cause, ctx.secrets),
  });
}

/**
 * A stream that is not whole (an event cut in half at the end) or said nothing at all: treated as
 * a broken connection, retryable. A stream that ended cleanly after events is complete, even
 * without the provider's end marker (CONTRACT §10).
 */
export function incompleteStreamError(ctx: ErrorContext, what = 'the response stream ended before it was complete'): LoomError {
  return new LoomError('network', `${ctx.provider}: ${what}`, {
    retryable: true,
    provider: ctx.provider,
  });
}

