/**
 * For the run_command, MCP and process tests: processes found the way a user would check, from
 * the host's /proc, by a tag the test puts in the environment of a command or an MCP server, or by
 * an outer process marker it gives the tool set (pids written by a command inside the sandbox are
 * those of its own PID namespace, useless outside it), and whether the bubblewrap sandbox can run
 * on this machine.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach } from 'vitest';
import { chooseSandbox } from '../../src/tools/command-sandbox.js';
import { MARKER_VARIABLE } from '../../src/tools/processes.js';
import { alive, waitFor } from './helpers.js';

const TAG = 'LOOM_TEST_TAG';
const tags: string[] = [];

/** A fresh tag; whatever still carries it after the test is killed (and the test should have failed). */
export function newTag(): string {
  const tag = randomUUID();
  tags.push(tag);
  return tag;
}

afterEach(() => {
  for (const tag of tags.splice(0)) for (const pid of [...tagged(tag), ...markedWith(tag)]) process.kill(pid, 'SIGKILL');
});

/** An environment for a tool set: PATH and the tag (and any other variables). */
export const taggedEnv = (tag: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, [TAG]: tag, ...extra });

/** Running (not zombie) processes whose environment holds the tag, read independently of Loom's own code. */
export function tagged(tag: string): number[] {
  const needle = `${TAG}=${tag}`;
  return processesWhere((environ) => environ.includes(needle));
}

/**
 * A tool set's environment with `outer` as an outer process marker, as a Loom run inside another
 * run's command has (CONTRACT §11 "Commands"): every process the tool set starts — a command, a
 * stdio MCP server, whatever they start — carries it, whatever environment its config gives it.
 */
export const markedEnv = (outer: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({
  ...env,
  [MARKER_VARIABLE]: env[MARKER_VARIABLE] ? `${env[MARKER_VARIABLE]},${outer}` : outer,
});

/** Running (not zombie) processes whose process marker holds `outer` (see markedEnv). */
export function markedWith(outer: string): number[] {
  const prefix = `${MARKER_VARIABLE}=`;
  return processesWhere((environ) => environ.some((entry) => entry.startsWith(prefix) && entry.slice(prefix.length).split(',').includes(outer)));
}

function processesWhere(matches: (environ: string[]) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches(readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0')) && alive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Whether every process with the tag is gone within a little while. */
export const allGone = (tag: string, timeoutMs = 3000): Promise<boolean> => waitFor(() => tagged(tag).length === 0, timeoutMs);

const choice = chooseSandbox(true, process.env);
/** Why the bubblewrap sandbox cannot run here, or undefined when it can. */
export const noSandbox: string | undefined = choice.sandbox ? undefined : choice.unavailable;
export const sandboxTitle = (title: string): string => (noSandbox ? `${title} (skipped: ${noSandbox})` : title);
