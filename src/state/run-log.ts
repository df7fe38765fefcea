import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunErrorInfo, RunResult } from '../core/events.js';
import { isObject } from '../core/json.js';
import type { Usage } from '../core/messages.js';

/** One line of `.loom/runs.jsonl` (CONTRACT §8). */
export interface RunLogEntry {
  time: string;
  agent: string | null;
  provider: string;
  model: string;
  input: string | null;
  /** Set when `input` was cut to LOG_LIMITS.textChars. */
  inputTruncated?: true;
  text: string | null;
  textTruncated?: true;
  usage: Usage | null;
  costUsd: number | null;
  durationMs: number;
  attempts: number;
  ok: boolean;
  error: { code: string; message: string } | null;
  fallbackFrom: string[];
  steps: number;
  toolCalls: RunResult['toolCalls'];
  /** Every model call was served from a fixture (CONTRACT §12). */
  replayed: boolean;
}

export const RUN_LOG_FILE = 'runs.jsonl';

/**
 * Lines stay whole and small (CONTRACT §10, §19): a 67 MB input must not become a 136 MB line
 * that `loom logs` then has to hold, and a line written with one append is never interleaved
 * with another run's (Node splits larger writes into 512 KiB pieces).
 */
export const LOG_LIMITS = {
  /** `input` and `text` are cut to this many characters each. */
  textChars: 32_768,
  /** A whole line stays under this many bytes (`error.message` is cut to fit). */
  lineBytes: 256 * 1024,
  /** `loom logs -n` reads at most this much of the end of the file per line asked for. */
  tailBytesPerLine: 256 * 1024,
} as const;

const cut = (text: string | null, max: number): { text: string | null; truncated: boolean } =>
  text !== null && text.length > max ? { text: text.slice(0, max), truncated: true } : { text, truncated: false };

export interface LogEntryOptions {
  time: Date;
  input: string | null;
  keepText: boolean;
  result?: RunResult;
  failure?: RunErrorInfo & { partial: Partial<RunResult> };
  /** Applied to the texts before they are cut, so a cut never keeps part of a secret. */
  redact?: (text: string) => string;
}

export function logEntry(options: LogEntryOptions): RunLogEntry {
  const outcome: Partial<RunResult> = options.result ?? options.failure?.partial ?? {};
  const redact = options.redact ?? ((text: string) => text);
  const keep = (value: string | null | undefined) => (options.keepText && value != null ? redact(value) : null);
  const input = cut(keep(options.input), LOG_LIMITS.textChars);
  const text = cut(keep(outcome.text), LOG_LIMITS.textChars);
  return {
    time: options.time.toISOString(),
    agent: outcome.agent ?? null,
    provider: outcome.provider ?? '',
    model: outcome.model ?? '',
    input: input.text,
    ...(input.truncated ? { inputTruncated: true as const } : {}),
    text: text.text,
    ...(text.truncated ? { textTruncated: true as const } : {}),
    usage: outcome.usage ?? null,
    costUsd: outcome.costUsd ?? null,
    durationMs: outcome.durationMs ?? 0,
    attempts: outcome.attempts ?? 0,
    ok: options.result !== undefined,
    error: options.failure ? { code: options.failure.code, message: redact(options.failure.message) } : null,
    fallbackFrom: outcome.fallbackFrom ?? [],
    steps: outcome.steps ?? 0,
    toolCalls: outcome.toolCalls ?? [],
    replayed: outcome.replayed ?? false,
  };
}

/** The entry as one line under LOG_LIMITS.lineBytes: the error message, then the tool list, give way. */
export function logLine(entry: RunLogEntry): string {
  let line = `${JSON.stringify(entry)}\n`;
  let over = Buffer.byteLength(line) - (LOG_LIMITS.lineBytes - 1);
  if (over > 0 && entry.error) {
    const message = entry.error.message;
    const keep = Math.max(0, message.length - over - 64);
    entry = { ...entry, error: { ...entry.error, message: `${message.slice(0, keep)}… [cut]` } };
    line = `${JSON.stringify(entry)}\n`;
    over = Buffer.byteLength(line) - (LOG_LIMITS.lineBytes - 1);
  }
  if (over > 0) line = `${JSON.stringify({ ...entry, toolCalls: entry.toolCalls.slice(0, 100) })}\n`;
  return line;
}

/** Appends one line with a single write (O_APPEND); the caller redacts it first. */
export async function appendRunLog(dir: string, entry: RunLogEntry): Promise<void> {
  await mkdir(dir, { recursive: true });
  const bytes = Buffer.from(logLine(entry), 'utf8');
  const file = await open(join(dir, RUN_LOG_FILE), 'a', 0o600);
  try {
    let written = 0;
    // One write(2) of a small buffer to a file opened for appending lands whole; the loop only
    // finishes a short write (a full disk), so the line is at least never left half-done by us.
    while (written < bytes.length) written += (await file.write(bytes, written, bytes.length - written)).bytesWritten;
  } finally {
    await file.close();
  }
}

export interface RunLogRead {
  entries: RunLogEntry[];
  /** Lines that were not run entries (damaged, or written by something else), skipped. */
  skipped: number;
}

const orNull = (value: unknown, type: 'string' | 'number') => value === null || typeof value === type;

/** A line `loom logs` can show: the fields it reads have the types Loom writes (anything else is skipped and counted). */
function isEntry(value: unknown): value is RunLogEntry {
  if (!isObject(value)) return false;
  const usage = value.usage;
  const error = value.error;
  return (
    typeof value.time === 'string' &&
    typeof value.ok === 'boolean' &&
    orNull(value.agent, 'string') &&
    typeof value.provider === 'string' &&
    typeof value.model === 'string' &&
    orNull(value.input, 'string') &&
    orNull(value.costUsd, 'number') &&
    typeof value.durationMs === 'number' &&
    (usage === null || (isObject(usage) && typeof usage.inputTokens === 'number' && typeof usage.outputTokens === 'number')) &&
    (error === null || (isObject(error) && typeof error.code === 'string'))
  );
}

/** The last `count` entries, oldest first, read from the end of the file only. */
export async function readRunLog(dir: string, count: number): Promise<RunLogRead> {
  let file;
  try {
    file = await open(join(dir, RUN_LOG_FILE), 'r');
  } catch {
    return { entries: [], skipped: 0 };
  }
  try {
    const { size } = await file.stat();
    const length = Math.min(size, Math.max(1, count) * LOG_LIMITS.tailBytesPerLine);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, size - length);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    // Reading from the middle of the file, the first piece is the end of a line: not a line.
    if (length < size) lines.shift();
    const entries: RunLogEntry[] = [];
    let skipped = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (isEntry(parsed)) entries.push(parsed);
        else skipped++;
      } catch {
        skipped++; // a line cut short by a crash, or not Loom's
      }
    }
    return { entries: entries.slice(-count), skipped };
  } finally {
    await file.close();
  }
}
