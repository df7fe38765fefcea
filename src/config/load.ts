import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import { DEFAULTS } from './builtins.js';
import { didYouMean } from './did-you-mean.js';
import { loadDotEnv } from './dotenv.js';
import { findConfig, type ConfigFile } from './find.js';
import { interpolate } from './interpolate.js';
import { parseJsonSource, type JsonSource } from './json-source.js';
import { readConfigFileOrThrow } from './read-config-file.js';
import { checkSchema } from './schema-check.js';
import type { AgentConfig, ProjectConfig } from '../core/config.js';

export interface LoadOptions {
  cwd: string;
  /** `--config`. */
  configPath?: string;
  /** The environment; `.env` values are added to it (never overriding). */
  env: NodeJS.ProcessEnv;
}

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
  const file = await findConfig(options.cwd, options.env, options.configPath);
  const rootDir = file ? dirname(file.path) : resolve(options.cwd);
  const dotenvNames = await loadDotEnv(rootDir, options.env);
  const raw = file ? parseProjectFile(file, options.cwd) : {};
  const config = interpolate(raw, options.env);
  return {
    file,
    rootDir,
    raw,
    config,
    env: options.env,
    dotenvNames,
    agentsDir: resolve(rootDir, config.agentsDir ?? DEFAULTS.agentsDir),
  };
}

function parseProjectFile(file: ConfigFile, cwd: string): ProjectConfig {
  const source = parseOrThrow(file.path, file.text, cwd);
  const config = file.pointerPrefix ? (source.value as { loom?: unknown }).loom : source.value;
  if (config === undefined) return {};
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw configError(`${displayPath(file.path, cwd)}: the config must be a JSON object`);
  }
  throwOnSchemaProblem(source, 'project', cwd, file.pointerPrefix);
  return config as ProjectConfig;
}

/** Parses a config file; a syntax error is a config error that points at the place. */
function parseOrThrow(path: string, text: string, cwd: string): JsonSource {
  const result = parseJsonSource(path, text);
  if (result.ok) return result.source;
  const first = result.problems[0];
  const place = first?.line != null ? `:${first.line}:${first.column}` : '';
  throw configError(`${displayPath(path, cwd)}${place}: ${first?.message ?? 'invalid JSON'}`);
}

/**
 * Nothing of the wrong type reaches a provider (CONTRACT §10, §11): a file that breaks the schema
 * stops the command, naming its first problem the way `config validate` names them all.
 */
function throwOnSchemaProblem(source: JsonSource, kind: 'project' | 'agent', cwd: string, at?: string): void {
  const first = checkSchema(source, kind, { at }).find((problem) => problem.severity === 'error');
  if (first === undefined) return;
  const place = first.line != null ? `:${first.line}:${first.column}` : '';
  throw configError(`${displayPath(source.path, cwd)}${place}: ${first.pointer ?? ''}: ${first.message}`);
}

const configError = (message: string) =>
  new LoomError('config_invalid', message, { hint: 'run `loom config validate` for every problem' });

/** A path as a user would type it: relative to the cwd when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

export interface AgentFile {
  name: string;
  /** The agent's folder: its prompt and system files are relative to it. */
  dir: string;
  configPath: string;
  /** Why the agent cannot be read (an unreadable folder or config): a problem of that agent alone. */
  problem?: string;
}

/**
 * Agents are the sub-folders of the agents folder that hold a `config.json`, sorted by name; a
 * sub-folder that cannot be looked into is an agent with a problem, never silently left out.
 * Synchronous on purpose: for the handful of small files a project has, the thread-pool round
 * trips of async fs cost more than the reads (this is most of `config validate`'s time).
 */
export async function discoverAgents(agentsDir: string): Promise<AgentFile[]> {
  let entries;
  try {
    entries = readdirSync(agentsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const agents: AgentFile[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const agent: AgentFile = { name: entry.name, dir: join(agentsDir, entry.name), configPath: join(agentsDir, entry.name, 'config.json') };
    try {
      if (!statSync(agent.configPath, { throwIfNoEntry: false })?.isFile()) continue;
    } catch (error) {
      agent.problem = `cannot read the agent folder ${entry.name}/: ${(error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (error as Error).message}`;
    }
    agents.push(agent);
  }
  // Code-unit order: localeCompare would load ICU's collator, ~12 ms of start-up.
  return agents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

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
  const source = parseOrThrow(file.configPath, agentConfigText(file, cwd), cwd);
  const parsed = source.value;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw configError(`${displayPath(file.configPath, cwd)}: an agent config must be a JSON object`);
  }
  throwOnSchemaProblem(source, 'agent', cwd);
  const raw = parsed as AgentConfig;
  return { ...file, raw, config: interpolate(raw, project.env) };
}
