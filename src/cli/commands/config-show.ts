import { BUILTIN_PROVIDERS, DEFAULTS } from '../../config/builtins.js';
import { descriptorOf } from '../../providers/descriptors.js';
import type { ResolvedProvider } from '../../core/config.js';
import { displayPath, loadAgent, type LoadedAgent, type LoadedProject } from '../../config/load.js';
import { resolveProvider } from '../../config/resolve-provider.js';
import { resolveLimits, resolveSelection } from '../../config/resolve-settings.js';
import { isLoomError } from '../../core/errors.js';
import { REDACTED } from '../../core/secrets.js';
import { formatTable } from '../../output/table.js';
import type { CommandFunction } from '../context.js';
import { openProject, providerNames } from '../project.js';
import { displayUrl } from '../../output/display-url.js';

export interface ShownValue {
  key: string;
  value: unknown;
  /** Where it came from: `project`, `agent <name>`, `built-in`, `default`, `env LOOM_MODEL`, … */
  source: string;
}

const configShow: CommandFunction = async (ctx, _args, options) => {
  const project = await openProject(ctx);
  const agent = typeof options.agent === 'string' ? await loadAgent(project, options.agent, ctx.cwd) : undefined;
  const values = [...projectValues(project), ...providerValues(project), ...(agent ? agentValues(agent) : []), ...runValues(project, agent)];
  const configFile = project.file ? project.file.path : null;

  if (options.json) {
    ctx.io.json({ configFile, rootDir: project.rootDir, agent: agent?.name ?? null, values });
    return;
  }
  ctx.io.out(`${ctx.io.color.out.dim(`# config: ${configFile ? displayPath(configFile, ctx.cwd) : 'none found (built-in defaults)'}`)}\n`);
  const rows = values.map(({ key, value, source }) => [key, typeof value === 'string' ? value : JSON.stringify(value), source]);
  ctx.io.out(formatTable(['KEY', 'VALUE', 'SOURCE'], rows, ctx.io.color.out.bold));
};

function projectValues(project: LoadedProject): ShownValue[] {
  const config = project.config;
  const from = (set: boolean) => (set ? 'project' : 'default');
  return [
    { key: 'defaultProvider', value: config.defaultProvider ?? DEFAULTS.defaultProvider, source: from(config.defaultProvider !== undefined) },
    { key: 'agentsDir', value: config.agentsDir ?? DEFAULTS.agentsDir, source: from(config.agentsDir !== undefined) },
    { key: 'fallback', value: config.fallback ?? [], source: from(config.fallback !== undefined) },
    { key: 'maxCost', value: config.maxCost ?? null, source: from(config.maxCost !== undefined) },
    { key: 'log', value: config.log ?? true, source: from(config.log !== undefined) },
    ...(config.mcpServers ? [{ key: 'mcpServers', value: Object.keys(config.mcpServers), source: 'project' }] : []),
  ];
}

function providerValues(project: LoadedProject): ShownValue[] {
  return providerNames(project).flatMap((name): ShownValue[] => {
    const configured = project.raw.providers?.[name];
    const source = (field: string) => (configured && field in configured ? 'project' : 'built-in');
    try {
      const provider = resolveProvider(name, project.raw, project.env, project.rootDir);
      const prefix = `providers.${name}`;
      return [
        { key: `${prefix}.type`, value: provider.type, source: source('type') },
        { key: `${prefix}.model`, value: provider.model ?? null, source: source('model') },
        { key: `${prefix}.baseUrl`, value: displayUrl(provider.baseUrl) ?? null, source: baseUrlSource(provider, configured?.baseUrl !== undefined) },
        {
          key: `${prefix}.apiKey`,
          value: provider.keySource !== null ? REDACTED : null,
          source: provider.keySource ? (provider.keySource === 'config' ? 'project' : `env ${provider.keySource}${project.dotenvNames.includes(provider.keySource) ? ' (.env)' : ''}`) : provider.needsKey ? `not set (${provider.keyVariables.join(' or ')})` : 'not needed',
        },
        ...(['headers', 'timeoutMs', 'retry', 'limits', 'pricing', 'params', 'script'] as const)
          .filter((field) => configured?.[field] !== undefined)
          .map((field) => ({
            key: `${prefix}.${field}`,
            // Header values often carry credentials: show the names only.
            value: field === 'headers' ? Object.fromEntries(provider.headerNames.map((header) => [header, REDACTED])) : provider[field],
            source: 'project',
          })),
      ];
    } catch (error) {
      if (!isLoomError(error)) throw error;
      return [{ key: `providers.${name}`, value: `invalid: ${error.message}`, source: 'project' }];
    }
  });
}

function baseUrlSource(provider: ResolvedProvider, configured: boolean): string {
  if (configured) return 'project';
  if (BUILTIN_PROVIDERS[provider.name]?.baseUrl) return 'built-in';
  const variable = descriptorOf(provider.type)?.baseUrlVariable;
  return provider.baseUrl && variable ? `env ${variable}` : 'SDK default';
}

function agentValues(agent: LoadedAgent): ShownValue[] {
  return Object.entries(agent.config)
    .filter(([field]) => field !== '$schema')
    .map(([field, value]) => ({ key: `agent.${field}`, value, source: `agent ${agent.name}` }));
}

/** What a run would use: the provider and model chosen, and the merged limits. */
function runValues(project: LoadedProject, agent: LoadedAgent | undefined): ShownValue[] {
  try {
    const selection = resolveSelection(project, agent, {}, project.env);
    const limits = resolveLimits(project, selection.resolved, agent);
    return [
      { key: 'run.provider', value: selection.resolved.name, source: selection.provider.source },
      { key: 'run.model', value: selection.model.value, source: selection.model.source },
      { key: 'run.retry', value: limits.retry.value, source: limits.retry.source },
      { key: 'run.timeoutMs', value: limits.timeoutMs.value, source: limits.timeoutMs.source },
      { key: 'run.maxSteps', value: agent?.config.maxSteps ?? DEFAULTS.maxSteps, source: agent?.config.maxSteps !== undefined ? `agent ${agent.name}` : 'default' },
      { key: 'run.fallback', value: agent?.config.fallback ?? project.config.fallback ?? [], source: agent?.config.fallback ? `agent ${agent.name}` : project.config.fallback ? 'project' : 'default' },
    ];
  } catch (error) {
    if (!isLoomError(error)) throw error;
    return [{ key: 'run.provider', value: null, source: `unresolved: ${error.message}` }];
  }
}

export default configShow;
