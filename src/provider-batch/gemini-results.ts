/**
 * A Gemini batch job's results (CONTRACT §15) as one ItemOutcome per index: inline responses
 * (`dest.inlinedResponses`, each `{response | error, metadata}`) or a results file (JSONL, one
 * `{key, response | error}` per line, read through the Files API download). Each answer is
 * mapped by the live provider's own `responseEvents`, each per-item error the way the live
 * provider maps an HTTP error, so a batch result reads as a run's would. The items the job
 * never answered are `batch_expired` / `batch_canceled` by how it ended, else
 * `provider_unavailable`.
 */
import { ApiError, type GenerateContentResponse, type InlinedResponse } from '@google/genai';
import type { ProviderCredentials } from '../core/config.js';
import { LoomError } from '../core/errors.js';
import { isObject } from '../core/json.js';
import type { ProviderEvent } from '../core/messages.js';
import type { ProviderSettings } from '../core/plan.js';
import type { ErrorContext } from '../providers/errors/context.js';
import { malformedError } from '../providers/errors/response.js';
import { clientKey } from '../providers/client-options.js';
import { httpFetch } from '../providers/http-fetch.js';
import { GEMINI_DEFAULT_BASE_URL } from '../providers/gemini/index.js';
import { mapGeminiError } from '../providers/gemini/map-error.js';
import { responseEvents } from '../providers/gemini/stream.js';
import { customId, indexOfCustomId, type ItemOutcome, type RemoteBatch } from './engine.js';

/** One answer as the job returned it: the id it went by (`metadata.key` / `key`), and its response or error. */
export interface ResultEntry {
  key: unknown;
  response?: unknown;
  error?: unknown;
}

type ItemError = Extract<ItemOutcome, { ok: false }>['error'];

/**
 * Inline responses as entries. Each carries the metadata its request was sent with, so it is
 * matched by `metadata.key`. Only if none carries any (the API documents the responses as "in the
 * same order as the input requests") is position the key: response i is the job's i-th request,
 * i.e. `indexes[i]` — the job's own indexes, in the order submit sent them, never the input's.
 */
export function inlineEntries(responses: readonly InlinedResponse[], indexes: readonly number[]): ResultEntry[] {
  const keyed = responses.some((r) => isObject(r.metadata) && r.metadata.key !== undefined);
  return responses.map((r, i) => ({
    key: keyed ? (isObject(r.metadata) ? r.metadata.key : undefined) : indexes[i] === undefined ? undefined : customId(indexes[i]!),
    response: r.response,
    error: r.error,
  }));
}

/** The lines of a JSONL body as they arrive (the file may be large: it is never held whole). */
async function* lines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!body) return;
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    const parts = rest.split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.decode();
  if (rest !== '') yield rest;
}

/** A results file's lines as entries; a line that is not a JSON object names no item and is skipped. */
export async function* fileEntries(body: ReadableStream<Uint8Array> | null): AsyncGenerator<ResultEntry> {
  for await (const line of lines(body)) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (isObject(parsed)) yield { key: parsed.key, response: parsed.response, error: parsed.error };
  }
}

/**
 * Where the Files API serves a file's bytes: `download/v1beta/files/<id>:download?alt=media`,
 * joined to the base URL as the SDK joins its own paths. Only a plain `files/<id>` name is
 * accepted, so the key can only go to the configured server.
 */
export function downloadUrl(baseUrl: string | undefined, fileName: string, ctx: ErrorContext): string {
  if (!/^files\/[A-Za-z0-9_-]+$/.test(fileName)) throw malformedError(ctx, undefined, `a results file name that is not files/<id> (${JSON.stringify(fileName.slice(0, 80))})`);
  const base = (baseUrl ?? GEMINI_DEFAULT_BASE_URL).replace(/\/+$/, '');
  return `${base}/download/v1beta/${fileName}:download?alt=media`;
}

/** The results file's body, fetched with the key (as `x-goog-api-key`, as the SDK sends it) from the configured server. */
export async function openResultsFile(settings: ProviderSettings, credentials: ProviderCredentials, fileName: string, ctx: ErrorContext, signal?: AbortSignal): Promise<ReadableStream<Uint8Array> | null> {
  const url = downloadUrl(settings.baseUrl, fileName, ctx);
  let response: Response;
  try {
    response = await httpFetch(url, { headers: { ...credentials.headers, 'x-goog-api-key': clientKey(settings, credentials) }, ...(signal ? { signal } : {}) });
  } catch (error) {
    throw mapGeminiError(error, ctx, signal);
  }
  if (!response.ok) {
    // The SDK's own error type, so the status and google.rpc.Status body map as a live call's do.
    throw mapGeminiError(new ApiError({ message: await response.text(), status: response.status }), ctx, signal);
  }
  return response.body;
}

/** google.rpc.Code → the HTTP status Google's front ends answer it with (google/rpc/code.proto). */
const GRPC_CODES: readonly (readonly [string, number])[] = [
  ['OK', 200], ['CANCELLED', 499], ['UNKNOWN', 500], ['INVALID_ARGUMENT', 400], ['DEADLINE_EXCEEDED', 504],
  ['NOT_FOUND', 404], ['ALREADY_EXISTS', 409], ['PERMISSION_DENIED', 403], ['RESOURCE_EXHAUSTED', 429],
  ['FAILED_PRECONDITION', 400], ['ABORTED', 409], ['OUT_OF_RANGE', 400], ['UNIMPLEMENTED', 501],
  ['INTERNAL', 500], ['UNAVAILABLE', 503], ['DATA_LOSS', 500], ['UNAUTHENTICATED', 401],
];

/**
 * The HTTP status behind a per-item google.rpc.Status. Its `code` is the gRPC code (3, 8, …),
 * not an HTTP status as in an HTTP error body; the `status` name wins when given. A code that
 * already looks like an HTTP status is taken as one.
 */
export function httpStatusOf(error: Record<string, unknown>): number {
  const byName = GRPC_CODES.find(([name]) => name === error.status);
  if (byName) return byName[1];
  const code = error.code;
  if (typeof code === 'number' && Number.isInteger(code)) {
    if (code >= 100 && code <= 599) return code;
    const byCode = GRPC_CODES[code];
    if (byCode) return byCode[1];
  }
  return 500;
}

/** A per-item error as a live call's error with that status and body would be (mapGeminiError: codes, bad keys, scrubbing). */
export function itemError(error: unknown, ctx: ErrorContext): ItemError {
  const status = isObject(error) ? httpStatusOf(error) : 500;
  const body = JSON.stringify({ error: { ...(isObject(error) ? error : {}), code: status } });
  const mapped = mapGeminiError(new ApiError({ message: body, status }), ctx);
  return { code: mapped.code, message: mapped.message, status };
}

/** A response's events, collected from the live provider's whole-response mapper. */
async function answered(index: number, response: unknown, ctx: ErrorContext): Promise<ItemOutcome> {
  const events: ProviderEvent[] = [];
  try {
    for await (const event of responseEvents(response as GenerateContentResponse, ctx)) events.push(event);
  } catch (error) {
    const mapped = mapGeminiError(error, ctx);
    return { index, ok: false, error: { code: mapped.code, message: mapped.message, status: null } };
  }
  return { index, ok: true, events };
}

/** What an item the job never answered is, by how the job ended. */
export function missingOutcome(index: number, ending: RemoteBatch['ending'], ctx: ErrorContext, jobError?: string): ItemOutcome {
  const error =
    ending === 'expired'
      ? new LoomError('batch_expired', `${ctx.provider}: the batch expired before this item ran`)
      : ending === 'canceled'
        ? new LoomError('batch_canceled', `${ctx.provider}: the batch was cancelled before this item ran`)
        : new LoomError('provider_unavailable', `${ctx.provider}: the batch ended without a result for this item${jobError ? ` (${jobError})` : ''}`);
  return { index, ok: false, error: { code: error.code, message: error.message, status: null } };
}

/**
 * Exactly one outcome per index of `indexes`: the first entry for each of its keys (unknown keys
 * and repeats are ignored), then the missing ones.
 */
export async function* geminiOutcomes(
  entries: Iterable<ResultEntry> | AsyncIterable<ResultEntry>,
  indexes: readonly number[],
  ending: RemoteBatch['ending'],
  ctx: ErrorContext,
  jobError?: string,
): AsyncGenerator<ItemOutcome> {
  const wanted = new Set(indexes);
  const done = new Set<number>();
  for await (const entry of entries) {
    const index = indexOfCustomId(entry.key);
    if (index === undefined || !wanted.has(index) || done.has(index)) continue;
    const answer = entry.response ?? undefined;
    if (answer === undefined && entry.error == null) continue; // says nothing about the item
    done.add(index);
    yield answer !== undefined ? await answered(index, answer, ctx) : { index, ok: false, error: itemError(entry.error, ctx) };
  }
  for (const index of wanted) if (!done.has(index)) yield missingOutcome(index, ending, ctx, jobError);
}
