import { EXIT_CODES } from '../core/errors.js';
import type { EngineEvent } from '../engine/run.js';
import type { RunErrorInfo, RunResult } from '../core/events.js';
import { formatSeconds } from '../engine/attempt.js';
import type { Io } from './io.js';
import type { KnownSecrets } from '../core/secrets.js';
import { startSpinner, type Spinner } from './spinner.js';
import { summaryLine } from './summary.js';
import { visible } from './visible.js';

export type OutputMode = 'text' | 'json' | 'jsonl';

export interface RunOutcome {
  exitCode: number;
  result?: RunResult;
  failure?: RunErrorInfo & { partial: Partial<RunResult> };
}

const RETRY_REASONS: Record<string, string> = {
  rate_limited: 'rate limited',
  provider_unavailable: 'unavailable',
  timeout: 'timed out',
  network: 'network error',
};

/**
 * Shows a run as it goes, in one of three modes: text (the answer streams to stdout, notices and
 * the spinner to stderr), `--json` (one document at the end) or `--jsonl` (the events themselves).
 */
export interface RenderOptions {
  /** The run has an output schema: text mode prints the validated JSON, pretty, not the stream. */
  structured?: boolean;
  /** Told the spinner once it runs, so an approval prompt can pause it; may hand back a wrapper to use instead. */
  onSpinner?: (spinner: Spinner) => Spinner | void;
}

export async function renderRun(events: AsyncIterable<EngineEvent>, io: Io, mode: OutputMode, env: Readonly<Record<string, string | undefined>>, options: RenderOptions = {}): Promise<RunOutcome> {
  const started = mode === 'text' ? await startSpinner(io, 'waiting for the model…', { json: false, env }) : await startSpinner(io, '', { json: true, env });
  const spinner = options.onSpinner?.(started) ?? started;
  let endsWithNewline = true;
  let wroteText = false;
  const line = (event: unknown) => io.jsonLine(event);
  const streamed = new StreamRedactor(io.secrets);
  /** Streamed text as it becomes safe to show: on stdout (text) or as a delta event (--jsonl). */
  const showText = (text: string) => {
    if (!text) return;
    if (mode === 'jsonl') line({ type: 'delta', text });
    else if (mode === 'text' && !options.structured) {
      spinner.stop();
      io.answer(text);
      wroteText = true;
      endsWithNewline = text.endsWith('\n');
    }
  };

  for await (const event of events) {
    // Text held back because it might begin a key goes out before anything else happens.
    if (event.type !== 'delta') showText(streamed.flush());
    switch (event.type) {
      case 'start':
        spinner.text(`waiting for ${event.provider} (${event.model})…`);
        if (mode === 'jsonl') line(event);
        break;
      case 'delta':
        if (mode !== 'json') showText(streamed.push(event.text));
        break;
      case 'retry': {
        if (mode === 'jsonl') line(event);
        const reason = RETRY_REASONS[event.code] ?? event.code;
        const status = event.status ? ` (${event.status})` : '';
        io.notice(`${event.provider}: ${reason}${status}, retrying in ${formatSeconds(event.delayMs)} (${event.attempt}/${event.maxAttempts})`);
        break;
      }
      case 'fallback':
        if (mode === 'jsonl') line(event);
        io.notice(`${event.from} failed (${event.code}); falling back to ${event.to}`);
        spinner.text(`waiting for ${event.to}…`);
        break;
      case 'notice':
        io.notice(event.message);
        break;
      case 'warning':
        io.warn(event.message);
        break;
      case 'http':
        // --verbose: one line per request (CONTRACT §10); never a header, a body or a key.
        if (io.verbose) io.err(`${io.color.err.dim(`loom: ${visible(`${event.provider} ${event.method} ${event.path} ${event.status ?? 'no response'} ${event.durationMs}ms attempt ${event.attempt}${event.requestId ? ` request-id ${event.requestId}` : ''}`)}`)}\n`);
        break;
      case 'tool_call':
        if (mode === 'jsonl') line(event);
        // The model's words before a tool call end their line; the spinner names the tool.
        if (mode === 'text' && wroteText && !endsWithNewline) {
          io.out('\n');
          endsWithNewline = true;
        }
        io.notice(`${event.name} ${describeInput(io.secrets.redactValue(event.input))}`);
        spinner.resume(`running ${visible(event.name)}…`);
        break;
      case 'tool_result':
        if (mode === 'jsonl') line(event);
        if (!event.ok) io.notice(`${event.name} failed: ${event.output.split('\n')[0] ?? ''}`);
        spinner.text('waiting for the model…');
        break;
      case 'usage':
        if (mode === 'jsonl') line(event);
        break;
      case 'done': {
        spinner.stop();
        const { type: _type, ...result } = event;
        if (mode === 'jsonl') line(event);
        else if (mode === 'json') io.json({ ok: true, ...result });
        else if (options.structured && result.output !== null) {
          io.json(result.output);
          if (io.stderrIsTTY && !io.quiet) io.err(`${io.color.err.dim(summaryLine(result))}\n`);
        } else {
          if (!wroteText && result.text) io.answer(result.text);
          if ((wroteText || result.text) && !(wroteText ? endsWithNewline : result.text.endsWith('\n'))) io.out('\n');
          if (io.stderrIsTTY && !io.quiet) io.err(`${io.color.err.dim(summaryLine(result))}\n`);
        }
        return { exitCode: 0, result };
      }
      case 'error': {
        spinner.stop();
        const { type: _type, error, ...partial } = event;
        const { hint, ...errorInfo } = error;
        if (mode === 'text' && wroteText && !endsWithNewline) io.out('\n');
        if (mode === 'jsonl') line({ type: 'error', error: errorInfo });
        if (mode === 'json') io.json({ ok: false, error: errorInfo, ...partial });
        io.error(error.message, hint);
        return { exitCode: EXIT_CODES[error.code], failure: { ...error, partial } };
      }
    }
  }
  spinner.stop();
  throw new Error('the run ended without a result');
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
