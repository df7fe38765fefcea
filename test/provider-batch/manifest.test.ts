import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemoteBatch } from '../../src/provider-batch/engine.js';
import { manifestCounts, manifestStatus, ManifestStore, newManifestId, type BatchManifest } from '../../src/provider-batch/manifest.js';

const remote = (state: RemoteBatch['state'], counts = { total: 2, succeeded: 1, failed: 0, pending: 1 }): RemoteBatch => ({
  remoteId: 'batch_1',
  fileIds: ['file_1'],
  indexes: [0, 1],
  state,
  providerStatus: state,
  counts,
  deadline: null,
  createdAt: '2026-12-04T00:00:00.000Z',
});

const manifest = (parts: BatchManifest['parts'], id = newManifestId(new Date('2026-12-04T23:15:00Z'))): BatchManifest => ({
  v: 1,
  id,
  createdAt: '2026-12-04T23:15:00.000Z',
  agent: 'summarize',
  provider: { name: 'openai', type: 'openai', model: 'gpt-5.4-mini' },
  input: { path: '/p/items.jsonl', sha256: 'ab'.repeat(32) },
  shard: null,
  output: '/p/results.jsonl',
  parts,
});

describe('provider-batch manifests', () => {
  it('have sortable ids that are safe file names', () => {
    const id = newManifestId(new Date('2026-12-04T23:15:00Z'));
    expect(id).toMatch(/^lb-20261204-231500-[0-9a-f]{6}$/);
    expect(newManifestId()).not.toBe(newManifestId());
  });

  it('say their status from their parts', () => {
    expect(manifestStatus(manifest([]))).toBe('submitting');
    expect(manifestStatus(manifest([{ submitted: false, indexes: [0], error: null }]))).toBe('submitting');
    expect(manifestStatus(manifest([{ submitted: false, indexes: [0], error: { code: 'provider_unavailable', message: 'down' } }]))).toBe('failed');
    expect(manifestStatus(manifest([{ submitted: true, remote: remote('in_progress'), collected: false }]))).toBe('in_progress');
    expect(manifestStatus(manifest([{ submitted: true, remote: remote('ended'), collected: false }, { submitted: true, remote: remote('in_progress'), collected: false }]))).toBe('in_progress');
    expect(manifestStatus(manifest([{ submitted: true, remote: remote('ended'), collected: false }]))).toBe('ended');
    expect(manifestStatus(manifest([{ submitted: true, remote: remote('ended'), collected: true }]))).toBe('collected');
    expect(manifestCounts(manifest([{ submitted: true, remote: remote('ended'), collected: false }, { submitted: false, indexes: [2, 3, 4], error: null }]))).toEqual({ total: 5, succeeded: 1, failed: 0, pending: 4 });
  });

  it('are written atomically, readable only by the user, and read back; a bad id is a usage error with a did-you-mean', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loom-manifests-'));
    const store = new ManifestStore(dir);
    const written = manifest([{ submitted: true, remote: remote('in_progress'), collected: false }]);
    await store.write(written);
    await store.write({ ...written, parts: [{ submitted: true, remote: remote('ended'), collected: false }] });
    expect(await readdir(store.folder)).toEqual([`${written.id}.json`]);
    expect((await stat(join(store.folder, `${written.id}.json`))).mode & 0o777).toBe(0o600);
    expect(manifestStatus(await store.read(written.id))).toBe('ended');
    expect((await store.list()).map((m) => m.id)).toEqual([written.id]);
    const typo = written.id.slice(0, -1) + (written.id.endsWith('0') ? '1' : '0');
    await expect(store.read(typo)).rejects.toMatchObject({ code: 'usage', hint: expect.stringContaining(written.id) });
    await expect(store.read('../../etc/passwd')).rejects.toMatchObject({ code: 'usage' });
  });

  it('leave damaged files out of the list, and say so when one is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loom-manifests-'));
    const store = new ManifestStore(dir);
    const good = manifest([]);
    await store.write(good);
    const damaged = 'lb-20261204-231501-abcdef';
    await writeFile(join(store.folder, `${damaged}.json`), '{"v": 1, "id": ');
    await writeFile(join(store.folder, 'notes.txt'), 'hello');
    expect((await store.list()).map((m) => m.id)).toEqual([good.id]);
    await expect(store.read(damaged)).rejects.toMatchObject({ code: 'config_invalid' });
    expect(JSON.parse(await readFile(join(store.folder, `${good.id}.json`), 'utf8')).agent).toBe('summarize');
  });
});
