/** Socket failures and timeouts, told apart from HTTP errors by the error's cause chain: `network` and `timeout`, both retryable. */
import { LoomError } from '../../core/errors.js';
import type { ErrorContext } from './context.js';
import { displayUrl, redact, safeCause } from './scrub.js';

/** Socket-level error codes that mean "could not talk to the server" (retryable). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EHOSTUNREACH',
  'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

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

/** The names and messages down an error's cause chain, for the checks that go by words. */
export function causeChainText(error: unknown): string {
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

