/**
 * The processes the tools start, and how Loom makes sure none outlives what started it
 * (CONTRACT §11 "Commands").
 *
 * - Every `run_command` child and every stdio MCP server gets `LOOM_PROCESS_MARKER=<run>/<id>` in
 *   its environment: a random id per run (one tool set), and one per call or server. A process
 *   inherits it from its parent, so a daemon that left the process group (`setsid -f`, a double
 *   fork) still carries it; on Linux `/proc/<pid>/environ` shows it. When a call ends its marker's
 *   processes are killed; when the run ends, every process of the run's marker.
 * - A Loom run inside a command of another keeps the outer marker too (`<outer>,<inner>`), so the
 *   outer run still finds what the inner one started.
 * - A program can start a child with an environment of its own (`env -i`) and so drop the marker:
 *   outside the sandbox this is a best effort (inside, the PID namespace ends everything).
 * - Tracked children (process-group leaders spawned `detached`, and MCP servers) and every run not
 *   yet ended are killed when the Loom process exits by any path — `process.exit` from the error
 *   boundary or a signal handler, a crash — by a synchronous exit hook.
 * - Elsewhere than Linux there is no /proc: only the process group is stopped.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const MARKER_VARIABLE = 'LOOM_PROCESS_MARKER';

interface Child {
  pid: number;
  group: boolean;
}

const live = new Set<Child>();
/** Ids of runs whose processes are still to be stopped. */
const runs = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killToolProcesses);
}

/**
 * Kills, now and synchronously, every process the tools started that is still running: the
 * tracked children with their groups or trees, and every process carrying the marker of a run
 * not yet ended. For the exit hook, and for a signal handler that cannot wait.
 */
export function killToolProcesses(): void {
  for (const child of live) {
    if (child.group) killChild(child, 'SIGKILL');
    else for (const pid of processTree(child.pid)) killChild({ pid, group: false }, 'SIGKILL');
  }
  live.clear();
  if (runs.size > 0) {
    const ids = new Set(runs);
    killMarkedSync((marker) => ids.has(marker.split('/')[0]!));
  }
}

export function killChild(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(child.group ? -child.pid : child.pid, signal);
  } catch {
    // already gone
  }
}

/** Remembers a child until `forget` is called (when it has exited). */
export function track(pid: number, group: boolean): { child: Child; forget: () => void } {
  hookExit();
  const child = { pid, group };
  live.add(child);
  return { child, forget: () => live.delete(child) };
}

/** The processes of one run (one tool set). */
export interface ProcessRun {
  readonly id: string;
  /** A new marker for one call or one server: `<run id>/<label>-<n>`. */
  marker(label: string): string;
  /** `{ LOOM_PROCESS_MARKER: marker }` (after the one Loom itself was started with, if any), to put last in a child's environment. */
  env(marker: string, inherited?: string): Record<string, string>;
  /** Kills every process carrying `marker` and resolves once none is left (or after a bounded wait). */
  stop(marker: string): Promise<void>;
  /** Kills every process carrying the run's marker; the exit hook no longer looks for them. */
  end(): Promise<void>;
}

export function startRun(): ProcessRun {
  hookExit();
  const id = randomBytes(12).toString('hex');
  runs.add(id);
  let count = 0;
  return {
    id,
    marker: (label) => `${id}/${label}-${++count}`,
    env: (marker, inherited) => ({ [MARKER_VARIABLE]: inherited ? `${inherited},${marker}` : marker }),
    stop: (marker) => killMarked((value) => value === marker),
    async end() {
      await killMarked((value) => value.startsWith(`${id}/`));
      runs.delete(id);
    },
  };
}

const NEEDLE = Buffer.from(`${MARKER_VARIABLE}=`);

/**
 * Ids of the processes whose environment holds a marker `matches` accepts (any one of the list a
 * nested run makes): one pass over /proc, reading each `environ` as bytes (decoded only when the
 * variable is there). Entries that cannot be read (another user's, or gone meanwhile) are
 * skipped; a zombie's `environ` is empty. Loom's own process is never one of them. No /proc (not
 * Linux): none.
 */
export function markedProcesses(matches: (marker: string) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57 || Number(entry) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue;
    }
    for (let at = environ.indexOf(NEEDLE); at !== -1; at = environ.indexOf(NEEDLE, at + 1)) {
      if (at > 0 && environ[at - 1] !== 0) continue; // inside another variable's value
      const end = environ.indexOf(0, at);
      const value = environ.toString('utf8', at + NEEDLE.length, end === -1 ? environ.length : end);
      if (value.split(',').some(matches)) {
        found.push(Number(entry));
        break;
      }
    }
  }
  return found;
}

const kill = (pid: number) => killChild({ pid, group: false }, 'SIGKILL');

/**
 * Kills what `matches` finds, again until a pass finds nothing: a process forked between one
 * pass's reading and its signal is caught by the next. Bounded (about 0.3 s in all), for a
 * process that cannot die at once (uninterruptible sleep): a run must still end within a second.
 */
async function killMarked(matches: (marker: string) => boolean): Promise<void> {
  for (let pass = 0; pass < 10; pass++) {
    const pids = markedProcesses(matches);
    if (pids.length === 0) return;
    for (const pid of pids) kill(pid);
    await new Promise((resolve) => setTimeout(resolve, 5 + pass * 5));
  }
}

/** The same, synchronously (for the exit hook): three passes, a few milliseconds apart. */
function killMarkedSync(matches: (marker: string) => boolean): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let pass = 0; pass < 3; pass++) {
    const pids = markedProcesses(matches);
    if (pids.length === 0) return;
    for (const pid of pids) kill(pid);
    Atomics.wait(pause, 0, 0, 5);
  }
}

/**
 * `pid` and every process below it, read from /proc (Linux); elsewhere just `pid`. A stdio MCP
 * server started through a wrapper (`npx`, `sh -c`, `uv run`) is a grandchild: signalling only
 * the wrapper could leave the server running once the wrapper is gone.
 */
export function processTree(pid: number): number[] {
  let parents: Map<number, number[]>;
  try {
    parents = new Map();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // Fields after the command name, which may itself hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const children = parents.get(ppid) ?? [];
      children.push(Number(entry));
      parents.set(ppid, children);
    }
  } catch {
    return [pid];
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}
