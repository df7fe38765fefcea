/**
 * A config file's text parsed as strict JSON, remembering where every value sits so that a
 * problem found later (by the schema or a cross-file check) can be reported at its line and column.
 *
 * The value comes from JSON.parse: native, fast, and it keeps a `"__proto__"` key as a plain
 * property. jsonc-parser (comments and trailing commas turned off, so exactly JSON) is used only
 * when needed: to report syntax errors with their places, and for the offsets of values once a
 * problem must be placed — most files have none, and building its tree costs more than parsing.
 */
import { createRequire } from 'node:module';
import type { Node, ParseError } from 'jsonc-parser';
import { findDuplicateKeys } from './json-duplicates.js';
import { parsePointer } from './json-pointer.js';
import { describeSyntaxErrors } from './json-syntax.js';
import type { Problem } from './problems.js';

// jsonc-parser is loaded on first need: a file without problems never loads it at all. The
// require() of a literal name is what esbuild sees: scripts/build.mjs bundles the package (its ESM
// build; the UMD `main` has inner require() calls esbuild cannot follow) as dist/cjs/jsonc-parser.cjs,
// which this call loads, so an installed Loom needs nothing from node_modules. Unbundled (vitest)
// `require` may be missing: Node's loader then, which handles the UMD build.
const jsonc = (): typeof import('jsonc-parser') =>
  (typeof require === 'function' ? require('jsonc-parser') : createRequire(import.meta.url)('jsonc-parser')) as typeof import('jsonc-parser');

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (as editors count). */
  column: number;
}

/** For a property: its name (`key`, used for unknown properties) or its value. */
export type PositionPart = 'key' | 'value';

export interface JsonSource {
  readonly path: string;
  /** The file's text, without a leading byte order mark. */
  readonly text: string;
  readonly value: unknown;
  /**
   * Where the value at `pointer` is. A pointer that does not exist (a missing required property)
   * gives the place of its nearest existing parent; `key` of a value that is not a property
   * (the document, an array item) gives the value's place.
   */
  positionOf(pointer: string, part?: PositionPart): Position;
}

export type ParseResult =
  /** `problems` holds warnings only (a property given twice). */
  | { ok: true; source: JsonSource; problems: Problem[] }
  /** Syntax errors, each with its line and column, `pointer` null. */
  | { ok: false; problems: Problem[] };

export function parseJsonSource(path: string, rawText: string): ParseResult {
  // Editors on Windows may save a byte order mark; it is not part of the JSON and editors do
  // not count it as a column.
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  // Deeper than any config needs, and deep enough to exhaust the stack of whatever walks it later.
  const tooDeep = nestingBeyond(text, MAX_NESTING);
  if (tooDeep !== undefined) {
    return { ok: false, problems: [syntaxProblem(new LineIndex(text).positionAt(tooDeep), `the file is nested deeper than ${MAX_NESTING} levels`, 'a config needs only a few levels')] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: syntaxProblems(text, (error as Error).message) };
  }
  // Positions are needed only when a problem is found: the tree and line index are built then.
  let tree: Node | undefined;
  let lines: LineIndex | undefined;
  const positionAt = (offset: number): Position => (lines ??= new LineIndex(text)).positionAt(offset);
  const source: JsonSource = {
    path,
    text,
    value,
    positionOf: (pointer, part = 'value') => positionAt(offsetOf((tree ??= jsonc().parseTree(text) as Node), pointer, part)),
  };
  const problems = findDuplicateKeys(text).map(({ pointer, name, offset }): Problem => ({
    severity: 'warning',
    pointer,
    ...positionAt(offset),
    message: `property "${name}" is given more than once; only the last one counts`,
  }));
  return { ok: true, source, problems };
}

/** The most arrays and objects a config file may have inside one another (CONTRACT §11). */
export const MAX_NESTING = 100;

/** The offset of the first `[` or `{` that opens level `max + 1`, outside strings; undefined when none does. */
function nestingBeyond(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 92 /* \ */) i++;
      else if (char === 34 /* " */) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 91 /* [ */ || char === 123 /* { */) {
      if (++depth > max) return i;
    } else if (char === 93 /* ] */ || char === 125 /* } */) depth--;
  }
  return undefined;
}

/** jsonc-parser recovers after an error, so every mistake in the file is reported. */
function syntaxProblems(text: string, nativeMessage: string): Problem[] {
  const lines = new LineIndex(text);
  const { parseTree, printParseErrorCode } = jsonc();
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // By name: the codes are an ambient const enum, which verbatimModuleSyntax cannot inline.
  const named = errors.map(({ error, offset, length }) => ({ code: printParseErrorCode(error), offset, length }));
  const issues = describeSyntaxErrors(text, named);
  // Not expected: JSON.parse failed where jsonc-parser found nothing wrong. Report it anyway.
  if (issues.length === 0) return [syntaxProblem({ line: 1, column: 1 }, nativeMessage)];
  return issues.map(({ offset, message, hint }) => syntaxProblem(lines.positionAt(offset), message, hint));
}

function syntaxProblem(position: Position, message: string, hint?: string): Problem {
  const problem: Problem = { severity: 'error', pointer: null, ...position, message };
  return hint === undefined ? problem : { ...problem, hint };
}

function offsetOf(tree: Node, pointer: string, part: PositionPart): number {
  let node = tree;
  for (const segment of parsePointer(pointer)) {
    const child = childOf(node, segment);
    if (!child) break;
    node = child;
  }
  const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
  return part === 'key' && key ? key.offset : node.offset;
}

function childOf(node: Node, segment: string): Node | undefined {
  const children = node.children ?? [];
  if (node.type === 'array') return /^(0|[1-9]\d*)$/.test(segment) ? children[Number(segment)] : undefined;
  if (node.type !== 'object') return undefined;
  // The last of duplicate keys, as JSON.parse keeps the last value.
  for (let i = children.length - 1; i >= 0; i--) {
    const [key, value] = children[i]?.children ?? [];
    if (key?.value === segment) return value;
  }
  return undefined;
}

/** Offsets to 1-based lines and columns. A line ends at \n, \r\n or a lone \r, as in editors. */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const char = text.charCodeAt(i);
      if (char === 13 /* \r */ && text.charCodeAt(i + 1) === 10) i++;
      if (char === 10 || char === 13) this.starts.push(i + 1);
    }
  }

  positionAt(offset: number): Position {
    // Binary search for the last line starting at or before the offset.
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (this.starts[low] ?? 0) + 1 };
  }
}
