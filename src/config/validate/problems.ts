/**
 * A problem found in a config file, in the shape `loom config validate` prints and puts in its
 * `--json` report (CONTRACT §5). One type for syntax, schema and cross-file checks, so every check
 * can be collected, sorted and counted the same way.
 */
import type { JsonSource, PositionPart } from './json-source.js';

export type Severity = 'error' | 'warning';

export interface Problem {
  severity: Severity;
  /**
   * JSON pointer of the value concerned (`/providers/openai/type`; `''` is the whole document).
   * Null for a problem that has no value to point at, such as a syntax error.
   */
  pointer: string | null;
  /** 1-based; null only for a problem with no place in a file (a missing API key). */
  line: number | null;
  /** 1-based, counted in UTF-16 code units as editors do; null when `line` is. */
  column: number | null;
  /** One line that reads on its own after `path:line:column: /pointer: `. */
  message: string;
  /** How to fix it, when a hint helps; printed on a line of its own. */
  hint?: string;
}

export interface ProblemOptions {
  severity?: Severity;
  /** Which place of a property to report: its name (unknown properties) or its value (default). */
  part?: PositionPart;
  hint?: string;
}

/** A problem about the value at `pointer` in `source`, placed at that value's line and column. */
export function problemAt(source: JsonSource, pointer: string, message: string, options: ProblemOptions = {}): Problem {
  const { line, column } = source.positionOf(pointer, options.part ?? 'value');
  return withHint({ severity: options.severity ?? 'error', pointer, line, column, message }, options.hint);
}

/** A problem with no place in any file (a missing API key, an unreadable folder). */
export function problemWithoutPlace(message: string, options: Omit<ProblemOptions, 'part'> = {}): Problem {
  return withHint({ severity: options.severity ?? 'error', pointer: null, line: null, column: null, message }, options.hint);
}

/** File order: by line, then column; problems without a place come last. Stable for ties. */
export function compareProblems(a: Problem, b: Problem): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? Infinity) - (b.column ?? Infinity);
}

// `hint` is left out rather than set to undefined, so that `--json` output and deep-equality
// assertions see the same shape.
function withHint(problem: Problem, hint: string | undefined): Problem {
  return hint === undefined ? problem : { ...problem, hint };
}
