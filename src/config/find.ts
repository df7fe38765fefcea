/**
 * Where a project's files are — the config file, the folder it sits in with its `.env`, the agents
 * folder and the agents in it: the first steps of every command that reads the config, the same
 * for `config validate` (which reports every problem) and the runtime load (which stops at the first).
 */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, parse, relative, resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import { DEFAULTS } from './builtins.js';
import { loadDotEnv } from './dotenv.js';
import { interpolate, type Env } from './interpolate.js';
import { readConfigFileOrThrow, readConfigText } from './read-config-file.js';

/** A config file as found on disk, before it is parsed. */
export interface ConfigFile {
  /** Absolute path. */
  path: string;
  text: string;
  /** Where the config sits inside the file: `/loom` in a package.json, else the whole file. */
  pointerPrefix: '' | '/loom';
}

export interface FindOptions {
  cwd: string;
  /** `--config`. */
  configPath?: string;
  /** The environment; `.env` values are added to it (never overriding). */
  env: NodeJS.ProcessEnv;
}

export interface FoundProject {
  /** The config file found, or null when there is none. */
  file: ConfigFile | null;
  /** The folder holding the config file (or the cwd): `.env`, `.loom/` and relative paths live here. */
  rootDir: string;
  /** Names of variables that came from `.env`. */
  dotenvNames: string[];
}

/** Finds the config file and loads the `.env` beside it (CONTRACT §2). */
export async function findProject(options: FindOptions): Promise<FoundProject> {
  const file = await findConfig(options.cwd, options.env, options.configPath);
  const rootDir = file ? dirname(file.path) : resolve(options.cwd);
  const dotenvNames = await loadDotEnv(rootDir, options.env);
  return { file, rootDir, dotenvNames };
}

/** The absolute agents folder of a project config as written (`agentsDir` with its `${VAR}`s replaced). */
export function agentsDirOf(rootDir: string, config: { agentsDir?: unknown }, env: Env): string {
  return resolve(rootDir, typeof config.agentsDir === 'string' ? interpolate(config.agentsDir, env) : DEFAULTS.agentsDir);
}

const SEARCH_PLACES = ['loom.config.json', '.loomrc', '.loomrc.json', 'package.json'];
const OTHER_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.yaml', '.yml'];

/**
 * Finds the project config: `--config` if given, else cosmiconfig's upward search from `cwd`,
 * else the user config (`$XDG_CONFIG_HOME/loom/config.json`). Null when there is none.
 */
export async function findConfig(cwd: string, env: Env, explicitPath?: string): Promise<ConfigFile | null> {
  if (explicitPath !== undefined) {
    const path = resolve(cwd, explicitPath);
    const text = readConfigFileOrThrow(path, explicitPath);
    if (text === null) throw new LoomError('config_invalid', `config file not found: ${explicitPath}`, { hint: 'check the path given to --config' });
    return configFileAt(path, text);
  }
  const found = await searchUpward(cwd);
  refuseUnreadableOnTheWay(cwd, found?.path);
  return found ?? userConfig(env);
}

/**
 * A config file the search passed over because it could not be read (cosmiconfig skips those)
 * is an error naming it: running on the next one, or on built-in defaults, would send the prompt
 * somewhere the user did not mean. `package.json` is not Loom's to judge.
 */
function refuseUnreadableOnTheWay(cwd: string, found: string | undefined): void {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of SEARCH_PLACES) {
      const path = join(dir, name);
      if (path === found) return;
      if (name === 'package.json') continue;
      const read = readConfigText(path, displayPath(path, cwd));
      if (!read.ok && !read.missing) throw new LoomError('config_invalid', read.problem, { hint: 'fix its permissions or contents, or pass another config with --config' });
    }
    if (dirname(dir) === dir) return;
  }
}

function configFileAt(path: string, text: string): ConfigFile {
  return { path, text, pointerPrefix: basename(path) === 'package.json' ? '/loom' : '' };
}

async function searchUpward(cwd: string): Promise<ConfigFile | null> {
  const { cosmiconfig } = interop(await import('cosmiconfig'));
  // The loader keeps the raw text: Loom parses it itself so that a syntax error can be
  // reported with its line and column instead of failing the search.
  const keepText = (path: string, text: string) => {
    const name = basename(path);
    // A global search ends in cosmiconfig's user folder (`config`, `config.json`): not a project
    // file. Loom reads the user config itself, as CONTRACT §2 words it.
    if (!SEARCH_PLACES.includes(name)) return null;
    if (name !== 'package.json') return { text };
    try {
      const pkg = JSON.parse(text) as { loom?: unknown };
      // cosmiconfig reads `loom` off what this returns; without one, the search goes on upward.
      return pkg.loom === undefined ? {} : { loom: { text } };
    } catch {
      return {}; // a broken package.json is not Loom's to judge
    }
  };
  const explorer = cosmiconfig('loom', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'global',
    stopDir: parse(resolve(cwd)).root,
    // Only JSON: never execute or YAML-parse a file that happens to sit in a searched folder.
    loaders: { '.json': keepText, noExt: keepText, ...Object.fromEntries(OTHER_EXTENSIONS.map((ext) => [ext, () => null])) },
    cache: false,
    // An empty loom.config.json is still the project's config (and `config validate` says it is empty).
    ignoreEmptySearchPlaces: false,
  });
  const found = await explorer.search(cwd);
  if (!found || !SEARCH_PLACES.includes(basename(found.filepath))) return null;
  // Read again, strictly: cosmiconfig decodes bytes that are not UTF-8 into replacement characters.
  const text = readConfigFileOrThrow(found.filepath, displayPath(found.filepath, cwd)) ?? '';
  return configFileAt(found.filepath, text);
}

/** A path as a user would type it: relative to the cwd when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(resolve(cwd), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function userConfig(env: Env): ConfigFile | null {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  const path = join(base, 'loom', 'config.json');
  const text = readConfigFileOrThrow(path);
  return text === null ? null : configFileAt(path, text);
}

/** A CommonJS package imported dynamically from the bundle arrives as its `default` export only. */
function interop<T extends object>(module: T): T {
  return 'default' in module && module.default && typeof module.default === 'object' ? (module.default as T) : module;
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
