/**
 * The Anthropic Message Batches engine (CONTRACT §15): `POST /v1/messages/batches` with one
 * `{custom_id: 'loom-<index>', params}` entry per item, where `params` is exactly the non-streaming
 * body a live run sends; refreshed with `GET /v1/messages/batches/:id`; results read from the
 * batch's `results_url` (JSONL, one line per request, in any order, matched by `custom_id`).
 *
 * Why the results are not read with the SDK's `batches.results(id)`: it fetches whatever
 * `results_url` the batch names, with the key. Here the URL is fetched only if its origin is the
 * origin every other call of this client goes to (the configured base URL, else the SDK's
 * `https://api.anthropic.com`), so a batch that names another host gets no key: it is refused,
 * naming that host, before anything is fetched. The URL that passed the check is then fetched
 * through the same client (its auth headers, Loom's fetch, which follows no redirect).
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { BatchCreateParams, MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { LoomError, type ErrorCode } from '../core/errors.js';
import { isObject } from '../core/json.js';
import { createAnthropicClient } from '../providers/anthropic/index.js';
import { toAnthropicBody } from '../providers/anthropic/convert-messages.js';
import { mapAnthropicError } from '../providers/anthropic/map-error.js';
import { messageEvents } from '../providers/anthropic/stream.js';
import { errorContext, type ErrorContext } from '../providers/errors/context.js';
import { malformedError } from '../providers/errors/response.js';
import { statusError } from '../providers/errors/status.js';
import { statusForErrorType } from '../providers/errors/vendor-status.js';
import { customId, indexOfCustomId, type BatchEngine, type BatchEngineFactory, type BatchRequest, type ItemOutcome, type RemoteBatch } from './engine.js';

/** Message Batches limits (CONTRACT §15): 100,000 requests or 256 MB per batch. */
const LIMITS = { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 } as const;

/**
 * One `requests[]` entry. The SDK's `BatchCreateParams.Request` is the return type, so the shape
 * is checked against the SDK's own definition; the cast is only from toAnthropicBody's loose
 * record to the non-streaming params it builds (no `stream` key).
 */
export function anthropicBatchRequest(item: BatchRequest): BatchCreateParams.Request {
  return {
    custom_id: customId(item.index),
    params: toAnthropicBody(item.request, false) as unknown as MessageCreateParamsNonStreaming,
  };
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

/** Why an ended batch ended: a cancellation wins over an expiry (items it never ran are `batch_canceled`). */
function endingOf(batch: MessageBatch): RemoteBatch['ending'] {
  const counts = batch.request_counts;
  if (count(counts.canceled) > 0 || batch.cancel_initiated_at) return 'canceled';
  if (count(counts.expired) > 0) return 'expired';
  return 'completed';
}

/** The manifest's view of a MessageBatch; `indexes` are the ones Loom sent in it. */
export function toRemoteBatch(batch: MessageBatch, indexes: readonly number[], ctx: ErrorContext): RemoteBatch {
  const body: unknown = batch;
  if (!isObject(body) || typeof body.id !== 'string' || !isObject(body.request_counts) || typeof body.processing_status !== 'string') {
    throw malformedError(ctx, undefined, 'a malformed message batch');
  }
  const counts = batch.request_counts;
  const processing = count(counts.processing);
  const succeeded = count(counts.succeeded);
  const failed = count(counts.errored) + count(counts.canceled) + count(counts.expired);
  // `canceling` is still running at the provider: only `ended` has results.
  const ended = batch.processing_status === 'ended';
  return {
    remoteId: batch.id,
    fileIds: [],
    indexes: [...indexes],
    state: ended ? 'ended' : 'in_progress',
    providerStatus: batch.processing_status,
    counts: { total: processing + succeeded + failed, succeeded, failed, pending: processing },
    deadline: typeof batch.expires_at === 'string' ? batch.expires_at : null,
    createdAt: typeof batch.created_at === 'string' ? batch.created_at : new Date().toISOString(),
    ...(ended ? { ending: endingOf(batch) } : {}),
  };
}

/**
 * The results URL, resolved against the base URL, if it may be fetched with the key: only on the
 * base URL's own origin (scheme, host and port). Otherwise a LoomError naming the foreign host.
 */
export function checkedResultsUrl(batch: MessageBatch, baseUrl: string, ctx: ErrorContext): string {
  if (typeof batch.results_url !== 'string' || batch.results_url === '') {
    throw new LoomError('provider_unavailable', `${ctx.provider}: batch ${batch.id} has no results_url yet (it is ${batch.processing_status})`, {
      retryable: true,
      provider: ctx.provider,
    });
  }
  const home = new URL(baseUrl);
  let url: URL;
  try {
    url = new URL(batch.results_url, home);
  } catch {
    throw malformedError(ctx, undefined, `a results_url that is not a URL for batch ${batch.id}`);
  }
  if (url.origin !== home.origin) {
    throw new LoomError('provider_unavailable', `${ctx.provider}: results_url points at ${url.host}, not at the provider (${home.host}); nothing was fetched from it`, {
      hint: `the key is only sent to ${home.origin}; check the provider's baseUrl, then run \`loom batches collect\` again`,
      retryable: false,
      provider: ctx.provider,
    });
  }
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// The results JSONL: one `MessageBatchIndividualResponse` a line, in any order.

/** The lines of a body as they arrive (a results file can be large: it is never held whole). */
export async function* jsonLines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        yield buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (done) break;
    }
    if (buffered !== '') yield buffered;
  } finally {
    // A reader that stops early (an error, a consumer that returns) lets the connection go.
    await reader.cancel().catch(() => undefined);
  }
}

const failure = (index: number, code: ErrorCode, message: string, status: number | null = null): ItemOutcome => ({ index, ok: false, error: { code, message, status } });

/** An `errored` result's `{type: 'error', error: {type, message}}`, mapped as an in-stream error of that type is. */
function erroredOutcome(index: number, body: unknown, ctx: ErrorContext): ItemOutcome {
  const inner = isObject(body) && isObject(body.error) ? body.error : body;
  const type = isObject(inner) ? inner.type : undefined;
  const message = isObject(inner) && typeof inner.message === 'string' ? inner.message : undefined;
  const error = statusError(ctx, statusForErrorType(type), { message });
  return failure(index, error.code, error.message, error.status ?? null);
}

/** One result: a succeeded message read by the live non-streaming mapper, or why there is none. */
export function resultOutcome(index: number, result: unknown, ctx: ErrorContext): ItemOutcome {
  const type = isObject(result) ? result.type : undefined;
  switch (type) {
    case 'succeeded':
      try {
        return { index, ok: true, events: [...messageEvents((result as { message: Message }).message, ctx)] };
      } catch (error) {
        const mapped = mapAnthropicError(error, ctx);
        return failure(index, mapped.code, mapped.message, mapped.status ?? null);
      }
    case 'errored':
      return erroredOutcome(index, (result as { error?: unknown }).error, ctx);
    case 'canceled':
      return failure(index, 'batch_canceled', `${ctx.provider}: the batch was cancelled before this item ran`);
    case 'expired':
      return failure(index, 'batch_expired', `${ctx.provider}: the batch's 24-hour window ended before this item ran`);
    default:
      return failure(index, 'provider_unavailable', `${ctx.provider}: a result of unknown type ${JSON.stringify(type ?? null)}`);
  }
}

/** An item the results never mention: what the batch's ending says happened to it. */
function missingOutcome(index: number, ending: RemoteBatch['ending'], ctx: ErrorContext): ItemOutcome {
  if (ending === 'canceled') return failure(index, 'batch_canceled', `${ctx.provider}: the batch was cancelled before this item ran`);
  if (ending === 'expired') return failure(index, 'batch_expired', `${ctx.provider}: the batch's 24-hour window ended before this item ran`);
  return failure(index, 'provider_unavailable', `${ctx.provider}: no result came back for ${customId(index)}`);
}

/**
 * One outcome per index of `indexes`: each result line by its `custom_id` (never its position),
 * then the items no line named. Lines for ids Loom did not send, second lines for an id and lines
 * that are not JSON objects are skipped (the item they might have been is then "missing").
 */
export async function* anthropicOutcomes(body: ReadableStream<Uint8Array> | null, indexes: readonly number[], ending: RemoteBatch['ending'], ctx: ErrorContext): AsyncGenerator<ItemOutcome> {
  const waiting = new Set(indexes);
  for await (const line of jsonLines(body)) {
    if (line.trim() === '') continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const index = isObject(entry) ? indexOfCustomId(entry.custom_id) : undefined;
    if (index === undefined || !waiting.has(index)) continue;
    waiting.delete(index);
    yield resultOutcome(index, (entry as { result?: unknown }).result, ctx);
  }
  for (const index of waiting) yield missingOutcome(index, ending, ctx);
}

/** The engine for one Anthropic provider entry; the client (and its key) is built now. */
export const createAnthropicBatchEngine: BatchEngineFactory = (settings, credentials, model) => {
  // The live provider's own client (src/providers/anthropic/index.ts): the same key, headers,
  // base URL and Loom's fetch. No timeout is merged for a batch call: the SDK's ten minutes.
  const client: Anthropic = createAnthropicClient(settings, credentials, 0);
  const ctx = errorContext(settings, credentials, model);

  /** An SDK call whose failures are LoomErrors, mapped as a live call's are. */
  async function call<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw mapAnthropicError(error, ctx, signal);
    }
  }

  const retrieve = (remote: RemoteBatch, signal?: AbortSignal): Promise<MessageBatch> =>
    call(() => client.messages.batches.retrieve(remote.remoteId, {}, { signal }), signal);

  /** The results body of an ended batch, from a URL `checkedResultsUrl` passed. */
  const openResults = (url: string, signal?: AbortSignal): Promise<Response> =>
    call(() => client.get<Response>(url, { headers: { Accept: 'application/binary' }, stream: true, __binaryResponse: true, signal }).asResponse(), signal);

  const engine: BatchEngine = {
    type: 'anthropic',
    limits: LIMITS,
    body: anthropicBatchRequest,

    async submit(items, signal) {
      const requests = items.map(anthropicBatchRequest);
      const batch = await call(() => client.messages.batches.create({ requests }, { signal }), signal);
      return toRemoteBatch(batch, items.map((item) => item.index), ctx);
    },

    async refresh(remote, signal) {
      return toRemoteBatch(await retrieve(remote, signal), remote.indexes, ctx);
    },

    async *results(remote, signal) {
      // Retrieved again (the manifest keeps no URL): the URL checked is the URL fetched.
      const batch = await retrieve(remote, signal);
      const fresh = toRemoteBatch(batch, remote.indexes, ctx);
      // client.baseURL: settings.baseUrl, else the SDK's default — where this client sends the key anyway.
      const url = checkedResultsUrl(batch, client.baseURL, ctx);
      const response = await openResults(url, signal);
      try {
        yield* anthropicOutcomes(response.body, fresh.indexes, fresh.ending ?? remote.ending, ctx);
      } catch (error) {
        throw mapAnthropicError(error, ctx, signal, true);
      }
    },

    async cancel(remote, signal) {
      const batch = await call(() => client.messages.batches.cancel(remote.remoteId, {}, { signal }), signal);
      return toRemoteBatch(batch, remote.indexes, ctx);
    },
  };
  return engine;
};
