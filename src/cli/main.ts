import { CommanderError } from 'commander';
import { isLoomError } from '../errors.js';
import { Io, type WritableLike } from '../output/io.js';
import type { CommandContext, CommandFunction } from './context.js';
import { createProgram, type CommandName } from './program.js';

/** Each command's module, imported only when that command runs. */
const COMMANDS: Record<CommandName, () => Promise<{ default: CommandFunction }>> = {
  ask: () => import('./commands/ask.js'),
  run: () => import('./commands/run.js'),
  agents: () => import('./commands/agents.js'),
  'config validate': () => import('./commands/config-validate.js'),
  'config show': () => import('./commands/config-show.js'),
  providers: () => import('./commands/providers.js'),
  logs: () => import('./commands/logs.js'),
  init: () => import('./commands/init.js'),
};

export interface CliEnvironment {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: CommandContext['stdin'];
  stdout: WritableLike;
  stderr: WritableLike;
  signal: AbortSignal;
}

/**
 * The one error boundary: parses argv, runs the command, and turns every outcome into an exit
 * code. A LoomError becomes one line plus a hint; anything unexpected is an internal error
 * whose stack only `--debug` shows. Nothing here calls process.exit: the entry point does.
 */
export async function runCli(cli: CliEnvironment): Promise<number> {
  const debug = cli.argv.includes('--debug');
  let io = new Io({ stdout: cli.stdout, stderr: cli.stderr, env: cli.env, noColor: cli.argv.includes('--no-color') });
  let exitCode = 0;

  const program = createProgram(
    async (name, args, options) => {
      io = new Io({ stdout: cli.stdout, stderr: cli.stderr, env: cli.env, noColor: !options.color, quiet: options.quiet, verbose: options.verbose });
      const context: CommandContext = { cwd: cli.cwd, env: cli.env, configPath: options.config, io, stdin: cli.stdin, debug, signal: cli.signal };
      const command = (await COMMANDS[name]()).default;
      exitCode = (await command(context, args, options)) ?? 0;
    },
    {
      writeOut: (text) => cli.stdout.write(text),
      writeErr: (text) => cli.stderr.write(text),
      outputError: (text) => {
        const [message = '', ...rest] = text.replace(/^error: /, '').trim().split('\n');
        const suggestion = rest.join(' ').trim();
        io.error(message, suggestion || 'see `loom --help`');
      },
    },
  );

  try {
    await program.parseAsync(cli.argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every parsing problem is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isLoomError(error)) {
      io.error(error.message, error.hint);
      if (debug && error.stack) io.err(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.error(`internal error: ${message}`, debug ? undefined : 'run again with --debug to see the stack trace');
    if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return 1;
  }
}
