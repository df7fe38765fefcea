/** The HTTP status an error inside a stream stands for, when it arrives with none of its own (OpenAI, Anthropic, OpenRouter bodies). */

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

