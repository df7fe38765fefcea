import { EXIT_CODES } from '../errors.js';
import type { EngineEvent } from '../engine/run.js';
import type { RunErrorInfo, RunResult } from '../engine/events.js';
import { formatSeconds } from '../engine/attempt.js';
import type { Io } from './io.js';
import type { Redactor } from './redact.js';
import { startSpinner } from './spinner.js';
import { summaryLine } from './summary.js';

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
export async function renderRun(events: AsyncIterable<EngineEvent>, io: Io, mode: OutputMode, env: Readonly<Record<string, string | undefined>>): Promise<RunOutcome> {
  const spinner = mode === 'text' ? await startSpinner(io, 'waiting for the model…', { json: false, env }) : await startSpinner(io, '', { json: true, env });
  let endsWithNewline = true;
  let wroteText = false;
  const line = (event: unknown) => io.out(`${JSON.stringify(io.redactor.redactValue(event))}\n`);
  const streamed = new StreamRedactor(io.redactor);
  /** Streamed text as it becomes safe to show: on stdout (text) or as a delta event (--jsonl). */
  const showText = (text: string) => {
    if (!text) return;
    if (mode === 'jsonl') line({ type: 'delta', text });
    else if (mode === 'text') {
      spinner.stop();
      io.out(text);
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
      case 'tool_call':
      case 'tool_result':
      case 'usage':
        if (mode === 'jsonl') line(event);
        break;
      case 'done': {
        spinner.stop();
        const { type: _type, ...result } = event;
        if (mode === 'jsonl') line(event);
        else if (mode === 'json') io.json({ ok: true, ...result });
        else {
          if (!wroteText && result.text) io.out(result.text);
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

/**
 * Redaction for text that arrives in pieces: a key split across two deltas would pass a
 * redactor that sees one piece at a time. The tail that could begin a key is held back until
 * the next piece (or the end) settles it; other text passes straight through.
 */
class StreamRedactor {
  private pending = '';

  constructor(private readonly redactor: Redactor) {}

  /** What of the text so far can be shown now, redacted. */
  push(text: string): string {
    const redacted = this.redactor.redact(this.pending + text);
    const hold = this.redactor.partialSecretLength(redacted);
    this.pending = redacted.slice(redacted.length - hold);
    return redacted.slice(0, redacted.length - hold);
  }

  /** Whatever is held back: the stream has ended or paused for another event. */
  flush(): string {
    const rest = this.redactor.redact(this.pending);
    this.pending = '';
    return rest;
  }
}
