/** What search_files and list_files tell the model when they stop short, in one place. */
import type { FileJobResult } from './protocol.js';

export type FileTool = 'search_files' | 'list_files';

export const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/** `300 ms`, `10 s`, `1.5 s`. */
export const formatDuration = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`);

/** A walk that found nothing before its cap: never "no matches", which would be a false answer. */
export const incomplete = (limit: number, what: string, verb: 'search' | 'list'): string =>
  `incomplete: stopped after ${limit} entries ${what}; narrow "path" to ${verb} the rest`;

/** The note under results when the walk stopped at its cap. */
export const noteIncomplete = (tool: FileTool, limit: number, verb: 'search' | 'list'): string =>
  `[${tool}: incomplete: stopped after ${limit} entries; narrow "path" to ${verb} the rest]`;

/** The folder or file to walk changed between the check and the open, and now leads out. */
export const vanished = (tool: FileTool, display: string): FileJobResult => ({
  ok: false,
  output: `refused: "${display}" changed while ${tool} was opening it (it was removed, or it now leads outside the workspace)`,
});

/** The call ran past its time limit and its worker was stopped: the run goes on. */
export const stopped = (tool: FileTool, ms: number): FileJobResult => ({
  ok: false,
  output: `${tool}: stopped after ${formatDuration(ms)} (the pattern or the ${tool === 'search_files' ? 'search' : 'listing'} is too slow); narrow "path" or simplify the pattern`,
});
