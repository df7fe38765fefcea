import type { ChalkInstance } from 'chalk';
import { chalkFor, colorEnabled } from './color.js';
import { KnownSecrets } from '../core/secrets.js';
import { visible, visibleJson, visibleText } from './visible.js';

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

  /**
   * The model's answer (CONTRACT §11): as given when stdout is not a terminal (it is data), with
   * control sequences made visible when it is one.
   */
  answer(text: string): void {
    this.out(this.stdoutIsTTY ? visibleText(text) : text);
  }

  err(text: string): void {
    this.options.stderr.write(this.secrets.redact(text));
  }

  /** One JSON document on stdout. */
  json(value: unknown): void {
    this.out(`${this.jsonText(value, 2)}\n`);
  }

  /** One JSON line on stdout (`--jsonl`). */
  jsonLine(value: unknown): void {
    this.out(`${this.jsonText(value)}\n`);
  }

  /** Redacted, and with no character that could act on a terminal (the same JSON value). */
  private jsonText(value: unknown, indent?: number): string {
    return visibleJson(JSON.stringify(this.secrets.redactValue(value), null, indent) ?? 'null');
  }

  // Messages may quote the model, a file or a server: nothing in them reaches the terminal raw.

  warn(message: string): void {
    if (!this.quiet) this.err(`${this.color.err.yellow('loom: warning:')} ${visible(message)}\n`);
  }

  notice(message: string): void {
    if (!this.quiet) this.err(`${this.color.err.dim(`loom: ${visible(message)}`)}\n`);
  }

  /** `loom: error: …`, then any detail lines (indented), then the hint. */
  error(message: string, hint?: string, details: readonly string[] = []): void {
    this.err(`${this.color.err.red('loom: error:')} ${visible(firstLine(message))}\n`);
    for (const line of details) this.err(`  ${visible(firstLine(line))}\n`);
    if (hint) this.err(`${this.color.err.dim(`hint: ${visible(hint)}`)}\n`);
  }
}

/** Errors are one line: a multi-line provider message is folded. */
function firstLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
