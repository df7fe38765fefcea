/**
 * Checks a parsed config file against config.schema.json: the project config against the root,
 * an agent config against `$defs/agent`. Each problem is placed at the line and column of the
 * value concerned (of the name, for an unknown property).
 *
 * The validators are generated ahead of time (scripts/generate-validators.mjs): compiling the
 * schema with ajv when Loom starts would cost more than the rest of `config validate` together.
 */
import { validateAgent, validateProject } from './generated/config-validators.js';
import { valueAt } from './json-pointer.js';
import type { JsonSource } from './json-source.js';
import { compareProblems, problemAt, type Problem } from './problems.js';
import { describeSchemaErrors } from './schema-errors.js';

export type ConfigKind = 'project' | 'agent';

export interface CheckSchemaOptions {
  /**
   * Where the config sits in the file: `/loom` for `package.json#loom`. Problems' pointers are
   * the file's (`/loom/llm_provider`), so they match the line and column given.
   */
  at?: string;
}

/** Every way the file's config breaks the schema, in file order; `[]` when it conforms. */
export function checkSchema(source: JsonSource, kind: ConfigKind, options: CheckSchemaOptions = {}): Problem[] {
  const at = options.at ?? '';
  const validate = kind === 'project' ? validateProject : validateAgent;
  if (validate(valueAt(source.value, at))) return [];
  return describeSchemaErrors(validate.errors ?? [])
    .map(({ pointer, part, message, hint }) => problemAt(source, at + pointer, message, { part, hint }))
    .sort(compareProblems);
}
