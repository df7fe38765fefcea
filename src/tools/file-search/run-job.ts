/**
 * Runs one search_files / list_files walk in a worker thread the main thread can stop
 * (CONTRACT §11, Bounded work): at the call's time limit, or at once when the call's signal
 * aborts (Ctrl-C, SIGTERM, the tool set closing). `worker.terminate()` stops even a regular
 * expression stuck in catastrophic backtracking, which nothing on the main thread could: there,
 * it would block the signal handlers too.
 *
 * One worker per call (it starts in ~25 ms): a stopped walk leaves nothing behind, and calls of
 * one turn run side by side. The worker's code is bundled into a string (the virtual module
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

export async function runFileJob(job: FileJob, { timeoutMs, signal }: RunOptions): Promise<FileJobResult> {
  signal.throwIfAborted();
  const { source, Worker } = await loadWorker();
  signal.throwIfAborted();
  return new Promise<FileJobResult>((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: job,
      // The worker needs nothing of Loom's environment (keys included) nor of its flags.
      env: {},
      execArgv: [],
      // Nothing is printed by the worker; kept off Loom's stdout (the answer, or a --json document) regardless.
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // Not awaited: the answer does not wait for the thread to be gone.
      void worker.terminate();
      done();
    };
    const onAbort = () => settle(() => reject(signal.reason ?? new Error('aborted')));
    const timer = setTimeout(() => settle(() => resolve(stopped(job.tool, timeoutMs))), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (result: FileJobResult) => settle(() => resolve(result)));
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() =>
        resolve({
          ok: false,
          output:
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `${job.tool}: stopped: it needed more than ${WORKER_HEAP_MB} MB of memory; narrow "path" or simplify the pattern`
              : `${job.tool} failed: ${error.message}`,
        }),
      ),
    );
    worker.once('exit', (code) => settle(() => resolve({ ok: false, output: `${job.tool} failed: its worker thread ended (exit code ${code}) without a result` })));
  });
}

/** `.env*` and `.loom/` asked for by name: refused as read_file refuses them. */
export function refuseUnreadable(given: string, display: string): void {
  for (const path of [given, display]) {
    const why = unreadableReason(path);
    if (why) throw new ToolError(`refused: "${given}": ${why}`);
  }
}
