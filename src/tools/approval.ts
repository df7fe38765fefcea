/**
 * Who approves a call that needs approval (`write_file`, `run_command`): `--yes`, then the
 * agent's `allow` list, then the user through the `approve` callback (a TTY prompt), else nobody —
 * and the call is refused.
 *
 * `allow` entries: a tool's name approves every call of it (`"write_file"`, `"run_command"`);
 * `"run_command:<command prefix>"` approves a command whose argument vector begins with the
 * prefix's words, whole words only (`run_command:npm test` approves `npm test -- -u`, not
 * `npm testx`). When the agent runs commands through a shell, a prefix approves only a command
 * line without any shell syntax (`;`, `&&`, `|`, `$`, redirections, globs…): otherwise
 * `npm test && rm -rf ~` would begin with `npm test`.
 */
import { splitWords } from './command-line.js';

export interface ApprovalRequest {
  tool: string;
  /** One line shown to the user, e.g. `run_command: npm test` or `write_file: src/a.ts (120 bytes)`. */
  summary: string;
  input: unknown;
}

export interface ApprovalPolicy {
  yes: boolean;
  allow: readonly string[];
  shell: boolean;
  approve?: (request: ApprovalRequest) => Promise<boolean>;
}

export type ApprovalDecision = { approved: true; by: 'yes' | 'allow' | 'user' } | { approved: false; reason: string };

/** Characters that make `sh -c` do more than run one program with plain words. */
const SHELL_SYNTAX = /[;&|<>()$`\\\n\r*?[\]{}~#!]/;

/** The words of a command for prefix matching, or undefined when it cannot be matched safely. */
function commandWords(command: string, shell: boolean): string[] | undefined {
  if (shell && SHELL_SYNTAX.test(command)) return undefined;
  try {
    return splitWords(command).map((word) => word.value);
  } catch {
    return undefined;
  }
}

/** Whether an `allow` list grants this call (`command` is run_command's command line). */
export function isAllowed(allow: readonly string[], tool: string, command: string | undefined, shell: boolean): boolean {
  let words: string[] | undefined | null = null; // null: not split yet
  for (const entry of allow) {
    if (entry === tool) return true;
    if (tool !== 'run_command' || command === undefined || !entry.startsWith('run_command:')) continue;
    let prefix: string[];
    try {
      prefix = splitWords(entry.slice('run_command:'.length)).map((word) => word.value);
    } catch {
      continue;
    }
    if (prefix.length === 0) continue;
    if (words === null) words = commandWords(command, shell);
    if (words === undefined) return false;
    if (prefix.length <= words.length && prefix.every((word, i) => words![i] === word)) return true;
  }
  return false;
}

/**
 * An approver for one tool set. Prompts are asked one at a time, in call order, even when the
 * model asked for several calls at once: two questions never share the terminal.
 */
export function createApprover(policy: ApprovalPolicy): (request: ApprovalRequest, command?: string) => Promise<ApprovalDecision> {
  let queue: Promise<unknown> = Promise.resolve();
  return async (request, command) => {
    if (policy.yes) return { approved: true, by: 'yes' };
    if (isAllowed(policy.allow, request.tool, command, policy.shell)) return { approved: true, by: 'allow' };
    const hint = `add "${request.tool}"${request.tool === 'run_command' ? ' or "run_command:<command prefix>"' : ''} to the agent's "allow" list, or run with --yes`;
    const { approve } = policy;
    if (approve === undefined) {
      return { approved: false, reason: `refused: ${request.summary} needs approval and there is no terminal to ask (${hint})` };
    }
    const asked = queue.then(() => approve(request));
    queue = asked.catch(() => undefined);
    let yes: boolean;
    try {
      yes = await asked;
    } catch (error) {
      return { approved: false, reason: `refused: ${request.summary} was not approved (${(error as Error).message})` };
    }
    return yes ? { approved: true, by: 'user' } : { approved: false, reason: `refused: the user did not approve ${request.summary}` };
  };
}
