import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_PROVIDERS } from '../builtins.js';
import { didYouMean } from '../did-you-mean.js';
import { hasReference, interpolate, type Env } from '../interpolate.js';
import { appendPointer } from './json-pointer.js';
import type { JsonSource } from './json-source.js';
import { problemAt, problemWithoutPlace, type Problem } from './problems.js';
import { canonicalProviderName, knownProviderNames, resolveProvider } from '../resolve-provider.js';
import { isObject } from '../../core/json.js';
import { parseNetworkAllowEntry } from '../../core/network-allow.js';
import { droppedSettings } from '../../providers/capabilities.js';
import { AUTO_ORDER, descriptorOf } from '../../providers/descriptors.js';
import { autoKeyVariables, keyFix, suggestedKeyVariable } from '../../providers/key-hints.js';
import { checkOutputSchema } from './json-schema-check.js';
import { BUILTIN_TOOLS, PROVIDER_TYPES, type AgentConfig, type ProjectConfig } from '../../core/config.js';
import type { FileReport } from './validate-project.js';

/** An agent whose config parsed, ready for the checks that look beyond its own file. */
export interface CheckedAgent {
  name: string;
  dir: string;
  source: JsonSource;
  config: AgentConfig;
  report: FileReport;
}

function at(source: JsonSource, pointer: string, message: string, severity: Problem['severity'] = 'error', part: 'key' | 'value' = 'value'): Problem {
  return problemAt(source, pointer, message, { severity, part });
}

function unknownProvider(source: JsonSource, pointer: string, name: string, project: ProjectConfig): Problem {
  const suggestion = didYouMean(name, knownProviderNames(project));
  return at(source, pointer, `unknown provider "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
}

const isKnownProvider = (name: string, project: ProjectConfig) => name === 'auto' || canonicalProviderName(name, project) !== undefined;

export async function checkProjectReferences(source: JsonSource, project: ProjectConfig, rootDir: string, env: Env): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (typeof project.defaultProvider === 'string' && !isKnownProvider(project.defaultProvider, project)) {
    problems.push(unknownProvider(source, '/defaultProvider', project.defaultProvider, project));
  }
  problems.push(...checkFallback(source, project.fallback, project));
  problems.push(...checkNetworkAllow(source, project.network?.allow));
  for (const [name, entry] of Object.entries(project.providers ?? {})) {
    if (!entry || typeof entry !== 'object') continue;
    const pointer = appendPointer('/providers', name);
    const base = BUILTIN_PROVIDERS[name];
    const type = entry.type ?? base?.type;
    if (!type) {
      problems.push(at(source, pointer, `provider "${name}" has no "type" (one of ${PROVIDER_TYPES.join(', ')})`, 'error', 'key'));
      continue;
    }
    const baseUrlExample = descriptorOf(type)?.baseUrlExample;
    if (baseUrlExample && !entry.baseUrl && !base?.baseUrl) {
      problems.push(at(source, pointer, `provider "${name}" of type ${type} needs a "baseUrl" (for example ${baseUrlExample})`, 'error', 'key'));
    }
    if (typeof entry.apiKey === 'string' && entry.apiKey !== '' && !hasReference(entry.apiKey)) {
      problems.push(at(source, `${pointer}/apiKey`, `literal API key in the config file: use a variable instead, e.g. "\${${suggestedKeyVariable(name, type)}}"`, 'warning'));
    }
    if (typeof entry.script === 'string') {
      if (type !== 'mock') problems.push(at(source, `${pointer}/script`, '"script" applies only to providers of type mock'));
      else if (!exists(resolve(rootDir, interpolate(entry.script, env)))) {
        problems.push(at(source, `${pointer}/script`, `script file not found: ${entry.script}`));
      }
    }
  }
  return problems;
}

/** Entries the schema's pattern lets through but that name nothing (`10.0.0.0/33`, `host:70000`). */
function checkNetworkAllow(source: JsonSource, allow: unknown): Problem[] {
  if (!Array.isArray(allow)) return [];
  return allow.flatMap((entry, index) => {
    // Characters the schema's pattern refuses: it reports those entries already.
    if (typeof entry !== 'string' || !/^[\w.*:[\]/-]+$/.test(entry)) return [];
    const parsed = parseNetworkAllowEntry(entry);
    return 'problem' in parsed ? [at(source, `/network/allow/${index}`, parsed.problem)] : [];
  });
}

function checkFallback(source: JsonSource, fallback: unknown, project: ProjectConfig): Problem[] {
  if (!Array.isArray(fallback)) return [];
  return fallback.flatMap((name, index) =>
    typeof name === 'string' && !canonicalProviderName(name, project) ? [unknownProvider(source, `/fallback/${index}`, name, project)] : [],
  );
}

export async function checkAgentReferences(agent: CheckedAgent, project: ProjectConfig, env: Env): Promise<Problem[]> {
  const { source, config } = agent;
  const problems: Problem[] = [];
  if (typeof config.provider === 'string' && !isKnownProvider(config.provider, project)) {
    problems.push(unknownProvider(source, '/provider', config.provider, project));
  }
  problems.push(...checkFallback(source, config.fallback, project));

  for (const [inline, file] of [['system', 'systemFile'], ['prompt', 'promptFile']] as const) {
    if (config[inline] !== undefined && config[file] !== undefined) {
      problems.push(at(source, `/${file}`, `"${inline}" and "${file}" are exclusive: keep one`, 'error', 'key'));
    }
  }
  const texts: string[] = [];
  for (const field of ['systemFile', 'promptFile'] as const) {
    const name = config[field];
    if (typeof name !== 'string') continue;
    const text = readTextFile(resolve(agent.dir, interpolate(name, env)));
    if (text === undefined) problems.push(at(source, `/${field}`, `file not found: ${name} (relative to the agent's folder)`));
    else texts.push(text);
  }
  for (const field of ['system', 'prompt'] as const) if (typeof config[field] === 'string') texts.push(config[field]);

  if (Array.isArray(config.tools)) {
    config.tools.forEach((tool, index) => {
      if (typeof tool !== 'string' || (BUILTIN_TOOLS as readonly string[]).includes(tool)) return;
      const suggestion = didYouMean(tool, BUILTIN_TOOLS);
      problems.push(at(source, `/tools/${index}`, `unknown tool "${tool}"${suggestion ? ` (did you mean "${suggestion}"?)` : ` (built-in tools: ${BUILTIN_TOOLS.join(', ')})`}`));
    });
  }
  problems.push(
    ...checkOutputSchema(source, '/output/schema').map((problem) => ({ ...problem, message: `output.schema is not a valid JSON Schema: ${problem.message}` })),
  );
  problems.push(...checkTemplateVariables(source, config, texts));
  problems.push(...checkDroppedSettings(source, config, project, env));

  if (typeof config.provider === 'string' && config.model === undefined && canonicalProviderName(config.provider, project)) {
    const resolved = tryResolve(config.provider, project, env);
    if (resolved && !resolved.model) {
      problems.push(at(source, '/provider', `provider "${resolved.name}" has no model: set "model" here or in providers.${resolved.name}`));
    }
  }
  return problems;
}

/** A `{{name}}` the agent neither declares in `inputs` nor gets from the run fails every run that omits `--var name=…`. */
function checkTemplateVariables(source: JsonSource, config: AgentConfig, texts: string[]): Problem[] {
  const declared = new Set(['input', ...Object.keys(config.inputs ?? {})]);
  const used = new Set(texts.flatMap((text) => [...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((match) => match[1] ?? '')));
  return [...used]
    .filter((name) => !declared.has(name))
    .map((name) => at(source, config.prompt !== undefined ? '/prompt' : config.promptFile !== undefined ? '/promptFile' : '', `the prompt uses {{${name}}}, which "inputs" does not declare: every run must pass --var ${name}=…`, 'warning'));
}

/**
 * A setting the API of a provider the agent runs on does not take is never dropped silently
 * (CONTRACT §10): `temperature` on Anthropic's Messages API is a warning, for the agent's
 * provider and its fallbacks (`auto` is decided at run time, and the run warns then).
 */
function checkDroppedSettings(source: JsonSource, config: AgentConfig, project: ProjectConfig, env: Env): Problem[] {
  if (config.temperature === undefined) return [];
  const fallback = Array.isArray(config.fallback) ? config.fallback : Array.isArray(project.fallback) ? project.fallback : [];
  const names = [config.provider ?? project.defaultProvider, ...fallback].filter((name): name is string => typeof name === 'string' && name !== 'auto');
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const name of names) {
    const resolved = canonicalProviderName(name, project) ? tryResolve(name, project, env) : undefined;
    if (!resolved || seen.has(resolved.name)) continue;
    seen.add(resolved.name);
    const params = { ...resolved.params, ...(isObject(config.params) ? config.params : {}) };
    for (const dropped of droppedSettings(resolved.type, { temperature: config.temperature, params })) {
      problems.push(at(source, `/${dropped.setting}`, `"${dropped.setting}" is not sent to provider "${resolved.name}": ${dropped.why}`, 'warning'));
    }
  }
  return problems;
}

function tryResolve(name: string, project: ProjectConfig, env: Env) {
  try {
    return resolveProvider(name, project, env);
  } catch {
    return undefined; // reported by the project checks
  }
}

interface KeyProblem {
  report?: FileReport;
  problem: Problem;
}

/**
 * A missing key for every provider that is actually used: the default, each agent's, and the
 * fallbacks (a fallback without a key is skipped at run time, so that one is a warning).
 */
export function checkKeys(project: ProjectConfig, agents: CheckedAgent[], env: Env, projectReport: FileReport | undefined): KeyProblem[] {
  const users = new Map<string, { primary: boolean; by: string[]; report?: FileReport }>();
  const use = (name: unknown, by: string, primary: boolean, report?: FileReport) => {
    if (typeof name !== 'string') return;
    const entry = users.get(name) ?? { primary: false, by: [], report };
    entry.primary ||= primary;
    entry.by.push(by);
    users.set(name, entry);
  };
  const defaultProvider = typeof project.defaultProvider === 'string' ? project.defaultProvider : 'auto';
  if (project.defaultProvider !== undefined) use(defaultProvider, 'defaultProvider', true, projectReport);
  for (const name of Array.isArray(project.fallback) ? project.fallback : []) use(name, 'fallback', false, projectReport);
  for (const agent of agents) {
    use(agent.config.provider ?? defaultProvider, `agent ${agent.name}`, true, projectReport ?? agent.report);
    for (const name of Array.isArray(agent.config.fallback) ? agent.config.fallback : []) use(name, `agent ${agent.name} fallback`, false, projectReport ?? agent.report);
  }

  const problems: KeyProblem[] = [];
  for (const [name, { primary, by, report }] of users) {
    const usedBy = `used by ${[...new Set(by)].join(', ')}`;
    if (name === 'auto') {
      const found = AUTO_ORDER.some((candidate) => tryResolve(candidate, project, env)?.keySource);
      if (!found) {
        problems.push({
          report,
          problem: problemWithoutPlace(`defaultProvider is auto but no key is set: set ${autoKeyVariables()}, or set "defaultProvider" (${usedBy})`),
        });
      }
      continue;
    }
    if (!canonicalProviderName(name, project)) continue; // reported as unknown
    const resolved = tryResolve(name, project, env);
    if (!resolved || !resolved.needsKey || resolved.keySource !== null) continue;
    problems.push({
      report,
      problem: problemWithoutPlace(`provider "${resolved.name}" has no API key: ${keyFix(resolved)} (${usedBy})`, { severity: primary ? 'error' : 'warning' }),
    });
  }
  return problems;
}

function exists(path: string): boolean {
  return existsSync(path);
}

function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
