import type { McpServerConfig, ModelPrice, ResolvedProvider, RetryConfig, SandboxConfig } from './config.js';
import type { ChatRequest } from './messages.js';

/**
 * A chain entry's provider as a plan holds it: what a client is built from, and where its key
 * would come from (`keySource`, for `--dry-run`), but no credential — a provider reads its key
 * and header values when it builds its client (DESIGN principle 3). The model, limits and price
 * are the entry's own, merged.
 */
export type ProviderSettings = Pick<ResolvedProvider, 'name' | 'type' | 'baseUrl' | 'keySource' | 'needsKey' | 'keyVariables' | 'limits' | 'script'>;

/** One provider of the chain, with the model, limits and price it runs with. */
export interface PlannedProvider {
  provider: ProviderSettings;
  model: string;
  /** Provider `params` with the agent's merged over them. */
  params?: Record<string, unknown>;
  retry: Required<RetryConfig>;
  /** The one timeout (agent over provider over project): the engine's silence bound and the SDK's own. */
  timeoutMs: number;
  /** The price of `model` on this provider (its `pricing` first, then the built-in table); null when unknown. */
  price: ModelPrice | null;
  /** Why this fallback cannot be tried (a missing key or model); the engine says so and skips it. */
  unusable?: string;
}

/** The tools an agent may call and the rules they run under (CONTRACT §7). */
export interface ToolPlan {
  builtins: string[];
  /** The project's and the agent's servers, merged by name (the agent's entry wins). */
  mcpServers: Record<string, McpServerConfig>;
  allow: string[];
  shell: boolean;
  /** Absolute: the folder file tools are confined to. */
  workspace: string;
  /** The config file's folder, for relative MCP `cwd`. */
  configDir: string;
  /** Protected by location (CONTRACT §11): the agents and fixtures folders, the config file. */
  protect: { folders: string[]; files: string[] };
  /** The project's `network.allow`: exceptions to fetch_url's address guard. */
  networkAllow: string[];
  /** The agent's `sandbox` (default true: bubblewrap where it runs). */
  sandbox: SandboxConfig;
  /** The agent's `commandTimeoutMs` and `mcpTimeoutMs`, when set. */
  commandTimeoutMs?: number;
  mcpTimeoutMs?: number;
}

/**
 * Everything a run needs, as plain data: the engine runs it, `--dry-run` prints it. No file is
 * read once a plan exists, and it holds no key: only the providers read one, when they build
 * their clients.
 */
export interface RunPlan {
  agent: string | null;
  /** Problems that do not stop the run, said once on stderr before it starts (an unused --var). */
  warnings?: string[];
  /** The primary provider, then the fallbacks in order. */
  chain: PlannedProvider[];
  /**
   * Under `--replay` with provider `auto` (CONTRACT §19): the presets auto may pick, in order, the
   * primary first. The run takes the first that has a fixture for its first call.
   */
  auto?: PlannedProvider[];
  /** The request without the model, which each provider of the chain sets. */
  request: Omit<ChatRequest, 'model' | 'params'>;
  stream: boolean;
  maxSteps: number;
  maxCost: number | null;
  /** The run's input as given (for the run log). */
  input: string | null;
  /** false keeps input and text out of the run log. */
  log: boolean;
  /** null when the agent has no tools and no MCP servers. */
  tools: ToolPlan | null;
}
