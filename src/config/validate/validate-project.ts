import { dirname, resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import { DEFAULTS } from './builtins.js';
import { checkAgentReferences, checkKeys, checkProjectReferences, type CheckedAgent } from './cross-checks.js';
import { loadDotEnv } from './dotenv.js';
import { findConfig } from './find.js';
import { interpolate } from './interpolate.js';
import { parseJsonSource, type JsonSource } from './json-source.js';
import { discoverAgents, displayPath } from './load.js';
import { compareProblems, problemWithoutPlace, type Problem } from './problems.js';
import { readConfigText, type ConfigRead } from './read-config-file.js';
import { checkSchema } from './schema-check.js';
import type { AgentConfig, ProjectConfig } from '../core/config.js';

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

/**
 * Checks the project config and every agent, and reports every problem of every file in one
 * pass: syntax, schema, cross-file references, keys. Only a failure to run at all throws.
 */
export async function validateProject(options: ValidateOptions): Promise<ValidationReport> {
  const file = await findConfig(options.cwd, options.env, options.configPath);
  if (!file) {
    // Nothing to validate is not a clean bill: CI would pass on a checkout that lost its config.
    throw new LoomError('config_invalid', `no loom.config.json found in ${resolve(options.cwd)} or any folder above it, and no user config`, {
      hint: 'run `loom init` to create one, or pass --config <path>',
    });
  }
  const rootDir = dirname(file.path);
  await loadDotEnv(rootDir, options.env);

  const files: FileReport[] = [];
  let project: ProjectConfig = {};
  let projectSource: JsonSource | undefined;
  const projectReport: FileReport = { path: file.path, problems: [] };
  files.push(projectReport);
  const parsedProject = parseJsonSource(file.path, file.text);
  projectReport.problems.push(...parsedProject.problems);
  if (parsedProject.ok) {
    projectSource = file.pointerPrefix ? nested(parsedProject.source, file.pointerPrefix) : parsedProject.source;
    projectReport.problems.push(...checkSchema(parsedProject.source, 'project', { at: file.pointerPrefix }));
    if (isObject(projectSource.value)) project = projectSource.value as ProjectConfig;
  }

  const agentsDir = resolve(rootDir, typeof project.agentsDir === 'string' ? interpolate(project.agentsDir, options.env) : DEFAULTS.agentsDir);
  const agents: CheckedAgent[] = [];
  for (const agentFile of await discoverAgents(agentsDir)) {
    const report: FileReport = { path: agentFile.configPath, problems: [] };
    files.push(report);
    const read: ConfigRead = agentFile.problem ? { ok: false, missing: false, problem: agentFile.problem } : readConfigText(agentFile.configPath, displayPath(agentFile.configPath, options.cwd));
    if (!read.ok) {
      report.problems.push(problemWithoutPlace(read.missing ? 'the file is gone' : read.problem));
      continue;
    }
    const parsed = parseJsonSource(agentFile.configPath, read.text);
    report.problems.push(...parsed.problems);
    if (!parsed.ok) continue;
    const schemaProblems = checkSchema(parsed.source, 'agent');
    // An unknown tool name gets a did-you-mean from the reference check, not the schema's enum list.
    report.problems.push(...schemaProblems.filter((problem) => !(/^\/tools\/\d+$/.test(problem.pointer ?? '') && problem.message.startsWith('must be one of'))));
    if (!isObject(parsed.source.value)) continue;
    const agent: CheckedAgent = { name: agentFile.name, dir: agentFile.dir, source: parsed.source, config: parsed.source.value as AgentConfig, report };
    agents.push(agent);
    report.problems.push(...(await checkAgentReferences(agent, project, options.env)));
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

/** A view of the config inside package.json#loom, with pointers and positions still into the file. */
function nested(source: JsonSource, prefix: string): JsonSource {
  const value = (source.value as Record<string, unknown>)[prefix.slice(1)];
  return { ...source, value, positionOf: (pointer, part) => source.positionOf(prefix + pointer, part) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
