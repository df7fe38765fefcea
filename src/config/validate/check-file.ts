/**
 * One config file parsed and checked against the schema, every problem placed at its line and
 * column: the step `config validate` reports in full and the runtime load (load.ts) stops at the
 * first error of, so the two agree by construction.
 */
import { valueAt } from './json-pointer.js';
import { parseJsonSource, type JsonSource } from './json-source.js';
import type { Problem } from './problems.js';
import { checkSchema, type ConfigKind } from './schema-check.js';

export interface CheckedFile {
  /**
   * The parsed config, viewed where it sits in the file (`package.json#loom`), with pointers and
   * places still into the file; undefined when the text is not JSON.
   */
  source?: JsonSource;
  /** Syntax errors when the text is not JSON; else properties given twice (warnings), then schema problems. */
  problems: Problem[];
}

/** `at`: where the config sits in the file (`/loom` in a package.json), else the whole file. */
export function checkConfigFile(path: string, text: string, kind: ConfigKind, at: '' | '/loom' = ''): CheckedFile {
  const parsed = parseJsonSource(path, text);
  if (!parsed.ok) return { problems: parsed.problems };
  const source = at ? nested(parsed.source, at) : parsed.source;
  return { source, problems: [...parsed.problems, ...checkSchema(parsed.source, kind, { at })] };
}

/** A view of the config inside package.json#loom, with pointers and positions still into the file. */
function nested(source: JsonSource, prefix: string): JsonSource {
  return { ...source, value: valueAt(source.value, prefix), positionOf: (pointer, part) => source.positionOf(prefix + pointer, part) };
}
