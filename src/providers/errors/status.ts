/** An HTTP error status → the LoomError for it: code, retryability, a message in the provider's words, the wait it asked for (CONTRACT §6, §10). */
import { LoomError, type ErrorCode } from '../../core/errors.js';
import type { ErrorContext } from './context.js';
import { parseRetryAfter, parseRetryInfo, type HeaderSource } from './retry-after.js';
import { cleanMessage, displayUrl, redact, safeCause } from './scrub.js';

/** Statuses worth another attempt (CONTRACT §6). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

function codeForStatus(status: number): ErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403 || status === 402) return 'auth_failed';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 409 || status === 529 || status >= 500) return 'provider_unavailable';
  return 'bad_request';
}

function labelForStatus(status: number): string {
  switch (status) {
    case 400: return 'bad request';
    case 401: return 'authentication failed';
    case 402: return 'payment required';
    case 403: return 'permission denied';
    case 404: return 'not found';
    case 408: return 'request timed out';
    case 409: return 'conflict';
    case 413: return 'request too large';
    case 422: return 'request not processable';
    case 429: return 'rate limited';
    case 500: return 'server error';
    case 502: return 'bad gateway';
    case 503: return 'service unavailable';
    case 504: return 'gateway timeout';
    case 529: return 'overloaded';
    default: return status >= 500 ? 'server error' : 'request rejected';
  }
}

export interface StatusErrorDetails {
  /** The provider's own words, unredacted (this function redacts). */
  message?: string;
  headers?: HeaderSource;
  /** The parsed error body, for Gemini's RetryInfo. */
  body?: unknown;
  /** Overrides what the headers and body say. */
  retryAfterMs?: number;
  /** Forces the code, e.g. Gemini's 400 API_KEY_INVALID is an auth failure. */
  code?: ErrorCode;
  /** Forces retryability, e.g. a 429 for an exhausted quota will not clear by waiting. */
  retryable?: boolean;
  hint?: string;
  cause?: unknown;
}

/** The LoomError for an HTTP error status (or an in-stream error mapped to one). */
export function statusError(ctx: ErrorContext, status: number, details: StatusErrorDetails = {}): LoomError {
  const code = details.code ?? codeForStatus(status);
  const said = cleanMessage(details.message, ctx.secrets);
  const suffix = said ? `: ${said}` : '';
  let message: string;
  let hint: string | undefined;
  switch (code) {
    case 'auth_failed':
      message = `${ctx.provider}: ${labelForStatus(status === 400 ? 401 : status)} (${status})${suffix}`;
      hint = status === 402 ? `check the billing of the account behind ${ctx.keyHint}` : `check the key in ${ctx.keyHint}`;
      break;
    case 'not_found': {
      const model = ctx.model ? `model "${ctx.model}" ` : '';
      message = `${ctx.provider}: ${model}not found (404)${suffix}`;
      const where = displayUrl(ctx.baseUrl);
      hint = `check the model name${where ? ` and the provider's baseUrl (${where})` : ''}; \`loom providers\` lists what is configured`;
      break;
    }
    default:
      message = `${ctx.provider}: ${labelForStatus(status)} (${status})${suffix}`;
  }
  const retryAfterMs = details.retryAfterMs ?? parseRetryAfter(details.headers) ?? parseRetryInfo(details.body);
  const finalHint = details.hint ?? hint;
  return new LoomError(code, redact(message, ctx.secrets), {
    hint: finalHint === undefined ? undefined : redact(finalHint, ctx.secrets),
    status,
    retryable: details.retryable ?? RETRYABLE_STATUSES.has(status),
    retryAfterMs,
    provider: ctx.provider,
    cause: safeCause(details.cause, ctx.secrets),
  });
}

