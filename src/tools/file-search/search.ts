/**
 * search_files' walk and matching, run in the worker thread (worker.ts).
 *
 * No result may depend on a secret (CONTRACT §11): a file whose text holds a known secret — as
 * is or encoded (KnownSecrets.find) — is skipped whole, before the pattern ever runs on it, and
 * only counted. Otherwise whether `^OPENAI_API_KEY=.{3}c` matched would tell the key one
 * character per call, however well each result line is redacted.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { KnownSecrets } from '../../core/secrets.js';
import { LIMITS } from '../limits.js';
import { isBinary } from '../text.js';
import { openWalked, walkFiles, type WalkState } from '../walk.js';
import { openInside, READ_FLAGS } from './descriptor.js';
import { incomplete, noteIncomplete, plural, vanished } from './messages.js';
import type { FileJobResult, SearchJob } from './protocol.js';

/** The text of an open file, or undefined for one that is not a regular file, too large or binary. */
function readText(fd: number): string | undefined {
  const stats = fstatSync(fd);
  if (!stats.isFile() || stats.size > LIMITS.searchFileBytes) return undefined;
  // One byte more than allowed: a file that grew past the cap since fstat is skipped too.
  const buffer = Buffer.alloc(stats.size + 1);
  let length = 0;
  while (length < buffer.length) {
    const read = readSync(fd, buffer, length, buffer.length - length, length);
    if (read === 0) break;
    length += read;
  }
  if (length > LIMITS.searchFileBytes) return undefined;
  const bytes = buffer.subarray(0, length);
  if (isBinary(bytes.subarray(0, 8192))) return undefined;
  return bytes.toString('utf8');
}

export function search(job: SearchJob): FileJobResult {
  const regexp = new RegExp(job.pattern);
  const secrets = new KnownSecrets();
  for (const value of job.secrets) secrets.add(value);

  const found: string[] = [];
  let total = 0;
  let skipped = 0;
  const scan = (fd: number, display: string) => {
    let text: string | undefined;
    try {
      text = readText(fd);
    } catch {
      return; // unreadable: skipped like a binary file
    }
    if (text === undefined) return;
    if (secrets.find(text) !== undefined) {
      skipped++;
      return;
    }
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (!regexp.test(lines[i]!)) continue;
      total++;
      if (found.length < LIMITS.searchMatches) found.push(`${display}:${i + 1}: ${cut(secrets.redact(lines[i]!))}`);
    }
  };

  const base = openInside(job.workspace, job.real, READ_FLAGS);
  if (base === undefined) return vanished('search_files', job.display);
  const state: WalkState = { limit: job.walkEntries, truncated: false };
  try {
    if (!fstatSync(base.fd).isDirectory()) {
      scan(base.fd, job.display);
    } else {
      for (const file of walkFiles(job.workspace, base, job.display, state)) {
        const opened = openWalked(job.workspace, file);
        if (opened === undefined) continue;
        try {
          scan(opened.fd, file.display);
        } finally {
          closeSync(opened.fd);
        }
      }
    }
  } finally {
    closeSync(base.fd);
  }

  const lines =
    total > 0
      ? found
      : [state.truncated ? incomplete(job.walkEntries, `without a match for /${job.pattern}/ in ${job.display}`, 'search') : `no matches for /${job.pattern}/ in ${job.display}`];
  if (total > found.length) lines.push(`[search_files: showing ${found.length} of ${total} matching lines; narrow the search with "path" or a more precise pattern]`);
  if (state.truncated && total > 0) lines.push(noteIncomplete('search_files', job.walkEntries, 'search'));
  if (skipped > 0) lines.push(`[search_files: ${plural(skipped, 'file was', 'files were')} skipped because ${skipped === 1 ? 'it holds' : 'they hold'} a secret Loom knows]`);
  return { ok: true, output: lines.join('\n') };
}

// Redacted first (above), then cut: a cut line never holds part of a secret.
const cut = (line: string): string => (line.length > LIMITS.searchLineChars ? `${line.slice(0, LIMITS.searchLineChars)}…` : line);
