/**
 * The file-search worker thread: walks (search_files or list_files) on request, one at a time,
 * for run-job.ts. It runs here, not on the main thread, because a regular expression or glob can
 * take exponential time (`(a+)+$`), and only a thread can be stopped in the middle of one: the
 * main thread stays free to honour its time limit and Ctrl-C, and terminates this one. A worker
 * that finished its walk is kept for the next (starting one costs ~25 ms).
 *
 * Bundled into one CommonJS string (scripts/worker-source.mjs) and started with `eval: true`.
 */
import { parentPort } from 'node:worker_threads';
import { list } from './list.js';
import type { FileJob, FileJobResult } from './protocol.js';
import { search } from './search.js';

function run(job: FileJob): FileJobResult {
  try {
    return job.tool === 'search_files' ? search(job) : list(job);
  } catch (error) {
    // Irregexp gives up on some patterns with a RangeError rather than running forever.
    return { ok: false, output: `${job.tool} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

parentPort!.on('message', (job: FileJob) => parentPort!.postMessage(run(job)));
