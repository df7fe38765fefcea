/**
 * A tool is a plain object: a name, a description and JSON-Schema parameters the model sees, a
 * `prepare` step that says what the call needs before it may run (approval, and from whom), and
 * `execute`. Nothing here knows about providers or the loop.
 */
import type { KnownSecrets } from '../core/secrets.js';
import type { ProtectedPaths } from './protected-paths.js';

export interface ToolResult {
  ok: boolean;
  /** Text returned to the model, errors included. */
  output: string;
}

/** Where fetched pages and tool results add the URLs a later `fetch_url` may use (CONTRACT §11). */
export interface UrlContext {
  /** Adds every URL found in `text`; relative links too when `base` is the page's URL. */
  addFrom(text: string, base?: URL): void;
  has(url: URL): boolean;
}

export interface ToolContext {
  /** Real (symlink-resolved) absolute path of the workspace. */
  workspace: string;
  /** The workspace as configured, when that differs from its real path. */
  workspaceAsGiven?: string;
  /** The agent's `shell` setting. */
  shell: boolean;
  /** The environment for processes the tools start: already without any known secret. */
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Every output is redacted with these before it is cut; files holding one are not read. */
  secrets: KnownSecrets;
  urls: UrlContext;
  /** Paths write_file (and an allowed run_command) may not touch without an explicit approval. */
  protectedPaths: ProtectedPaths;
  /** The project's `network.allow` entries: exceptions to fetch_url's address guard. */
  networkAllow: readonly string[];
}

/** Who may approve a call that needs approval. */
export type Approver = 'yes' | 'allow' | 'user';

/**
 * What a call needs before it runs, decided by `prepare` from its arguments. `free` runs at once;
 * `approval` runs once one of `by` approves: `--yes`, an `allow` entry `allows` accepts, or the
 * user at the terminal.
 */
export type Gate =
  | { kind: 'free' }
  | {
      kind: 'approval';
      by: readonly Approver[];
      /** Whether an entry of the agent's `allow` list approves this call. */
      allows(entry: string): boolean;
      /** The question for the user, without "allow" and "?": `run_command 'npm' 'test'`. */
      question: string;
      /** Why approval is needed beyond the tool's nature, for refusals and the question (`protected`). */
      because?: string;
      /** How to approve it without a terminal, for the refusal. */
      howToAllow: string;
      /** The whole refusal when nobody may approve it, instead of the generic one (`refused: url_not_in_prior_context …`). */
      refusal?: string;
    };

export interface Tool<Input = unknown> {
  name: string;
  description: string;
  /** JSON Schema of the argument object; ajv checks every call against it before anything runs. */
  parameters: Record<string, unknown>;
  /**
   * Checks that need more than the schema and must happen before approval is asked for (a
   * command line that does not split, a protected path), and what approval the call needs.
   * Throw a ToolError to refuse.
   */
  prepare(ctx: ToolContext, input: Input): Gate | Promise<Gate>;
  /** Returns the text for the model. Throw a ToolError for an expected failure; anything else is reported too. */
  execute(ctx: ToolContext, input: Input, gate: Gate): Promise<ToolResult | string>;
}

/** An expected failure whose message is meant for the model as it is. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a tool of any input, as the registry holds them
export type AnyTool = Tool<any>;

/** Identity, for type inference of `Input` from the object literal. */
export function defineTool<Input>(tool: Tool<Input>): Tool<Input> {
  return tool;
}

export const FREE: Gate = { kind: 'free' };
