/** @anthropic-ai/sdk errors → LoomError (CONTRACT §10 codes). */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { isLoomError, type LoomError } from '../../core/errors.js';
import { isObject } from '../../core/json.js';
import type { ErrorContext } from '../errors/context.js';
import { networkError, timeoutError } from '../errors/network.js';
import { statusError } from '../errors/status.js';
import { abortedError, mapUnknownError } from '../errors/unknown.js';
import { statusForErrorType, statusFromErrorBody } from '../errors/vendor-status.js';

/** The `{type: 'error', error: {type, message}}` body's message, else the SDK's text without its status prefix. */
function providerMessage(error: APIError): string | undefined {
  const body: unknown = error.error;
  if (isObject(body) && isObject(body.error) && typeof body.error.message === 'string') return body.error.message;
  if (isObject(body) && typeof body.message === 'string') return body.message;
  if (typeof body === 'string') return body;
  const text = error.message.replace(/^\d{3}\s+/, '');
  return text === 'status code (no body)' ? undefined : text;
}

export function mapAnthropicError(error: unknown, ctx: ErrorContext, signal?: AbortSignal, midStream = false): LoomError {
  if (signal?.aborted || error instanceof APIUserAbortError) return abortedError(ctx, signal, error);
  if (isLoomError(error)) return error;
  if (error instanceof APIConnectionTimeoutError) return timeoutError(ctx, error);
  if (error instanceof APIConnectionError) return networkError(ctx, error.cause ?? error, { midStream });
  if (error instanceof APIError) {
    const body: unknown = error.error;
    const type = error.type ?? (isObject(body) && isObject(body.error) ? body.error.type : undefined);
    // An `event: error` inside a stream has no status of its own: the one it names, else its type's.
    const status = error.status ?? statusFromErrorBody(isObject(body) ? body.error : undefined) ?? statusForErrorType(type);
    return statusError(ctx, status, { message: providerMessage(error), headers: error.headers, cause: error });
  }
  return mapUnknownError(ctx, error, signal, { midStream });
}
