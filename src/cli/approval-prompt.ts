import { createInterface } from 'node:readline/promises';
import type { ApprovalRequest } from '../tools/index.js';
import type { Spinner } from '../output/spinner.js';
import type { CommandContext } from './context.js';

/**
 * The interactive y/n question for a tool call that needs approval (CONTRACT §7). Only when
 * both stdin and stderr are terminals: otherwise there is nobody to ask, and the call is refused.
 */
export function approvalPrompt(ctx: CommandContext, spinner: () => Spinner | undefined): ((request: ApprovalRequest) => Promise<boolean>) | undefined {
  if (!ctx.stdin.isTTY || !ctx.io.stderrIsTTY) return undefined;
  return async (request) => {
    spinner()?.stop();
    const readline = createInterface({ input: ctx.stdin, output: ctx.io.options.stderr as NodeJS.WritableStream });
    try {
      const answer = await readline.question(ctx.io.redactor.redact(`loom: allow ${request.summary}? [y/N] `), { signal: ctx.signal });
      return /^y(es)?$/i.test(answer.trim());
    } catch {
      return false; // Ctrl-C at the prompt
    } finally {
      readline.close();
      spinner()?.resume(`running ${request.tool}…`);
    }
  };
}
