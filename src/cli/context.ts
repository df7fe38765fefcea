import type { Readable } from 'node:stream';
import type { Io } from '../output/io.js';

/** What every command receives instead of reaching for `process`: testable without a terminal. */
export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--config`. */
  configPath?: string;
  io: Io;
  stdin: Readable & { isTTY?: boolean };
  debug: boolean;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** A command returns its exit code (0 when it returns nothing); errors it throws become exit codes in main. */
export type CommandFunction = (ctx: CommandContext, args: string[], options: Record<string, unknown>) => Promise<number | void>;
