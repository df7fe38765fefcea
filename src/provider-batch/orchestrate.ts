/**
 * Submitting and collecting a provider batch (CONTRACT §15), with the manifest as the record of
 * every step: written before the first provider call and again after each one, so a process that
 * dies at any point leaves a manifest `collect` can finish from — and running `collect` again
 * writes nothing twice (a part whose results are all written is marked collected; within a part,
 * indexes already in the results file are skipped).
 */
import { toLoomError } from '../core/errors.js';
import type { BatchEngine, BatchRequest, ItemOutcome } from './engine.js';
import { manifestStatus, type BatchManifest, type ManifestPart, type ManifestStore } from './manifest.js';
import { splitIntoParts } from './prepare.js';

/** Splits the items as the engine's limits need, records the parts, then submits them one by one. */
export async function submitParts(engine: BatchEngine, store: ManifestStore, manifest: BatchManifest, items: readonly BatchRequest[], signal?: AbortSignal): Promise<BatchManifest> {
  const sized = items.map((item) => ({ index: item.index, bytes: Buffer.byteLength(JSON.stringify(engine.body(item))) + 1 }));
  const byIndex = new Map(items.map((item) => [item.index, item]));
  manifest.parts = splitIntoParts(sized, engine.limits).map((indexes): ManifestPart => ({ submitted: false, indexes, error: null }));
  await store.write(manifest);
  for (const [position, part] of manifest.parts.entries()) {
    if (part.submitted) continue;
    try {
      const remote = await engine.submit(part.indexes.map((index) => byIndex.get(index)!), signal);
      manifest.parts[position] = { submitted: true, remote, collected: false };
    } catch (error) {
      const failure = toLoomError(error);
      manifest.parts[position] = { ...part, error: { code: failure.code, message: failure.message } };
      await store.write(manifest);
      throw failure;
    }
    await store.write(manifest);
  }
  return manifest;
}

/** Refreshes every part still running at the provider, recording what it says. */
export async function refreshParts(engine: BatchEngine, store: ManifestStore, manifest: BatchManifest, signal?: AbortSignal): Promise<BatchManifest> {
  for (const [position, part] of manifest.parts.entries()) {
    if (!part.submitted || part.remote.state === 'ended') continue;
    manifest.parts[position] = { ...part, remote: await engine.refresh(part.remote, signal) };
    await store.write(manifest);
  }
  return manifest;
}

export interface WaitOptions {
  /** The first wait between polls; it grows to `maxIntervalMs` after an hour (CONTRACT §15: 30 s, then 300 s). */
  intervalMs: number;
  maxIntervalMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  onProgress?: (manifest: BatchManifest) => void;
  signal?: AbortSignal;
}

/** Polls until every submitted part has ended at the provider; the first poll comes at once. */
export async function waitForParts(engine: BatchEngine, store: ManifestStore, manifest: BatchManifest, options: WaitOptions): Promise<BatchManifest> {
  const now = options.now ?? Date.now;
  const started = now();
  for (;;) {
    await refreshParts(engine, store, manifest, options.signal);
    options.onProgress?.(manifest);
    if (manifestStatus(manifest) !== 'in_progress') return manifest;
    const interval = now() - started > 3_600_000 ? options.maxIntervalMs : options.intervalMs;
    await options.sleep(interval, options.signal);
  }
}

/**
 * Writes the outcome of every item of every ended part not yet collected (`write` decides how a
 * line is made and where it goes), skipping indexes `written` says are in the results already,
 * then marks the part collected. Returns how many outcomes were written.
 */
export async function collectParts(engine: BatchEngine, store: ManifestStore, manifest: BatchManifest, write: (outcome: ItemOutcome) => Promise<void>, written: (index: number) => boolean, signal?: AbortSignal): Promise<number> {
  let count = 0;
  for (const [position, part] of manifest.parts.entries()) {
    if (!part.submitted || part.collected || part.remote.state !== 'ended') continue;
    for await (const outcome of engine.results(part.remote, signal)) {
      if (written(outcome.index)) continue;
      await write(outcome);
      count++;
    }
    manifest.parts[position] = { ...part, collected: true };
    await store.write(manifest);
  }
  return count;
}
