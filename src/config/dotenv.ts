import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Loads `.env` from `dir` into `env` without overriding what is already set (CONTRACT §2).
 * Returns the names it set, so `config show` and `providers` can say a key came from `.env`.
 */
export async function loadDotEnv(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(dir, '.env'), 'utf8');
  } catch {
    return [];
  }
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined) {
      env[name] = value;
      loaded.push(name);
    }
  }
  return loaded;
}
