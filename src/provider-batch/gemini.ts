/**
 * The Gemini batch mode engine (CONTRACT §15): `POST models/{model}:batchGenerateContent` with the
 * items as inline requests, each `{request, metadata: {key: 'loom-<index>'}}` where `request` is
 * exactly the generateContent body a live non-streaming run sends; refreshed with `GET
 * batches/{id}`; results read from the job's inline responses (or its results file); cancelled
 * with `POST batches/{id}:cancel`. All calls but the results-file download go through the live
 * provider's own client (its key, headers, base URL and Loom's fetch).
 *
 * Inline input only, for now: one job holds what fits in 10 MB of inline request JSON (the
 * documented inline limit is 20 MB; CONTRACT §15 keeps below 10). A JSONL input file through the
 * Files API, for bigger jobs, is not done yet; a job whose results come as a file is read anyway.
 *
 * Why every call also keeps its raw JSON: the SDK's converter (`batchJobFromMldev`) keeps the
 * name, state, times, model and output of the REST resource but drops `metadata.batchStats`, the
 * only progress counts the API gives. They are read from the very response the SDK parsed
 * (captured by the call's own fetch), so there is no second request and no second URL to build.
 */
import { JobState, type BatchJob, type GoogleGenAI, type HttpOptions, type InlinedRequest } from '@google/genai';
import { LoomError } from '../core/errors.js';
import { isObject } from '../core/json.js';
import { errorContext, type ErrorContext } from '../providers/errors/context.js';
import { malformedError } from '../providers/errors/response.js';
import { cleanMessage } from '../providers/errors/scrub.js';
import { httpFetch, type FetchFunction } from '../providers/http-fetch.js';
import { toGeminiBody, toGeminiConfig, toGeminiContents } from '../providers/gemini/convert-messages.js';
import { createGeminiClient } from '../providers/gemini/index.js';
import { mapGeminiError } from '../providers/gemini/map-error.js';
import { customId, type BatchEngine, type BatchEngineFactory, type BatchRequest, type RemoteBatch } from './engine.js';
import { fileEntries, geminiOutcomes, inlineEntries, openResultsFile, type ResultEntry } from './gemini-results.js';

/** Inline batch limits: 10 MB of request JSON (CONTRACT §15); the request count is Loom's own bound for one job. */
export const GEMINI_BATCH_LIMITS = { maxRequests: 50_000, maxBytes: 10 * 1024 * 1024 } as const;

/** One inline request in REST form (InlinedRequest: a GenerateContentRequest and its metadata), as sent. */
export interface GeminiInlinedRequestJson {
  request: Record<string, unknown>;
  metadata: { key: string };
}

/** The body one item is sent as: the live run's generateContent body (`params` merged in) and its key. */
export function geminiBatchRequest(item: BatchRequest): GeminiInlinedRequestJson {
  return { request: toGeminiBody(item.request), metadata: { key: customId(item.index) } };
}

/** The same request in the SDK's form, built as the live provider builds its call. */
function sdkInlinedRequest(item: BatchRequest): InlinedRequest {
  return { contents: toGeminiContents(item.request.messages), config: toGeminiConfig(item.request), metadata: { key: customId(item.index) } };
}

/** How an ended job ended; a state not listed has not ended (queued, pending, running, cancelling, paused, updating). */
const ENDINGS: Partial<Record<string, NonNullable<RemoteBatch['ending']>>> = {
  [JobState.JOB_STATE_SUCCEEDED]: 'completed',
  [JobState.JOB_STATE_PARTIALLY_SUCCEEDED]: 'completed',
  [JobState.JOB_STATE_FAILED]: 'failed',
  [JobState.JOB_STATE_CANCELLED]: 'canceled',
  [JobState.JOB_STATE_EXPIRED]: 'expired',
};

/** An int64 count: JSON gives it as a string ("12"). */
function count(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The REST resource's `metadata` (the GenerateContentBatch of the job's Operation). */
const metadataOf = (raw: unknown): Record<string, unknown> | undefined => (isObject(raw) && isObject(raw.metadata) ? raw.metadata : undefined);

/** Progress from `metadata.batchStats`; before the API counts anything, all of the job's items are pending. */
export function countsOf(raw: unknown, size: number): RemoteBatch['counts'] {
  const meta = metadataOf(raw);
  const stats = meta && isObject(meta.batchStats) ? meta.batchStats : {};
  const total = count(stats.requestCount) ?? size;
  const succeeded = count(stats.successfulRequestCount) ?? 0;
  const failed = count(stats.failedRequestCount) ?? 0;
  const pending = count(stats.pendingRequestCount) ?? Math.max(0, total - succeeded - failed);
  return { total, succeeded, failed, pending };
}

/** The manifest's view of a job; `indexes` are the ones Loom sent in it, in the order it sent them. */
export function toRemoteBatch(job: BatchJob, raw: unknown, indexes: readonly number[], ctx: ErrorContext): RemoteBatch {
  if (typeof job.name !== 'string' || !/^batches\/[^/]+$/.test(job.name)) throw malformedError(ctx, undefined, 'a batch job without a batches/<id> name');
  const providerStatus = job.state ?? JobState.JOB_STATE_UNSPECIFIED;
  const ending = ENDINGS[providerStatus];
  return {
    remoteId: job.name,
    fileIds: job.dest?.fileName ? [job.dest.fileName] : [],
    indexes: [...indexes],
    state: ending ? 'ended' : 'in_progress',
    providerStatus,
    counts: countsOf(raw, indexes.length),
    // The API names no deadline (a job expires after its window; the job's state then says so).
    deadline: null,
    createdAt: job.createTime ?? new Date().toISOString(),
    ...(ending ? { ending } : {}),
  };
}

/** The failed job's own error (the Operation's `error`, which the SDK does not keep), for the items it never ran. */
function jobErrorOf(raw: unknown, ctx: ErrorContext): string | undefined {
  const error = isObject(raw) && isObject(raw.error) ? raw.error : undefined;
  return error && typeof error.message === 'string' ? cleanMessage(error.message, ctx.secrets, 200) : undefined;
}

/** An SDK call's result and the raw JSON of its response. */
interface Called<T> {
  value: T;
  raw: unknown;
}

const parseJson = (text: string | undefined): unknown => {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The engine for one Gemini provider entry; the client (and its key) is built now. */
export const createGeminiBatchEngine: BatchEngineFactory = (settings, credentials, model) => {
  const client: GoogleGenAI = createGeminiClient(settings, credentials);
  const ctx = errorContext(settings, credentials, model);
  const abort = (signal?: AbortSignal): { abortSignal?: AbortSignal } => (signal ? { abortSignal: signal } : {});

  /**
   * An SDK call whose failures are LoomErrors (mapped as a live call's are) and whose 200 body is
   * kept: the fetch hands the SDK a copy of what it read. Error responses pass untouched, so the
   * SDK builds its ApiError from them as usual.
   */
  async function call<T>(work: (httpOptions: HttpOptions) => Promise<T>, signal: AbortSignal | undefined): Promise<Called<T>> {
    let text: string | undefined;
    const fetch: FetchFunction = async (input, init) => {
      const response = await httpFetch(input, init);
      if (response.status !== 200) return response;
      text = await response.text();
      return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    try {
      const value = await work({ fetch });
      return { value, raw: parseJson(text) };
    } catch (error) {
      throw mapGeminiError(error, ctx, signal);
    }
  }

  const getJob = (remote: RemoteBatch, signal?: AbortSignal): Promise<Called<BatchJob>> =>
    call((httpOptions) => client.batches.get({ name: remote.remoteId, config: { httpOptions, ...abort(signal) } }), signal);

  /** Where the ended job put its answers: inline, or a results file. */
  function entriesOf(job: BatchJob, indexes: readonly number[], signal?: AbortSignal): Iterable<ResultEntry> | AsyncIterable<ResultEntry> {
    const fileName = job.dest?.fileName;
    if (!job.dest?.inlinedResponses && fileName) {
      return (async function* () {
        yield* fileEntries(await openResultsFile(settings, credentials, fileName, ctx, signal));
      })();
    }
    return inlineEntries(job.dest?.inlinedResponses ?? [], indexes);
  }

  const engine: BatchEngine = {
    type: 'gemini',
    limits: GEMINI_BATCH_LIMITS,
    body: geminiBatchRequest,

    async submit(items, signal) {
      // The SDK's InlinedRequest has no room for a request's `params` (the live call passes them
      // as extraBody), so the inline requests are also given in REST form through extraBody,
      // which replaces the SDK's list: what is sent is exactly what `body` measured.
      const extraBody = { batch: { inputConfig: { requests: { requests: items.map(geminiBatchRequest) } } } };
      const { value, raw } = await call(
        (httpOptions) =>
          client.batches.create({
            model,
            src: { inlinedRequests: items.map(sdkInlinedRequest) },
            config: { displayName: 'loom batch', httpOptions: { ...httpOptions, extraBody }, ...abort(signal) },
          }),
        signal,
      );
      return toRemoteBatch(value, raw, items.map((item) => item.index), ctx);
    },

    async refresh(remote, signal) {
      const { value, raw } = await getJob(remote, signal);
      return toRemoteBatch(value, raw, remote.indexes, ctx);
    },

    async *results(remote, signal) {
      const { value: job, raw } = await getJob(remote, signal);
      const fresh = toRemoteBatch(job, raw, remote.indexes, ctx);
      if (fresh.state !== 'ended') {
        throw new LoomError('provider_unavailable', `${ctx.provider}: batch ${remote.remoteId} has not ended yet (it is ${fresh.providerStatus})`, {
          retryable: true,
          provider: ctx.provider,
        });
      }
      yield* geminiOutcomes(entriesOf(job, fresh.indexes, signal), fresh.indexes, fresh.ending, ctx, jobErrorOf(raw, ctx));
    },

    async cancel(remote, signal) {
      await call((httpOptions) => client.batches.cancel({ name: remote.remoteId, config: { httpOptions, ...abort(signal) } }), signal);
      return engine.refresh(remote, signal);
    },
  };
  return engine;
};
