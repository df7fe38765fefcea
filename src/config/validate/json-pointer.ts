/**
 * JSON pointers (RFC 6901), the addresses that ajv reports and `config validate` prints:
 * `/providers/my~1proxy/type` is the `type` of the provider named `my/proxy`.
 */
import { isObject } from '../../core/json.js';

/** The unescaped segments of a pointer; `''` (the whole document) has none. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(pointer.startsWith('/') ? 1 : 0)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The pointer of `segment` inside the value at `pointer`. */
export function appendPointer(pointer: string, segment: string | number): string {
  return `${pointer}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Whether `pointer` is `ancestor` itself or lies inside it (`/a/b` is inside `/a`, `/ab` is not). */
export function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

/** The value at `pointer` inside `value`, or undefined when there is none. */
export function valueAt(value: unknown, pointer: string): unknown {
  let current = value;
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(segment)) current = current[Number(segment)];
    else if (isObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else return undefined;
  }
  return current;
}
