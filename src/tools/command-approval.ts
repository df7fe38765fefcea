/**
 * The approval a `run_command` call needs (CONTRACT §7, §10, §11, §19).
 *
 * - `allow` entries: `"run_command"` approves every command; `"run_command:<prefix>"` approves a
 *   command whose argument vector begins with the prefix's words, whole words only
 *   (`run_command:npm test` approves `npm test -- -u`, not `npm testx`). When the agent runs
 *   commands through a shell, a prefix approves only a line without any shell syntax (`;`, `&&`,
 *   `|`, `$`, redirections, globs…): otherwise `npm test && rm -rf ~` would begin with `npm test`.
 * - An argument that names a path outside the workspace (`--output=/x`, `-o /x`, `-o/x`, a bare
 *   absolute path, `..` leading out) or a protected path (`.git/config`, `.env`) makes the call
 *   need approval again, whatever `allow` says; `--yes` and the user can still approve it.
 */
import { resolve } from 'node:path';
import { quoteArg, splitWords } from './command-line.js';
import type { Gate } from './define-tool.js';
import { realish, type ProtectedPaths } from './protected-paths.js';
import { isInside } from './workspace.js';

/** Characters that make `sh -c` do more than run one program with plain words. */
const SHELL_SYNTAX = /[;&|<>()$`\\\n\r*?[\]{}~#!]/;

/** Absolute paths a command may name freely: they lead nowhere. */
const HARMLESS_PATHS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

export interface CommandGateContext {
  workspace: string;
  shell: boolean;
  protectedPaths: ProtectedPaths;
}

/** The words of a command line, or undefined when it does not split (an open quote). */
function words(command: string): string[] | undefined {
  try {
    return splitWords(command).map((word) => word.value);
  } catch {
    return undefined;
  }
}

/** Whether an `allow` entry approves this command line. */
export function allowsCommand(entry: string, command: string, shell: boolean): boolean {
  if (entry === 'run_command') return true;
  if (!entry.startsWith('run_command:')) return false;
  const prefix = words(entry.slice('run_command:'.length));
  if (prefix === undefined || prefix.length === 0) return false;
  if (shell && SHELL_SYNTAX.test(command)) return false;
  const argv = words(command);
  return argv !== undefined && prefix.length <= argv.length && prefix.every((word, i) => argv[i] === word);
}

/** The parts of an argument that may name a path: itself, an `--option=` value, a `-o` short option's attached value. */
function pathCandidates(arg: string): string[] {
  const candidates = [arg];
  const equals = arg.indexOf('=');
  if (arg.startsWith('-') && equals > 0) candidates.push(arg.slice(equals + 1));
  else if (/^-[A-Za-z]./.test(arg)) candidates.push(arg.slice(2));
  return candidates.filter((candidate) => candidate !== '');
}

/**
 * Why an argument needs approval, or undefined. The program itself (`/usr/bin/git`) may live
 * anywhere; only a protected path is a problem there.
 */
function pathProblem(arg: string, context: CommandGateContext, isProgram: boolean): string | undefined {
  for (const candidate of pathCandidates(arg)) {
    if (HARMLESS_PATHS.has(candidate)) continue;
    const outside = `names a path outside the workspace: ${candidate}`;
    if (candidate.startsWith('~') && !isProgram) return outside;
    const lexical = resolve(context.workspace, candidate);
    // What does not exist yet is judged by where its nearest existing folder really is.
    const real = realish(lexical);
    if (!isProgram && (!isInside(context.workspace, lexical) || !isInside(context.workspace, real))) return outside;
    const protection = context.protectedPaths.reason(real) ?? context.protectedPaths.reason(lexical);
    if (protection !== undefined) return `names a protected path: ${protection}`;
  }
  return undefined;
}

/** The gate of one command: who may approve it, and the question with its exact argument vector. */
export function commandGate(command: string, argv: readonly string[], context: CommandGateContext): Gate {
  const question = `run_command: ${argv.map(quoteArg).join(' ')}`;
  // Through a shell, the line's own words are what may name paths; the vector is just `sh -c <line>`.
  const problem = (context.shell ? (words(command) ?? []) : argv).map((arg, index) => pathProblem(arg, context, index === 0)).find(Boolean);
  if (problem !== undefined) {
    return {
      kind: 'approval',
      by: ['yes', 'user'],
      allows: () => false,
      question,
      because: problem,
      howToAllow: 'an "allow" entry does not approve a command that names a path outside the workspace or a protected path; run with --yes to approve it',
    };
  }
  return {
    kind: 'approval',
    by: ['yes', 'allow', 'user'],
    allows: (entry) => allowsCommand(entry, command, context.shell),
    question,
    howToAllow: 'add "run_command" or "run_command:<command prefix>" to the agent\'s "allow" list, or run with --yes',
  };
}
