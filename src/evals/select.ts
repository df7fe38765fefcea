/**
 * Which cases a `loom test` runs (CONTRACT §13, §19): those of the named agents, or of every
 * agent with a tests file; a name matching `--filter`. A broken agent is not a reason to stop:
 * its cases are reported as errored (and a tests file that cannot be read is one errored entry
 * at its place). Only an agent that does not exist is a usage error.
 */
import { LoomError, toLoomError } from '../core/errors.js';
import { discoverAgents, loadAgent, readAgent, type LoadedProject } from '../config/load.js';
import { displayPath } from '../config/find.js';
import { loadCases, testsFileOf, type LoadedCase } from './cases.js';
import type { PlannedTest } from './runner.js';

export interface Selection {
  planned: PlannedTest[];
  /** The agents whose every case runs (what `--prune` may prune). */
  agents: string[];
}

export async function selectTests(project: LoadedProject, names: readonly string[], filter: RegExp | undefined, cwd: string): Promise<Selection> {
  const found = await discoverAgents(project.agentsDir);
  for (const name of names) {
    // Its usage error, with the did-you-mean, for a name no agent has.
    if (!found.some((agent) => agent.name === name)) await loadAgent(project, name, cwd);
  }
  const chosen = names.length > 0 ? found.filter((agent) => names.includes(agent.name)) : found;
  const planned: PlannedTest[] = [];
  const agents: string[] = [];
  for (const file of chosen) {
    let cases: LoadedCase[];
    try {
      cases = loadCases(file, project.rootDir);
    } catch (error) {
      const failure = toLoomError(error);
      const shown = displayPath(testsFileOf(file.dir), project.rootDir);
      const place = /:(\d+):\d+:/.exec(failure.message);
      const test: LoadedCase = { agent: file.name, name: 'tests.json', file: shown, line: place ? Number(place[1]) : 1, input: null, vars: {}, skip: false, assert: [] };
      planned.push({ test, agent: { broken: { code: failure.code, message: failure.message } } });
      continue;
    }
    if (cases.length === 0) {
      if (names.includes(file.name)) throw new LoomError('usage', `agent "${file.name}" has no tests`, { hint: `add ${displayPath(testsFileOf(file.dir), cwd)}: {"tests": [{"name": …, "input": …, "assert": [ … ]}]}` });
      continue;
    }
    const matching = filter ? cases.filter((test) => filter.test(test.name)) : cases;
    if (matching.length === 0) continue;
    if (matching.length === cases.length) agents.push(file.name);
    let agent: PlannedTest['agent'];
    try {
      if (file.problem) throw new LoomError('config_invalid', file.problem);
      agent = await readAgent(project, file, cwd);
    } catch (error) {
      const failure = toLoomError(error);
      agent = { broken: { code: failure.code, message: `agent "${file.name}" is broken: ${failure.message}` } };
    }
    planned.push(...matching.map((test) => ({ test, agent })));
  }
  if (planned.length === 0) {
    throw new LoomError('usage', filter ? `no test name matches --filter ${filter.source}` : 'no tests found', {
      hint: filter ? 'the names are those of agents/<name>/tests.json' : 'add agents/<name>/tests.json beside an agent: {"tests": [{"name": …, "input": …, "assert": [ … ]}]}',
    });
  }
  return { planned, agents };
}
