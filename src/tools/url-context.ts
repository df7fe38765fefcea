/**
 * URL provenance (CONTRACT §11): without a terminal, `fetch_url` fetches only a URL that already
 * appeared in the run's input, the agent's prompt or config, or an earlier tool result, so a
 * prompt-injected model cannot make up an address to send data to. URLs are compared after
 * normalization: scheme and host lower-cased, default port and fragment dropped — and, as RFC 3986
 * §6.2.2 says is the same URL, percent-escapes in upper case and those of unreserved characters
 * decoded (`%7e` is `~`), so a model that re-spells an escape is not refused for it.
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
  // A host holds no `%` after parsing: every escape left is in the user info, path or query.
  return parsed.href.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/** `&amp;`, `&#38;`, `&#x26;`, `&quot;`…: an attribute value as the browser reads it. */
function decodeEntities(value: string): string {
  const named: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };
  return value.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|quot|apos|lt|gt));/gi, (entity, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return named[name.toLowerCase()] ?? entity;
    const code = decimal !== undefined ? Number(decimal) : parseInt(hex ?? '', 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
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
      // JSON escapes `/` as `\/` (search results, MCP results): `https:\/\/x\/a` is https://x/a.
      const texts = text.includes('\\/') ? [text, text.replace(/\\\//g, '/')] : [text];
      for (const match of texts.flatMap((each) => [...each.matchAll(ABSOLUTE_URL)])) {
        const url = trimEnd(match[0]);
        add(url);
        // Also the form a sentence may have cut one character too much from, e.g. "(see https://x/a)".
        if (url !== match[0]) add(match[0]);
      }
      if (base !== undefined) {
        for (const match of text.matchAll(LINK_ATTRIBUTE)) {
          const link = decodeEntities(match[1] ?? match[2] ?? match[3] ?? '').trim();
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
