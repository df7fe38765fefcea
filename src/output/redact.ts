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

  /**
   * How many characters at the end of `text` could be the beginning of a secret. A stream holds
   * them back until the next piece shows whether a secret follows: a key split across two
   * deltas is still caught whole, and text that cannot start one is never delayed.
   */
  partialSecretLength(text: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      for (let n = Math.min(secret.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(secret.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }

  /** Redacts every string inside a JSON value (for `--json` documents and log lines). */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A copy of the environment without secret-looking variables, for processes Loom starts for the model. */
export function withoutSecrets(env: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_NAME.test(name)));
}
