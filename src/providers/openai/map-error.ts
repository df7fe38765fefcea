/** openai SDK errors → LoomError (CONTRACT §10 codes). Shared by openai and openai-compatible. */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { LoomError } from '../../core/errors.js';
import { isLoomError } from '../../core/errors.js';
import { isObject } from '../../core/json.js';
import type { ErrorContext } from '../errors/context.js';
import { networkError, timeoutError } from '../errors/network.js';
import { statusError } from '../errors/status.js';
import { abortedError, mapUnknownError } from '../errors/unknown.js';
import { statusForErrorType, statusFromErrorBody } from '../errors/vendor-status.js';

/** `APIError.message` is "<status> <provider message>"; the provider's part alone. */
function providerMessage(error: APIError): string | undefined {
  const body: unknown = error.error;
  if (isObject(body) && typeof body.message === 'string') return body.message;
  if (typeof body === 'string') return body;
  const text = error.message.replace(/^\d{3}\s+/, '');
  return text === 'status code (no body)' ? undefined : text;
}

export function mapOpenAIError(error: unknown, ctx: ErrorContext, signal?: AbortSignal, midStream = false): LoomError {
  if (signal?.aborted || error instanceof APIUserAbortError) return abortedError(ctx, signal, error);
  if (isLoomError(error)) return error;
  if (error instanceof APIConnectionTimeoutError) return timeoutError(ctx, error);
  if (error instanceof APIConnectionError) return networkError(ctx, error.cause ?? error, { midStream });
  if (error instanceof APIError) {
    const body: unknown = error.error;
    const code = isObject(body) ? body.code : undefined;
    const type = isObject(body) ? body.type : undefined;
    const quota = code === 'insufficient_quota' || type === 'insufficient_quota';
    // An error inside a stream has no status of its own: the one its body names, else its type's.
    const status = error.status ?? statusFromErrorBody(body) ?? statusForErrorType(code === 'rate_limit_exceeded' || quota ? code : type);
    return statusError(ctx, status, {
      message: providerMessage(error),
      headers: error.headers,
      cause: error,
      ...(quota ? { retryable: false, hint: `the account's quota is used up; check its plan and billing` } : {}),
    });
  }
  return mapUnknownError(ctx, error, signal, { midStream });
}
