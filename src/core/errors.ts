/** Error codes of CONTRACT §4, grouped by the exit code each one leads to. */
export const EXIT_CODES = {
  usage: 2,
  config_invalid: 2,
  unknown_agent: 2,
  unknown_provider: 2,
  missing_api_key: 2,
  missing_variable: 2,
  rate_limited: 1,
  provider_unavailable: 1,
  timeout: 1,
  network: 1,
  auth_failed: 1,
  not_found: 1,
  bad_request: 1,
  /** The model (or the provider's filter) refused to answer: a failure, never an empty success. */
  refused: 1,
  max_steps: 1,
  budget_exceeded: 1,
  replay_miss: 1,
  /** A fixture would have held a known secret (CONTRACT §12, §19): it was not written. */
  secret_in_fixture: 1,
  validation_failed: 1,
  /** A `loom batch` input line that cannot be an item (CONTRACT §14): its result says so, the batch goes on. */
  bad_input: 1,
  /** A provider batch (CONTRACT §15) ended before it ran this item: its 24-hour window passed. */
  batch_expired: 1,
  /** A provider batch was cancelled before it ran this item. */
  batch_canceled: 1,
  /** Writing the output failed (stdout closed or full). */
  output_error: 1,
  output_invalid: 3,
  interrupted: 130,
  internal: 1,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

export interface LoomErrorOptions {
  hint?: string;
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
  provider?: string;
  cause?: unknown;
  /** Lines printed between the error and its hint (a replay miss: the nearest fixture, where the request differs). */
  details?: readonly string[];
}

/** Marks Loom's errors across bundles: the CLI ships some commands as self-contained bundles, each with its own copy of this class. */
const LOOM_ERROR = Symbol.for('loom.error');

/**
 * The one error type Loom raises on purpose. It deliberately has no field for request
 * headers or options, so a key can never travel inside an error.
 */
export class LoomError extends Error {
  override readonly name = 'LoomError';
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly provider?: string;
  readonly details?: readonly string[];
  readonly [LOOM_ERROR] = true;

  constructor(code: ErrorCode, message: string, options: LoomErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    if (options.details && options.details.length > 0) this.details = options.details;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export const isLoomError = (error: unknown): error is LoomError =>
  typeof error === 'object' && error !== null && (error as { [LOOM_ERROR]?: unknown })[LOOM_ERROR] === true;

/** A LoomError as is; anything else is a fault Loom did not foresee: `internal`, with the cause kept. */
export function toLoomError(error: unknown, provider?: string): LoomError {
  if (isLoomError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LoomError('internal', message, { ...(provider ? { provider } : {}), cause: error });
}
