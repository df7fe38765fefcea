/** What one test case came to (CONTRACT §13 `--json` `tests[]`), and the counts of a whole run. */
import type { AssertionResult } from './assertions.js';

/** Why a test could not run; a replay miss says where the request differs (`details`) and how to re-record (`hint`). */
export interface TestError {
  code: string;
  message: string;
  details?: readonly string[];
  hint?: string;
}

export type TestStatus = 'passed' | 'failed' | 'errored' | 'skipped';

export interface TestOutcome {
  agent: string;
  name: string;
  file: string;
  line: number;
  status: TestStatus;
  assertions: AssertionResult[];
  text: string | null;
  output: unknown;
  toolCalls: { name: string; ok: boolean }[];
  costUsd: number | null;
  durationMs: number;
  replayed: boolean;
  /** Why an errored test could not run (a provider error, `replay_miss`, a missing key). */
  error?: TestError;
  /** Under `--repeat`: how many of the repeats passed. */
  repeats?: { passed: number; of: number };
}

export interface TestSummary {
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  costUsd: number;
  durationMs: number;
}

export function summarize(outcomes: readonly TestOutcome[], durationMs: number): TestSummary {
  const count = (status: TestStatus) => outcomes.filter((outcome) => outcome.status === status).length;
  const cost = outcomes.reduce((sum, outcome) => sum + (outcome.costUsd ?? 0), 0);
  return { passed: count('passed'), failed: count('failed'), errored: count('errored'), skipped: count('skipped'), costUsd: Math.round(cost * 1e8) / 1e8, durationMs };
}

/** CONTRACT §13: 0 all passed, 1 an assertion failed, 4 a test could not run (wins over 1). */
export function exitCodeOf(summary: TestSummary): number {
  if (summary.errored > 0) return 4;
  return summary.failed > 0 ? 1 : 0;
}
