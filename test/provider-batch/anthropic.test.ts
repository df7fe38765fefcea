/**
 * The Anthropic batch engine through the real @anthropic-ai/sdk, over real HTTP, against a fake
 * of Message Batches: request bodies are a live run's, results are matched by custom_id, every
 * result type is mapped, and a results_url on another origin is refused before anything (or any
 * key) reaches it.
 */
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { isLoomError, type LoomError } from '../../src/core/errors.js';
import type { ChatRequest } from '../../src/core/messages.js';
import { anthropicBatchRequest, checkedResultsUrl, createAnthropicBatchEngine } from '../../src/provider-batch/anthropic.js';
import type { BatchRequest, ItemOutcome, RemoteBatch } from '../../src/provider-batch/engine.js';
import { errorContext } from '../../src/providers/errors/context.js';
import { FakeAnthropicBatches, resultLine } from '../support/fake-anthropic-batch.js';
import { anthropicWire, FakeProviderServer, json } from '../support/fake-provider-server.js';
import { collect, makeProvider, providerCredentials, providerSettings, type ProviderUnderTest } from '../providers/helpers.js';

const KEY = 'sk-ant-batch-test-0123456789abcdef';
const MODEL = 'claude-sonnet-5-5';
let server: FakeProviderServer;
let foreign: FakeProviderServer;
let batches: FakeAnthropicBatches;

beforeAll(async () => {
  server = await FakeProviderServer.start();
  foreign = await FakeProviderServer.start();
});
afterAll(async () => {
  await server.close();
  await foreign.close();
});
afterEach(() => {
  server.reset();
  foreign.reset();
});
const fresh = (): void => {
  batches = new FakeAnthropicBatches(server);
};

const under = (): ProviderUnderTest => ({ type: 'anthropic', name: 'anthropic', apiKey: KEY, keySource: 'ANTHROPIC_API_KEY', keyVariables: ['ANTHROPIC_API_KEY'], baseUrl: server?.url });
const engine = () => createAnthropicBatchEngine(providerSettings(under()), providerCredentials(under()), MODEL);

const request = (say: string): ChatRequest => ({ model: MODEL, system: 'You are terse.', maxTokens: 200, messages: [{ role: 'user', content: say }] });
const items = (...indexes: number[]): BatchRequest[] => indexes.map((index) => ({ index, request: request(`item ${index}`) }));

async function all(outcomes: AsyncIterable<ItemOutcome>): Promise<ItemOutcome[]> {
  const out: ItemOutcome[] = [];
  for await (const outcome of outcomes) out.push(outcome);
  return out.sort((a, b) => a.index - b.index);
}

async function rejection(work: () => Promise<unknown>): Promise<LoomError> {
  try {
    await work();
  } catch (error) {
    if (isLoomError(error)) return error;
    throw new Error(`expected a LoomError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

const text = (outcome: ItemOutcome | undefined): string =>
  outcome?.ok ? outcome.events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('') : `(failed: ${outcome ? outcome.error.code : 'none'})`;

const message = (say: string) => anthropicWire.message({ content: [{ type: 'text', text: say }] });

/** Submit, end with `lines`, refresh: the ended RemoteBatch. */
async function endedBatch(indexes: number[], lines: Parameters<FakeAnthropicBatches['finish']>[1], options?: Parameters<FakeAnthropicBatches['finish']>[2]): Promise<RemoteBatch> {
  const e = engine();
  const remote = await e.submit(items(...indexes));
  batches.finish(remote.remoteId, lines, options);
  return e.refresh(remote);
}

describe('anthropic batch: requests', () => {
  it('has the SDK’s request shape', () => {
    expectTypeOf(anthropicBatchRequest).returns.toEqualTypeOf<BatchCreateParams.Request>();
    expect(engine().limits).toEqual({ maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 });
    expect(engine().type).toBe('anthropic');
  });

  it('sends custom_id loom-<index> and, as params, exactly the body a live non-streaming run sends', async () => {
    fresh();
    server.enqueue('/v1/messages', json(anthropicWire.message()));
    await collect(await makeProvider(under()), request('item 7'), { stream: false });
    const live = server.requestsTo('/v1/messages')[0]!.body;
    expect(live).not.toHaveProperty('stream');

    expect(engine().body({ index: 7, request: request('item 7') })).toEqual({ custom_id: 'loom-7', params: live });
    const remote = await engine().submit(items(7, 2));
    expect(server.requestsTo('/v1/messages/batches')[0]!.body).toEqual({
      requests: [{ custom_id: 'loom-7', params: live }, { custom_id: 'loom-2', params: { ...live, messages: [{ role: 'user', content: 'item 2' }] } }],
    });
    expect(batches.requestsOf(remote.remoteId).map((r) => r.custom_id)).toEqual(['loom-7', 'loom-2']);
  });

  it('sends the key only as this SDK does (Authorization: Bearer, not x-api-key), only to the configured server', async () => {
    fresh();
    const remote = await endedBatch([0], [resultLine.succeeded('loom-0', message('hi'))]);
    await all(engine().results(remote));
    expect(server.requests.length).toBeGreaterThanOrEqual(4); // create, retrieve, retrieve, results
    for (const received of server.requests) {
      expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(received.headers['x-api-key']).toBeUndefined();
      expect(received.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const elsewhere = Object.entries(received.headers).filter(([name, value]) => name !== 'authorization' && String(value).includes(KEY));
      expect(elsewhere).toEqual([]);
    }
    expect(foreign.requests).toEqual([]);
  });
});

describe('anthropic batch: submit, refresh, cancel', () => {
  it('submits, stays in progress, then ends completed with the provider’s counts', async () => {
    fresh();
    const e = engine();
    const remote = await e.submit(items(0, 1, 2));
    expect(remote).toEqual({
      remoteId: 'msgbatch_fake001',
      fileIds: [],
      indexes: [0, 1, 2],
      state: 'in_progress',
      providerStatus: 'in_progress',
      counts: { total: 3, succeeded: 0, failed: 0, pending: 3 },
      deadline: '2026-05-02T10:00:00Z',
      createdAt: '2026-05-01T10:00:00Z',
    });
    expect((await e.refresh(remote)).state).toBe('in_progress');
    batches.finish(remote.remoteId, [resultLine.succeeded('loom-0', message('a')), resultLine.succeeded('loom-1', message('b')), resultLine.errored('loom-2', 'api_error', 'boom')]);
    const ended = await e.refresh(remote);
    expect(ended).toMatchObject({ state: 'ended', providerStatus: 'ended', ending: 'completed', indexes: [0, 1, 2], counts: { total: 3, succeeded: 2, failed: 1, pending: 0 } });
    expect(server.requestsTo('/v1/messages/batches/msgbatch_fake001').map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('cancels: canceling is still in progress; ended, the batch is canceled and unfinished items batch_canceled', async () => {
    fresh();
    const e = engine();
    const remote = await e.submit(items(0, 1, 2));
    const canceling = await e.cancel(remote);
    expect(server.requestsTo(`/v1/messages/batches/${remote.remoteId}/cancel`)[0]!.method).toBe('POST');
    expect(canceling).toMatchObject({ state: 'in_progress', providerStatus: 'canceling', indexes: [0, 1, 2] });
    // loom-2 is in no line: a cancelled batch never ran it.
    batches.finish(remote.remoteId, [resultLine.canceled('loom-1'), resultLine.succeeded('loom-0', message('done'))]);
    const ended = await e.refresh(canceling);
    expect(ended.ending).toBe('canceled');
    const outcomes = await all(e.results(ended));
    expect(text(outcomes[0])).toBe('done');
    expect(outcomes.slice(1).map((o) => !o.ok && o.error.code)).toEqual(['batch_canceled', 'batch_canceled']);
  });

  it('an expired batch: ending expired, items with no line batch_expired', async () => {
    fresh();
    const ended = await endedBatch([0, 1], [resultLine.expired('loom-0')]);
    expect(ended.ending).toBe('expired');
    const outcomes = await all(engine().results(ended));
    expect(outcomes.map((o) => [o.index, !o.ok && o.error.code])).toEqual([[0, 'batch_expired'], [1, 'batch_expired']]);
  });

  it.each([[500, 'api_error'], [529, 'overloaded_error']])('a %i on create is a retryable provider_unavailable LoomError, key redacted', async (status, type) => {
    fresh();
    server.enqueue('/v1/messages/batches', anthropicWire.error(status, type, `trouble for ${KEY}`));
    const error = await rejection(() => engine().submit(items(0)));
    expect(error).toMatchObject({ code: 'provider_unavailable', status, retryable: true, provider: 'anthropic' });
    expect(error.message).not.toContain(KEY);
    expect(batches.batches.size).toBe(0);
  });

  it('a 401 on refresh is auth_failed', async () => {
    fresh();
    const remote = await engine().submit(items(0));
    server.enqueue(`/v1/messages/batches/${remote.remoteId}`, anthropicWire.error(401, 'authentication_error', 'invalid x-api-key'));
    expect(await rejection(() => engine().refresh(remote))).toMatchObject({ code: 'auth_failed', status: 401 });
  });
});

describe('anthropic batch: results', () => {
  it('matches results by custom_id, out of order; ignores unknown ids, duplicates and broken lines; one outcome per index', async () => {
    fresh();
    const ended = await endedBatch([0, 1, 2, 3, 4, 5, 9], [
      resultLine.succeeded('loom-9', message('nine')),
      resultLine.errored('loom-3', 'invalid_request_error', 'max_tokens too large'),
      resultLine.succeeded('loom-0', message('zero')),
      resultLine.succeeded('loom-42', message('not ours')),
      resultLine.succeeded('user-text', message('not ours either')),
      resultLine.succeeded('loom-0', message('a duplicate')),
      '{"custom_id": "loom-5", "result": ',
      resultLine.canceled('loom-1'),
      resultLine.expired('loom-2'),
    ]);
    const outcomes = await all(engine().results(ended));
    expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5, 9]);
    expect(text(outcomes[0])).toBe('zero');
    expect(text(outcomes[6])).toBe('nine');
    expect(outcomes[0]).toMatchObject({ ok: true, events: expect.arrayContaining([{ type: 'usage', usage: expect.objectContaining({ inputTokens: 12, outputTokens: 5 }) }]) });
    const codes = Object.fromEntries(outcomes.map((o) => [o.index, o.ok ? 'ok' : o.error.code]));
    // loom-4 has no line and loom-5's is broken: the batch counts a cancellation, so they are batch_canceled.
    expect(ended.ending).toBe('canceled');
    expect(codes).toEqual({ 0: 'ok', 1: 'batch_canceled', 2: 'batch_expired', 3: 'bad_request', 4: 'batch_canceled', 5: 'batch_canceled', 9: 'ok' });
    const errored = outcomes[3]!;
    expect(!errored.ok && errored.error).toMatchObject({ status: 400, message: expect.stringContaining('max_tokens too large') });
  });

  it('an item with no result in a completed batch is provider_unavailable, saying none came back', async () => {
    fresh();
    const ended = await endedBatch([0, 1, 2], [resultLine.succeeded('loom-2', message('two')), resultLine.errored('loom-0', 'api_error', 'boom')]);
    expect(ended.ending).toBe('completed');
    const outcomes = await all(engine().results(ended));
    expect(outcomes.map((o) => [o.index, o.ok ? 'ok' : o.error.code])).toEqual([[0, 'provider_unavailable'], [1, 'provider_unavailable'], [2, 'ok']]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: { status: null, message: 'anthropic: no result came back for loom-1' } });
  });

  it.each([
    ['invalid_request_error', 'bad_request', 400],
    ['authentication_error', 'auth_failed', 401],
    ['permission_error', 'auth_failed', 403],
    ['not_found_error', 'not_found', 404],
    ['rate_limit_error', 'rate_limited', 429],
    ['overloaded_error', 'provider_unavailable', 529],
    ['api_error', 'provider_unavailable', 500],
  ] as const)('an errored %s item is %s', async (type, code, status) => {
    fresh();
    const ended = await endedBatch([0], [resultLine.errored('loom-0', type, 'said so')]);
    const [outcome] = await all(engine().results(ended));
    expect(outcome).toMatchObject({ index: 0, ok: false, error: { code, status, message: expect.stringContaining('said so') } });
  });

  it('a results_url on another origin is refused, naming its host; nothing is fetched there and no key reaches it', async () => {
    fresh();
    foreign.route(/.*/, () => json({ stolen: true }));
    const ended = await endedBatch([0], [resultLine.succeeded('loom-0', message('hi'))], { resultsOrigin: foreign.url });
    const before = server.requests.length;
    const error = await rejection(() => all(engine().results(ended)));
    const host = new URL(foreign.url).host;
    expect(error.code).toBe('provider_unavailable');
    expect(error.message).toContain(`results_url points at ${host}, not at the provider`);
    expect(error.message).not.toContain(KEY);
    expect(foreign.requests).toHaveLength(0);
    // The only call made was the retrieve that named the URL.
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v1/messages/batches/${ended.remoteId}`]);
  });

  it('reading results before the batch has ended is a LoomError', async () => {
    fresh();
    const remote = await engine().submit(items(0));
    expect(await rejection(() => all(engine().results(remote)))).toMatchObject({ code: 'provider_unavailable', message: expect.stringContaining('no results_url yet') });
  });
});

describe('anthropic batch: the results_url origin check', () => {
  const ctx = errorContext(providerSettings({ ...under(), baseUrl: 'https://api.anthropic.com' }), providerCredentials(under()), MODEL);
  const batch = (results_url: string) => ({ id: 'msgbatch_x', processing_status: 'ended', results_url }) as Parameters<typeof checkedResultsUrl>[0];

  it('takes the base URL’s origin (scheme, host and port), and resolves a relative URL against it', () => {
    const base = 'https://api.anthropic.com';
    expect(checkedResultsUrl(batch('https://api.anthropic.com/v1/messages/batches/msgbatch_x/results'), base, ctx)).toBe('https://api.anthropic.com/v1/messages/batches/msgbatch_x/results');
    expect(checkedResultsUrl(batch('/v1/messages/batches/msgbatch_x/results'), 'https://proxy.example/anthropic', ctx)).toBe('https://proxy.example/v1/messages/batches/msgbatch_x/results');
    for (const url of ['http://api.anthropic.com/r', 'https://api.anthropic.com:8443/r', 'https://files.evil.example/r', 'https://api.anthropic.com.evil.example/r', '//evil.example/r']) {
      expect(() => checkedResultsUrl(batch(url), base, ctx), url).toThrow(/results_url points at/);
    }
  });
});
