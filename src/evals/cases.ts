/**
 * An agent's test cases (CONTRACT §13): `agents/<name>/tests.json`, checked like a config file
 * (the first problem stops `loom test` for that agent, with its place), each case with the line
 * of its `{` (for JUnit and GitHub annotations) and its `@file` input read.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import { TESTS_FILE, type TestAssertion, type TestsFile } from '../core/config.js';
import { displayPath } from '../config/find.js';
import { readConfigText } from '../config/read-config-file.js';
import { checkTestsFile } from '../config/validate/tests-check.js';

export interface LoadedCase {
  agent: string;
  name: string;
  /** Workspace-relative path of the tests file, as annotations and JUnit name it. */
  file: string;
  /** 1-based line of the case's `{`. */
  line: number;
  /** The run's input (an `@file` read), or null. */
  input: string | null;
  vars: Record<string, string>;
  skip: boolean;
  assert: TestAssertion[];
}

/** The tests file of an agent folder, or undefined when it has none. */
export function testsFileOf(agentDir: string): string {
  return join(agentDir, TESTS_FILE);
}

/** The cases of one agent; [] when it has no tests file; a config error (exit 2 for the run, errored for the agent) when the file is broken. */
export function loadCases(agent: { name: string; dir: string }, rootDir: string): LoadedCase[] {
  const path = testsFileOf(agent.dir);
  const shown = displayPath(path, rootDir);
  const read = readConfigText(path, shown);
  if (!read.ok) {
    if (read.missing) return [];
    throw new LoomError('config_invalid', read.problem, { hint: 'fix its permissions' });
  }
  const checked = checkTestsFile(path, read.text, agent.dir);
  const first = checked.problems.find((problem) => problem.severity === 'error');
  if (first || !checked.source) {
    const place = first?.line != null ? `:${first.line}:${first.column}` : '';
    throw new LoomError('config_invalid', `${shown}${place}: ${first?.pointer ? `${first.pointer}: ` : ''}${first?.message ?? 'invalid tests file'}`, {
      hint: 'run `loom config validate` for every problem',
    });
  }
  const { source } = checked;
  return (source.value as TestsFile).tests.map((test, index) => ({
    agent: agent.name,
    name: test.name,
    file: shown,
    line: source.positionOf(`/tests/${index}`).line,
    input: test.input === undefined ? null : test.input.startsWith('@') ? readFileSync(resolve(agent.dir, test.input.slice(1)), 'utf8') : test.input,
    vars: { ...test.vars },
    skip: test.skip === true,
    assert: test.assert,
  }));
}
