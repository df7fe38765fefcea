/**
 * Reading a config file (CONTRACT §10 "Every input gets a clear answer"): a file that exists but
 * cannot be read — permissions, a folder in its place, bytes that are not UTF-8 — is an error that
 * names it, never a file silently skipped (which would send the prompt elsewhere, on defaults).
 */
import { readFileSync } from 'node:fs';
import { LoomError } from '../core/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type ConfigRead = { ok: true; text: string } | { ok: false; missing: true } | { ok: false; missing: false; problem: string };

/** The file's text; `missing` when there is none; a problem (worded for `shown`) when it cannot be read. */
export function readConfigText(path: string, shown: string = path): ConfigRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, missing: true };
    return { ok: false, missing: false, problem: describeReadError(shown, code, error) };
  }
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, missing: false, problem: `cannot read ${shown}: it is not UTF-8 text` };
  }
}

function describeReadError(shown: string, code: string | undefined, error: unknown): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${shown}: permission denied`;
    case 'EISDIR':
      return `cannot read ${shown}: it is a folder, not a file`;
    default:
      return `cannot read ${shown}: ${(error as Error).message}`;
  }
}

/** As readConfigText, for a file that must be read: null when missing, a config error when unreadable. */
export function readConfigFileOrThrow(path: string, shown: string = path): string | null {
  const read = readConfigText(path, shown);
  if (read.ok) return read.text;
  if (read.missing) return null;
  throw new LoomError('config_invalid', read.problem, { hint: 'fix the file\'s permissions or contents, or pass another with --config' });
}
