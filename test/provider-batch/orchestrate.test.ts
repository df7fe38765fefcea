/**
 * Submit, wait and collect against an in-memory engine (our own interface; the engines' HTTP is
 * tested against fake servers in their own files): the manifest records each step, a new process
 * can collect from it alone, and collecting twice writes nothing twice.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoomError } from '../../src/core/errors.js';
import type { BatchEngine, BatchRequest, ItemOutcome, RemoteBatch } from '../../src/provider-batch/engine.js';
import { manifestStatus, ManifestStore, newManifestId, type BatchManifest } from '../../src/provider-batch/manifest.js';
import { collectParts, submitParts, waitForParts } from '../../src/provider-batch/orchestrate.js';

/** A provider batch engine kept in memory: each batch ends after `pollsToEnd` refreshes. */
class MemoryEngine implements BatchEngine {
  readonly type = 'openai' as const;
  readonly limits = { maxRequests: 2, maxBytes: 10_000 };
  readonly calls: string[] = [];
  private count = 0;
  failSubmitAt: number | undefined;
  constructor(private readonly pollsToEnd = 2) {}

  body(item: BatchRequest) {
    return { custom_id: `loom-${item.index}`, body: item.request };
  }
  async submit(items: readonly BatchRequest[]): Promise<RemoteBatch> {
    this.count++;
    this.calls.push(`submit ${items.map((item) => item.index).join(',')}`);
    if (this.count === this.failSubmitAt) throw new LoomError('provider_unavailable', 'openai: 503');
    const n = items.length;
    return { remoteId: `batch_${this.count}`, fileIds: [], indexes: items.map((item) => item.index), state: 'in_progress', providerStatus: 'validating', counts: { total: n, succeeded: 0, failed: 0, pending: n }, deadline: null, createdAt: 'now' };
  }
  async refresh(remote: RemoteBatch): Promise<RemoteBatch> {
    this.calls.push(`refresh ${remote.remoteId}`);
    const polls = this.calls.filter((call) => call === `refresh ${remote.remoteId}`).length;
    const ended = polls >= this.pollsToEnd;
    return { ...remote, state: ended ? 'ended' : 'in_progress', providerStatus: ended ? 'completed' : 'in_progress', ...(ended ? { ending: 'completed' as const } : {}) };
  }
  async *results(remote: RemoteBatch): AsyncIterable<ItemOutcome> {
    this.calls.push(`results ${remote.remoteId}`);
    // Out of order, as providers give them.
    for (const index of [...remote.indexes].reverse()) yield { index, ok: true, events: [{ type: 'text-delta', text: `answer ${index}` }] };
  }
  async cancel(remote: RemoteBatch): Promise<RemoteBatch> {
    return remote;
  }
}

const items = (indexes: number[]): BatchRequest[] => indexes.map((index) => ({ index, request: { model: 'm', messages: [{ role: 'user', content: `item ${index}` }] } }));
const fresh = (): BatchManifest => ({ v: 1, id: newManifestId(), createdAt: 'now', agent: 'tp', provider: { name: 'openai', type: 'openai', model: 'm' }, input: { path: '/i', sha256: '0' }, shard: null, output: null, parts: [] });
const noWait = { intervalMs: 30_000, maxIntervalMs: 300_000, sleep: async () => {} };

describe('provider-batch orchestration', () => {
  it('records the parts before submitting, each batch id after its call, and collects every item once', async () => {
    const store = new ManifestStore(await mkdtemp(join(tmpdir(), 'loom-orchestrate-')));
    const engine = new MemoryEngine();
    const manifest = await submitParts(engine, store, fresh(), items([0, 1, 2, 3, 5]));
    expect(engine.calls).toEqual(['submit 0,1', 'submit 2,3', 'submit 5']);
    const saved = await store.read(manifest.id);
    expect(saved.parts.map((part) => (part.submitted ? part.remote.remoteId : null))).toEqual(['batch_1', 'batch_2', 'batch_3']);
    expect(manifestStatus(saved)).toBe('in_progress');

    // Another process, from the manifest alone.
    const again = await store.read(manifest.id);
    const sleeps: number[] = [];
    await waitForParts(engine, store, again, { ...noWait, sleep: async (ms) => void sleeps.push(ms) });
    expect(sleeps).toEqual([30_000]);
    const seen: number[] = [];
    const written = new Set<number>();
    const write = async (outcome: ItemOutcome) => {
      seen.push(outcome.index);
      written.add(outcome.index);
    };
    expect(await collectParts(engine, store, again, write, (index) => written.has(index))).toBe(5);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 5]);
    expect(manifestStatus(await store.read(manifest.id))).toBe('collected');
    // Run again: nothing is written twice, nothing is fetched again.
    const results = engine.calls.filter((call) => call.startsWith('results')).length;
    expect(await collectParts(engine, store, await store.read(manifest.id), write, (index) => written.has(index))).toBe(0);
    expect(engine.calls.filter((call) => call.startsWith('results')).length).toBe(results);
  });

  it('a part cut short mid-collection is collected again without writing its written items twice', async () => {
    const store = new ManifestStore(await mkdtemp(join(tmpdir(), 'loom-orchestrate-')));
    const engine = new MemoryEngine(1);
    const manifest = await waitForParts(engine, store, await submitParts(engine, store, fresh(), items([0, 1])), noWait);
    const written = new Set<number>([1]);
    const lines: number[] = [];
    await collectParts(engine, store, manifest, async (outcome) => void lines.push(outcome.index), (index) => written.has(index));
    expect(lines).toEqual([0]);
  });

  it('a failed submission is recorded in the manifest (status failed) and rethrown; the parts submitted before it keep their ids', async () => {
    const store = new ManifestStore(await mkdtemp(join(tmpdir(), 'loom-orchestrate-')));
    const engine = new MemoryEngine();
    engine.failSubmitAt = 2;
    const manifest = fresh();
    await expect(submitParts(engine, store, manifest, items([0, 1, 2]))).rejects.toMatchObject({ code: 'provider_unavailable' });
    const saved = await store.read(manifest.id);
    expect(manifestStatus(saved)).toBe('failed');
    expect(saved.parts[0]).toMatchObject({ submitted: true, remote: { remoteId: 'batch_1' } });
    expect(saved.parts[1]).toMatchObject({ submitted: false, indexes: [2], error: { code: 'provider_unavailable' } });
  });

  it('polls more slowly after an hour', async () => {
    const store = new ManifestStore(await mkdtemp(join(tmpdir(), 'loom-orchestrate-')));
    const engine = new MemoryEngine(4);
    let clock = 0;
    const sleeps: number[] = [];
    const manifest = await submitParts(engine, store, fresh(), items([0]));
    await waitForParts(engine, store, manifest, { ...noWait, now: () => clock, sleep: async (ms) => void (sleeps.push(ms), (clock += 2_000_000)) });
    // 33 minutes a wait: the third wait starts past the hour.
    expect(sleeps).toEqual([30_000, 30_000, 300_000]);
  });
});
