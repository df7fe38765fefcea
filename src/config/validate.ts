import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULTS } from './builtins.js';
import { checkAgentReferences, checkKeys, checkProjectReferences, type CheckedAgent } from './cross-checks.js';
import { loadDotEnv } from './dotenv.js';
import { findConfig } from './find.js';
import { interpolate } from './interpolate.js';
import { parseJsonSource, type JsonSource } from './json-source.js';
import { discoverAgents } from './load.js';
import { compareProblems, type Problem } from './problems.js';
import { checkSchema } from './schema-check.js';
import type { AgentConfig, ProjectConfig } from './types.js';

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
  const rootDir = file ? dirname(file.path) : resolve(options.cwd);
  await loadDotEnv(rootDir, options.env);

  const files: FileReport[] = [];
  let project: ProjectConfig = {};
  let projectSource: JsonSource | undefined;
  if (file) {
    const report: FileReport = { path: file.path, problems: [] };
    files.push(report);
    const parsed = parseJsonSource(file.path, file.text);
    report.problems.push(...parsed.problems);
    if (parsed.ok) {
      projectSource = file.pointerPrefix ? nested(parsed.source, file.pointerPrefix) : parsed.source;
      report.problems.push(...checkSchema(parsed.source, 'project', { at: file.pointerPrefix }));
      if (isObject(projectSource.value)) project = projectSource.value as ProjectConfig;
    }
  }

  const agentsDir = resolve(rootDir, typeof project.agentsDir === 'string' ? interpolate(project.agentsDir, options.env) : DEFAULTS.agentsDir);
  const agents: CheckedAgent[] = [];
  for (const agentFile of await discoverAgents(agentsDir)) {
    const report: FileReport = { path: agentFile.configPath, problems: [] };
    files.push(report);
    const parsed = parseJsonSource(agentFile.configPath, readFileSync(agentFile.configPath, 'utf8'));
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

  if (file && projectSource) files[0]?.problems.push(...(await checkProjectReferences(projectSource, project, rootDir, options.env)));
  if (options.checkKeys) {
    const projectReport = file ? files[0] : undefined;
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
