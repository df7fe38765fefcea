import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunErrorInfo, RunResult } from '../engine/events.js';
import type { Usage } from '../providers/types.js';

/** One line of `.loom/runs.jsonl` (CONTRACT §8). */
export interface RunLogEntry {
  time: string;
  agent: string | null;
  provider: string;
  model: string;
  input: string | null;
  text: string | null;
  usage: Usage | null;
  costUsd: number | null;
  durationMs: number;
  attempts: number;
  ok: boolean;
  error: { code: string; message: string } | null;
  fallbackFrom: string[];
  steps: number;
  toolCalls: RunResult['toolCalls'];
}

export const RUN_LOG_FILE = 'runs.jsonl';

export function logEntry(options: { time: Date; input: string | null; keepText: boolean; result?: RunResult; failure?: RunErrorInfo & { partial: Partial<RunResult> } }): RunLogEntry {
  const outcome: Partial<RunResult> = options.result ?? options.failure?.partial ?? {};
  return {
    time: options.time.toISOString(),
    agent: outcome.agent ?? null,
    provider: outcome.provider ?? '',
    model: outcome.model ?? '',
    input: options.keepText ? options.input : null,
    text: options.keepText ? (outcome.text ?? null) : null,
    usage: outcome.usage ?? null,
    costUsd: outcome.costUsd ?? null,
    durationMs: outcome.durationMs ?? 0,
    attempts: outcome.attempts ?? 0,
    ok: options.result !== undefined,
    error: options.failure ? { code: options.failure.code, message: options.failure.message } : null,
    fallbackFrom: outcome.fallbackFrom ?? [],
    steps: outcome.steps ?? 0,
    toolCalls: outcome.toolCalls ?? [],
  };
}

/** Appends one line; the caller redacts it first. One write per line keeps concurrent runs whole. */
export async function appendRunLog(dir: string, entry: RunLogEntry): Promise<void> {
  await mkdir(dir, { recursive: true });
  await appendFile(join(dir, RUN_LOG_FILE), `${JSON.stringify(entry)}\n`);
}

/** The last `count` entries, oldest first; a damaged line is skipped, not fatal. */
export async function readRunLog(dir: string, count: number): Promise<RunLogEntry[]> {
  const text = await readFile(join(dir, RUN_LOG_FILE), 'utf8').catch(() => '');
  const entries: RunLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as RunLogEntry);
    } catch {
      // a line cut short by a crash
    }
  }
  return entries.slice(-count);
}
