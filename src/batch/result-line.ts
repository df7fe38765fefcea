/**
 * One line of a batch's results (CONTRACT §14): `{index, id?, ok, text, output, error, usage,
 * costUsd, provider, model, attempts, steps, durationMs}` first, in that order, then the rest of
 * what `--json` says of a run (agent, fallbackFrom, toolCalls, replayed). A failed item keeps
 * what its run had produced; a bad input line has no run at all.
 */
import type { RunErrorInfo } from '../core/events.js';
import type { FinalEvent } from '../engine/execute-plan.js';

export interface ResultLine extends Record<string, unknown> {
  index: number;
  id?: string;
  ok: boolean;
}

const identity = (index: number, id: string | undefined) => ({ index, ...(id !== undefined ? { id } : {}) });

/** The error object of a line: as `--json` has it, without the hint (stderr's). */
function errorOf(error: RunErrorInfo): Omit<RunErrorInfo, 'hint'> {
  const { hint: _hint, ...info } = error;
  return info;
}

export function runResultLine(index: number, id: string | undefined, final: FinalEvent): ResultLine {
  // Read field by field: a rest spread of the whole event costs more than the rest of the line.
  const partial = final as Partial<Extract<FinalEvent, { type: 'done' }>>;
  return {
    ...identity(index, id),
    ok: final.type === 'done',
    text: partial.text ?? null,
    output: partial.output ?? null,
    error: final.type === 'error' ? errorOf(final.error) : null,
    usage: partial.usage ?? null,
    costUsd: partial.costUsd ?? null,
    provider: partial.provider ?? (final.type === 'error' ? final.error.provider : null),
    model: partial.model ?? null,
    attempts: partial.attempts ?? 0,
    steps: partial.steps ?? 0,
    durationMs: partial.durationMs ?? 0,
    agent: partial.agent ?? null,
    fallbackFrom: partial.fallbackFrom ?? [],
    toolCalls: partial.toolCalls ?? [],
    replayed: partial.replayed ?? false,
  };
}

/** A line that could not become a run (bad input, a missing variable): nothing was sent. */
export function failedLine(index: number, id: string | undefined, error: Omit<RunErrorInfo, 'hint'>): ResultLine {
  return {
    ...identity(index, id),
    ok: false,
    text: null,
    output: null,
    error,
    usage: null,
    costUsd: null,
    provider: error.provider,
    model: null,
    attempts: 0,
    steps: 0,
    durationMs: 0,
  };
}
