/**
 * The one run-log line of a batch (CONTRACT §14): `kind: "batch"`, the counts and the cost,
 * in the shape of a run's line so `loom logs` shows it beside the runs.
 */
import type { RunLogEntry } from '../state/run-log.js';
import type { BatchTotals } from './run-batch.js';

export interface BatchLogEntry extends RunLogEntry {
  kind: 'batch';
  items: { written: number; ok: number; failed: number };
}

export function batchLogEntry(agent: string, totals: BatchTotals, time: Date, durationMs: number): BatchLogEntry {
  // Failed items are the items' own lines; the batch's line has an error only when it stopped early.
  const code = totals.stopped === 'budget' ? 'budget_exceeded' : totals.stopped === 'interrupted' ? 'interrupted' : null;
  const message = totals.stopped === 'budget' ? 'the batch stopped at its budget' : 'the batch was interrupted';
  return {
    kind: 'batch',
    time: time.toISOString(),
    agent,
    provider: totals.provider,
    model: totals.model,
    input: null,
    text: null,
    usage: totals.usage,
    costUsd: Math.round(totals.costUsd * 1e8) / 1e8,
    durationMs,
    attempts: totals.attempts,
    ok: code === null && totals.failed === 0,
    error: code === null ? null : { code, message },
    fallbackFrom: [],
    steps: totals.steps,
    toolCalls: [],
    replayed: totals.written > 0 && totals.replayed,
    items: { written: totals.written, ok: totals.ok, failed: totals.failed },
  };
}
