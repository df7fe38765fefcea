import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LoadedProject } from '../config/load.js';

/**
 * Where local state (the run log, the cache) lives (CONTRACT §10): `LOOM_HOME`; else `.loom/`
 * beside the config file; else the user state folder.
 */
export function stateDir(project: Pick<LoadedProject, 'file' | 'rootDir'>, env: Readonly<Record<string, string | undefined>>): string {
  if (env.LOOM_HOME) return env.LOOM_HOME;
  if (project.file) return join(project.rootDir, '.loom');
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'loom');
}

/** Where `--cache` records (CONTRACT §12): `cache/` in the state folder — local, git-ignored, never read by `--replay`. */
export function cacheDir(project: Pick<LoadedProject, 'file' | 'rootDir'>, env: Readonly<Record<string, string | undefined>>): string {
  return join(stateDir(project, env), 'cache');
}
