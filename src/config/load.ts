/**
 * Loading the config for a command that runs: the steps `config validate` takes too (find.ts,
 * validate/check-file.ts), stopping at the first error — a file that breaks the schema stops the
 * command, naming its first problem the way `config validate` names them all (CONTRACT §10, §11).
 */
import { LoomError } from '../core/errors.js';
import type { AgentConfig, ProjectConfig } from '../core/config.js';
import { isObject } from '../core/json.js';
import { didYouMean } from './did-you-mean.js';
import { agentsDirOf, discoverAgents, displayPath, findProject, type AgentFile, type ConfigFile, type FindOptions } from './find.js';
import { interpolate } from './interpolate.js';
import { readConfigFileOrThrow } from './read-config-file.js';
import { checkConfigFile } from './validate/check-file.js';
import type { Problem } from './validate/problems.js';
import type { ConfigKind } from './validate/schema-check.js';

// The commands reach the project's files through this module.
export { discoverAgents, displayPath, type AgentFile };

export type LoadOptions = FindOptions;

export interface LoadedProject {
  /** The config file found, or null when Loom runs on built-in defaults. */
  file: ConfigFile | null;
  /** The folder holding the config file (or the cwd): `.env`, `.loom/` and relative paths live here. */
  rootDir: string;
  /** The config as written, `${VAR}` references intact (for `config validate`). */
  raw: ProjectConfig;
  /** The config with `${VAR}` references replaced. */
  config: ProjectConfig;
  env: NodeJS.ProcessEnv;
  /** Names of variables that came from `.env`. */
  dotenvNames: string[];
  /** Absolute path of the agents folder. */
  agentsDir: string;
}

export async function loadProject(options: LoadOptions): Promise<LoadedProject> {
  const { file, rootDir, dotenvNames } = await findProject(options);
  const raw: ProjectConfig = file ? (checkedConfig(file.path, file.text, 'project', options.cwd, file.pointerPrefix) ?? {}) : {};
  return {
    file,
    rootDir,
    raw,
    config: interpolate(raw, options.env),
    env: options.env,
    dotenvNames,
    agentsDir: agentsDirOf(rootDir, raw, options.env),
  };
}

/**
 * The config in a file, or a config error for its first problem: a syntax error, a value that is
 * not an object, a schema problem. Undefined for a package.json without a `loom` key.
 */
function checkedConfig(path: string, text: string, kind: ConfigKind, cwd: string, at: '' | '/loom' = ''): Record<string, unknown> | undefined {
  const { source, problems } = checkConfigFile(path, text, kind, at);
  const first = problems.find((problem) => problem.severity === 'error');
  if (source === undefined) throw placedError(path, cwd, first);
  const value = source.value;
  if (value === undefined && at !== '') return undefined;
  if (!isObject(value)) {
    throw configError(`${displayPath(path, cwd)}: ${kind === 'project' ? 'the config' : 'an agent config'} must be a JSON object`);
  }
  if (first !== undefined) throw placedError(path, cwd, first);
  return value;
}

/** `path:line:column: message` for a syntax error, `path:line:column: /pointer: message` for a schema problem. */
function placedError(path: string, cwd: string, problem: Problem | undefined): LoomError {
  const place = problem?.line != null ? `:${problem.line}:${problem.column}` : '';
  const pointer = problem?.pointer != null ? `${problem.pointer}: ` : '';
  return configError(`${displayPath(path, cwd)}${place}: ${pointer}${problem?.message ?? 'invalid JSON'}`);
}

const configError = (message: string) =>
  new LoomError('config_invalid', message, { hint: 'run `loom config validate` for every problem' });

/** An agent's config text; a config error (exit 2) naming the agent when it cannot be read. */
export function agentConfigText(file: AgentFile, cwd: string): string {
  if (file.problem) throw new LoomError('config_invalid', `agent "${file.name}": ${file.problem}`, { hint: 'fix its permissions' });
  const text = readConfigFileOrThrow(file.configPath, displayPath(file.configPath, cwd));
  if (text === null) throw new LoomError('config_invalid', `agent "${file.name}": ${displayPath(file.configPath, cwd)} is gone`);
  return text;
}

export interface LoadedAgent extends AgentFile {
  /** As written. */
  raw: AgentConfig;
  /** With `${VAR}` references replaced. */
  config: AgentConfig;
}

export async function loadAgent(project: LoadedProject, name: string, cwd: string): Promise<LoadedAgent> {
  const agents = await discoverAgents(project.agentsDir);
  const file = agents.find((agent) => agent.name === name);
  if (!file) {
    const suggestion = didYouMean(name, agents.map((agent) => agent.name));
    throw new LoomError('unknown_agent', `unknown agent "${name}"`, {
      hint: suggestion
        ? `did you mean "${suggestion}"? \`loom agents\` lists them`
        : agents.length
          ? '`loom agents` lists the agents'
          : `no agents found in ${displayPath(project.agentsDir, cwd)}; \`loom init\` creates one`,
    });
  }
  return readAgent(project, file, cwd);
}

export async function readAgent(project: LoadedProject, file: AgentFile, cwd: string): Promise<LoadedAgent> {
  const raw = checkedConfig(file.configPath, agentConfigText(file, cwd), 'agent', cwd) as AgentConfig;
  return { ...file, raw, config: interpolate(raw, project.env) };
}
