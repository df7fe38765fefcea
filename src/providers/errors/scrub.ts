/** Keeping secrets out of what an error says: every message built from a provider's words goes through here. */

/** Replace every secret in `text` by `[redacted]`, longest first so overlapping secrets stay hidden. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[redacted]');
  }
  return out;
}

/**
 * A copy of an error for LoomError's `cause` (shown under --debug): name, code, message and stack
 * with secrets removed, and nothing else — an SDK error's body or headers may echo the key.
 */
export function safeCause(error: unknown, secrets: readonly string[], depth = 0): Error | undefined {
  if (error === undefined || error === null || depth > 5) return undefined;
  if (!(error instanceof Error)) return new Error(redact(String(typeof error === 'symbol' ? error.description ?? 'symbol' : error), secrets));
  const copy = new Error(redact(error.message, secrets));
  // Some SDK error classes leave `name` as 'Error'; their class name says more.
  copy.name = error.name === 'Error' && error.constructor?.name ? error.constructor.name : error.name;
  copy.stack = error.stack === undefined ? undefined : redact(error.stack, secrets);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  const inner = safeCause((error as { cause?: unknown }).cause, secrets, depth + 1);
  if (inner) Object.assign(copy, { cause: inner });
  return copy;
}

/** A provider's own message on one line, bounded, secrets removed. */
export function cleanMessage(message: string | undefined, secrets: readonly string[], max = 500): string | undefined {
  if (message === undefined) return undefined;
  let text = redact(message, secrets);
  // An HTML error page from a proxy: keep its words, not its markup.
  if (/<\/?[a-z][^>]*>/i.test(text)) text = text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ');
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (!oneLine) return undefined;
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Hide user:password@ in a URL before it goes into a message. */
export function displayUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
