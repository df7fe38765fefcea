import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { readConfigFileOrThrow } from './read-config-file.js';

/**
 * Loads `.env` from `dir` into `env` without overriding what is already set (CONTRACT §2).
 * Returns the names it set, so `config show` and `providers` can say a key came from `.env`.
 */
export async function loadDotEnv(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  // A .env that exists but cannot be read is an error: its keys would be missing without a word.
  const text = readConfigFileOrThrow(join(dir, '.env'));
  if (text === null) return [];
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined) {
      env[name] = value;
      loaded.push(name);
    }
  }
  return loaded;
}
