import type { BuiltinToolName } from '../../config/types.js';
import type { AnyTool } from '../define-tool.js';
import { createFetchUrl } from './fetch-url.js';
import { listFiles } from './list-files.js';
import { readFile } from './read-file.js';
import { createRunCommand } from './run-command.js';
import { searchFiles } from './search-files.js';
import { writeFile } from './write-file.js';

export interface BuiltinOptions {
  commandTimeoutMs?: number;
  fetchTimeoutMs?: number;
}

/** The built-in tools by name (CONTRACT §7). */
export function builtinTools(options: BuiltinOptions = {}): Record<BuiltinToolName, AnyTool> {
  return {
    read_file: readFile,
    list_files: listFiles,
    search_files: searchFiles,
    write_file: writeFile,
    run_command: createRunCommand({ timeoutMs: options.commandTimeoutMs }),
    fetch_url: createFetchUrl({ timeoutMs: options.fetchTimeoutMs }),
  };
}
