import { REDACTED } from '../core/secrets.js';

/**
 * A URL as shown to the user (CONTRACT §11): credentials in it (`https://user:pass@host`) are
 * replaced, whatever their length, so `config show`, `providers` and `--dry-run` never print them.
 */
export function displayUrl(url: string): string;
export function displayUrl(url: string | undefined): string | undefined;
export function displayUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: `user:pass@` may still be written in it.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, `$1${REDACTED}@`);
  }
  if (parsed.username === '' && parsed.password === '') return url;
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, `$1${REDACTED}@`);
}
