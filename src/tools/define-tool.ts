/**
 * A tool is a plain object: a name, a description and JSON-Schema parameters the model sees, whether
 * a call needs the user's approval, and `execute`. Nothing here knows about providers or the loop.
 */

export interface ToolResult {
  ok: boolean;
  /** Text returned to the model, errors included. */
  output: string;
}

export interface ToolContext {
  /** Real (symlink-resolved) absolute path of the workspace. */
  workspace: string;
  /** The workspace as configured, when that differs from its real path. */
  workspaceAsGiven?: string;
  /** The agent's `shell` setting. */
  shell: boolean;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export interface Tool<Input = unknown> {
  name: string;
  description: string;
  /** JSON Schema of the argument object; ajv checks every call against it before anything runs. */
  parameters: Record<string, unknown>;
  needsApproval: boolean;
  /** One line for the approval prompt (`run_command: npm test`). */
  summarize(input: Input): string;
  /**
   * Checks that need more than the schema and must happen before approval is asked for
   * (a command line that does not split). Throw a ToolError to refuse.
   */
  prepare?(ctx: ToolContext, input: Input): void;
  /** Returns the text for the model. Throw a ToolError for an expected failure; anything else is reported too. */
  execute(ctx: ToolContext, input: Input): Promise<ToolResult | string>;
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
