import { afterEach, describe, expect, it, vi } from 'vitest';
import { PLAIN_INTERVAL_MS, progressLine, startProgress } from '../../src/batch/progress.js';

const sink = (isTTY = false) => {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream & { isTTY?: boolean } };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('batch progress', () => {
  it('says done/total, failures, rate, ETA and spend', () => {
    expect(progressLine({ done: 50, failed: 2, costUsd: 0.0125 }, 200, 10_000)).toBe('50/200 done, 2 failed, 5.0/s, ETA 30s, $0.01');
    // stdin: no total, so no ETA.
    expect(progressLine({ done: 50, failed: 0, costUsd: 0 }, null, 10_000)).toBe('50 done, 0 failed, 5.0/s, $0');
  });

  it('without a TTY: one plain line every 10 seconds and one at the end', async () => {
    vi.useFakeTimers();
    const { chunks, stream } = sink();
    const progress = await startProgress({ stream, total: 10, quiet: false });
    progress.update({ done: 3, failed: 1, costUsd: 0 });
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(PLAIN_INTERVAL_MS);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^loom: batch 3\/10 done, 1 failed/);
    progress.stop({ done: 10, failed: 1, costUsd: 0 });
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toMatch(/^loom: batch 10\/10 done, 1 failed/);
    vi.advanceTimersByTime(PLAIN_INTERVAL_MS * 3);
    expect(chunks).toHaveLength(2);
  });

  it('says nothing under --quiet', async () => {
    vi.useFakeTimers();
    const { chunks, stream } = sink(true);
    const progress = await startProgress({ stream, total: 10, quiet: true });
    progress.update({ done: 3, failed: 0, costUsd: 0 });
    vi.advanceTimersByTime(PLAIN_INTERVAL_MS * 2);
    progress.stop({ done: 10, failed: 0, costUsd: 0 });
    expect(chunks).toEqual([]);
  });
});
