/**
 * The batch engine (CONTRACT §14): one agent over many items, each a `runOnce` of its own, at
 * most `concurrency` at once, with the providers' limits held across the whole batch — every
 * request of every item goes through its provider's one ProviderLimiter (below retry, so each
 * attempt counts) — and `--max-cost` across the batch. Items are pulled from the input only as
 * the queue has room, so memory stays flat however long the input is. Each result is written as
 * its item finishes; an item aborted by Ctrl-C, or never started, is not written (`--resume`
 * redoes it).
 */
import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { CredentialReader } from '../core/config.js';
import { EXIT_CODES, LoomError, toLoomError } from '../core/errors.js';
import type { FullUsage } from '../core/events.js';
import type { RunPlan } from '../core/plan.js';
import type { KnownSecrets } from '../core/secrets.js';
import type { Provider } from '../core/messages.js';
import { buildPlan } from '../config/build-plan.js';
import type { LoadedAgent, LoadedProject } from '../config/load.js';
import { runOnce } from '../engine/run-once.js';
import type { FixtureOptions } from '../fixtures/options.js';
import type { ProviderFactory } from '../providers/registry.js';
import type { ApprovalRequest } from '../tools/index.js';
import { BatchBudget } from './batch-budget.js';
import type { BatchItem } from './input.js';
import { limitedProvider } from './limited-provider.js';
import { ProviderLimiter } from './limiter.js';
import { failedLine, runResultLine, type ResultLine } from './result-line.js';
import { startSharedMcp, type SharedMcp } from './shared-mcp.js';

export interface BatchSettings {
  project: LoadedProject;
  agent: LoadedAgent;
  /** `-p`, `-m`, `--max-steps`; `--var` values are defaults an item's own variables override. */
  flags: { provider?: string; model?: string; maxSteps?: number; vars: Record<string, string> };
  concurrency: number;
  maxCost: number | null;
  fixtures?: FixtureOptions;
  credentials: CredentialReader;
  secrets: KnownSecrets;
  env: NodeJS.ProcessEnv;
  yes: boolean;
  approve?: (request: ApprovalRequest) => Promise<boolean>;
  warn?: (message: string) => void;
  signal: AbortSignal;
  /** Whether an index is the batch's at all (`--shard`). */
  inShard: (index: number) => boolean;
  /** Whether an index already has an ok line (`--resume`): it is not run again. */
  alreadyOk: (index: number) => boolean;
  /** Whether an index of the shard is to run (not done already under `--resume`). */
  wanted: (index: number) => boolean;
  /** Writes a result line; resolves once it is handed to the OS. */
  write: (line: ResultLine) => Promise<void>;
  /** Makes the providers; default: the registry's. */
  createProvider?: ProviderFactory;
}

export interface BatchTotals {
  /** Items run (or answered as bad input) and written by this invocation. */
  written: number;
  ok: number;
  failed: number;
  /** The indexes of the input in the shard: what the whole results file must cover. */
  expected: number;
  /** How many of them have an ok line now (kept from before, or written by this invocation): counts, not sets, so memory stays flat. */
  okNow: number;
  costUsd: number;
  usage: FullUsage | null;
  attempts: number;
  steps: number;
  replayed: boolean;
  provider: string;
  model: string;
  /** The batch stopped before its end: the budget, or Ctrl-C. */
  stopped: 'budget' | 'interrupted' | null;
}

/** Runs the items; resolves when every started item is written. A config error (exit 2) rejects before anything runs. */
export async function runBatch(items: AsyncIterable<BatchItem>, settings: BatchSettings): Promise<BatchTotals> {
  const budget = new BatchBudget(settings.maxCost);
  const totals: BatchTotals = { written: 0, ok: 0, failed: 0, expected: 0, okNow: 0, costUsd: 0, usage: null, attempts: 0, steps: 0, replayed: true, provider: '', model: '', stopped: null };
  const createProvider = sharedProviders(settings);
  const queue = new PQueue({ concurrency: Math.max(1, settings.concurrency) });
  // Every running item listens for Ctrl-C a few times over (its attempt, its retries, its limiter
  // wait), and removes its listeners when done: many at once is expected, not a leak.
  setMaxListeners(16 + settings.concurrency * 8, settings.signal);
  let fatal: LoomError | undefined;
  let sharedMcp: Promise<SharedMcp | undefined> | undefined;

  const record = async (line: ResultLine, final?: { usage: FullUsage | null; attempts: number; steps: number; replayed: boolean; costUsd: number | null }) => {
    await settings.write(line);
    totals.written++;
    if (line.ok) {
      totals.ok++;
      totals.okNow++;
    } else totals.failed++;
    if (!final) return;
    totals.costUsd += final.costUsd ?? 0;
    totals.attempts += final.attempts;
    totals.steps += final.steps;
    totals.replayed &&= final.replayed;
    if (final.usage) totals.usage = addUsage(totals.usage, final.usage);
  };

  const runItem = async (item: Extract<BatchItem, { input: string | null }>) => {
    if (settings.signal.aborted || totals.stopped || fatal) return;
    let plan: RunPlan;
    try {
      plan = await buildPlan(settings.project, settings.agent, {
        provider: settings.flags.provider,
        model: settings.flags.model,
        maxSteps: settings.flags.maxSteps,
        vars: { ...settings.flags.vars, ...item.vars },
        input: item.input,
        stream: false,
        replay: settings.fixtures?.mode === 'replay',
      });
    } catch (error) {
      const failure = toLoomError(error);
      // A variable this item lacks is the item's problem; a broken config is every item's.
      if (failure.code !== 'missing_variable' && EXIT_CODES[failure.code] === 2) {
        fatal ??= failure;
        return;
      }
      await record(failedLine(item.index, item.id, { code: failure.code, message: failure.message, provider: failure.provider ?? null, status: null }));
      return;
    }
    let mcp: SharedMcp | undefined;
    try {
      // The first item to get here starts the servers; the others wait for them.
      if (settings.fixtures?.mode !== 'replay') mcp = await (sharedMcp ??= startSharedMcp(plan, settings));
    } catch (error) {
      fatal ??= toLoomError(error);
      return;
    }
    const entry = plan.chain[0]!;
    totals.provider ||= entry.provider.name;
    totals.model ||= entry.model;
    if (!budget.tryStart(item.index, entry.price, requestCharacters(plan))) {
      totals.stopped ??= 'budget';
      return;
    }
    let final;
    try {
      ({ final } = await runOnce(plan, {
        signal: settings.signal,
        textReachesUser: false,
        credentials: settings.credentials,
        secrets: settings.secrets,
        createProvider,
        ...(settings.fixtures ? { fixtures: settings.fixtures } : {}),
        tools: { env: settings.env, yes: settings.yes, approve: settings.approve, warn: settings.warn, context: [JSON.stringify(settings.agent.raw)], ...(mcp ? { sharedMcp: mcp.session } : {}) },
      }));
    } catch (error) {
      budget.finish(item.index, null, null);
      throw error;
    }
    budget.finish(item.index, final.costUsd ?? null, final.usage?.outputTokens ?? null);
    // Aborted by Ctrl-C: not written, so --resume runs it again.
    if (final.type === 'error' && final.error.code === 'interrupted') return;
    await record(runResultLine(item.index, item.id, final), { usage: final.usage ?? null, attempts: final.attempts ?? 0, steps: final.steps ?? 0, replayed: final.replayed ?? false, costUsd: final.costUsd ?? null });
  };

  const failures: unknown[] = [];
  try {
    for await (const item of items) {
      if (!settings.inShard(item.index)) continue;
      totals.expected++;
      if (settings.alreadyOk(item.index)) totals.okNow++;
      if (!settings.wanted(item.index)) continue;
      if (settings.signal.aborted || totals.stopped || fatal) continue;
      if ('bad' in item) {
        await record(failedLine(item.index, item.id, { code: 'bad_input', message: item.bad, provider: null, status: null }));
        continue;
      }
      // Read ahead no further than the queue can soon use: memory stays flat.
      await queue.onSizeLessThan(settings.concurrency);
      queue.add(() => runItem(item)).catch((error: unknown) => failures.push(error));
    }
    await queue.onIdle();
  } finally {
    // Every item is done (or the reading failed): the servers they shared go.
    await (await sharedMcp?.catch(() => undefined))?.close();
  }
  if (fatal) throw fatal;
  if (failures.length > 0) throw failures[0];
  if (settings.signal.aborted) totals.stopped = 'interrupted';
  return totals;
}

/**
 * One provider (SDK client) per provider name for the whole batch, each behind the one limiter of
 * that provider: `limits` hold across every item, and no item builds a client of its own.
 */
function sharedProviders(settings: BatchSettings): ProviderFactory {
  const made = new Map<string, Promise<Provider>>();
  const create: ProviderFactory = settings.createProvider ?? (async (provider, context) => (await import('../providers/registry.js')).createProvider(provider, context));
  return (provider, context) => {
    let shared = made.get(provider.name);
    if (!shared) {
      const limits = provider.limits ?? {};
      // The batch's concurrency already is the flag, else the provider's own, else 4.
      const limiter = new ProviderLimiter({ concurrency: settings.concurrency, requestsPerMinute: limits.requestsPerMinute, tokensPerMinute: limits.tokensPerMinute });
      shared = create(provider, context).then((live) => limitedProvider(live, limiter));
      // A provider that could not be made is tried again by the next item (its error is this item's).
      shared.catch(() => made.delete(provider.name));
      made.set(provider.name, shared);
    }
    return shared;
  };
}

/** What a run's first request carries, in characters: the system prompt, the messages, the tools and the schema. */
function requestCharacters(plan: RunPlan): number {
  const { request } = plan;
  return (request.system?.length ?? 0) + request.messages.reduce((sum, message) => sum + message.content.length, 0) + (request.responseSchema ? JSON.stringify(request.responseSchema).length : 0);
}

function addUsage(total: FullUsage | null, usage: FullUsage): FullUsage {
  if (!total) return { ...usage };
  return {
    inputTokens: total.inputTokens + usage.inputTokens,
    outputTokens: total.outputTokens + usage.outputTokens,
    cachedInputTokens: total.cachedInputTokens + usage.cachedInputTokens,
    cacheWriteTokens: total.cacheWriteTokens + usage.cacheWriteTokens,
  };
}
