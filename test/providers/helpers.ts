/** Shared bits of the provider tests. */
import type { ProviderCredentials, ProviderType } from '../../src/core/config.js';
import { isLoomError, type LoomError } from '../../src/core/errors.js';
import type { ChatRequest, Provider, ProviderEvent, StreamOptions } from '../../src/core/messages.js';
import type { ProviderSettings } from '../../src/core/plan.js';
import { createProvider, type ProviderContext } from '../../src/providers/registry.js';

/** A provider under test: its settings, and what its context gives it (the credentials, the merged timeout). */
export interface ProviderUnderTest extends Partial<ProviderSettings> {
  type: ProviderType;
  apiKey?: string;
  headers?: Record<string, string>;
  /** The chain entry's merged timeout the SDK gets; default: none (the SDKs' ten minutes). */
  timeoutMs?: number;
}

export function providerSettings({ apiKey, headers: _headers, timeoutMs: _timeoutMs, ...overrides }: ProviderUnderTest): ProviderSettings {
  return {
    name: overrides.type,
    keySource: apiKey ? 'TEST_KEY' : null,
    needsKey: overrides.type !== 'mock' && overrides.type !== 'openai-compatible',
    keyVariables: [],
    ...overrides,
  };
}

export function providerCredentials({ apiKey, headers }: ProviderUnderTest): ProviderCredentials {
  return { ...(apiKey !== undefined ? { apiKey } : {}), headers: { ...headers } };
}

export function providerContext(under: ProviderUnderTest): ProviderContext {
  return { credentials: () => providerCredentials(under), timeoutMs: under.timeoutMs ?? 0 };
}

/** The registry's provider for `under`, built as the engine builds one. */
export function makeProvider(under: ProviderUnderTest): Promise<Provider> {
  return createProvider(providerSettings(under), providerContext(under));
}

/** Events that describe the wire, not the answer: `activity` (it is alive) and `http` (one per request, for --verbose). */
const wireEvent = (event: ProviderEvent): boolean => event.type === 'activity' || event.type === 'http';

/** The events of a stream, less `activity` and `http` (see `collectAll` for those). */
export async function collect(provider: Provider, request: ChatRequest, options?: StreamOptions): Promise<ProviderEvent[]> {
  return (await collectAll(provider, request, options)).filter((event) => !wireEvent(event));
}

export async function collectAll(provider: Provider, request: ChatRequest, options?: StreamOptions): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for await (const event of provider.stream(request, options)) events.push(event);
  return events;
}

/** The error a stream ends with (fails the test when it does not fail). */
export async function failure(provider: Provider, request: ChatRequest, options?: StreamOptions): Promise<{ error: LoomError; events: ProviderEvent[] }> {
  const events: ProviderEvent[] = [];
  try {
    for await (const event of provider.stream(request, options)) if (!wireEvent(event)) events.push(event);
  } catch (error) {
    if (!isLoomError(error)) throw new Error(`expected a LoomError, got ${String(error)}`, { cause: error });
    return { error, events };
  }
  throw new Error(`expected the stream to fail; it produced ${JSON.stringify(events)}`);
}

export const text = (events: ProviderEvent[]): string =>
  events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('');

export const ofType = <T extends ProviderEvent['type']>(events: ProviderEvent[], type: T): Extract<ProviderEvent, { type: T }>[] =>
  events.filter((e): e is Extract<ProviderEvent, { type: T }> => e.type === type);

/** Usage with the cache counters a provider reports (0 when its API said none). */
export const usage = (inputTokens: number, outputTokens: number, cachedInputTokens = 0, cacheWriteTokens = 0) => ({ inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens });

export const hello: ChatRequest = { model: 'test-model', messages: [{ role: 'user', content: 'Say hello' }] };
