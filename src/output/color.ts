import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Whether a stream gets colour (CONTRACT §10): `--no-color` beats everything; then
 * FORCE_COLOR forces it (over NO_COLOR, as in Node itself); then NO_COLOR; else a TTY only.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

export function chalkFor(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}
