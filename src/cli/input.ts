import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LoomError } from '../errors.js';
import type { CommandContext } from './context.js';

/** All of stdin when it is piped; null when it is a terminal. An empty stdin adds nothing. */
export async function readStdin(ctx: CommandContext): Promise<string | null> {
  if (ctx.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? null : text;
}

export async function readUserFile(ctx: CommandContext, path: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(ctx.cwd, path), 'utf8');
  } catch {
    throw new LoomError('usage', `cannot read ${what}: ${path}`, { hint: 'check the path' });
  }
}

/** `--var name=value` and `--var name=@file`. */
export async function parseVars(ctx: CommandContext, specs: readonly string[]): Promise<Record<string, string>> {
  // No prototype: `--var __proto__=x` is a variable like any other.
  const vars: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const spec of specs) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(spec);
    if (!match) throw new LoomError('usage', `--var takes name=value, got "${spec}"`, { hint: 'for example --var audience=managers, or --var notes=@notes.md' });
    const [, name = '', value = ''] = match;
    vars[name] = value.startsWith('@') ? await readUserFile(ctx, value.slice(1), `--var ${name}`) : value;
  }
  return vars;
}

/** `--schema <file>`: a JSON Schema for the answer. */
export async function readSchemaFile(ctx: CommandContext, path: string): Promise<Record<string, unknown>> {
  const text = await readUserFile(ctx, path, 'the --schema file');
  try {
    const schema: unknown = JSON.parse(text);
    if (schema && typeof schema === 'object' && !Array.isArray(schema)) return schema as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new LoomError('usage', `--schema ${path} is not a JSON Schema object`, { hint: 'the file must hold one JSON object' });
}
