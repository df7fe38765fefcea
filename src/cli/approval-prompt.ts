import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { ReadStream } from 'node:tty';
import { visible } from '../output/visible.js';
import type { Spinner } from '../output/spinner.js';
import type { ApprovalRequest } from '../tools/index.js';
import type { CommandContext } from './context.js';

/** A spinner an approval prompt can hold still while it asks: nothing may redraw over the question. */
export interface HoldableSpinner extends Spinner {
  /** Stops the spinner; until `release`, the renderer's `text` and `resume` change nothing. */
  hold(): void;
  /** Spins again with `text`, unless the renderer stopped it meanwhile. */
  release(text: string): void;
}

export function holdableSpinner(inner: Spinner): HoldableSpinner {
  let holding = false;
  let stoppedWhileHeld = false;
  return {
    text(text) {
      if (!holding) inner.text(text);
    },
    stop() {
      if (holding) stoppedWhileHeld = true;
      inner.stop();
    },
    resume(text) {
      if (!holding) inner.resume(text);
    },
    hold() {
      holding = true;
      stoppedWhileHeld = false;
      inner.stop();
    },
    release(text) {
      holding = false;
      if (!stoppedWhileHeld) inner.resume(text);
    },
  };
}

const TTY = '/dev/tty';

/** Whether the process has a terminal to read an answer from, whatever stdin is (`git diff | loom run review`). */
function terminalReadable(): boolean {
  try {
    closeSync(openSync(TTY, 'r'));
    return true;
  } catch {
    return false;
  }
}

/** The question exactly as shown: every character of the call made visible, keys redacted. */
export function approvalQuestion(request: ApprovalRequest): string {
  return `loom: allow ${visible(request.question)}${request.because ? ` (${visible(request.because)})` : ''}? [y/N] `;
}

/**
 * The interactive y/n question for a tool call that needs approval (CONTRACT §7, §19). Only when
 * stderr is a terminal and /dev/tty can be opened: the answer is read from the terminal itself,
 * so piped stdin neither answers it nor prevents it. Otherwise there is nobody to ask, and the
 * call is refused.
 */
export function approvalPrompt(ctx: CommandContext, spinner: () => HoldableSpinner | undefined): ((request: ApprovalRequest) => Promise<boolean>) | undefined {
  if (!ctx.io.stderrIsTTY || !terminalReadable()) return undefined;
  return async (request) => {
    // The renderer first shows what is already on its way (the call's own notice, the spinner
    // resumed for it); then the spinner is held, so nothing redraws over the question.
    await new Promise((resolve) => setImmediate(resolve));
    const held = spinner();
    held?.hold();
    let terminal: ReadStream | undefined;
    try {
      terminal = new ReadStream(openSync(TTY, 'r'));
      // Not a readline terminal: the tty stays in its normal mode, so Ctrl-C at the question is
      // a real SIGINT that interrupts the run (exit 130), as it is anywhere else.
      const readline = createInterface({ input: terminal, output: ctx.io.options.stderr as NodeJS.WritableStream, terminal: false });
      try {
        const answer = await readline.question(ctx.io.secrets.redact(approvalQuestion(request)), { signal: ctx.signal });
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        readline.close();
      }
    } catch {
      return false; // interrupted at the question (the run stops as interrupted), or the terminal went away
    } finally {
      terminal?.destroy();
      held?.release(`running ${visible(request.tool)}…`);
    }
  };
}
