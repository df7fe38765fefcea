/** `${VAR}` and `${VAR:-default}` in config string values (CONTRACT §2.1). */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Env = Readonly<Record<string, string | undefined>>;

export function interpolateString(value: string, env: Env): string {
  return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const set = env[name];
    // Like the shell's `:-`, an empty variable counts as unset.
    return set !== undefined && set !== '' ? set : (fallback ?? '');
  });
}

/** Interpolates every string inside a JSON value, returning a new value. */
export function interpolate<T>(value: T, env: Env): T {
  if (typeof value === 'string') return interpolateString(value, env) as T;
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)])) as T;
  }
  return value;
}

/** The variable a value is exactly a reference to (`"${ANTHROPIC_API_KEY}"` → `ANTHROPIC_API_KEY`). */
export function referencedVariable(value: string): string | undefined {
  return /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/.exec(value)?.[1];
}

/** Every variable a value references, in order (`"Bearer ${TOKEN}"` → `TOKEN`). */
export function referencedVariables(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((match) => match[1] ?? '');
}

/** Whether a string holds any `${…}` reference at all (so it is not a literal secret). */
export function hasReference(value: string): boolean {
  return new RegExp(REFERENCE.source).test(value);
}
