import type { ErrorCode } from './errors.js';
import type { Usage } from './messages.js';

/** Token counts as runs report them: all four counters, always (CONTRACT §18, §19). */
export type FullUsage = Required<Usage>;

/** A failure as `--json`, `--jsonl` and the run log show it (CONTRACT §4). */
export interface RunErrorInfo {
  code: ErrorCode;
  message: string;
  provider: string | null;
  status: number | null;
  /** What the user can do about it; shown on stderr, not part of the `--json` error object. */
  hint?: string;
  /** Detail lines (a replay miss: the nearest fixture and where the request differs); in `--json` too. */
  details?: string[];
}

export interface ToolCallSummary {
  name: string;
  ok: boolean;
}

/** The outcome of a run: the `--json` document, less `ok` and `error`. */
export interface RunResult {
  agent: string | null;
  provider: string;
  model: string;
  text: string;
  output: unknown;
  /** null when the provider reported no usage: the cost is then unknown too. */
  usage: FullUsage | null;
  /** Rounded to 8 decimal places. */
  costUsd: number | null;
  attempts: number;
  fallbackFrom: string[];
  steps: number;
  toolCalls: ToolCallSummary[];
  durationMs: number;
  /** Every model call was served from a fixture (CONTRACT §12): usage and cost are what was recorded. */
  replayed: boolean;
}

/**
 * A call served from a fixture or recorded to one (CONTRACT §12): said on stderr under `--verbose`,
 * one line per call; not an event of `--jsonl`.
 */
export interface FixtureEvent {
  type: 'fixture';
  /** `kept`: a recording mode found the same tool result already recorded and left the file as it was. */
  action: 'replayed' | 'recorded' | 'kept';
  kind: 'model' | 'tool' | 'tool-list';
  /** The provider (model calls) or the tool. */
  name: string;
  /** Model calls: the model and the turn. */
  model?: string;
  turn?: number;
  /** A replayed model call: how long it took when recorded (the sum of its events' `dt`). */
  recordedMs?: number;
  /** The fixture file, as messages show it (relative to the project folder). */
  file: string;
  /** The same, absolute (what `loom test --prune` keeps). */
  path: string;
}

/**
 * What the engine yields as a run goes (CONTRACT §10 `--jsonl` vocabulary). `--jsonl` is these
 * events serialized; the text and `--json` renderers fold them.
 */
export type RunEvent =
  | { type: 'start'; agent: string | null; provider: string; model: string }
  | { type: 'delta'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; id: string; name: string; ok: boolean; output: string }
  | { type: 'retry'; provider: string; attempt: number; maxAttempts: number; delayMs: number; code: ErrorCode; status: number | null }
  | { type: 'fallback'; from: string; to: string; code: ErrorCode }
  | ({ type: 'usage' } & FullUsage)
  | ({ type: 'done' } & RunResult)
  | ({ type: 'error'; error: RunErrorInfo } & Partial<RunResult>);
