import { readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BUILTIN_TOOLS } from '../../src/core/config.js';
import { createToolSet, type ToolSet, type ToolSetOptions } from '../../src/tools/index.js';
import { writeFiles, type FileContent } from '../support/workspace.js';

const created: string[] = [];
const toolSets: ToolSet[] = [];

afterEach(async () => {
  await Promise.all(toolSets.splice(0).map((set) => set.close()));
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A temporary folder with a `workspace/` and an `outside/` beside it, the latter holding a secret
 * that no tool may read and a folder no tool may write into.
 */
export async function makeSandbox(files: Record<string, FileContent> = {}): Promise<{ root: string; workspace: string; outside: string }> {
  const root = await mkdtemp(join(tmpdir(), 'loom-tools-'));
  created.push(root);
  const workspace = join(root, 'workspace');
  const outside = join(root, 'outside');
  await mkdir(workspace);
  await mkdir(outside);
  await writeFiles(outside, { 'secret.txt': 'TOP-SECRET-VALUE\n' });
  await writeFiles(workspace, files);
  return { root, workspace, outside };
}


/** Every entry below `dir`, with sizes: compared before and after to prove nothing was written. */
export async function snapshot(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entry of await readdir(dir, { recursive: true })) out[entry] = (await lstat(join(dir, entry))).size;
  return out;
}

/** A tool set with every built-in and no approval unless given; closed after the test. */
export async function tools(workspace: string, options: Partial<ToolSetOptions> = {}): Promise<ToolSet> {
  const set = await createToolSet({
    builtins: BUILTIN_TOOLS,
    mcpServers: {},
    workspace,
    allow: [],
    yes: false,
    shell: false,
    configDir: workspace,
    env: process.env,
    ...options,
  });
  toolSets.push(set);
  return set;
}

let ids = 0;
/** Calls one tool the way the engine does. */
export function call(set: ToolSet, name: string, input: unknown, signal?: AbortSignal) {
  return set.call({ id: `call_${++ids}`, name, input }, signal);
}

/**
 * Whether a process with this id is running. A zombie — dead, waiting for its parent to collect
 * its exit status — does not count: an orphaned grandchild is collected by PID 1, in its own time.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The parent of a running process, from /proc. */
export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** kill(pid, 0) alone: a zombie counts. For direct children, which close() must wait for until collected. */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}
