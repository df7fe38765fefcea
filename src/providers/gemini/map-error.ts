/**
 * @google/genai errors → LoomError. The SDK's ApiError carries only the status and the error
 * body as a JSON string (no headers), so the provider captures the response headers itself and
 * passes them here for `retry-after`; Gemini's own RetryInfo comes from the body.
 */
import { ApiError } from '@google/genai';
import { isLoomError, type LoomError } from '../../core/errors.js';
import { isObject } from '../../core/json.js';
import type { ErrorContext } from '../errors/context.js';
import { incompleteStreamError } from '../errors/response.js';
import { statusError } from '../errors/status.js';
import { abortedError, mapUnknownError } from '../errors/unknown.js';

/** The google.rpc.Status body inside an ApiError message ("{…}" or "got status: X. {…}"). */
export function parseErrorBody(message: string): Record<string, unknown> | undefined {
  const start = message.search(/[[{]/);
  if (start < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    const body = Array.isArray(parsed) ? parsed[0] : parsed;
    return isObject(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

function hasReason(error: Record<string, unknown>, reason: string): boolean {
  return Array.isArray(error.details) && error.details.some((d) => isObject(d) && d.reason === reason);
}

export function mapGeminiError(
  error: unknown,
  ctx: ErrorContext,
  signal?: AbortSignal,
  options: { midStream?: boolean; headers?: Headers } = {},
): LoomError {
  if (signal?.aborted) return abortedError(ctx, signal, error);
  if (isLoomError(error)) return error;
  if (error instanceof ApiError || (error instanceof Error && error.name === 'ApiError' && typeof (error as { status?: unknown }).status === 'number')) {
    const status = (error as ApiError).status;
    const body = parseErrorBody(error.message);
    const inner = body && isObject(body.error) ? body.error : undefined;
    const message = inner && typeof inner.message === 'string' ? inner.message : undefined;
    // Gemini answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID.
    const badKey = !!inner && (hasReason(inner, 'API_KEY_INVALID') || inner.status === 'UNAUTHENTICATED');
    return statusError(ctx, status, {
      message,
      body,
      headers: options.headers,
      cause: error,
      ...(badKey ? { code: 'auth_failed' as const } : {}),
    });
  }
  // The SDK's words for a stream that ended in the middle of an event.
  if (error instanceof Error && /Incomplete JSON segment/i.test(error.message)) return incompleteStreamError(ctx);
  return mapUnknownError(ctx, error, signal, { midStream: options.midStream });
}
