/**
 * Ending a stdio MCP server's process. The SDK closes stdin, then waits 2 s before SIGTERM and 2 s
 * more before SIGKILL, and does not wait for that; when the handshake failed it has already begun
 * on its own. Loom keeps the pid from the spawn and escalates sooner itself, and waits until the
 * process is gone.
 */
import { processTree } from '../processes.js';

/** Whether `promise` settles within `ms`. */
const settled = (promise: Promise<unknown> | undefined, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise?.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/**
 * Gives the server 1 s, then SIGTERM, 1 s more, then SIGKILL, and waits up to 2 s for `exited`.
 * Signals go to the server and the processes below it (a wrapper's child), gathered before the
 * first signal: once the wrapper is gone, its child is no longer below it.
 */
export async function stopServerProcess(pid: number, exited: Promise<void> | undefined): Promise<void> {
  const tree = new Set<number>();
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const stopped = await settled(exited, 1000);
    for (const member of processTree(pid)) tree.add(member);
    if (stopped && tree.size === 1) break;
    for (const member of tree) {
      try {
        process.kill(member, signal);
      } catch {
        // gone
      }
    }
  }
  await settled(exited, 2000);
}
