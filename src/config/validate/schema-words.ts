/** Words for schema messages: types as a reader says them, never a value (which may be a key). */
import { isObject } from '../../core/json.js';

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** `integer` → `an integer`; `boolean` → `true or false`; `object,boolean` → `an object or a boolean`. */
export function typePhrase(type: unknown): string {
  const types = (Array.isArray(type) ? type.map(String) : String(type).split(',')).filter(Boolean);
  if (types.length === 1 && types[0] === 'boolean') return 'true or false';
  const words = types.map((name) => (name === 'boolean' ? 'a boolean' : (TYPE_WORDS[name] ?? name)));
  return words.length <= 1 ? (words[0] ?? 'valid') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** The type of what was given, never its value: the value may be a key. */
export function describeType(data: unknown): string {
  const type = jsonType(data);
  if (type === 'boolean') return 'a boolean';
  if (type === 'integer') return 'a number';
  return TYPE_WORDS[type] ?? type;
}

export function jsonType(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  if (typeof data === 'number') return Number.isInteger(data) ? 'integer' : 'number';
  return typeof data;
}

export function typeMatches(declared: unknown, type: string): boolean {
  const types = [declared].flat().map(String);
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

export function propertiesOf(schema: unknown): Record<string, unknown> {
  return isObject(schema) && isObject(schema.properties) ? schema.properties : {};
}

export const count = (limit: unknown, one: string, many = `${one}s`): string => `${String(limit)} ${limit === 1 ? one : many}`;
export const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);
