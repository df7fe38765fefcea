import type { BuiltinToolName } from '../../core/config.js';
import type { Sandbox } from '../command-sandbox.js';
import type { AnyTool } from '../define-tool.js';
import type { ProcessRun } from '../processes.js';
import { createFetchUrl } from './fetch-url.js';
import { createListFiles } from './list-files.js';
import { readFile } from './read-file.js';
import { createRunCommand } from './run-command.js';
import { createSearchFiles } from './search-files.js';
import { writeFile } from './write-file.js';

export interface BuiltinOptions {
  commandTimeoutMs?: number;
  fetchTimeoutMs?: number;
  /** search_files' and list_files' time limit (default 10 s). */
  fileSearchTimeoutMs?: number;
  /** run_command's sandbox (undefined: unsandboxed) and the run whose process marker its commands carry. */
  sandbox?: Sandbox;
  /** The sandbox the agent's config asks for, as run_command's description states it (run-command.ts). */
  declaredSandbox?: { network: boolean } | null;
  processes?: ProcessRun;
}

/** The built-in tools by name (CONTRACT §7). */
export function builtinTools(options: BuiltinOptions = {}): Record<BuiltinToolName, AnyTool> {
  return {
    read_file: readFile,
    list_files: createListFiles({ timeoutMs: options.fileSearchTimeoutMs }),
    search_files: createSearchFiles({ timeoutMs: options.fileSearchTimeoutMs }),
    write_file: writeFile,
    run_command: createRunCommand({ timeoutMs: options.commandTimeoutMs, sandbox: options.sandbox, declared: options.declaredSandbox, processes: options.processes }),
    fetch_url: createFetchUrl({ timeoutMs: options.fetchTimeoutMs }),
  };
}
