/**
 * `loom test --prune` (CONTRACT §13): after a recording run, the tested agents' fixture files no
 * run used — the answers of calls the agents no longer make — are deleted. Only files named like
 * fixtures (`<16 hex>.json`) directly in an agent's folder are touched.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const FIXTURE_NAME = /^[0-9a-f]{16}\.json$/;

/** Deletes the unused fixtures of each agent; resolves with the deleted paths. */
export async function pruneFixtures(dir: string, agents: readonly string[], used: ReadonlySet<string>): Promise<string[]> {
  const deleted: string[] = [];
  for (const agent of agents) {
    const folder = join(dir, agent);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const path = join(folder, name);
      if (!FIXTURE_NAME.test(name) || used.has(path)) continue;
      await rm(path, { force: true });
      deleted.push(path);
    }
  }
  return deleted;
}
