import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import type { CommandContext } from './context.js';

/** Input is text: a NUL byte means a binary file, which would reach the model as garbage (CONTRACT §10). */
function asText(bytes: Buffer, what: string): string {
  if (bytes.includes(0)) {
    throw new LoomError('usage', `${what} is binary (it holds NUL bytes); Loom sends text as the prompt`, {
      hint: 'give text as the input; binary files (images, PDFs) are not taken as input',
    });
  }
  return bytes.toString('utf8');
}

/** All of stdin when it is piped; null when it is a terminal. An empty stdin adds nothing. */
export async function readStdin(ctx: CommandContext): Promise<string | null> {
  if (ctx.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const text = asText(Buffer.concat(chunks), 'the input on stdin');
  return text.trim() === '' ? null : text;
}

/** A file the user named (`--input`, `--var x=@file`, `--schema`); `-` for `--input` is stdin. */
export async function readUserFile(ctx: CommandContext, path: string, what: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(ctx.cwd, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new LoomError('usage', `cannot read ${what}: ${path}: ${why}`, { hint: 'check the path' });
  }
  return asText(bytes, `${what} ${path}`);
}

/**
 * The input of `loom run`: the arguments, with piped stdin appended after a blank line (as `ask`
 * does: `git diff | loom run review "focus on security"`); else `--input <file>` (`-`: stdin,
 * and stdin is not read otherwise); else stdin.
 */
export async function runInput(ctx: CommandContext, words: readonly string[], inputFile: string | undefined): Promise<string | null> {
  if (inputFile !== undefined && words.length > 0) {
    // One of them would be dropped without a word.
    throw new LoomError('usage', 'the input is given both as arguments and with --input', { hint: 'give one of them; piped stdin is appended to arguments' });
  }
  if (inputFile === '-') return readStdin(ctx);
  if (inputFile !== undefined) return readUserFile(ctx, inputFile, '--input');
  const stdin = await readStdin(ctx);
  const given = words.join(' ');
  if (given === '') return stdin;
  return stdin === null ? given : `${given}\n\n${stdin.trimEnd()}`;
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
