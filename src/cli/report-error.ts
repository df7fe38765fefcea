import { isLoomError } from '../core/errors.js';
import { Io } from '../output/io.js';
import { visibleText } from '../output/visible.js';
import type { CliEnvironment } from './main.js';

export interface ErrorReportContext {
  cli: CliEnvironment;
  /** The command's Io (known secrets primed with the project's keys), if the command got that far. */
  io?: Io;
  debug: boolean;
  /** commander's message for a parsing error, and the command it is about (`loom run`). */
  usageError?: { text: string; command: string };
}

/** How a bug in Loom is announced (and what tests assert never shows for a bad input). */
export const INTERNAL_ERROR = 'internal error';

/**
 * The one error boundary: a usage error is exit 2 with commander's message and suggestion as
 * the hint; a LoomError becomes one line plus a hint and its exit code; anything unexpected is
 * an internal error whose stack only `--debug` shows.
 */
export function reportError(error: unknown, context: ErrorReportContext): number {
  const io = context.io ?? new Io({ stdout: context.cli.stdout, stderr: context.cli.stderr, env: context.cli.env, noColor: context.cli.argv.includes('--no-color') });
  if (context.usageError !== undefined) {
    const [message = '', ...rest] = context.usageError.text.replace(/^error: /, '').trim().split('\n');
    // commander's own suggestion, "(Did you mean run?)", then where to look.
    const suggestion = rest.join(' ').trim().replace(/^\((.*)\)$/, '$1');
    const see = `see \`${context.usageError.command} --help\``;
    io.error(message, suggestion ? `${suggestion.replace(/^Did you/, 'did you')} ${see}` : see);
    return 2;
  }
  if (isLoomError(error)) {
    io.error(error.message, error.hint, error.details);
    if (context.debug && error.stack) io.err(`${visibleText(error.stack)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.error(`${INTERNAL_ERROR}: ${message}`, context.debug ? undefined : 'run again with --debug to see the stack trace');
  if (context.debug && error instanceof Error && error.stack) io.err(`${visibleText(error.stack)}\n`);
  return 1;
}
