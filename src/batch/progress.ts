/**
 * A batch's progress on stderr (CONTRACT §14): on a TTY a bar (cli-progress) with done/total,
 * failures, rate, ETA and spend; without a TTY one plain line every 10 seconds and one at the
 * end, so a CI log shows the batch is alive without a line per item; nothing under `--quiet`.
 */
import { formatUsd } from '../output/summary.js';

export interface ProgressCounts {
  done: number;
  failed: number;
  costUsd: number;
}

export interface BatchProgress {
  update(counts: ProgressCounts): void;
  stop(counts: ProgressCounts): void;
  /** Leaves the terminal to an approval question (the bar stops redrawing) until `resume`. */
  pause(): void;
  resume(): void;
}

export const PLAIN_INTERVAL_MS = 10_000;

interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** The items to run (null for stdin: not counted beforehand). */
  total: number | null;
  quiet: boolean;
  now?: () => number;
}

export async function startProgress(options: ProgressOptions): Promise<BatchProgress> {
  if (options.quiet) return { update: () => {}, stop: () => {}, pause: () => {}, resume: () => {} };
  // The bar's library loads only where a bar is drawn: a CI log gets plain lines without it.
  return options.stream.isTTY ? barProgress(options, await loadSingleBar()) : plainProgress(options);
}

/** cli-progress is CommonJS: from the bundle its exports may arrive as the module's `default`. */
async function loadSingleBar(): Promise<typeof import('cli-progress').SingleBar> {
  const module = (await import('cli-progress')) as typeof import('cli-progress') & { default?: typeof import('cli-progress') };
  return module.SingleBar ?? module.default!.SingleBar;
}

/** `120/200 done, 3 failed, 4.1/s, ETA 20s, $0.012` */
export function progressLine(counts: ProgressCounts, total: number | null, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? counts.done / (elapsedMs / 1000) : 0;
  const parts = [`${counts.done}${total === null ? '' : `/${total}`} done`, `${counts.failed} failed`, `${rate.toFixed(1)}/s`];
  if (total !== null && rate > 0 && counts.done < total) parts.push(`ETA ${Math.ceil((total - counts.done) / rate)}s`);
  parts.push(`$${formatUsd(counts.costUsd)}`);
  return parts.join(', ');
}

function plainProgress(options: ProgressOptions): BatchProgress {
  const now = options.now ?? Date.now;
  const started = now();
  let latest: ProgressCounts = { done: 0, failed: 0, costUsd: 0 };
  const say = () => options.stream.write(`loom: batch ${progressLine(latest, options.total, now() - started)}\n`);
  const timer = setInterval(say, PLAIN_INTERVAL_MS);
  // The batch ends when its work does, not when this timer would next fire.
  timer.unref();
  return {
    update: (counts) => (latest = counts),
    stop: (counts) => {
      clearInterval(timer);
      latest = counts;
      say();
    },
    // A line every 10 s does not redraw over a question; nothing to pause.
    pause: () => {},
    resume: () => {},
  };
}

function barProgress(options: ProgressOptions, SingleBar: typeof import('cli-progress').SingleBar): BatchProgress {
  const total = options.total;
  const format = total === null ? '{value} done | {failed} failed | {rate}/s | ${spend}' : '{bar} {value}/{total} | {failed} failed | {rate}/s | ETA {eta_formatted} | ${spend}';
  const bar = new SingleBar({ format, stream: options.stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5 });
  const started = Date.now();
  const payload = (counts: ProgressCounts) => ({ failed: counts.failed, spend: formatUsd(counts.costUsd), rate: (counts.done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1) });
  let latest: ProgressCounts = { done: 0, failed: 0, costUsd: 0 };
  let paused = false;
  bar.start(total ?? 0, 0, payload(latest));
  return {
    update: (counts) => {
      latest = counts;
      if (!paused) bar.update(counts.done, payload(counts));
    },
    stop: (counts) => {
      latest = counts;
      if (paused) bar.start(total ?? 0, counts.done, payload(counts));
      bar.update(counts.done, payload(counts));
      bar.stop();
    },
    pause: () => {
      if (paused) return;
      paused = true;
      bar.stop();
    },
    resume: () => {
      if (!paused) return;
      paused = false;
      bar.start(total ?? 0, latest.done, payload(latest));
    },
  };
}
