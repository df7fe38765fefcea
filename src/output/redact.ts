/**
 * The single redaction point: everything Loom prints or writes to a file passes through a
 * Redactor holding every key value it knows, so a key never leaves the process — not even
 * when a provider echoes it back inside an error message.
 */

export const REDACTED = '[redacted]';

/** Variables whose values are secrets even when no provider of this project reads them. */
const SECRET_NAME = /(^|_)(API_?KEY|TOKEN|SECRET|PASSWORD|ACCESS_KEY)$/i;
/** Values shorter than this are not treated as secrets: redacting "1" would mangle output. */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  add(value: string | undefined): void {
    if (value === undefined || value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.pattern = null;
  }

  /** Registers every secret-looking variable of the environment (keys, tokens, passwords). */
  addFromEnv(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name)) this.add(value);
  }

  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      // Longest first, so a key that contains another is replaced whole.
      [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }

  /** Redacts every string inside a JSON value (for `--json` documents and log lines). */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
