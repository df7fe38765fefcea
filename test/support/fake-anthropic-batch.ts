/**
 * A small stateful fake of Anthropic's Message Batches on a FakeProviderServer, for tests that
 * drive the batch engine through the real SDK over real HTTP:
 *
 *   const batches = new FakeAnthropicBatches(server);
 *   // POST /v1/messages/batches                → a batch `in_progress`, its requests kept
 *   // GET  /v1/messages/batches/:id            → the batch as the test has scripted it
 *   // POST /v1/messages/batches/:id/cancel     → `canceling`, cancel_initiated_at set
 *   // GET  /v1/messages/batches/:id/results    → the JSONL the test gave `finish`
 *   batches.finish(id, [resultLine.succeeded('loom-0', message), …], { resultsOrigin });
 *
 * The batch is `in_progress` until the test calls `finish`, which makes it `ended` with the
 * request counts its lines give and a `results_url` on this server (or on `resultsOrigin`, a
 * second server standing for a foreign host). Shapes as the SDK types define them.
 */
import type { BatchCreateParams, MessageBatch, MessageBatchIndividualResponse, MessageBatchRequestCounts } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ErrorObject } from '@anthropic-ai/sdk/resources/shared';
import { json, raw, type FakeProviderServer, type FakeResponse } from './fake-provider-server.js';

const CREATED_AT = '2026-05-01T10:00:00Z';
const EXPIRES_AT = '2026-05-02T10:00:00Z';

interface FakeBatch {
  batch: MessageBatch;
  requests: BatchCreateParams.Request[];
  /** The results body (JSONL), once finished. */
  results: string | null;
}

/** Lines of a results file, as `MessageBatchIndividualResponse` types them. */
export const resultLine = {
  succeeded: (customId: string, message: Message): MessageBatchIndividualResponse => ({ custom_id: customId, result: { type: 'succeeded', message } }),
  errored: (customId: string, type: ErrorObject['type'], message: string): MessageBatchIndividualResponse => ({
    custom_id: customId,
    result: { type: 'errored', error: { type: 'error', error: { type, message } as ErrorObject, request_id: 'req_fake_batch' } },
  }),
  canceled: (customId: string): MessageBatchIndividualResponse => ({ custom_id: customId, result: { type: 'canceled' } }),
  expired: (customId: string): MessageBatchIndividualResponse => ({ custom_id: customId, result: { type: 'expired' } }),
};

const noCounts = (): MessageBatchRequestCounts => ({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 });

/** The counts a results file gives (lines for ids the batch never had are not counted). */
function countsOf(lines: readonly (MessageBatchIndividualResponse | string)[], ids: ReadonlySet<string>): MessageBatchRequestCounts {
  const counts = noCounts();
  const seen = new Set<string>();
  for (const line of lines) {
    if (typeof line === 'string' || !ids.has(line.custom_id) || seen.has(line.custom_id)) continue;
    seen.add(line.custom_id);
    const type = line.result.type;
    counts[type === 'succeeded' ? 'succeeded' : type === 'errored' ? 'errored' : type === 'canceled' ? 'canceled' : 'expired']++;
  }
  return counts;
}

const BATCHES = /^\/v1\/messages\/batches$/;
const ONE = /^\/v1\/messages\/batches\/([^/]+)$/;
const CANCEL = /^\/v1\/messages\/batches\/([^/]+)\/cancel$/;
const RESULTS = /^\/v1\/messages\/batches\/([^/]+)\/results$/;

const notFound = (id: string): FakeResponse =>
  json({ type: 'error', error: { type: 'not_found_error', message: `no batch ${id}` }, request_id: 'req_fake_batch' }, 404);

export class FakeAnthropicBatches {
  readonly batches = new Map<string, FakeBatch>();
  private next = 1;

  constructor(private readonly server: FakeProviderServer) {
    server.route(BATCHES, (request) => this.create(request.body as BatchCreateParams));
    server.route(CANCEL, (request) => this.answer(CANCEL.exec(request.path)![1]!, (fake) => this.cancel(fake)));
    server.route(RESULTS, (request) => this.answer(RESULTS.exec(request.path)![1]!, (fake) =>
      fake.results === null ? notFound(fake.batch.id) : raw(fake.results, 200, { 'content-type': 'application/binary' })));
    server.route(ONE, (request) => this.answer(ONE.exec(request.path)![1]!, (fake) => json(fake.batch)));
  }

  /** The requests a batch was created with. */
  requestsOf(id: string): BatchCreateParams.Request[] {
    return this.get(id).requests;
  }

  /**
   * Ends a batch: its results are `lines` in the order given (a string is written as is, for
   * malformed lines), its counts theirs, its `results_url` on `resultsOrigin` (default: this server).
   */
  finish(id: string, lines: readonly (MessageBatchIndividualResponse | string)[], options: { resultsOrigin?: string; counts?: Partial<MessageBatchRequestCounts> } = {}): void {
    const fake = this.get(id);
    const ids = new Set(fake.requests.map((request) => request.custom_id));
    fake.results = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
    fake.batch = {
      ...fake.batch,
      processing_status: 'ended',
      ended_at: '2026-05-01T11:00:00Z',
      request_counts: { ...countsOf(lines, ids), ...options.counts },
      results_url: `${options.resultsOrigin ?? this.server.url}/v1/messages/batches/${id}/results`,
    };
  }

  private get(id: string): FakeBatch {
    const fake = this.batches.get(id);
    if (!fake) throw new Error(`fake anthropic batches: no batch ${id}`);
    return fake;
  }

  private answer(id: string, respond: (fake: FakeBatch) => FakeResponse): FakeResponse {
    const fake = this.batches.get(decodeURIComponent(id));
    return fake ? respond(fake) : notFound(id);
  }

  private create(body: BatchCreateParams): FakeResponse {
    const id = `msgbatch_fake${String(this.next++).padStart(3, '0')}`;
    const requests = body.requests;
    const batch: MessageBatch = {
      id,
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { ...noCounts(), processing: requests.length },
      archived_at: null,
      cancel_initiated_at: null,
      created_at: CREATED_AT,
      ended_at: null,
      expires_at: EXPIRES_AT,
      results_url: null,
    };
    this.batches.set(id, { batch, requests, results: null });
    return json(batch);
  }

  private cancel(fake: FakeBatch): FakeResponse {
    if (fake.batch.processing_status === 'in_progress') {
      fake.batch = { ...fake.batch, processing_status: 'canceling', cancel_initiated_at: '2026-05-01T10:30:00Z' };
    }
    return json(fake.batch);
  }
}
