/** What the request builders of every API share: the user's `params` merged into a body, and a default where a limit is required. */
import { isObject } from '../core/json.js';

/** Default `max_tokens` where an API requires one (Anthropic) and the request names none. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * `params` merged into a request body as given: the user's value wins, except that where both
 * sides hold an object (`output_config`, `generationConfig`), the two are merged one level deep
 * so that a param adding `{"effort": "low"}` keeps the `format` Loom put there.
 */
export function mergeParams(body: Record<string, unknown>, params: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!params) return body;
  for (const [key, value] of Object.entries(params)) {
    const current = body[key];
    body[key] = isObject(current) && isObject(value) ? { ...current, ...value } : value;
  }
  return body;
}
