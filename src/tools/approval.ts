/**
 * Who approves a call whose gate asks for approval (CONTRACT §7, §11): `--yes`, an entry of the
 * agent's `allow` list, or the user at the terminal — each only where the gate names it (a
 * protected path cannot be approved by `--yes`, a URL without provenance cannot be approved by
 * `--yes` either) — else nobody, and the call is refused with the way to approve it.
 */
import type { Gate } from './define-tool.js';

/** What the user is asked: the question is shown with every control character made visible. */
export interface ApprovalRequest {
  tool: string;
  /** `run_command 'npm' 'test'`, `write_file out.md (3 bytes)`. */
  question: string;
  /** `protected`, `names a path outside the workspace`, … */
  because?: string;
  input: unknown;
}

export interface ApprovalPolicy {
  yes: boolean;
  allow: readonly string[];
  /** Asks the user; undefined when there is no terminal to ask. */
  approve?: (request: ApprovalRequest) => Promise<boolean>;
}

export type ApprovalDecision = { approved: true; by: 'yes' | 'allow' | 'user' } | { approved: false; reason: string };

type AskGate = Extract<Gate, { kind: 'approval' }>;

/**
 * An approver for one tool set. Questions are asked one at a time, in call order, even when the
 * model asked for several calls at once: two questions never share the terminal.
 */
export function createApprover(policy: ApprovalPolicy): (tool: string, gate: AskGate, input: unknown) => Promise<ApprovalDecision> {
  let queue: Promise<unknown> = Promise.resolve();
  return async (tool, gate, input) => {
    if (gate.by.includes('yes') && policy.yes) return { approved: true, by: 'yes' };
    if (gate.by.includes('allow') && policy.allow.some((entry) => gate.allows(entry))) return { approved: true, by: 'allow' };
    const what = `${gate.question}${gate.because ? ` (${gate.because})` : ''}`;
    const { approve } = policy;
    if (!gate.by.includes('user') || approve === undefined) {
      return { approved: false, reason: gate.refusal ?? `refused: ${what} needs approval and there is no terminal to ask (${gate.howToAllow})` };
    }
    const asked = queue.then(() => approve({ tool, question: gate.question, because: gate.because, input }));
    queue = asked.catch(() => undefined);
    let yes: boolean;
    try {
      yes = await asked;
    } catch (error) {
      return { approved: false, reason: `refused: ${what} was not approved (${(error as Error).message})` };
    }
    return yes ? { approved: true, by: 'user' } : { approved: false, reason: `refused: the user did not approve ${what}` };
  };
}
