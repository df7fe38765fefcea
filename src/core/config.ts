/**
 * TypeScript shapes of the files described by config.schema.json. The schema is the source of
 * truth; test/config/schema-types.test.ts keeps these field lists and the schema in step.
 */

export const PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'openai-compatible', 'mock'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const BUILTIN_TOOLS = ['read_file', 'list_files', 'search_files', 'write_file', 'run_command', 'fetch_url'] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];

export interface RetryConfig {
  retries?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface LimitsConfig {
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export interface ModelPrice {
  /** USD per 1M input tokens. */
  input: number;
  /** USD per 1M output tokens. */
  output: number;
  /** In a `pricing` entry: this model's price in a provider batch, as a share of the above (default the type's, 0.5). */
  batch?: number;
}

export type RequestParams = Record<string, unknown>;

export interface ProviderEntry {
  type?: ProviderType;
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  retry?: RetryConfig;
  limits?: LimitsConfig;
  pricing?: Record<string, ModelPrice>;
  params?: RequestParams;
  script?: string;
}

export interface StdioMcpServer {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface HttpMcpServer {
  url: string;
  headers?: Record<string, string>;
}

export type McpServerConfig = StdioMcpServer | HttpMcpServer;

export interface ProjectConfig {
  $schema?: string;
  defaultProvider?: string;
  providers?: Record<string, ProviderEntry>;
  fallback?: string[];
  retry?: RetryConfig;
  timeoutMs?: number;
  agentsDir?: string;
  /** Recorded calls for replay (CONTRACT §12), relative to the config file. Default `loom-fixtures`. */
  fixturesDir?: string;
  mcpServers?: Record<string, McpServerConfig>;
  maxCost?: number;
  log?: boolean;
  network?: NetworkConfig;
}

/** The project's exceptions to the network guard of fetch_url (CONTRACT §11). */
export interface NetworkConfig {
  /** `localhost:3000`, `127.0.0.1:8080`, `[::1]:8080`, `10.1.0.0/16`, `intranet.example`. */
  allow?: string[];
}

/** `false`: commands run unsandboxed; `{ network: true }`: sandboxed, with network. */
export type SandboxConfig = boolean | { network?: boolean };

export interface AgentInput {
  description?: string;
  default?: string;
}

export interface AgentConfig {
  $schema?: string;
  description?: string;
  provider?: string;
  model?: string;
  system?: string;
  systemFile?: string;
  prompt?: string;
  promptFile?: string;
  inputs?: Record<string, AgentInput>;
  temperature?: number;
  maxTokens?: number;
  params?: RequestParams;
  tools?: BuiltinToolName[];
  allow?: string[];
  shell?: boolean;
  sandbox?: SandboxConfig;
  commandTimeoutMs?: number;
  mcpTimeoutMs?: number;
  mcpServers?: Record<string, McpServerConfig>;
  maxSteps?: number;
  maxCost?: number;
  output?: { schema: Record<string, unknown> };
  fallback?: string[];
  retry?: RetryConfig;
  timeoutMs?: number;
  log?: boolean;
}

/**
 * Every field of each shape, spelled once. `satisfies` makes the compiler reject a list that
 * misses or invents a field; the schema test compares the same lists with the schema.
 */
/** One check of a test case (CONTRACT §13); `path` is a JSON Pointer into the structured output. */
export type TestAssertion =
  | { type: 'equals'; value: unknown; path?: string }
  | { type: 'contains' | 'not-contains'; value: string | string[]; match?: 'all' | 'any'; ignoreCase?: boolean; path?: string }
  | { type: 'regex'; pattern: string; flags?: string; path?: string }
  | { type: 'starts-with'; value: string; ignoreCase?: boolean; path?: string }
  | { type: 'json-schema'; schema: Record<string, unknown>; path?: string }
  | { type: 'tool-called'; name: string; input?: Record<string, unknown>; times?: number }
  | { type: 'tool-not-called'; name: string }
  | { type: 'max-cost'; usd: number }
  | { type: 'max-latency'; ms: number }
  | { type: 'max-steps'; value: number }
  | { type: 'status'; ok: boolean; code?: string }
  | { type: 'judge'; rubric: string; provider?: string; threshold?: number };

export interface TestCase {
  name: string;
  /** The run's input; `@file` reads a file relative to the agent folder. */
  input?: string;
  vars?: Record<string, string>;
  skip?: boolean;
  assert: TestAssertion[];
}

/** The name of an agent's test-case file, beside its config.json. */
export const TESTS_FILE = 'tests.json';

/** `agents/<name>/tests.json`. */
export interface TestsFile {
  $schema?: string;
  tests: TestCase[];
}

export const FIELDS = {
  project: fieldList<ProjectConfig>()(['$schema', 'defaultProvider', 'providers', 'fallback', 'retry', 'timeoutMs', 'agentsDir', 'fixturesDir', 'mcpServers', 'maxCost', 'log', 'network']),
  provider: fieldList<ProviderEntry>()(['type', 'model', 'baseUrl', 'apiKey', 'headers', 'timeoutMs', 'retry', 'limits', 'pricing', 'params', 'script']),
  agent: fieldList<AgentConfig>()([
    '$schema', 'description', 'provider', 'model', 'system', 'systemFile', 'prompt', 'promptFile', 'inputs',
    'temperature', 'maxTokens', 'params', 'tools', 'allow', 'shell', 'sandbox', 'commandTimeoutMs', 'mcpTimeoutMs', 'mcpServers', 'maxSteps', 'maxCost',
    'output', 'fallback', 'retry', 'timeoutMs', 'log',
  ]),
  retry: fieldList<RetryConfig>()(['retries', 'minDelayMs', 'maxDelayMs']),
  limits: fieldList<LimitsConfig>()(['concurrency', 'requestsPerMinute', 'tokensPerMinute']),
  stdioMcpServer: fieldList<StdioMcpServer>()(['command', 'args', 'env', 'cwd']),
  httpMcpServer: fieldList<HttpMcpServer>()(['url', 'headers']),
  agentInput: fieldList<AgentInput>()(['description', 'default']),
  network: fieldList<NetworkConfig>()(['allow']),
} as const;

/** A list that must name every key of T, and only those. */
function fieldList<T>() {
  return <const L extends readonly (keyof T)[]>(list: L & ([keyof T] extends [L[number]] ? unknown : never)): L => list;
}

/**
 * A provider after built-ins, aliases, the project's entry and interpolation are merged, without
 * its credentials (DESIGN principle 3): no key and no header value. Those are read when a
 * provider builds its client (`ProviderCredentials`), so nothing resolved or planned holds one.
 */
export interface ResolvedProvider {
  /** The canonical name: an alias such as `claude` is already resolved to `anthropic`. */
  name: string;
  type: ProviderType;
  model?: string;
  baseUrl?: string;
  /** Where the key comes from: the variable's name, `config`, or null when no key is set. */
  keySource: string | null;
  /** Whether a request cannot be made without a key. */
  needsKey: boolean;
  /** The variables that would hold the key, in order, for hints (`OPENAI_API_KEY`). */
  keyVariables: string[];
  /** The names of the headers it sends; their values are credentials, read with the key. */
  headerNames: string[];
  timeoutMs?: number;
  retry?: RetryConfig;
  limits?: LimitsConfig;
  pricing?: Record<string, ModelPrice>;
  params?: RequestParams;
  /** mock only: absolute path of the script file. */
  script?: string;
}

/** What a provider authenticates with: read from config, then the environment, when it builds its client. */
export interface ProviderCredentials {
  /** The key's value; undefined when none is set. */
  apiKey?: string;
  /** The entry's headers, interpolated (an `Authorization` or `api-key` header is a key too). */
  headers: Record<string, string>;
}

/** A provider's credentials by its canonical name, read when they are needed (closed over the loaded config and environment). */
export type CredentialReader = (providerName: string) => ProviderCredentials;
