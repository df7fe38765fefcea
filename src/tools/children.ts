/**
 * Processes the tools started and have not seen end, so that none outlives Loom: when the
 * process exits by any path (the error boundary's `process.exit`, a crash), each is killed.
 * `group: true` entries are process-group leaders (spawned `detached`), killed with their group.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Child {
  pid: number;
  group: boolean;
}

const live = new Set<Child>();
let hooked = false;

function killAll(): void {
  for (const child of live) {
    if (child.group) killChild(child, 'SIGKILL');
    else for (const pid of processTree(child.pid)) killChild({ pid, group: false }, 'SIGKILL');
  }
  live.clear();
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
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
  const child = { pid, group };
  live.add(child);
  return { child, forget: () => live.delete(child) };
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
