import type { ChalkInstance } from 'chalk';
import { chalkFor, colorEnabled } from './color.js';
import { KnownSecrets } from '../core/secrets.js';

export interface WritableLike {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface IoOptions {
  stdout: WritableLike;
  stderr: WritableLike;
  env: Readonly<Record<string, string | undefined>>;
  noColor?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/**
 * Where commands print. stdout carries only the answer; everything else goes to stderr.
 * Every write is redacted, and colour is decided per stream.
 */
export class Io {
  readonly secrets = new KnownSecrets();
  /** Colours for stdout and stderr; plain when the stream is not a TTY. */
  readonly color: { out: ChalkInstance; err: ChalkInstance };
  readonly quiet: boolean;
  readonly verbose: boolean;

  constructor(readonly options: IoOptions) {
    this.secrets.addFromEnv(options.env);
    this.color = {
      out: chalkFor(colorEnabled(options.stdout, options.env, options.noColor ?? false)),
      err: chalkFor(colorEnabled(options.stderr, options.env, options.noColor ?? false)),
    };
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
  }

  get stdoutIsTTY(): boolean {
    return this.options.stdout.isTTY === true;
  }

  get stderrIsTTY(): boolean {
    return this.options.stderr.isTTY === true;
  }

  out(text: string): void {
    this.options.stdout.write(this.secrets.redact(text));
  }

  err(text: string): void {
    this.options.stderr.write(this.secrets.redact(text));
  }

  /** One JSON document on stdout. */
  json(value: unknown): void {
    this.out(`${JSON.stringify(this.secrets.redactValue(value), null, 2)}\n`);
  }

  warn(message: string): void {
    if (!this.quiet) this.err(`${this.color.err.yellow('loom: warning:')} ${message}\n`);
  }

  notice(message: string): void {
    if (!this.quiet) this.err(`${this.color.err.dim(`loom: ${message}`)}\n`);
  }

  error(message: string, hint?: string): void {
    this.err(`${this.color.err.red('loom: error:')} ${firstLine(message)}\n`);
    if (hint) this.err(`${this.color.err.dim(`hint: ${hint}`)}\n`);
  }
}

/** Errors are one line: a multi-line provider message is folded. */
function firstLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
