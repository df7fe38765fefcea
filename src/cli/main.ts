import { CommanderError } from 'commander';
import type { Io, WritableLike } from '../output/io.js';
import type { CommandContext } from './context.js';
import { createProgram } from './program.js';

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
 * Parses argv and runs the command. Only commander and the program's wiring load up front, so
 * `loom --help` pays for nothing else; output, errors and each command load when needed.
 * Nothing here calls process.exit: the entry point does.
 */
export async function runCli(cli: CliEnvironment): Promise<number> {
  const debug = cli.argv.includes('--debug');
  let io: Io | undefined;
  let usageError: { text: string; command: string } | undefined;
  let exitCode = 0;

  const program = createProgram(
    async (_name, load, args, options) => {
      const [{ Io }, command] = await Promise.all([import('../output/io.js'), load()]);
      io = new Io({ stdout: cli.stdout, stderr: cli.stderr, env: cli.env, noColor: !options.color, quiet: options.quiet, verbose: options.verbose });
      const context: CommandContext = {
        cwd: cli.cwd,
        env: cli.env,
        configPath: options.config,
        io,
        // Created on first use: most commands never read stdin.
        get stdin() {
          return cli.stdin;
        },
        debug,
        signal: cli.signal,
      };
      exitCode = (await command.default(context, args, options)) ?? 0;
    },
    {
      writeOut: (text) => cli.stdout.write(text),
      writeErr: (text) => cli.stderr.write(text),
      // Kept for the error boundary, which prints it in Loom's own format.
      outputError: (text, command) => (usageError = { text, command }),
    },
  );

  try {
    await program.parseAsync(cli.argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Help and --version arrive here too, with exit code 0.
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    const { reportError } = await import('./report-error.js');
    return reportError(error, { cli, io, debug, usageError: error instanceof CommanderError ? usageError : undefined });
  }
}
