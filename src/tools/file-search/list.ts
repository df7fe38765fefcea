/**
 * list_files' walk and glob matching, run in the worker thread (worker.ts): a glob compiles to a
 * regular expression, and `*a*a*a*a*a*a*a*a*b` against a long name backtracks for ages.
 *
 * Names only: regular files are listed without being opened; a link is opened (never read) to
 * learn that it leads to a file inside the workspace. `.env*` and `.loom` are left out by name.
 */
import { closeSync, fstatSync } from 'node:fs';
import { compileGlob } from '../glob.js';
import { LIMITS } from '../limits.js';
import { openWalked, walkFiles, type WalkState } from '../walk.js';
import { openInside, READ_FLAGS } from './descriptor.js';
import { incomplete, noteIncomplete, vanished } from './messages.js';
import type { FileJobResult, ListJob } from './protocol.js';

export function list(job: ListJob): FileJobResult {
  const { pattern } = job;
  const matches = pattern === undefined ? undefined : compileGlob(pattern);
  const base = openInside(job.workspace, job.real, READ_FLAGS);
  if (base === undefined) return vanished('list_files', job.display);
  const state: WalkState = { limit: job.walkEntries, truncated: false };
  const listed: string[] = [];
  let total = 0;
  try {
    if (!fstatSync(base.fd).isDirectory()) {
      if (matches && !matches(job.display.slice(job.display.lastIndexOf('/') + 1))) return { ok: true, output: `no files match "${pattern}"` };
      return { ok: true, output: job.display };
    }
    // A pattern with `/` is matched against the path below "path".
    const strip = job.display === '.' ? 0 : job.display.length + 1;
    for (const file of walkFiles(job.workspace, base, job.display, state)) {
      if (matches && !matches(file.display.slice(strip))) continue;
      if (file.link) {
        const opened = openWalked(job.workspace, file);
        if (opened === undefined) continue;
        closeSync(opened.fd);
      }
      total++;
      if (listed.length < LIMITS.listFiles) listed.push(file.display);
    }
  } finally {
    closeSync(base.fd);
  }

  if (total === 0) {
    if (state.truncated) {
      const what = pattern ? `without a file matching "${pattern}" in ${job.display}` : `of ${job.display} without finding a file`;
      return { ok: true, output: incomplete(job.walkEntries, what, 'list') };
    }
    return { ok: true, output: pattern ? `no files match "${pattern}" in ${job.display}` : `${job.display} holds no files` };
  }
  const notes: string[] = [];
  if (total > listed.length) notes.push(`[list_files: showing ${listed.length} of ${total} files; narrow the listing with "path" or "pattern"]`);
  if (state.truncated) notes.push(noteIncomplete('list_files', job.walkEntries, 'list'));
  return { ok: true, output: [...listed, ...notes].join('\n') };
}
