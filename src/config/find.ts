import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, parse, resolve } from 'node:path';
import { LoomError } from '../errors.js';
import type { Env } from './interpolate.js';

/** A config file as found on disk, before it is parsed. */
export interface ConfigFile {
  /** Absolute path. */
  path: string;
  text: string;
  /** Where the config sits inside the file: `/loom` in a package.json, else the whole file. */
  pointerPrefix: '' | '/loom';
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
    const text = await readFile(path, 'utf8').catch(() => {
      throw new LoomError('config_invalid', `config file not found: ${explicitPath}`, {
        hint: 'check the path given to --config',
      });
    });
    return configFileAt(path, text);
  }
  return (await searchUpward(cwd)) ?? (await userConfig(env));
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
  const text = (found.config as { text?: string } | undefined)?.text ?? '';
  return configFileAt(found.filepath, text);
}

async function userConfig(env: Env): Promise<ConfigFile | null> {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  const path = join(base, 'loom', 'config.json');
  try {
    return configFileAt(path, await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

/** A CommonJS package imported dynamically from the bundle arrives as its `default` export only. */
function interop<T extends object>(module: T): T {
  return 'default' in module && module.default && typeof module.default === 'object' ? (module.default as T) : module;
}
