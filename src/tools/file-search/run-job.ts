/**
 * Runs one search_files / list_files walk in a worker thread the main thread can stop
 * (CONTRACT §11, Bounded work): at the call's time limit, or at once when the call's signal
 * aborts (Ctrl-C, SIGTERM, the tool set closing). `worker.terminate()` stops even a regular
 * expression stuck in catastrophic backtracking, which nothing on the main thread could: there,
 * it would block the signal handlers too.
 *
 * A worker per call at once (calls of one turn run side by side); one that finished its walk is
 * kept, idle and unref'd, for the next call (starting one costs ~25 ms); one stopped mid-walk is
 * terminated, so a stopped walk leaves nothing behind. The worker's code is bundled into a string (the virtual module
 * `loom:file-search-worker`, see scripts/worker-source.mjs) and loaded on the first call only,
 * so `loom --help` and runs without these tools never pay for it.
 */
import type { Worker as WorkerThread } from 'node:worker_threads';
import type { KnownSecrets } from '../../core/secrets.js';
import { ToolError } from '../define-tool.js';
import { unreadableReason } from '../protected-paths.js';
import { stopped } from './messages.js';
import type { FileJob, FileJobResult } from './protocol.js';

/** Enough for 1 MB files and bounded results; a walk that needs more is stopped, not the run. */
const WORKER_HEAP_MB = 512;

let workerCode: Promise<{ source: string; Worker: typeof WorkerThread }> | undefined;
const loadWorker = () =>
  (workerCode ??= Promise.all([import('loom:file-search-worker'), import('node:worker_threads')]).then(([code, threads]) => ({ source: code.default, Worker: threads.Worker })));

export interface RunOptions {
  timeoutMs: number;
  signal: AbortSignal;
}

/** Workers that finished a walk and wait for the next; unref'd, so an idle one never keeps Loom alive. */
const idle: WorkerThread[] = [];
/** At most this many idle workers are kept (a turn runs up to 8 calls at once). */
const KEEP_IDLE = 4;

function spawn(Worker: typeof WorkerThread, source: string): WorkerThread {
  return new Worker(source, {
    eval: true,
    // The worker needs nothing of Loom's environment (keys included) nor of its flags.
    env: {},
    execArgv: [],
    // Nothing is printed by the worker; kept off Loom's stdout (the answer, or a --json document) regardless.
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
}

export async function runFileJob(job: FileJob, { timeoutMs, signal }: RunOptions): Promise<FileJobResult> {
  signal.throwIfAborted();
  const { source, Worker } = await loadWorker();
  signal.throwIfAborted();
  let worker = idle.pop();
  // An idle worker that has ended meanwhile (threadId -1) is dropped, not handed a job it would never answer.
  while (worker !== undefined && worker.threadId < 0) worker = idle.pop();
  worker ??= spawn(Worker, source);
  worker.ref();
  return new Promise<FileJobResult>((resolve, reject) => {
    let settled = false;
    const settle = (keep: boolean, done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      // A walk that finished leaves a worker ready for the next; one stopped mid-walk is ended
      // (not awaited: the answer does not wait for the thread to be gone).
      if (keep && idle.length < KEEP_IDLE) {
        worker.unref();
        idle.push(worker);
      } else void worker.terminate();
      done();
    };
    const onAbort = () => settle(false, () => reject(signal.reason ?? new Error('aborted')));
    const timer = setTimeout(() => settle(false, () => resolve(stopped(job.tool, timeoutMs))), timeoutMs);
    const onMessage = (result: FileJobResult) => settle(true, () => resolve(result));
    const onError = (error: Error & { code?: string }) =>
      settle(false, () =>
        resolve({
          ok: false,
          output:
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `${job.tool}: stopped: it needed more than ${WORKER_HEAP_MB} MB of memory; narrow "path" or simplify the pattern`
              : `${job.tool} failed: ${error.message}`,
        }),
      );
    const onExit = (code: number) => settle(false, () => resolve({ ok: false, output: `${job.tool} failed: its worker thread ended (exit code ${code}) without a result` }));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage(job);
  });
}

/** `.env*` and `.loom/` asked for by name: refused as read_file refuses them. */
export function refuseUnreadable(given: string, display: string): void {
  for (const path of [given, display]) {
    const why = unreadableReason(path);
    if (why) throw new ToolError(`refused: "${given}": ${why}`);
  }
}
