/**
 * The providers' own batch engines (CONTRACT §15), one shape for all three: a set of one-call
 * requests submitted as one provider batch, refreshed while it runs, its results read once it has
 * ended (completed, expired or cancelled alike), or cancelled. Each engine builds its bodies with
 * the request builders a live run uses, so a batch request is the request a run would send, and
 * maps each answer with the same non-streaming mapper, so a result reads as a run's would.
 */
import type { ProviderCredentials } from '../core/config.js';
import type { ErrorCode } from '../core/errors.js';
import type { ChatRequest, ProviderEvent } from '../core/messages.js';
import type { ProviderSettings } from '../core/plan.js';

/** One item of a provider batch: its index in the input and the request its run would send. */
export interface BatchRequest {
  index: number;
  request: ChatRequest;
}

/** The id an item goes by at the provider (`custom_id`, Anthropic's `custom_id`, Gemini's `metadata.key`): never user text. */
export const customId = (index: number): string => `loom-${index}`;

/** The index behind a `loom-<index>` id; undefined for any other id (a result Loom did not ask for). */
export function indexOfCustomId(id: unknown): number | undefined {
  if (typeof id !== 'string') return undefined;
  const match = /^loom-(0|[1-9]\d{0,15})$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** Where a provider batch is: still running at the provider, or ended (its results can be read). */
export type RemoteState = 'in_progress' | 'ended';

/** What the manifest keeps of one provider batch. */
export interface RemoteBatch {
  /** The provider's batch id (OpenAI `batch_…`, Anthropic `msgbatch_…`, Gemini `batches/…`). */
  remoteId: string;
  /** Files Loom uploaded or the provider made (input, output, error), for collection and clean-up. */
  fileIds: string[];
  /** The input indexes this batch holds (a shard or a resume makes them sparse). */
  indexes: number[];
  state: RemoteState;
  /** The provider's own word for it (`validating`, `in_progress`, `ended`, `JOB_STATE_SUCCEEDED`…). */
  providerStatus: string;
  /** How the provider counts it; `pending` is what has not finished. */
  counts: { total: number; succeeded: number; failed: number; pending: number };
  /** When the provider gives up on it (ISO 8601), when known. */
  deadline: string | null;
  createdAt: string;
  /** Whether the batch ended because it was cancelled or expired (unfinished items are then `batch_canceled` / `batch_expired`). */
  ending?: 'completed' | 'expired' | 'canceled' | 'failed';
}

/** One item's result: the answer as the provider's non-streaming mapper gives it, or why there is none. */
export type ItemOutcome =
  | { index: number; ok: true; events: ProviderEvent[] }
  | { index: number; ok: false; error: { code: ErrorCode; message: string; status: number | null } };

export interface BatchEngine {
  readonly type: 'openai' | 'anthropic' | 'gemini';
  /** What one provider batch may hold (CONTRACT §15): requests, and bytes of the request file or body. */
  readonly limits: { maxRequests: number; maxBytes: number };
  /** The body one item is sent as (an OpenAI JSONL line, an Anthropic `requests[]` entry, a Gemini request), for size checks. */
  body(item: BatchRequest): unknown;
  submit(items: readonly BatchRequest[], signal?: AbortSignal): Promise<RemoteBatch>;
  /** The batch as the provider sees it now. */
  refresh(remote: RemoteBatch, signal?: AbortSignal): Promise<RemoteBatch>;
  /**
   * Every item's outcome once the batch has ended, in any order, one per index of `remote.indexes`:
   * the finished ones from wherever the provider put them, the rest `batch_expired` or
   * `batch_canceled`. Results for ids Loom did not send are ignored.
   */
  results(remote: RemoteBatch, signal?: AbortSignal): AsyncIterable<ItemOutcome>;
  cancel(remote: RemoteBatch, signal?: AbortSignal): Promise<RemoteBatch>;
}

/** Makes a provider's batch engine: its settings, its key and headers (read now), the model every request uses. */
export type BatchEngineFactory = (settings: ProviderSettings, credentials: ProviderCredentials, model: string) => BatchEngine;
