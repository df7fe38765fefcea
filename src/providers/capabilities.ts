/**
 * Which of Loom's normalized settings a provider type's API does not take (CONTRACT §10: such a
 * setting is never dropped silently), as its descriptor says (`notTaken`). SDK-free and tiny:
 * `config validate`, every run (one warning) and `--dry-run` ask it without loading a provider.
 *
 * The request builders (`toAnthropicBody` …) leave exactly these settings out of the body;
 * test/providers/wire.test.ts holds the two in step, and checks that the Anthropic version in
 * anthropic/descriptor.ts is the one the installed SDK sends.
 */
import type { ChatRequest } from '../core/messages.js';
import { descriptorOf, type DroppedSetting, type Setting } from './descriptors.js';

export type { DroppedSetting, Setting } from './descriptors.js';

/**
 * The settings `request` sets that a provider of `type` will not send. A setting the user also
 * puts in `params` is sent as given there (params go into the body unchanged), so it is not dropped.
 */
export function droppedSettings(type: string, request: Pick<ChatRequest, Setting | 'params'>): DroppedSetting[] {
  const notTaken = descriptorOf(type)?.notTaken ?? [];
  return notTaken.filter(({ setting }) => request[setting] !== undefined && !(request.params && Object.hasOwn(request.params, setting)));
}
