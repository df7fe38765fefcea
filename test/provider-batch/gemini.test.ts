/**
 * The Gemini batch engine through the real @google/genai SDK, over real HTTP, against a stateful
 * fake of batch mode (test/support/fake-gemini-batch.ts): request bodies, submit → refresh →
 * results, keyed and positional results, per-item errors, expired and cancelled jobs, results
 * files, and where the key goes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLoomError, type LoomError } from '../../src/core/errors.js';
import type { ChatRequest, ProviderEvent } from '../../src/core/messages.js';
import type { BatchEngine, BatchRequest, ItemOutcome, RemoteBatch } from '../../src/provider-batch/engine.js';
import { createGeminiBatchEngine } from '../../src/provider-batch/gemini.js';
import { toGeminiBody } from '../../src/providers/gemini/convert-messages.js';
import { FakeGeminiBatch } from '../support/fake-gemini-batch.js';
import { FakeProviderServer, geminiWire, json } from '../support/fake-provider-server.js';
import { collect, makeProvider, providerCredentials, providerSettings, type ProviderUnderTest } from '../providers/helpers.js';

const KEY = 'AIza-test-gemini-batch-0123456789';
const MODEL = 'gemini-3.5-flash';
let server: FakeProviderServer;
let fake: FakeGeminiBatch;

beforeAll(async () => {
  server = await FakeProviderServer.start();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
});

const under = (): ProviderUnderTest => ({ type: 'gemini', name: 'gemini', apiKey: KEY, keySource: 'GEMINI_API_KEY', keyVariables: ['GEMINI_API_KEY'], baseUrl: server.url });

function engine(): BatchEngine {
  fake = new FakeGeminiBatch(server);
  return createGeminiBatchEngine(providerSettings(under()), providerCredentials(under()), MODEL);
}

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: MODEL, system: 'You are terse.', messages: [{ role: 'user', content }], maxTokens: 100, ...extra });
const items = (indexes: number[]): BatchRequest[] => indexes.map((index) => ({ index, request: ask(`question ${index}`) }));
const answer = (text: string) => geminiWire.response({ parts: [{ text }], usage: geminiWire.usage(10, 3) });

async function outcomes(source: AsyncIterable<ItemOutcome>): Promise<ItemOutcome[]> {
  const out: ItemOutcome[] = [];
  for await (const outcome of source) out.push(outcome);
  return out;
}

const byIndex = (list: ItemOutcome[]): Map<number, ItemOutcome> => new Map(list.map((o) => [o.index, o]));
const textOf = (outcome: ItemOutcome | undefined): string =>
  outcome?.ok ? outcome.events.flatMap((e: ProviderEvent) => (e.type === 'text-delta' ? [e.text] : [])).join('') : `(failed: ${outcome?.ok === false ? outcome.error.code : 'missing'})`;
const codeOf = (outcome: ItemOutcome | undefined): string | undefined => (outcome && !outcome.ok ? outcome.error.code : undefined);

async function rejection(promise: Promise<unknown>): Promise<LoomError> {
  try {
    await promise;
  } catch (error) {
    if (isLoomError(error)) return error;
    throw error;
  }
  throw new Error('expected a LoomError');
}

describe('gemini batch: requests', () => {
  it('is an inline request with metadata key loom-<index> and the live non-streaming body', async () => {
    const request = ask('Say hello', { temperature: 0.2, params: { generationConfig: { topK: 40 } } });
    const body = engine().body({ index: 7, request });
    expect(body).toEqual({ request: toGeminiBody(request), metadata: { key: 'loom-7' } });

    // What a live `--no-stream` call of the same request sends, byte for byte the same JSON.
    server.enqueue(`/v1beta/models/${MODEL}:generateContent`, json(geminiWire.response()));
    await collect(await makeProvider(under()), request, { stream: false });
    expect((body as { request: unknown }).request).toEqual(server.requests[0]!.body);
  });

  it('submits every body as sent to models/<model>:batchGenerateContent, with the key in x-goog-api-key', async () => {
    const batch = engine();
    const sent = [{ index: 3, request: ask('a', { params: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] } }) }, ...items([5])];
    const remote = await batch.submit(sent);
    const received = server.requestsTo(`/v1beta/models/${MODEL}:batchGenerateContent`);
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe('POST');
    expect(received[0]!.headers['x-goog-api-key']).toBe(KEY);
    expect(received[0]!.body.batch.displayName).toBe('loom batch');
    expect(received[0]!.body.batch.inputConfig.requests.requests).toEqual(sent.map((item) => batch.body(item)));
    expect(remote).toEqual({
      remoteId: 'batches/fake1',
      fileIds: [],
      indexes: [3, 5],
      state: 'in_progress',
      providerStatus: 'JOB_STATE_PENDING',
      counts: { total: 2, succeeded: 0, failed: 0, pending: 2 },
      deadline: null,
      createdAt: '2026-05-01T10:00:00.123456Z',
    });
  });

  it('maps a failed create as a live call is mapped', async () => {
    const batch = engine();
    server.enqueue(`/v1beta/models/${MODEL}:batchGenerateContent`, geminiWire.error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded'));
    const error = await rejection(batch.submit(items([0])));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toContain('Quota exceeded');
  });
});

describe('gemini batch: submit → refresh → results', () => {
  it('reads progress from the REST resource while it runs, then the results by key, out of order', async () => {
    const batch = engine();
    const remote = await batch.submit(items([4, 7, 9]));
    fake.running(fake.job, { succeeded: 1, failed: 1 });
    const running = await batch.refresh(remote);
    expect(running.state).toBe('in_progress');
    expect(running.providerStatus).toBe('JOB_STATE_RUNNING');
    expect(running.counts).toEqual({ total: 3, succeeded: 1, failed: 1, pending: 1 });
    expect(server.requestsTo('/v1beta/batches/fake1')).toHaveLength(1); // one GET: counts and state from the same response

    fake.finish(fake.job, 'BATCH_STATE_SUCCEEDED', [
      { key: 'loom-9', response: answer('nine') },
      { key: 'loom-99', response: answer('not ours') },
      { key: 'other', response: answer('not ours either') },
      { key: 'loom-7', error: { code: 8, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } },
      { key: 'loom-4', response: answer('four') },
      { key: 'loom-9', response: answer('nine again') },
    ], { stats: { succeeded: 2, failed: 1 } });
    const ended = await batch.refresh(remote);
    expect(ended).toMatchObject({ state: 'ended', ending: 'completed', providerStatus: 'JOB_STATE_SUCCEEDED', counts: { total: 3, succeeded: 2, failed: 1, pending: 0 } });

    const results = await outcomes(batch.results(ended));
    expect(results.map((o) => o.index).sort()).toEqual([4, 7, 9]);
    const map = byIndex(results);
    expect(textOf(map.get(4))).toBe('four');
    expect(textOf(map.get(9))).toBe('nine');
    expect(map.get(7)).toEqual({ index: 7, ok: false, error: { code: 'rate_limited', message: expect.stringContaining('Resource has been exhausted'), status: 429 } });
    const four = map.get(4)!;
    expect(four.ok && four.events.find((e) => e.type === 'usage')).toEqual({ type: 'usage', usage: { inputTokens: 10, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0 } });
    expect(four.ok && four.events.find((e) => e.type === 'finish')).toMatchObject({ type: 'finish', reason: 'stop' });
  });

  it('maps per-item errors by their google.rpc status (gRPC codes, not HTTP statuses)', async () => {
    const batch = engine();
    const remote = await batch.submit(items([0, 1, 2]));
    fake.finish(fake.job, 'BATCH_STATE_SUCCEEDED', [
      { key: 'loom-0', error: { code: 3, message: 'Invalid JSON payload' } },
      { key: 'loom-1', error: { code: 13, message: 'Internal error', status: 'INTERNAL' } },
      { key: 'loom-2', error: { code: 16, message: 'Request had invalid authentication credentials', status: 'UNAUTHENTICATED' } },
    ]);
    const map = byIndex(await outcomes(batch.results(await batch.refresh(remote))));
    expect(map.get(0)).toMatchObject({ ok: false, error: { code: 'bad_request', status: 400 } });
    expect(map.get(1)).toMatchObject({ ok: false, error: { code: 'provider_unavailable', status: 500 } });
    expect(map.get(2)).toMatchObject({ ok: false, error: { code: 'auth_failed', status: 401 } });
  });

  it('matches inline responses without metadata by position within the job\'s own indexes', async () => {
    const batch = engine();
    const remote = await batch.submit(items([10, 3, 8]));
    fake.finish(fake.job, 'BATCH_STATE_SUCCEEDED', [{ response: answer('first') }, { response: answer('second') }, { response: answer('third') }]);
    const map = byIndex(await outcomes(batch.results(await batch.refresh(remote))));
    expect([textOf(map.get(10)), textOf(map.get(3)), textOf(map.get(8))]).toEqual(['first', 'second', 'third']);
  });

  it('refuses to read the results of a job that is still running', async () => {
    const batch = engine();
    const remote = await batch.submit(items([0]));
    const error = await rejection(outcomes(batch.results(remote)));
    expect(error).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });
});

describe('gemini batch: ended early', () => {
  it('keeps an expired job\'s finished items; the rest are batch_expired', async () => {
    const batch = engine();
    const remote = await batch.submit(items([0, 1, 2]));
    fake.finish(fake.job, 'BATCH_STATE_EXPIRED', [{ key: 'loom-1', response: answer('one') }]);
    const ended = await batch.refresh(remote);
    expect(ended).toMatchObject({ state: 'ended', ending: 'expired', providerStatus: 'JOB_STATE_EXPIRED' });
    const results = await outcomes(batch.results(ended));
    expect(results).toHaveLength(3);
    const map = byIndex(results);
    expect(textOf(map.get(1))).toBe('one');
    expect([codeOf(map.get(0)), codeOf(map.get(2))]).toEqual(['batch_expired', 'batch_expired']);
  });

  it('cancels at the provider; the cancelled job keeps its finished items, the rest are batch_canceled', async () => {
    const batch = engine();
    const remote = await batch.submit(items([0, 1, 2]));
    const cancelled = await batch.cancel(remote);
    const cancel = server.requestsTo('/v1beta/batches/fake1:cancel');
    expect(cancel).toHaveLength(1);
    expect(cancel[0]!.method).toBe('POST');
    expect(cancelled).toMatchObject({ remoteId: 'batches/fake1', state: 'ended', ending: 'canceled', providerStatus: 'JOB_STATE_CANCELLED' });

    fake.finish(fake.job, 'BATCH_STATE_CANCELLED', [{ key: 'loom-2', response: answer('two') }]);
    const map = byIndex(await outcomes(batch.results(cancelled)));
    expect(textOf(map.get(2))).toBe('two');
    expect([codeOf(map.get(0)), codeOf(map.get(1))]).toEqual(['batch_canceled', 'batch_canceled']);
  });

  it('a failed job\'s unanswered items are provider_unavailable, naming the job\'s error', async () => {
    const batch = engine();
    const remote = await batch.submit(items([0]));
    fake.finish(fake.job, 'BATCH_STATE_FAILED', [], { error: { code: 13, message: 'The batch could not be processed', status: 'INTERNAL' } });
    const [only] = await outcomes(batch.results(await batch.refresh(remote)));
    expect(only).toMatchObject({ index: 0, ok: false, error: { code: 'provider_unavailable', message: expect.stringContaining('could not be processed') } });
  });

  it('maps a job the API does not know as a live 404 is mapped', async () => {
    const batch = engine();
    const ghost: RemoteBatch = { remoteId: 'batches/nope', fileIds: [], indexes: [0], state: 'in_progress', providerStatus: 'JOB_STATE_PENDING', counts: { total: 1, succeeded: 0, failed: 0, pending: 1 }, deadline: null, createdAt: '' };
    expect((await rejection(batch.refresh(ghost))).code).toBe('not_found');
  });
});

describe('gemini batch: results files and the key', () => {
  it('reads a results file through the Files API download, by key', async () => {
    const batch = engine();
    const remote = await batch.submit(items([0, 1, 2]));
    fake.finish(fake.job, 'BATCH_STATE_SUCCEEDED', [
      { key: 'loom-2', response: answer('two') },
      { key: 'loom-0', error: { code: 3, message: 'bad', status: 'INVALID_ARGUMENT' } },
    ], { asFile: true });
    const ended = await batch.refresh(remote);
    expect(ended.fileIds).toEqual(['files/results-fake1']);
    const map = byIndex(await outcomes(batch.results(ended)));
    expect(textOf(map.get(2))).toBe('two');
    expect(codeOf(map.get(0))).toBe('bad_request');
    expect(codeOf(map.get(1))).toBe('provider_unavailable');
    const download = server.requestsTo('/download/v1beta/files/results-fake1:download');
    expect(download).toHaveLength(1);
    expect(download[0]!.query.get('alt')).toBe('media');
    expect(download[0]!.headers['x-goog-api-key']).toBe(KEY);
  });

  it('sends the key only to the configured server: a results file elsewhere is refused, nothing fetched', async () => {
    const other = await FakeProviderServer.start();
    try {
      const batch = engine();
      const remote = await batch.submit(items([0]));
      const foreign = `${other.url}/download/v1beta/files/x:download`;
      server.enqueue('/v1beta/batches/fake1', json({ name: 'batches/fake1', done: true, metadata: { name: 'batches/fake1', state: 'BATCH_STATE_SUCCEEDED', createTime: '2026-05-01T10:00:00Z', output: { responsesFile: foreign } } }));
      const error = await rejection(outcomes(batch.results(remote)));
      expect(error.code).toBe('provider_unavailable');
      expect(other.requests).toHaveLength(0);
      for (const request of server.requests) {
        expect(request.headers['x-goog-api-key']).toBe(KEY);
        expect(request.query.get('key')).toBeNull();
      }
      expect(JSON.stringify(error)).not.toContain(KEY);
    } finally {
      await other.close();
    }
  });
});
