/**
 * The file-search worker thread: one walk (search_files or list_files) per worker, started by
 * run-job.ts with the job as `workerData`. It runs here, not on the main thread, because a
 * regular expression or glob can take exponential time (`(a+)+$`), and only a thread can be
 * stopped in the middle of one: the main thread stays free to honour its time limit and Ctrl-C,
 * and terminates this one.
 *
 * Bundled into one CommonJS string (scripts/worker-source.mjs) and started with `eval: true`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { list } from './list.js';
import type { FileJob, FileJobResult } from './protocol.js';
import { search } from './search.js';

const job = workerData as FileJob;
let result: FileJobResult;
try {
  result = job.tool === 'search_files' ? search(job) : list(job);
} catch (error) {
  // Irregexp gives up on some patterns with a RangeError rather than running forever.
  result = { ok: false, output: `${job.tool} failed: ${error instanceof Error ? error.message : String(error)}` };
}
parentPort!.postMessage(result);
