/**
 * `loom batch <agent> --input items.jsonl [--output results.jsonl]` (CONTRACT §14): the checks
 * that need no run (the input exists, the shard parses, an existing results file is neither
 * overwritten nor resumed by accident), then the batch engine, its progress on stderr, one
 * run-log line for the whole batch, and an exit code that describes the whole results file.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { agentSecrets } from '../../config/config-secrets.js';
import { buildPlan } from '../../config/build-plan.js';
import { loadAgent, type LoadedAgent, type LoadedProject } from '../../config/load.js';
import { credentialReader } from '../../config/resolve-provider.js';
import { EXIT_CODES, LoomError, toLoomError } from '../../core/errors.js';
import { countItems, inShard, parseShard, readItems } from '../../batch/input.js';
import { startProgress } from '../../batch/progress.js';
import { hasResults, readPriorResults, ResultsWriter, type PriorResults } from '../../batch/results-file.js';
import { runBatch, type BatchTotals } from '../../batch/run-batch.js';
import { batchLogEntry } from '../../batch/batch-log.js';
import type { CommandContext, CommandFunction } from '../context.js';
import { fixtureMode, fixtureOptions, writeLog } from '../execute-run.js';
import { parseVars } from '../input.js';
import { approvalPrompt } from '../approval-prompt.js';
import type { ApprovalRequest } from '../../tools/index.js';
import type { BatchProgress } from '../../batch/progress.js';
import { openProject } from '../project.js';

const DEFAULT_CONCURRENCY = 4;

const batch: CommandFunction = async (ctx, args, options) => {
  const [name = ''] = args;
  const project = await openProject(ctx);
  const agent = await loadAgent(project, name, ctx.cwd);
  for (const value of agentSecrets(agent.raw, project.env)) ctx.io.secrets.add(value);
  const vars = await parseVars(ctx, (options.var as string[] | undefined) ?? []);
  const mode = fixtureMode(ctx, options);
  const shard = typeof options.shard === 'string' ? parseShard(options.shard) : undefined;
  const source = await inputSource(ctx, options.input as string);
  // Before anything reads or writes the output: it may be the items themselves.
  if (typeof options.output === 'string' && source.path !== null && (await sameFile(source.path, resolve(ctx.cwd, options.output)))) {
    throw new LoomError('usage', '--output is the --input file: writing the results would destroy the items', { hint: 'write the results to a file of their own, e.g. --output results.jsonl' });
  }
  const output = await outputTarget(ctx, options);
  const flags = { provider: options.provider as string | undefined, model: options.model as string | undefined, maxSteps: options.maxSteps as number | undefined, vars };
  const concurrency = (options.concurrency as number | undefined) ?? (await providerConcurrency(project, agent, flags, mode === 'replay')) ?? DEFAULT_CONCURRENCY;

  const prior = output.prior;
  const redo = options.retryErrors === true;
  const done = (index: number) => {
    const line = prior?.byIndex.get(index);
    return line !== undefined && (line.ok || !redo);
  };
  const wanted = (index: number) => inShard(index, shard) && !done(index);
  const total = source.path === null ? null : countWanted(await countItems(source.path), wanted);

  const writer = output.path === null ? ResultsWriter.stdout(ctx.io.options.stdout as NodeJS.WritableStream) : await ResultsWriter.open(output.path, prior ? 'append' : 'fresh');
  const progress = await startProgress({ stream: ctx.io.options.stderr as NodeJS.WritableStream & { isTTY?: boolean }, total, quiet: ctx.io.quiet });
  const counts = { done: 0, failed: 0, costUsd: 0 };
  const started = Date.now();
  let totals: BatchTotals;
  try {
    totals = await runBatch(readItems(source.open()), {
      project,
      agent,
      flags,
      concurrency,
      maxCost: (options.maxCost as number | undefined) ?? null,
      ...(mode !== 'off' ? { fixtures: fixtureOptions(ctx, project, agent, mode) } : {}),
      credentials: credentialReader(project.raw, project.env),
      secrets: ctx.io.secrets,
      env: ctx.env,
      yes: options.yes === true,
      approve: batchApproval(ctx, progress),
      warn: (message) => ctx.io.warn(message),
      signal: ctx.signal,
      inShard: (index) => inShard(index, shard),
      alreadyOk: (index) => prior?.byIndex.get(index)?.ok === true,
      wanted,
      write: async (line) => {
        await writer.write(ctx.io.secrets.redactValue(line));
        counts.done++;
        if (!line.ok) counts.failed++;
        counts.costUsd += typeof line.costUsd === 'number' ? line.costUsd : 0;
        progress.update(counts);
      },
    });
    if (redo) await writer.compact();
  } finally {
    progress.stop(counts);
    await writer.close();
  }
  await writeLog(ctx, project, batchLogEntry(agent.name, totals, new Date(started), Date.now() - started));
  return finish(ctx, totals, options.maxCost as number | undefined);
};

/**
 * On a terminal, the tool calls that need approval are asked as in `run` (CONTRACT §14), one
 * question at a time however many items run at once, with the progress bar paused meanwhile.
 * Without one, nobody is asked: `--yes` or `allow` decides.
 */
function batchApproval(ctx: CommandContext, progress: BatchProgress): ((request: ApprovalRequest) => Promise<boolean>) | undefined {
  const bar = { text() {}, stop() {}, resume() {}, hold: () => progress.pause(), release: () => progress.resume() };
  const ask = approvalPrompt(ctx, () => bar);
  if (!ask) return undefined;
  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const answer = queue.then(() => ask(request));
    queue = answer.catch(() => undefined);
    return answer;
  };
}

interface InputSource {
  /** null: stdin. */
  path: string | null;
  open(): NodeJS.ReadableStream;
}

/** Whether two paths are one file (a link, or the same path written two ways). */
async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [first, second] = await Promise.all([stat(a), stat(b)]);
    return first.dev === second.dev && first.ino === second.ino;
  } catch {
    return false; // the output does not exist yet
  }
}

async function inputSource(ctx: CommandContext, given: string): Promise<InputSource> {
  if (given === '-') return { path: null, open: () => ctx.stdin };
  const path = resolve(ctx.cwd, given);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new LoomError('usage', `input file not found: ${given}`, { hint: 'one JSON object or string per line; --input - reads stdin' });
  }
  if (info.isDirectory()) throw new LoomError('usage', `--input ${given} is a folder, not a file`, { hint: 'one JSON object or string per line' });
  return { path, open: () => createReadStream(path) };
}

/** `--output`, and what an existing one holds: never overwritten without --force, resumed only with --resume. */
async function outputTarget(ctx: CommandContext, options: Record<string, unknown>): Promise<{ path: string | null; prior: PriorResults | undefined }> {
  const resume = options.resume === true || options.retryErrors === true;
  if (typeof options.output !== 'string') {
    if (resume) throw new LoomError('usage', `${options.retryErrors === true ? '--retry-errors' : '--resume'} needs --output: it continues a results file`, { hint: 'e.g. loom batch <agent> --input items.jsonl --output results.jsonl --resume' });
    return { path: null, prior: undefined };
  }
  if (resume && options.force === true) throw new LoomError('usage', '--force starts afresh and --resume continues: choose one');
  const path = resolve(ctx.cwd, options.output);
  if (!(await hasResults(path))) return { path, prior: undefined };
  if (options.force === true) return { path, prior: undefined };
  if (!resume) throw new LoomError('usage', `${options.output} already holds results`, { hint: '--resume runs only the items it has no line for; --force starts afresh' });
  const prior = await readPriorResults(path);
  if (prior.droppedTornLine) ctx.io.notice(`the last line of ${options.output} was cut off mid-write: it was dropped, and its item runs again`);
  return { path, prior };
}

/** The primary provider's `limits.concurrency`, from a plan of the agent with placeholder inputs (none when it cannot be planned yet). */
async function providerConcurrency(project: LoadedProject, agent: LoadedAgent, flags: { provider?: string; model?: string; vars: Record<string, string> }, replay: boolean): Promise<number | undefined> {
  const placeholders = Object.fromEntries(Object.keys(agent.config.inputs ?? {}).map((name) => [name, '']));
  try {
    const plan = await buildPlan(project, agent, { ...flags, vars: { ...placeholders, ...flags.vars }, input: '', stream: false, replay });
    return plan.chain[0]?.provider.limits?.concurrency;
  } catch (error) {
    const failure = toLoomError(error);
    // A broken config stops the batch before it starts; a variable only items give does not.
    if (failure.code !== 'missing_variable' && EXIT_CODES[failure.code] === 2) throw failure;
    return undefined;
  }
}

function countWanted(lines: number, wanted: (index: number) => boolean): number {
  let count = 0;
  for (let index = 0; index < lines; index++) if (wanted(index)) count++;
  return count;
}

/** Exit 0 only when every index of the input (or shard) has an ok line, counting the lines kept from before. */
function finish(ctx: CommandContext, totals: BatchTotals, maxCost: number | undefined): number {
  if (totals.stopped === 'interrupted') return EXIT_CODES.interrupted;
  if (totals.stopped === 'budget') {
    const left = totals.expected - totals.okNow;
    ctx.io.error(`the batch stopped at its budget of $${maxCost}: ${left} item${left === 1 ? '' : 's'} without an ok result`, '--resume runs them (a new invocation has a budget of its own)');
    return EXIT_CODES.budget_exceeded;
  }
  return totals.okNow < totals.expected ? 1 : 0;
}

export default batch;
