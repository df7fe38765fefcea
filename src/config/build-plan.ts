import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import type { ResolvedProvider } from '../core/config.js';
import type { PlannedProvider, ProviderSettings, RunPlan, ToolPlan } from '../core/plan.js';
import { keyFix, missingKeyError } from '../providers/key-hints.js';
import { priceFor } from '../providers/pricing.js';
import type { Message } from '../core/messages.js';
import { DEFAULTS } from './builtins.js';
import type { LoadedAgent, LoadedProject } from './load.js';
import { canonicalProviderName, resolveProvider, unknownProviderError } from './resolve-provider.js';
import { resolveLimits, resolveSelection } from './resolve-settings.js';
import { didYouMean } from './did-you-mean.js';
import { renderTemplate, templateVariables } from './template.js';

/** What the command line adds to the config for one run. */
export interface RunFlags {
  provider?: string;
  model?: string;
  system?: string;
  temperature?: number;
  maxTokens?: number;
  /** Parsed `--schema` file. */
  schema?: Record<string, unknown>;
  /** `--var` values, `@file` already read. */
  vars: Record<string, string>;
  /** The run's input (arguments, `--input` or stdin), or null when there is none. */
  input: string | null;
  stream: boolean;
  maxSteps?: number;
  maxCost?: number;
  /** `--workspace`, absolute; default: the config file's folder. */
  workspace?: string;
  /** `--dry-run`: nothing will be sent, so a missing key is shown, not an error. */
  dryRun?: boolean;
  /**
   * `--replay` (CONTRACT §19): nothing is sent and no key is read, so no key is needed and none
   * decides the plan — no missing_api_key, no fallback skipped for its key, `auto` left to the fixtures.
   */
  replay?: boolean;
}

/** Turns config + flags into a RunPlan; every config or usage problem surfaces here, before any request. */
export async function buildPlan(project: LoadedProject, agent: LoadedAgent | undefined, flags: RunFlags): Promise<RunPlan> {
  const selection = resolveSelection(project, agent, flags, project.env);
  const agentConfig = agent?.config ?? {};
  const planned = (providerName: string, model: string | undefined): PlannedProvider => {
    const chosen = [selection, ...(selection.autoCandidates ?? [])].find((candidate) => candidate.resolved.name === providerName);
    const provider = chosen?.resolved ?? resolveProvider(providerName, project.raw, project.env, project.rootDir);
    const limits = resolveLimits(project, provider, agent);
    const params = provider.params || agentConfig.params ? { ...provider.params, ...agentConfig.params } : undefined;
    const entryModel = model ?? provider.model ?? '';
    const entry: PlannedProvider = {
      provider: providerSettings(provider),
      model: entryModel,
      retry: limits.retry.value,
      timeoutMs: limits.timeoutMs.value,
      price: priceFor(provider.type, entryModel, provider.pricing, provider.name),
    };
    if (params) entry.params = params;
    return entry;
  };

  const primary = planned(selection.resolved.name, selection.model.value);
  if (primary.provider.needsKey && primary.provider.keySource === null && !flags.dryRun && !flags.replay) throw missingKeyError(primary.provider);
  const fallbackNames = agentConfig.fallback ?? project.config.fallback ?? [];
  const fallbacks = fallbackNames
    .map((name) => {
      const canonical = canonicalProviderName(name, project.raw);
      if (!canonical) throw unknownProviderError(name, project.raw);
      return canonical;
    })
    .filter((name, index, names) => name !== primary.provider.name && names.indexOf(name) === index)
    .map((name) => {
      // A model named by the agent or --model belongs to the primary: a fallback uses its own.
      const entry = planned(name, undefined);
      if (!entry.model) entry.unusable = `no model (set "model" in providers.${name})`;
      else if (entry.provider.needsKey && entry.provider.keySource === null && !flags.replay) entry.unusable = `no API key (${keyFix(entry.provider)})`;
      return entry;
    });

  const promptTemplate = await agentText(agent, 'prompt', 'promptFile');
  const messages = buildMessages(agent, promptTemplate, flags);
  const systemTemplate = await agentText(agent, 'system', 'systemFile');
  const system = flags.system ?? (systemTemplate && render(agent, systemTemplate, flags));
  const responseSchema = flags.schema ?? agentConfig.output?.schema;
  const request: RunPlan['request'] = { messages };
  if (system !== undefined) request.system = system;
  const temperature = flags.temperature ?? agentConfig.temperature;
  if (temperature !== undefined) request.temperature = temperature;
  const maxTokens = flags.maxTokens ?? agentConfig.maxTokens;
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (responseSchema) request.responseSchema = responseSchema;

  const maxCost = flags.maxCost ?? agentConfig.maxCost ?? project.config.maxCost ?? null;
  if (maxCost !== null && !primary.price) {
    throw new LoomError('config_invalid', `a budget needs prices, and the price of ${primary.model} on ${primary.provider.name} is unknown`, {
      hint: `add "pricing": { "${primary.model}": { "input": <USD per 1M>, "output": <USD per 1M> } } to providers.${primary.provider.name}`,
    });
  }
  // A fallback without a price would spend what the budget cannot count: it is skipped, with a notice.
  if (maxCost !== null) {
    for (const entry of fallbacks) {
      if (!entry.unusable && !entry.price) {
        entry.unusable = `no price known for ${entry.model}, and the run has a budget (add "pricing" to providers.${entry.provider.name})`;
      }
    }
  }

  const used = [promptTemplate, flags.system === undefined ? systemTemplate : undefined].flatMap((template) => (template ? templateVariables(template.text) : []));
  const auto = selection.autoCandidates?.map((candidate, index) => (index === 0 ? primary : planned(candidate.resolved.name, candidate.model.value)));
  return {
    agent: agent?.name ?? null,
    warnings: unusedVariables(agent, used, flags.vars),
    chain: [primary, ...fallbacks],
    ...(auto ? { auto } : {}),
    request,
    stream: flags.stream,
    maxSteps: flags.maxSteps ?? agentConfig.maxSteps ?? DEFAULTS.maxSteps,
    maxCost,
    input: flags.input,
    log: agentConfig.log ?? project.config.log ?? true,
    tools: toolPlan(project, agent, flags),
  };
}

/** What the plan keeps of a resolved provider: no credential, and none of what the entry holds merged (model, limits, price). */
function providerSettings(provider: ResolvedProvider): ProviderSettings {
  const settings: ProviderSettings = { name: provider.name, type: provider.type, keySource: provider.keySource, needsKey: provider.needsKey, keyVariables: [...provider.keyVariables] };
  if (provider.baseUrl !== undefined) settings.baseUrl = provider.baseUrl;
  if (provider.limits) settings.limits = provider.limits;
  if (provider.script !== undefined) settings.script = provider.script;
  return settings;
}

function toolPlan(project: LoadedProject, agent: LoadedAgent | undefined, flags: RunFlags): ToolPlan | null {
  const builtins = agent?.config.tools ?? [];
  // Servers merge by name; the agent's entry wins. A one-off `ask` uses the project's.
  const mcpServers = { ...project.config.mcpServers, ...agent?.config.mcpServers };
  if (builtins.length === 0 && Object.keys(mcpServers).length === 0) return null;
  return {
    builtins: [...builtins],
    mcpServers,
    allow: [...(agent?.config.allow ?? [])],
    shell: agent?.config.shell ?? false,
    workspace: flags.workspace ?? project.rootDir,
    configDir: project.rootDir,
    protect: {
      folders: [project.agentsDir, resolve(project.rootDir, project.config.fixturesDir ?? DEFAULTS.fixturesDir)],
      files: project.file ? [project.file.path] : [],
    },
    networkAllow: [...(project.config.network?.allow ?? [])],
    sandbox: agent?.config.sandbox ?? true,
    ...(agent?.config.commandTimeoutMs !== undefined ? { commandTimeoutMs: agent.config.commandTimeoutMs } : {}),
    ...(agent?.config.mcpTimeoutMs !== undefined ? { mcpTimeoutMs: agent.config.mcpTimeoutMs } : {}),
  };
}

function buildMessages(agent: LoadedAgent | undefined, template: AgentText | undefined, flags: RunFlags): Message[] {
  if (template === undefined) {
    if (flags.input === null) {
      throw new LoomError('usage', agent ? `agent "${agent.name}" has no prompt and no input was given` : 'no prompt given', {
        hint: agent ? 'give the input as arguments, with --input <file>, or on stdin' : 'loom ask "your question", or pipe text into loom ask',
      });
    }
    return [{ role: 'user', content: flags.input }];
  }
  let prompt = render(agent, template, flags);
  // When the template does not place the input itself, it follows after a blank line.
  if (flags.input !== null && !templateVariables(template.text).includes('input')) prompt = `${prompt.trimEnd()}\n\n${flags.input}`;
  return [{ role: 'user', content: prompt }];
}

interface AgentText {
  text: string;
  /** Where it came from, for messages: the file name or the field. */
  where: string;
}

/** An agent's inline or file text (`prompt`/`promptFile`, `system`/`systemFile`), unrendered. */
async function agentText(agent: LoadedAgent | undefined, inline: 'prompt' | 'system', file: 'promptFile' | 'systemFile'): Promise<AgentText | undefined> {
  if (!agent) return undefined;
  const fileName = agent.config[file];
  if (fileName !== undefined) {
    const text = await readFile(resolve(agent.dir, fileName), 'utf8').catch(() => {
      throw new LoomError('config_invalid', `agent "${agent.name}": ${file} not found: ${fileName}`, { hint: 'run `loom config validate`' });
    });
    return { text, where: fileName };
  }
  const text = agent.config[inline];
  return text === undefined ? undefined : { text, where: `"${inline}"` };
}

/** A `--var` no template uses: a typo (`--var tnoe=formal`) would otherwise change nothing, silently. */
function unusedVariables(agent: LoadedAgent | undefined, used: readonly string[], vars: Readonly<Record<string, string>>): string[] {
  const known = [...new Set([...used, ...Object.keys(agent?.config.inputs ?? {})])];
  return Object.keys(vars)
    .filter((name) => !used.includes(name))
    .map((name) => {
      const suggestion = didYouMean(name, known.filter((candidate) => candidate !== name));
      const where = agent ? `agent "${agent.name}"` : 'the prompt';
      return `--var ${name} is not used by ${where}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
    });
}

/** Fills a template from the agent's input defaults, then `--var`, then the input. */
function render(agent: LoadedAgent | undefined, template: AgentText, flags: RunFlags): string {
  // No prototype: an input or --var named `__proto__` or `constructor` is just a name.
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, input] of Object.entries(agent?.config.inputs ?? {})) if (input.default !== undefined) values[name] = input.default;
  Object.assign(values, flags.vars);
  if (flags.input !== null) values.input = flags.input;
  return renderTemplate(template.text, values, `agent "${agent?.name}" ${template.where}`);
}
