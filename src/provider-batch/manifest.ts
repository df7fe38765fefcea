/**
 * A provider batch's manifest (CONTRACT §15): `.loom/batches/<id>.json`, written before anything
 * is submitted and again, atomically, after every provider call — so a poller that dies loses
 * nothing, and `loom batches collect <id>` can pick up from it as often as it is run. It holds
 * what a collector needs and nothing secret: the agent, the input file and its SHA-256, the
 * shard, the output path, and each provider batch with its ids, indexes, status and deadline.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LoomError } from '../core/errors.js';
import { didYouMean } from '../config/did-you-mean.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import type { RemoteBatch } from './engine.js';

export const MANIFESTS_FOLDER = 'batches';

/** CONTRACT §15's statuses: `submitting` until every provider batch exists, `collected` once every result is written. */
export type ManifestStatus = 'submitting' | 'in_progress' | 'ended' | 'collected' | 'failed';

/** A part of the batch: submitted (the provider's batch), or not yet (its indexes, and why it failed if it did). */
export type ManifestPart =
  | { submitted: true; remote: RemoteBatch; collected: boolean }
  | { submitted: false; indexes: number[]; error: { code: string; message: string } | null };

export interface BatchManifest {
  v: 1;
  id: string;
  createdAt: string;
  agent: string;
  provider: { name: string; type: string; model: string };
  input: { path: string; sha256: string };
  shard: { index: number; count: number } | null;
  /** The results file (absolute), or null for stdout. */
  output: string | null;
  parts: ManifestPart[];
}

/** `lb-20261204-231500-3f9a2c`: sortable by time, unique, safe as a file name. */
export function newManifestId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `lb-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** What the manifest says of the whole batch, from its parts. */
export function manifestStatus(manifest: BatchManifest): ManifestStatus {
  const { parts } = manifest;
  if (parts.some((part) => !part.submitted && part.error)) return 'failed';
  if (parts.length === 0 || parts.some((part) => !part.submitted)) return 'submitting';
  const submitted = parts as Extract<ManifestPart, { submitted: true }>[];
  if (submitted.every((part) => part.collected)) return 'collected';
  return submitted.every((part) => part.remote.state === 'ended') ? 'ended' : 'in_progress';
}

/** The counts of every submitted part, added up (pending includes what is not submitted yet). */
export function manifestCounts(manifest: BatchManifest): { total: number; succeeded: number; failed: number; pending: number } {
  const counts = { total: 0, succeeded: 0, failed: 0, pending: 0 };
  for (const part of manifest.parts) {
    if (!part.submitted) {
      counts.total += part.indexes.length;
      counts.pending += part.indexes.length;
      continue;
    }
    counts.total += part.remote.counts.total;
    counts.succeeded += part.remote.counts.succeeded;
    counts.failed += part.remote.counts.failed;
    counts.pending += part.remote.counts.pending;
  }
  return counts;
}

const ID_PATTERN = /^lb-\d{8}-\d{6}-[0-9a-f]{6}$/;

export class ManifestStore {
  readonly folder: string;

  constructor(stateDir: string) {
    this.folder = join(stateDir, MANIFESTS_FOLDER);
  }

  /** Written whole or not at all, readable only by the user (it names files and paths). */
  async write(manifest: BatchManifest): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.folder, `${manifest.id}.json`), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
  }

  async read(id: string): Promise<BatchManifest> {
    // An id is a file name: nothing like `../x` reaches the file system.
    if (!ID_PATTERN.test(id)) throw await this.unknown(id);
    let text: string;
    try {
      text = await readFile(join(this.folder, `${id}.json`), 'utf8');
    } catch {
      throw await this.unknown(id);
    }
    const manifest = parseManifest(text);
    if (!manifest) throw new LoomError('config_invalid', `${join(this.folder, `${id}.json`)} is not a batch manifest Loom can read`, { hint: 'it was edited or damaged; the provider still holds the batch' });
    return manifest;
  }

  /** Every manifest, oldest first; files that are not manifests are left out. */
  async list(): Promise<BatchManifest[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch {
      return [];
    }
    const manifests: BatchManifest[] = [];
    for (const name of names.filter((file) => ID_PATTERN.test(file.replace(/\.json$/, '')) && file.endsWith('.json')).sort()) {
      const manifest = parseManifest(await readFile(join(this.folder, name), 'utf8').catch(() => ''));
      if (manifest) manifests.push(manifest);
    }
    return manifests;
  }

  private async unknown(id: string): Promise<LoomError> {
    const known = (await this.list()).map((manifest) => manifest.id);
    const suggestion = didYouMean(id, known);
    return new LoomError('usage', `no provider batch "${id}"`, { hint: suggestion ? `did you mean "${suggestion}"? \`loom batches\` lists them` : '`loom batches` lists them' });
  }
}

function parseManifest(text: string): BatchManifest | undefined {
  try {
    const value = JSON.parse(text) as Partial<BatchManifest> | null;
    if (!value || value.v !== 1 || typeof value.id !== 'string' || !Array.isArray(value.parts) || typeof value.agent !== 'string') return undefined;
    return value as BatchManifest;
  } catch {
    return undefined;
  }
}
