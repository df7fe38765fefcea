/**
 * A small stateful fake of Gemini batch mode on a FakeProviderServer, in the REST shapes the
 * @google/genai converters read (`batchJobFromMldev`): every job is a long-running Operation
 * `{name: 'batches/<id>', metadata: GenerateContentBatch, done, response?}` whose metadata holds
 * `state` (BATCH_STATE_*), `batchStats` (int64 counts, as JSON strings) and, once it has
 * finished, `output` (`inlinedResponses.inlinedResponses[]` or `responsesFile`).
 *
 *   const fake = new FakeGeminiBatch(server);
 *   // … engine.submit(items) …
 *   fake.running(job, { succeeded: 1 });
 *   fake.finish(job, 'BATCH_STATE_SUCCEEDED', [{ key: 'loom-1', response }, { key: 'loom-0', error }]);
 *
 * Routes: POST /v1beta/models/<model>:batchGenerateContent, GET /v1beta/batches/<id>, POST
 * /v1beta/batches/<id>:cancel, GET /download/v1beta/files/<id>:download (a results file).
 */
import { json, raw, type FakeProviderServer, type FakeResponse, type GeminiResponseJson } from './fake-provider-server.js';

export type BatchState = 'BATCH_STATE_PENDING' | 'BATCH_STATE_RUNNING' | 'BATCH_STATE_SUCCEEDED' | 'BATCH_STATE_FAILED' | 'BATCH_STATE_CANCELLED' | 'BATCH_STATE_EXPIRED';

/** A google.rpc.Status, as a per-item error is given. */
export interface RpcStatus {
  code: number;
  message: string;
  status?: string;
}

/** One answer the fake returns: `key` omitted means no metadata on it (inline) or no key (file). */
export interface FakeAnswer {
  key?: string;
  response?: GeminiResponseJson;
  error?: RpcStatus;
}

export interface FakeJob {
  id: string;
  model: string;
  displayName: string | undefined;
  /** The inline requests as they arrived (`batch.inputConfig.requests.requests`). */
  requests: unknown[];
  state: BatchState;
  stats: { succeeded: number; failed: number } | undefined;
  answers: FakeAnswer[] | undefined;
  /** Answer through a results file instead of inline. */
  asFile: boolean;
  /** The Operation's error, for a failed job. */
  error: RpcStatus | undefined;
}

const TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch';
const CREATED = '2026-05-01T10:00:00.123456Z';
const ENDED: ReadonlySet<BatchState> = new Set(['BATCH_STATE_SUCCEEDED', 'BATCH_STATE_FAILED', 'BATCH_STATE_CANCELLED', 'BATCH_STATE_EXPIRED']);

export class FakeGeminiBatch {
  readonly jobs = new Map<string, FakeJob>();
  private created = 0;

  constructor(private readonly server: FakeProviderServer) {
    server.route(/^\/v1beta\/models\/[^/]+:batchGenerateContent$/, (request) => this.create(request.path, request.body));
    server.route(/^\/v1beta\/batches\/[^/:]+$/, (request) => this.view(request.path.slice('/v1beta/batches/'.length)));
    server.route(/^\/v1beta\/batches\/[^/:]+:cancel$/, (request) => this.cancel(request.path.slice('/v1beta/batches/'.length, -':cancel'.length)));
    server.route(/^\/download\/v1beta\/files\/[^/:]+:download$/, (request) => this.file(request.path.slice('/download/v1beta/files/'.length, -':download'.length)));
  }

  /** The one job created so far (most tests create one). */
  get job(): FakeJob {
    const [first] = this.jobs.values();
    if (!first) throw new Error('fake gemini batch: no job was created');
    return first;
  }

  running(job: FakeJob, stats: { succeeded?: number; failed?: number } = {}): void {
    job.state = 'BATCH_STATE_RUNNING';
    job.stats = { succeeded: stats.succeeded ?? 0, failed: stats.failed ?? 0 };
  }

  /** Ends the job with these answers, in the order given (the test scripts the order, keys and gaps). */
  finish(job: FakeJob, state: BatchState, answers: FakeAnswer[], options: { asFile?: boolean; error?: RpcStatus; stats?: FakeJob['stats'] } = {}): void {
    job.state = state;
    job.answers = answers;
    job.asFile = options.asFile ?? false;
    job.error = options.error;
    job.stats = options.stats ?? { succeeded: answers.filter((a) => a.response).length, failed: answers.filter((a) => a.error).length };
  }

  private create(path: string, body: any): FakeResponse {
    const batch = body?.batch;
    const requests = batch?.inputConfig?.requests?.requests;
    if (!Array.isArray(requests)) return json({ error: { code: 400, message: 'inputConfig.requests is required', status: 'INVALID_ARGUMENT' } }, 400);
    const id = `fake${++this.created}`;
    const model = path.slice('/v1beta/'.length, -':batchGenerateContent'.length);
    this.jobs.set(id, { id, model, displayName: batch.displayName, requests, state: 'BATCH_STATE_PENDING', stats: undefined, answers: undefined, asFile: false, error: undefined });
    return this.view(id);
  }

  private output(job: FakeJob): Record<string, unknown> | undefined {
    if (!job.answers) return undefined;
    if (job.asFile) return { responsesFile: `files/results-${job.id}` };
    const inlinedResponses = job.answers.map((a) => ({
      ...(a.response ? { response: a.response } : {}),
      ...(a.error ? { error: a.error } : {}),
      ...(a.key !== undefined ? { metadata: { key: a.key } } : {}),
    }));
    return { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput', inlinedResponses: { inlinedResponses } };
  }

  private view(id: string): FakeResponse {
    const job = this.jobs.get(id);
    if (!job) return json({ error: { code: 404, message: `batches/${id} not found`, status: 'NOT_FOUND' } }, 404);
    const total = job.requests.length;
    const stats = job.stats ?? { succeeded: 0, failed: 0 };
    const output = this.output(job);
    const done = ENDED.has(job.state);
    const metadata = {
      '@type': TYPE,
      model: job.model,
      displayName: job.displayName,
      name: `batches/${id}`,
      createTime: CREATED,
      updateTime: CREATED,
      state: job.state,
      batchStats: {
        requestCount: String(total),
        ...(stats.succeeded ? { successfulRequestCount: String(stats.succeeded) } : {}),
        ...(stats.failed ? { failedRequestCount: String(stats.failed) } : {}),
        pendingRequestCount: String(done ? 0 : total - stats.succeeded - stats.failed),
      },
      ...(output ? { output } : {}),
    };
    return json({
      name: `batches/${id}`,
      metadata,
      ...(done ? { done: true } : {}),
      ...(done && job.error ? { error: job.error } : {}),
      ...(done && output && !job.error ? { response: output } : {}),
    });
  }

  private cancel(id: string): FakeResponse {
    const job = this.jobs.get(id);
    if (!job) return json({ error: { code: 404, message: `batches/${id} not found`, status: 'NOT_FOUND' } }, 404);
    if (!ENDED.has(job.state)) job.state = 'BATCH_STATE_CANCELLED';
    return json({});
  }

  private file(name: string): FakeResponse {
    const job = [...this.jobs.values()].find((j) => `results-${j.id}` === name && j.asFile);
    if (!job) return json({ error: { code: 404, message: `files/${name} not found`, status: 'NOT_FOUND' } }, 404);
    const lines = (job.answers ?? []).map((a) => JSON.stringify({ ...(a.key !== undefined ? { key: a.key } : {}), ...(a.response ? { response: a.response } : {}), ...(a.error ? { error: a.error } : {}) }));
    return raw(`${lines.join('\n')}\n`, 200, { 'content-type': 'application/octet-stream' });
  }
}
