/**
 * Which of Loom's normalized settings a provider type's API does not take (CONTRACT §10: such a
 * setting is never dropped silently). SDK-free and tiny: `config validate`, every run (one
 * warning) and `--dry-run` ask it without loading a provider.
 *
 * The request builders (`toAnthropicBody` …) leave exactly these settings out of the body;
 * test/providers/wire.test.ts holds the two in step, and checks that the Anthropic version here
 * is the one the installed SDK sends.
 */
import type { ProviderType } from '../core/config.js';
import type { ChatRequest } from '../core/messages.js';

/** The `anthropic-version` the installed @anthropic-ai/sdk sends: its Messages API has no sampling parameters. */
export const ANTHROPIC_API_VERSION = '2026-10-21';

/** A setting of the normalized request (and of agent configs, by the same name). */
export type Setting = 'temperature';

export interface DroppedSetting {
  setting: Setting;
  /** Why the API does not take it, for the warning. */
  why: string;
}

const NOT_TAKEN: Partial<Record<ProviderType, readonly DroppedSetting[]>> = {
  anthropic: [{ setting: 'temperature', why: `the Anthropic Messages API version ${ANTHROPIC_API_VERSION} has no sampling parameters` }],
};

/**
 * The settings `request` sets that a provider of `type` will not send. A setting the user also
 * puts in `params` is sent as given there (params go into the body unchanged), so it is not dropped.
 */
export function droppedSettings(type: string, request: Pick<ChatRequest, Setting | 'params'>): DroppedSetting[] {
  const notTaken = Object.hasOwn(NOT_TAKEN, type) ? NOT_TAKEN[type as ProviderType] ?? [] : [];
  return notTaken.filter(({ setting }) => request[setting] !== undefined && !(request.params && Object.hasOwn(request.params, setting)));
}
