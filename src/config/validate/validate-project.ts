/**
 * `loom config validate`: the project config and every agent, every problem of every file in one
 * pass — syntax, schema, cross-file references, keys. It finds and reads the files as the
 * runtime load does (find.ts, check-file.ts); only a failure to run at all throws.
 */
import { join, resolve } from 'node:path';
import { LoomError } from '../../core/errors.js';
import { TESTS_FILE } from '../../core/config.js';
import type { AgentConfig, ProjectConfig } from '../../core/config.js';
import { isObject } from '../../core/json.js';
import { agentsDirOf, discoverAgents, displayPath, findProject, type AgentFile } from '../find.js';
import { readConfigText, type ConfigRead } from '../read-config-file.js';
import { checkConfigFile } from './check-file.js';
import { checkTestsFile } from './tests-check.js';
import { checkAgentReferences, checkKeys, checkProjectReferences, type CheckedAgent } from './cross-checks.js';
import type { JsonSource } from './json-source.js';
import { compareProblems, problemWithoutPlace, type Problem } from './problems.js';

export interface FileReport {
  /** Absolute path, or a label such as `(environment)` for problems with no file. */
  path: string;
  problems: Problem[];
}

export interface ValidationReport {
  ok: boolean;
  files: FileReport[];
  errors: number;
  warnings: number;
}

export interface ValidateOptions {
  cwd: string;
  configPath?: string;
  env: NodeJS.ProcessEnv;
  /** false under `--no-keys`. */
  checkKeys: boolean;
}

export async function validateProject(options: ValidateOptions): Promise<ValidationReport> {
  const { file, rootDir } = await findProject(options);
  if (!file) {
    // Nothing to validate is not a clean bill: CI would pass on a checkout that lost its config.
    throw new LoomError('config_invalid', `no loom.config.json found in ${resolve(options.cwd)} or any folder above it, and no user config`, {
      hint: 'run `loom init` to create one, or pass --config <path>',
    });
  }

  const files: FileReport[] = [];
  const projectReport: FileReport = { path: file.path, problems: [] };
  files.push(projectReport);
  const checkedProject = checkConfigFile(file.path, file.text, 'project', file.pointerPrefix);
  projectReport.problems.push(...checkedProject.problems);
  const projectSource: JsonSource | undefined = checkedProject.source;
  const project = (isObject(projectSource?.value) ? projectSource.value : {}) as ProjectConfig;

  const agents: CheckedAgent[] = [];
  for (const agentFile of await discoverAgents(agentsDirOf(rootDir, project, options.env))) {
    const report: FileReport = { path: agentFile.configPath, problems: [] };
    files.push(report);
    const agent = await checkAgent(agentFile, report, project, options);
    if (agent) agents.push(agent);
    // The agent's test cases are checked whatever state its config is in.
    const tests = agentFile.problem ? undefined : testsReport(agentFile.dir, options.cwd);
    if (tests) files.push(tests);
  }

  if (projectSource) projectReport.problems.push(...(await checkProjectReferences(projectSource, project, rootDir, options.env)));
  if (options.checkKeys) {
    for (const { report, problem } of checkKeys(project, agents, options.env, projectReport)) {
      if (report) report.problems.push(problem);
      else files.push({ path: '(environment)', problems: [problem] });
    }
  }

  for (const report of files) report.problems.sort(compareProblems);
  const count = (severity: Problem['severity']) => files.reduce((sum, report) => sum + report.problems.filter((problem) => problem.severity === severity).length, 0);
  const errors = count('error');
  return { ok: errors === 0, files, errors, warnings: count('warning') };
}

/** The agent's `tests.json`, checked like every file (CONTRACT §13); undefined when it has none. */
function testsReport(agentDir: string, cwd: string): FileReport | undefined {
  const path = join(agentDir, TESTS_FILE);
  const read = readConfigText(path, displayPath(path, cwd));
  if (!read.ok && read.missing) return undefined;
  if (!read.ok) return { path, problems: [problemWithoutPlace(read.problem)] };
  return { path, problems: checkTestsFile(path, read.text, agentDir).problems };
}

/** One agent's config.json: its problems go to `report`; the checked agent, when it parsed as an object. */
async function checkAgent(agentFile: AgentFile, report: FileReport, project: ProjectConfig, options: ValidateOptions): Promise<CheckedAgent | undefined> {
  const read: ConfigRead = agentFile.problem ? { ok: false, missing: false, problem: agentFile.problem } : readConfigText(agentFile.configPath, displayPath(agentFile.configPath, options.cwd));
  if (!read.ok) {
    report.problems.push(problemWithoutPlace(read.missing ? 'the file is gone' : read.problem));
    return undefined;
  }
  const { source, problems } = checkConfigFile(agentFile.configPath, read.text, 'agent');
  // An unknown tool name gets a did-you-mean from the reference check, not the schema's enum list.
  report.problems.push(...problems.filter((problem) => !(/^\/tools\/\d+$/.test(problem.pointer ?? '') && problem.message.startsWith('must be one of'))));
  if (source === undefined || !isObject(source.value)) return undefined;
  const agent: CheckedAgent = { name: agentFile.name, dir: agentFile.dir, source, config: source.value as AgentConfig, report };
  report.problems.push(...(await checkAgentReferences(agent, project, options.env)));
  return agent;
}
