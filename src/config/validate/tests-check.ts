/**
 * `agents/<name>/tests.json` checked the way config files are (CONTRACT §13): syntax, the schema
 * (`$defs/tests`, with its own generated validator, so runs never load it), test names unique
 * within the agent, and `"input": "@file"` naming a file that exists beside the agent. Every
 * problem is placed at its line and column; `config validate` reports them all, `loom test`
 * stops at the first.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isObject } from '../../core/json.js';
import { validateTests } from './generated/tests-validator.js';
import { parseJsonSource, type JsonSource } from './json-source.js';
import { compareProblems, problemAt, type Problem } from './problems.js';
import { describeSchemaErrors } from './schema-errors.js';

export interface CheckedTests {
  /** The parsed file, when it is JSON. */
  source?: JsonSource;
  problems: Problem[];
}

/** Every problem of a tests file of the agent in `agentDir`, in file order. */
export function checkTestsFile(path: string, text: string, agentDir: string): CheckedTests {
  const parsed = parseJsonSource(path, text);
  if (!parsed.ok) return { problems: parsed.problems };
  const { source } = parsed;
  const problems = [...parsed.problems];
  if (!validateTests(source.value)) {
    problems.push(...describeSchemaErrors(validateTests.errors ?? []).map(({ pointer, part, message, hint }) => problemAt(source, pointer, message, { part, hint })));
  }
  const tests = isObject(source.value) && Array.isArray(source.value.tests) ? source.value.tests : [];
  const seen = new Map<string, number>();
  tests.forEach((test: unknown, index) => {
    if (!isObject(test)) return;
    if (typeof test.name === 'string') {
      const first = seen.get(test.name);
      if (first === undefined) seen.set(test.name, index);
      else problems.push(problemAt(source, `/tests/${index}/name`, `test name "${test.name}" is given twice (first at /tests/${first}); names are unique within an agent`));
    }
    if (typeof test.input === 'string' && test.input.startsWith('@') && !existsSync(resolve(agentDir, test.input.slice(1)))) {
      problems.push(problemAt(source, `/tests/${index}/input`, `input file not found: ${test.input.slice(1)} (relative to the agent's folder)`));
    }
  });
  return { source, problems: problems.sort(compareProblems) };
}
