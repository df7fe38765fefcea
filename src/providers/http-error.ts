/**
 * Turning what went wrong on the wire into one LoomError, the same way for every provider
 * (CONTRACT §6, §10): status → code and retryability, retry-after headers and Gemini's RetryInfo
 * → retryAfterMs, socket failures → `network`, timeouts → `timeout`, garbage → a clean
 * `provider_unavailable`. Every message built here has the key value replaced by `[redacted]`.
 */
import { LoomError, isLoomError, type ErrorCode } from '../core/errors.js';
import type { ResolvedProvider } from '../core/config.js';

/** Statuses worth another attempt (CONTRACT §6). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/** Socket-level error codes that mean "could not talk to the server" (retryable). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EHOSTUNREACH',
  'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** What a provider's error mapping needs to know, taken once from its config. */
export interface ErrorContext {
  /** config.name: the provider as the user named it. */
  provider: string;
  /** The model of the request, for 404 messages. */
  model?: string;
  baseUrl?: string;
  /** Where the key lives, for 401/403 hints: a variable name or `apiKey in config`. */
  keyHint: string;
  /** Values to replace with `[redacted]` in every message (the key, secret-looking header values). */
  secrets: string[];
}

export function errorContext(config: ResolvedProvider, model?: string): ErrorContext {
  const secrets: string[] = [];
  if (config.apiKey) secrets.push(config.apiKey);
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (/auth|key|token|secret|cookie|password/i.test(name) && value.length >= 4) {
      secrets.push(value);
      const bearer = /^\s*(?:bearer|basic|token)\s+(.+)$/i.exec(value);
      if (bearer?.[1]) secrets.push(bearer[1]);
    }
  }
  const keySource = config.keySource && config.keySource !== 'config' ? config.keySource : undefined;
  const keyHint = keySource ?? (config.keySource === 'config' ? 'apiKey in config' : config.keyVariables[0] ?? 'apiKey in config');
  return { provider: config.name, model: model ?? config.model, baseUrl: config.baseUrl, keyHint, secrets };
}

/** Replace every secret in `text` by `[redacted]`, longest first so overlapping secrets stay hidden. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[redacted]');
  }
  return out;
}

/**
 * A copy of an error for LoomError's `cause` (shown under --debug): name, code, message and stack
 * with secrets removed, and nothing else — an SDK error's body or headers may echo the key.
 */
export function safeCause(error: unknown, secrets: readonly string[], depth = 0): Error | undefined {
  if (error === undefined || error === null || depth > 5) return undefined;
  if (!(error instanceof Error)) return new Error(redact(String(typeof error === 'symbol' ? error.description ?? 'symbol' : error), secrets));
  const copy = new Error(redact(error.message, secrets));
  // Some SDK error classes leave `name` as 'Error'; their class name says more.
  copy.name = error.name === 'Error' && error.constructor?.name ? error.constructor.name : error.name;
  copy.stack = error.stack === undefined ? undefined : redact(error.stack, secrets);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  const inner = safeCause((error as { cause?: unknown }).cause, secrets, depth + 1);
  if (inner) Object.assign(copy, { cause: inner });
  return copy;
}

/** A provider's own message on one line, bounded, secrets removed. */
export function cleanMessage(message: string | undefined, secrets: readonly string[], max = 500): string | undefined {
  if (message === undefined) return undefined;
  let text = redact(message, secrets);
  // An HTML error page from a proxy: keep its words, not its markup.
  if (/<\/?[a-z][^>]*>/i.test(text)) text = text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ');
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (!oneLine) return undefined;
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Hide user:password@ in a URL before it goes into a message. */
export function displayUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined | null;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The wait a server asked for, in ms: `retry-after-ms`, else `retry-after` as seconds or an
 * HTTP date (a date in the past is 0). Undefined when neither is there or parseable.
 */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const after = header(headers, 'retry-after')?.trim();
  if (after) {
    if (/^\d+(\.\d+)?$/.test(after)) return Math.round(Number(after) * 1000);
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/** A protobuf Duration in JSON form ("1.5s", "2s", "0.250s") in ms. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1000);
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** Gemini (google.rpc.Status): `error.details[]` with `@type` …google.rpc.RetryInfo and `retryDelay`. */
export function parseRetryInfo(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const d = detail as { '@type'?: unknown; retryDelay?: unknown } | null;
    if (d && typeof d['@type'] === 'string' && d['@type'].endsWith('google.rpc.RetryInfo')) {
      const ms = parseDuration(d.retryDelay);
      if (ms !== undefined) return ms;
    }
  }
  return undefined;
}

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

/**
 * The HTTP status an error `type` stands for, for errors that arrive inside a stream with no
 * status of their own (OpenAI `data: {"error": …}`, Anthropic `event: error`). Unknown → 500.
 */
export function statusForErrorType(type: unknown): number {
  switch (type) {
    case 'invalid_request_error':
    case 'invalid_request':
      return 400;
    case 'authentication_error':
      return 401;
    case 'billing_error':
      return 402;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'request_too_large':
      return 413;
    case 'rate_limit_error':
    case 'rate_limit_exceeded':
    case 'insufficient_quota':
      return 429;
    case 'timeout_error':
      return 504;
    case 'overloaded_error':
      return 529;
    default:
      return 500;
  }
}

/**
 * The HTTP status an error object names itself, for errors inside a stream (`{"error": {"code":
 * 400, "message": …}}` from OpenRouter): a whole number from 400 to 599 in `code` or `status`.
 */
export function statusFromErrorBody(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  for (const key of ['code', 'status']) {
    const value = (body as Record<string, unknown>)[key];
    const status = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) return status;
  }
  return undefined;
}

/** Walk an error's cause chain for a socket error code. */
export function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('E'))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function causeChainText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current; depth++) {
    if (current instanceof Error) parts.push(`${current.name}: ${current.message}`);
    else parts.push(String(current));
    current = current && typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join(' <- ');
}

/** True when the error chain says the connection failed or broke (not an HTTP status). */
export function isNetworkFailure(error: unknown): boolean {
  const code = findErrorCode(error);
  if (code && NETWORK_CODES.has(code)) return true;
  return /fetch failed|socket hang up|terminated|other side closed|network|ECONN|EPIPE|ENOTFOUND|EAI_AGAIN/i.test(causeChainText(error));
}

/** Connection refused/reset, DNS, TLS, a body cut off: `network`, retryable. */
export function networkError(ctx: ErrorContext, cause: unknown, options: { midStream?: boolean } = {}): LoomError {
  const code = findErrorCode(cause);
  if (code && TIMEOUT_CODES.has(code)) return timeoutError(ctx, cause);
  const where = displayUrl(ctx.baseUrl);
  const because = code ? ` (${code})` : '';
  const message = options.midStream
    ? `${ctx.provider}: the connection broke during the response${because}`
    : `${ctx.provider}: cannot reach ${where ?? 'the server'}${because}`;
  const unreachable = !options.midStream && (code === 'ECONNREFUSED' || code === 'ENOTFOUND');
  const hint = unreachable ? `is the server running, and is the provider's baseUrl right?` : undefined;
  return new LoomError('network', redact(message, ctx.secrets), { hint, retryable: true, provider: ctx.provider, cause: safeCause(cause, ctx.secrets) });
}

/** The SDK's own timeout, or a socket timeout: `timeout`, retryable. */
export function timeoutError(ctx: ErrorContext, cause?: unknown): LoomError {
  return new LoomError('timeout', `${ctx.provider}: the request timed out`, { retryable: true, provider: ctx.provider, cause: safeCause(cause, ctx.secrets) });
}

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
