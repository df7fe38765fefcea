import { formatUsd } from '../../output/summary.js';
import { formatTable } from '../../output/table.js';
import { stateDir } from '../../state/paths.js';
import { readRunLog, type RunLogEntry } from '../../state/run-log.js';
import type { CommandFunction } from '../context.js';
import { openProject } from '../project.js';

/** `loom logs`: the last runs (10 by default), newest last. */
const logs: CommandFunction = async (ctx, _args, options) => {
  const project = await openProject(ctx);
  const { entries, skipped } = await readRunLog(stateDir(project, ctx.env), (options.count as number | undefined) ?? 10);
  if (skipped > 0) ctx.io.warn(`skipped ${skipped} line${skipped === 1 ? '' : 's'} of the run log that ${skipped === 1 ? 'is' : 'are'} not run entries`);
  if (options.json) {
    ctx.io.json(entries);
    return;
  }
  if (entries.length === 0) {
    ctx.io.notice('no runs logged yet');
    return;
  }
  const rows = entries.map((entry) => [
    entry.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    entry.agent ?? '(ask)',
    `${entry.provider}/${entry.model}`,
    entry.ok ? 'ok' : (entry.error?.code ?? 'failed'),
    entry.usage ? `${entry.usage.inputTokens}/${entry.usage.outputTokens}` : '',
    typeof entry.costUsd === 'number' ? `$${formatUsd(entry.costUsd)}` : '',
    `${(entry.durationMs / 1000).toFixed(1)}s`,
    snippet(entry),
  ]);
  ctx.io.out(formatTable(['TIME', 'AGENT', 'PROVIDER/MODEL', 'STATUS', 'TOKENS', 'COST', 'DURATION', 'INPUT'], rows, ctx.io.color.out.bold));
};

function snippet(entry: RunLogEntry): string {
  // A batch's line (CONTRACT §14) has no input of its own: its counts say what it was.
  const items = (entry as { kind?: unknown; items?: { written?: unknown; failed?: unknown } }).items;
  if ((entry as { kind?: unknown }).kind === 'batch' && typeof items?.written === 'number') return `batch: ${items.written} items, ${String(items.failed ?? 0)} failed`;
  const text = (entry.input ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export default logs;
