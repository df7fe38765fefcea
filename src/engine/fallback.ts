/**
 * The provider chain of a run (CONTRACT §6 fallback): each model turn goes to the current entry,
 * with its retries; when it fails with an error that may fall back, the next usable entry is
 * tried, with a notice. The position is kept between turns: once a run has fallen back, it stays
 * there. Providers are created on first use and kept for the run.
 */
import { LoomError, toLoomError } from '../core/errors.js';
import type { ChatRequest, Message, Provider, ToolSpec } from '../core/messages.js';
import type { PlannedProvider, RunPlan } from '../core/plan.js';
import { droppedSettings } from '../providers/capabilities.js';
import type { ProviderContext, ProviderFactory } from '../providers/registry.js';
import type { TurnOutput } from './attempt.js';
import { BrokenAfterTextError, withRetries } from './retry.js';
import type { EngineEvent, EngineOptions } from './execute-plan.js';
import type { RunState } from './run-state.js';

/**
 * A bad request fails everywhere, a refusal is the model's answer, an interrupt is the user's; a
 * fixture refused for a secret would hold it whichever provider answered.
 */
const NO_FALLBACK: ReadonlySet<string> = new Set(['bad_request', 'refused', 'interrupted', 'secret_in_fixture']);

export class ProviderChain {
  private position = 0;
  private readonly providers = new Map<PlannedProvider, Promise<Provider>>();
  /** The entries whose dropped settings the run has warned about. */
  private readonly warned = new Set<PlannedProvider>();

  constructor(
    private readonly plan: RunPlan,
    private readonly options: EngineOptions,
    private readonly state: RunState,
    private readonly emit: (event: EngineEvent) => void,
  ) {}

  /** The entry a turn goes to now (a fallback once the primary has failed). */
  get current(): PlannedProvider {
    return this.plan.chain[this.position] ?? (this.plan.chain[0] as PlannedProvider);
  }

  /** One model turn on the conversation so far; `streamText` says whether its deltas reach the user. */
  async turn(messages: Message[], tools: ToolSpec[] | undefined, streamText: boolean): Promise<{ output: TurnOutput; entry: PlannedProvider }> {
    let lastError: LoomError | undefined;
    let lastTried: PlannedProvider | undefined;
    // Under replay the chain is walked as live: an entry with no fixture passes the turn on. If none
    // has one, the miss to explain is the first entry's — that is where recording would start.
    let firstMiss: LoomError | undefined;
    for (let index = this.position; index < this.plan.chain.length; index++) {
      const entry = this.plan.chain[index] as PlannedProvider;
      if (entry.unusable) {
        this.emit({ type: 'notice', message: `skipping fallback ${entry.provider.name}: ${entry.unusable}` });
        continue;
      }
      if (lastTried && lastError) {
        this.state.fallbackFrom.push(lastTried.provider.name);
        this.emit({ type: 'fallback', from: lastTried.provider.name, to: entry.provider.name, code: lastError.code });
      }
      lastTried = this.state.triedLast = entry;
      this.warnOnFirstUse(entry);
      try {
        const output = await withRetries(await this.provider(entry), entry, this.request(entry, messages, tools), {
          options: this.options,
          state: this.state,
          emit: this.emit,
          streamText,
          streamRequest: this.plan.stream,
        });
        this.position = index;
        return { output, entry };
      } catch (error) {
        lastError = toLoomError(error, entry.provider.name);
        // Shown text cannot be taken back by another provider either.
        if (NO_FALLBACK.has(lastError.code) || error instanceof BrokenAfterTextError) throw lastError;
        if (lastError.code === 'replay_miss') firstMiss ??= lastError;
      }
    }
    if (firstMiss && lastError?.code === 'replay_miss') throw firstMiss;
    throw lastError ?? new LoomError('provider_unavailable', 'no provider could be tried', { hint: 'every fallback was skipped' });
  }

  /**
   * The entry's provider, made on first use with what the plan does not hold: its credentials,
   * read now, and the entry's merged timeout for the SDK's own bound.
   */
  private provider(entry: PlannedProvider): Promise<Provider> {
    let provider = this.providers.get(entry);
    if (!provider) {
      const create: ProviderFactory = this.options.createProvider ?? (async (settings, context) => (await import('../providers/registry.js')).createProvider(settings, context));
      const { credentials, fixtures } = this.options;
      const context: ProviderContext = { credentials: () => credentials?.(entry.provider.name) ?? { headers: {} }, timeoutMs: entry.timeoutMs };
      const live = () => create(entry.provider, context);
      // Fixtures sit between retry and the SDK. Under replay there is no live provider at all: no
      // SDK client is built and no key is read; otherwise one is made on the first call a fixture
      // does not answer.
      provider = fixtures ? Promise.resolve(fixtures.provider(entry, fixtures.mode === 'replay' ? undefined : live, () => this.state.steps + 1)) : live();
      this.providers.set(entry, provider);
    }
    return provider;
  }

  private request(entry: PlannedProvider, messages: Message[], tools: ToolSpec[] | undefined): ChatRequest {
    return chainRequest(this.plan, entry, messages, tools);
  }

  /** Before the first request to an entry: what of the request it will not send (CONTRACT §10), once a run. */
  private warnOnFirstUse(entry: PlannedProvider): void {
    if (this.warned.has(entry)) return;
    this.warned.add(entry);
    const message = droppedSettingsWarning(this.plan, entry);
    if (message) this.emit({ type: 'warning', message });
  }
}

/** The request a chain entry is sent for a turn: the plan's, with the entry's model and params and the tools. */
export function chainRequest(plan: RunPlan, entry: PlannedProvider, messages: Message[], tools: ToolSpec[] | undefined): ChatRequest {
  const request: ChatRequest = { ...plan.request, messages, model: entry.model };
  if (tools && tools.length > 0) request.tools = tools;
  if (entry.params) request.params = entry.params;
  return request;
}

/**
 * The warning for the settings of a plan's request that a provider of its chain does not take
 * and so never receives (`temperature` on Anthropic's Messages API); undefined when none. A run
 * says it when it first sends to that provider; `--dry-run` for the first provider.
 */
export function droppedSettingsWarning(plan: RunPlan, entry: PlannedProvider): string | undefined {
  const dropped = droppedSettings(entry.provider.type, { ...plan.request, ...(entry.params ? { params: entry.params } : {}) });
  if (dropped.length === 0) return undefined;
  return `${entry.provider.name} does not take ${dropped.map((d) => `"${d.setting}"`).join(', ')} (${[...new Set(dropped.map((d) => d.why))].join('; ')}), so it is not sent`;
}
