/**
 * The values a config uses as keys and headers (CONTRACT §11, §19): every `apiKey` and header
 * value once interpolated, each `${VAR}` value inside them, and the password of a URL with
 * credentials (`https://user:pass@host`). They become known secrets before anything is printed.
 */
import { interpolateString, referencedVariables, type Env } from './interpolate.js';
import type { AgentConfig, McpServerConfig, ProjectConfig } from '../core/config.js';

/** `value` as used, and each variable it references. */
function secretsOf(value: unknown, env: Env): string[] {
  if (typeof value !== 'string') return [];
  const found = [interpolateString(value, env)];
  for (const name of referencedVariables(value)) {
    const set = env[name];
    if (set) found.push(set);
  }
  return found;
}

function headerSecrets(headers: unknown, env: Env): string[] {
  if (typeof headers !== 'object' || headers === null) return [];
  return Object.values(headers).flatMap((value) => secretsOf(value, env));
}

/** The password (and the whole user-info part) of a URL with credentials. */
export function urlCredentials(url: unknown, env: Env): string[] {
  if (typeof url !== 'string') return [];
  try {
    const parsed = new URL(interpolateString(url, env));
    if (!parsed.password) return [];
    const password = decodeURIComponent(parsed.password);
    return [password, parsed.password, `${parsed.username}:${parsed.password}`];
  } catch {
    return [];
  }
}

function serverSecrets(servers: Record<string, McpServerConfig> | undefined, env: Env): string[] {
  if (typeof servers !== 'object' || servers === null) return [];
  return Object.values(servers).flatMap((server) =>
    typeof server === 'object' && server !== null && 'url' in server ? [...headerSecrets(server.headers, env), ...urlCredentials(server.url, env)] : [],
  );
}

/** Key and header values of the project config as written (`${VAR}` intact). */
export function projectSecrets(raw: ProjectConfig, env: Env): string[] {
  const providers = typeof raw.providers === 'object' && raw.providers !== null ? Object.values(raw.providers) : [];
  return [
    ...providers.flatMap((entry) =>
      typeof entry === 'object' && entry !== null ? [...secretsOf(entry.apiKey, env), ...headerSecrets(entry.headers, env), ...urlCredentials(entry.baseUrl, env)] : [],
    ),
    ...serverSecrets(raw.mcpServers, env),
  ];
}

/** Header values of an agent's MCP servers. */
export function agentSecrets(raw: AgentConfig, env: Env): string[] {
  return serverSecrets(raw.mcpServers, env);
}
