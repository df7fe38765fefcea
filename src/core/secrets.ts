/**
 * Known secrets (CONTRACT §11, §19): one definition, used by every output path (redaction) and by
 * every tool check (files that hold a secret, arguments that carry one, child environments).
 *
 * A known secret is
 * - every value used as a key or inside headers: provider `apiKey`s, the `${VAR}` values an
 *   `apiKey` or a header uses, the standard key variables (8 characters or more);
 * - every variable of the environment (or of the `.env` Loom loaded) whose name has one of the
 *   words below as a whole `_`-separated word, any case, when its value is 16 characters or more
 *   with no whitespace (`DEPLOY_TOKEN`, `db_password`; not `KEYBOARD_LAYOUT`, `GIT_AUTHOR_NAME`).
 *
 * This module is on the floor: it imports nothing of Loom's.
 */

export const REDACTED = '[redacted]';

/** The variables the providers' own keys live in (CONTRACT §2.1): secrets whatever their name says. */
export const STANDARD_KEY_VARIABLES: readonly string[] = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'HF_TOKEN'];

const SECRET_WORDS = new Set(['KEY', 'APIKEY', 'TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'CREDENTIAL', 'CREDENTIALS', 'AUTH']);
const NEVER_SECRET = new Set(['PATH', 'HOME', 'USER', 'SHELL', 'TMPDIR', 'SSH_AUTH_SOCK']);

/** Values used as keys shorter than this are not secrets: redacting "1" would mangle output. */
export const MIN_KEY_LENGTH = 8;
/** A variable that is a secret only by its name must hold a value at least this long. */
export const MIN_NAMED_SECRET_LENGTH = 16;

/** Whether a variable's name says it holds a secret (its value still has to look like one). */
export function hasSecretName(name: string): boolean {
  if (NEVER_SECRET.has(name.toUpperCase())) return false;
  return name.split('_').some((word) => SECRET_WORDS.has(word.toUpperCase()));
}

/** Whether a variable of the environment is a known secret by the rules above. */
export function isSecretVariable(name: string, value: string | undefined): boolean {
  if (value === undefined || NEVER_SECRET.has(name.toUpperCase())) return false;
  if (STANDARD_KEY_VARIABLES.includes(name)) return value.length >= MIN_KEY_LENGTH;
  return hasSecretName(name) && value.length >= MIN_NAMED_SECRET_LENGTH && !/\s/.test(value);
}

/** How a secret was found in a text: never the secret itself. */
export type SecretForm = 'as is' | 'URL-encoded' | 'base64' | 'hex';

interface Encoded {
  /** Case-sensitive forms: base64 (standard and URL-safe alphabets) at each byte alignment. */
  base64: string[];
  /** Lower-case hex, compared with the text lower-cased. */
  hex: string;
}

export class KnownSecrets {
  private readonly known = new Set<string>();
  /** Where each secret came from (a variable, a config field), for messages that must name it, never show it. */
  private readonly names = new Map<string, string>();
  private pattern: RegExp | null = null;
  private encoded: Map<string, Encoded> | null = null;

  /** A value used as a key or a header (8 characters or more); `name` says where it came from (the first name given stays). */
  add(value: string | undefined, name?: string): void {
    if (value === undefined || value.length < MIN_KEY_LENGTH) return;
    if (name !== undefined && !this.names.has(value)) this.names.set(value, name);
    if (this.known.has(value)) return;
    this.known.add(value);
    this.pattern = null;
    this.encoded = null;
  }

  /** Every variable of `env` that is a secret by name and value, named by its variable. */
  addFromEnv(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) if (isSecretVariable(name, value)) this.add(value, name);
  }

  /** The name a secret was added with (`DEPLOY_TOKEN`, `providers.x.apiKey`), if any. */
  nameOf(value: string): string | undefined {
    return this.names.get(value);
  }

  get size(): number {
    return this.known.size;
  }

  /** The values themselves: only for checks in another thread (the file search worker), never for output. */
  values(): string[] {
    return [...this.known];
  }

  /** The longest secret's length: how much context a cut must keep to redact across it. */
  get longest(): number {
    let longest = 0;
    for (const value of this.known) longest = Math.max(longest, value.length);
    return longest;
  }

  redact(text: string): string {
    if (this.known.size === 0) return text;
    this.pattern ??= new RegExp(
      // Longest first, so a key that contains another is replaced whole.
      [...this.known].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }

  /** Redacts every string inside a JSON value (for `--json` documents and log lines). */
  redactValue<T>(value: T): T {
    if (this.known.size === 0) return value;
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }

  /**
   * How many characters at the end of `text` could be the beginning of a secret. A stream holds
   * them back until the next piece shows whether a secret follows: a key split across two
   * deltas is still caught whole, and text that cannot start one is never delayed.
   */
  partialSecretLength(text: string): number {
    let longest = 0;
    for (const secret of this.known) {
      for (let n = Math.min(secret.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(secret.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }

  /**
   * Whether `text` carries a known secret: as is, URL-encoded (once or more), base64 (either
   * alphabet, at any position in a longer encoded run) or hex (either case). Used to refuse tool
   * calls that would send a secret somewhere, and files that hold one.
   */
  find(text: string): SecretForm | undefined {
    return this.match(text)?.form;
  }

  /**
   * `find`, with the secret it found: only to name it (`nameOf`) in a refusal, never to show it.
   */
  match(text: string): { value: string; form: SecretForm } | undefined {
    if (this.known.size === 0 || text.length < MIN_KEY_LENGTH) return undefined;
    const encoded = (this.encoded ??= new Map([...this.known].map((value) => [value, encode(value)])));
    let lower: string | undefined;
    const candidates = [text, ...percentDecodings(text)];
    for (const [index, candidate] of candidates.entries()) {
      for (const [value, forms] of encoded) {
        if (candidate.includes(value)) return { value, form: index === 0 ? 'as is' : 'URL-encoded' };
        if (forms.base64.some((form) => candidate.includes(form))) return { value, form: 'base64' };
        lower ??= candidate.toLowerCase();
        if (lower.includes(forms.hex)) return { value, form: 'hex' };
      }
      lower = undefined;
    }
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The base64 characters of `value` that do not depend on what surrounds it, for each of the three
 * byte alignments it can have inside a longer encoded text, in both alphabets; and its hex.
 */
function encode(value: string): Encoded {
  const bytes = Buffer.from(value, 'utf8');
  const base64: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const text = padded.toString('base64');
    // Character i holds bits [6i, 6i + 6): keep those made of the value's bits alone.
    const first = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const stable = text.slice(first, end);
    base64.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return { base64: [...new Set(base64)], hex: bytes.toString('hex') };
}

/** `text` with percent-escapes decoded, once and again while that changes it (double encoding). */
function percentDecodings(text: string): string[] {
  const out: string[] = [];
  let current = text;
  for (let round = 0; round < 3 && /%[0-9A-Fa-f]{2}/.test(current); round++) {
    current = decodePercent(current);
    out.push(current);
  }
  if (current.includes('+')) out.push(current.replace(/\+/g, ' '));
  return out;
}

/** Decodes %XX escapes as UTF-8 bytes; a malformed sequence is kept as it is, never an error. */
function decodePercent(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    return bytes.toString('utf8');
  });
}

/**
 * A copy of `env` for a process Loom starts for the model (`run_command`): without the standard
 * key variables, without variables that are secrets by name, and without any variable whose value
 * carries a known secret, whatever its name (`"apiKey": "${MY_LLM_CRED}"`).
 */
export function withoutSecrets(env: Readonly<Record<string, string | undefined>>, secrets: KnownSecrets): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || STANDARD_KEY_VARIABLES.includes(name) || hasSecretName(name)) continue;
    if (secrets.find(value) !== undefined) continue;
    kept[name] = value;
  }
  return kept;
}
