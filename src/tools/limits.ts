/** Every limit of the built-in tools, in one place. */
export const LIMITS = {
  /** read_file returns at most this many bytes of a file. */
  readFileBytes: 256 * 1024,
  /** list_files lists at most this many files. */
  listFiles: 1000,
  /** search_files reports at most this many matching lines… */
  searchMatches: 200,
  /** …and skips files larger than this. */
  searchFileBytes: 1024 * 1024,
  /** A matching line is cut to this many characters. */
  searchLineChars: 300,
  /** A directory walk stops after visiting this many entries. */
  walkEntries: 100_000,
  /** search_files and list_files are stopped after this long (their walk runs in a worker thread). */
  fileSearchTimeoutMs: 10_000,
  /** write_file refuses content larger than this. */
  writeFileBytes: 10 * 1024 * 1024,
  /** run_command is killed after this long (an agent's `commandTimeoutMs` changes it). */
  commandTimeoutMs: 60_000,
  /** Of each of a command's stdout and stderr, at most this many bytes are returned (head and tail). */
  commandOutputBytes: 64 * 1024,
  /** fetch_url gives up after this long. */
  fetchTimeoutMs: 30_000,
  /** fetch_url returns at most this many bytes of a body. */
  fetchBytes: 512 * 1024,
  fetchRedirects: 5,
  /** An MCP tool's result text is cut to this many characters. */
  mcpOutputChars: 256 * 1024,
  /** An MCP server must answer `initialize` within this long. */
  mcpStartTimeoutMs: 30_000,
  /** An MCP tool call is abandoned after this long, progress or not (an agent's `mcpTimeoutMs` changes it). */
  mcpCallTimeoutMs: 60_000,
  /** The command sandbox's walks (protected names in the workspace, sockets to hide in the temp dir and /run) stop after this many entries each. */
  sandboxWalkEntries: 20_000,
} as const;

export const formatBytes = (bytes: number): string =>
  bytes < 1024 ? `${bytes} bytes` : bytes < 1024 * 1024 ? `${+(bytes / 1024).toFixed(1)} KB` : `${+(bytes / 1024 / 1024).toFixed(1)} MB`;
