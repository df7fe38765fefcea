/**
 * Processes the tools started and have not seen end, so that none outlives Loom: when the
 * process exits by any path (the error boundary's `process.exit`, a crash), each is killed.
 * `group: true` entries are process-group leaders (spawned `detached`), killed with their group.
 */

interface Child {
  pid: number;
  group: boolean;
}

const live = new Set<Child>();
let hooked = false;

function killAll(): void {
  for (const child of live) killChild(child, 'SIGKILL');
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
