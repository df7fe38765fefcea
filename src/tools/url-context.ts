/**
 * URL provenance (CONTRACT §11): without a terminal, `fetch_url` fetches only a URL that already
 * appeared in the run's input, the agent's prompt or config, or an earlier tool result, so a
 * prompt-injected model cannot make up an address to send data to. URLs are compared after
 * normalization: scheme and host lower-cased, default port and fragment dropped.
 */
import type { UrlContext } from './define-tool.js';

/** Absolute http(s) URLs in free text; the end is trimmed of punctuation that closes a sentence or a bracket. */
const ABSOLUTE_URL = /\bhttps?:\/\/[^\s<>"'`{}|\\^]+/gi;
/** `href="…"`, `src='…'`: links of an HTML page, resolved against the page's URL. */
const LINK_ATTRIBUTE = /\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))/gi;

/** The normalized form two URLs are compared by, or undefined for what is not an http(s) URL. */
export function normalizeUrl(url: string | URL, base?: URL): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  parsed.hash = ''; // WHATWG URL already lower-cases scheme and host and drops a default port
  return parsed.href;
}

function trimEnd(url: string): string {
  let end = url.length;
  // Sentence punctuation, and a closing bracket with no opening one inside the URL.
  for (;;) {
    const last = url[end - 1];
    if (last === undefined) break;
    if ('.,;:!?'.includes(last)) end--;
    else if (last === ')' && !url.slice(0, end).includes('(')) end--;
    else if (last === ']' && !url.slice(0, end).includes('[')) end--;
    else break;
  }
  return url.slice(0, end);
}

export function createUrlContext(initial: readonly string[] = []): UrlContext {
  const seen = new Set<string>();
  const add = (url: string, base?: URL) => {
    const normalized = normalizeUrl(url, base);
    if (normalized !== undefined) seen.add(normalized);
  };
  const context: UrlContext = {
    addFrom(text, base) {
      for (const match of text.matchAll(ABSOLUTE_URL)) {
        const url = trimEnd(match[0]);
        add(url);
        // Also the form a sentence may have cut one character too much from, e.g. "(see https://x/a)".
        if (url !== match[0]) add(match[0]);
      }
      if (base !== undefined) {
        for (const match of text.matchAll(LINK_ATTRIBUTE)) {
          const link = (match[1] ?? match[2] ?? match[3] ?? '').replace(/&amp;/g, '&').trim();
          if (link !== '') add(link, base);
        }
      }
    },
    has(url) {
      const normalized = normalizeUrl(url);
      return normalized !== undefined && seen.has(normalized);
    },
  };
  for (const text of initial) context.addFrom(text);
  return context;
}
