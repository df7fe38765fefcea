import { BUILTIN_PROVIDERS } from '../config/builtins.js';
import { projectSecrets } from '../config/config-secrets.js';
import { loadProject, type LoadedProject } from '../config/load.js';
import { readCredentials, resolveProvider } from '../config/resolve-provider.js';
import type { CommandContext } from './context.js';

/**
 * Loads the project for a command and teaches the known secrets every key the project can reach,
 * before anything is printed.
 */
export async function openProject(ctx: CommandContext): Promise<LoadedProject> {
  const project = await loadProject({ cwd: ctx.cwd, env: ctx.env, configPath: ctx.configPath });
  ctx.io.secrets.addFromEnv(project.env); // `.env` may have added keys
  for (const value of projectSecrets(project.raw, project.env)) ctx.io.secrets.add(value);
  for (const name of providerNames(project)) {
    try {
      // Named by where it comes from, so a refusal can say which key without showing it.
      const source = resolveProvider(name, project.raw, project.env).keySource;
      ctx.io.secrets.add(readCredentials(name, project.raw, project.env).apiKey, source === 'config' ? `providers.${name}.apiKey` : (source ?? undefined));
    } catch {
      // A broken entry has no key to hide; the command that uses it reports the problem.
    }
  }
  return project;
}

/** Built-in providers first, then the project's own, each once. */
export function providerNames(project: LoadedProject): string[] {
  return [...new Set([...Object.keys(BUILTIN_PROVIDERS), ...Object.keys(project.raw.providers ?? {})])];
}
