import type { FixtureEvent, RunResult } from '../core/events.js';
import type { KnownSecrets } from '../core/secrets.js';
import { formatSeconds } from '../engine/attempt.js';
import type { EngineEvent } from '../engine/execute-plan.js';
import type { Io } from './io.js';
import { startSpinner, type Spinner } from './spinner.js';
import { summaryLine } from './summary.js';
import { visible } from './visible.js';

export type OutputMode = 'text' | 'json' | 'jsonl';

const RETRY_REASONS: Record<string, string> = {
  rate_limited: 'rate limited',
  provider_unavailable: 'unavailable',
  timeout: 'timed out',
  network: 'network error',
};

export interface RenderOptions {
  /** The run has an output schema: text mode prints the validated JSON, pretty, not the stream. */
  structured?: boolean;
  /** Wraps the spinner once it runs, so an approval prompt can hold it still while it asks. */
  wrapSpinner?: (spinner: Spinner) => Spinner;
}

/**
 * Shows a run as its events come, in one of three modes: text (the answer streams to stdout,
 * notices and the spinner to stderr), `--json` (one document at the end) or `--jsonl` (the events
 * themselves, one per line). It only shows: what the run comes to is the engine's.
 */
export class RunRenderer {
  private endsWithNewline = true;
  private wroteText = false;
  private readonly streamed: StreamRedactor;

  private constructor(
    private readonly io: Io,
    private readonly mode: OutputMode,
    readonly spinner: Spinner,
    private readonly options: RenderOptions,
  ) {
    this.streamed = new StreamRedactor(io.secrets);
  }

  static async start(io: Io, mode: OutputMode, env: Readonly<Record<string, string | undefined>>, options: RenderOptions = {}): Promise<RunRenderer> {
    const started = mode === 'text' ? await startSpinner(io, 'waiting for the model…', { json: false, env }) : await startSpinner(io, '', { json: true, env });
    return new RunRenderer(io, mode, options.wrapSpinner?.(started) ?? started, options);
  }

  /** Streamed text as it becomes safe to show: on stdout (text) or as a delta event (--jsonl). */
  private showText(text: string): void {
    if (!text) return;
    if (this.mode === 'jsonl') this.io.jsonLine({ type: 'delta', text });
    else if (this.mode === 'text' && !this.options.structured) {
      this.spinner.stop();
      this.io.answer(text);
      this.wroteText = true;
      this.endsWithNewline = text.endsWith('\n');
    }
  }

  /** The event as a --jsonl line (only in that mode). */
  private line(event: unknown): void {
    if (this.mode === 'jsonl') this.io.jsonLine(event);
  }

  readonly handle = (event: EngineEvent): void => {
    const { io, mode, spinner } = this;
    // Text held back because it might begin a key goes out before anything else happens.
    if (event.type !== 'delta') this.showText(this.streamed.flush());
    switch (event.type) {
      case 'start':
        spinner.text(`waiting for ${event.provider} (${event.model})…`);
        this.line(event);
        break;
      case 'delta':
        if (mode !== 'json') this.showText(this.streamed.push(event.text));
        break;
      case 'retry': {
        this.line(event);
        const reason = RETRY_REASONS[event.code] ?? event.code;
        const status = event.status ? ` (${event.status})` : '';
        io.notice(`${event.provider}: ${reason}${status}, retrying in ${formatSeconds(event.delayMs)} (${event.attempt}/${event.maxAttempts})`);
        break;
      }
      case 'fallback':
        this.line(event);
        io.notice(`${event.from} failed (${event.code}); falling back to ${event.to}`);
        spinner.text(`waiting for ${event.to}…`);
        break;
      case 'notice':
        io.notice(event.message);
        break;
      case 'warning':
        io.warn(event.message);
        break;
      case 'fixture':
        // --verbose: one line per call served from (or recorded to) a fixture, naming the file.
        if (io.verbose) io.err(`${io.color.err.dim(`loom: ${visible(fixtureLine(event))}`)}\n`);
        break;
      case 'http':
        // --verbose: one line per request (CONTRACT §10); never a header, a body or a key.
        if (io.verbose) io.err(`${io.color.err.dim(`loom: ${visible(`${event.provider} ${event.method} ${event.path} ${event.status ?? 'no response'} ${event.durationMs}ms attempt ${event.attempt}${event.requestId ? ` request-id ${event.requestId}` : ''}`)}`)}\n`);
        break;
      case 'tool_call':
        this.line(event);
        // The model's words before a tool call end their line; the spinner names the tool.
        if (mode === 'text' && this.wroteText && !this.endsWithNewline) {
          io.out('\n');
          this.endsWithNewline = true;
        }
        io.notice(`${event.name} ${describeInput(io.secrets.redactValue(event.input))}`);
        spinner.resume(`running ${visible(event.name)}…`);
        break;
      case 'tool_result':
        this.line(event);
        if (!event.ok) io.notice(`${event.name} failed: ${event.output.split('\n')[0] ?? ''}`);
        spinner.text('waiting for the model…');
        break;
      case 'usage':
        this.line(event);
        break;
      case 'done': {
        spinner.stop();
        const { type: _type, ...result } = event;
        if (mode === 'jsonl') this.line(event);
        else if (mode === 'json') io.json({ ok: true, ...result });
        else this.showResult(result);
        break;
      }
      case 'error': {
        spinner.stop();
        const { type: _type, error, ...partial } = event;
        const { hint, ...errorInfo } = error;
        if (mode === 'text' && this.wroteText && !this.endsWithNewline) io.out('\n');
        this.line({ type: 'error', error: errorInfo });
        if (mode === 'json') io.json({ ok: false, error: errorInfo, ...partial });
        io.error(error.message, hint, error.details);
        break;
      }
    }
  };

  /** Text mode, at the end: the answer (unless it streamed), then the summary line on a terminal. */
  private showResult(result: RunResult): void {
    const { io } = this;
    if (this.options.structured && result.output !== null) {
      io.json(result.output);
    } else {
      if (!this.wroteText && result.text) io.answer(result.text);
      if ((this.wroteText || result.text) && !(this.wroteText ? this.endsWithNewline : result.text.endsWith('\n'))) io.out('\n');
    }
    if (io.stderrIsTTY && !io.quiet) io.err(`${io.color.err.dim(summaryLine(result))}\n`);
  }

  /** Stops the spinner, whatever happened. */
  close(): void {
    this.spinner.stop();
  }
}

/** `replayed oai (gpt-5.4-mini) turn 2 from loom-fixtures/bot/….json`, `recorded tool write_file to …`, `kept tool … in …`. */
function fixtureLine(event: FixtureEvent): string {
  const what = event.kind === 'model' ? `${event.name} (${event.model}) turn ${event.turn}` : event.kind === 'tool' ? `tool ${event.name}` : `the tool list of MCP servers ${event.name}`;
  return `${event.action} ${what} ${event.action === 'replayed' ? 'from' : event.action === 'recorded' ? 'to' : 'in'} ${event.file}`;
}

/** A tool call's arguments on one short line, for the notice on stderr (redacted before it is cut). */
function describeInput(input: unknown): string {
  const text = JSON.stringify(input) ?? '';
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * Redaction for text that arrives in pieces: a key split across two deltas would pass a
 * redactor that sees one piece at a time. The tail that could begin a key is held back until
 * the next piece (or the end) settles it; other text passes straight through.
 */
class StreamRedactor {
  private pending = '';

  constructor(private readonly secrets: KnownSecrets) {}

  /** What of the text so far can be shown now, redacted. */
  push(text: string): string {
    const redacted = this.secrets.redact(this.pending + text);
    const hold = this.secrets.partialSecretLength(redacted);
    this.pending = redacted.slice(redacted.length - hold);
    return redacted.slice(0, redacted.length - hold);
  }

  /** Whatever is held back: the stream has ended or paused for another event. */
  flush(): string {
    const rest = this.secrets.redact(this.pending);
    this.pending = '';
    return rest;
  }
}
