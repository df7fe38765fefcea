import { createInterface } from 'node:readline/promises';
import type { ApprovalRequest } from '../tools/index.js';
import type { Spinner } from '../output/spinner.js';
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

/**
 * The interactive y/n question for a tool call that needs approval (CONTRACT §7). Only when
 * both stdin and stderr are terminals: otherwise there is nobody to ask, and the call is refused.
 */
export function approvalPrompt(ctx: CommandContext, spinner: () => HoldableSpinner | undefined): ((request: ApprovalRequest) => Promise<boolean>) | undefined {
  if (!ctx.stdin.isTTY || !ctx.io.stderrIsTTY) return undefined;
  return async (request) => {
    // The renderer first shows what is already on its way (the call's own notice, the spinner
    // resumed for it); then the spinner is held, so nothing redraws over the question.
    await new Promise((resolve) => setImmediate(resolve));
    const held = spinner();
    held?.hold();
    // Not a readline terminal: the tty stays in its normal mode, so Ctrl-C at the question is
    // a real SIGINT that interrupts the run (exit 130), as it is anywhere else.
    const readline = createInterface({ input: ctx.stdin, output: ctx.io.options.stderr as NodeJS.WritableStream, terminal: false });
    try {
      const answer = await readline.question(ctx.io.redactor.redact(`loom: allow ${request.summary}? [y/N] `), { signal: ctx.signal });
      return /^y(es)?$/i.test(answer.trim());
    } catch {
      return false; // interrupted at the question: refused, and the run stops as interrupted
    } finally {
      readline.close();
      held?.release(`running ${request.tool}…`);
    }
  };
}
