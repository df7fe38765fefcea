/**
 * Checks a tool call's arguments against the tool's JSON Schema with ajv, before the tool runs,
 * and words the errors for the model so it can correct the call.
 *
 * ajv is loaded (from the bundle, not node_modules) and each schema compiled on first use: a run
 * that never calls a tool pays nothing, and the first call costs about a millisecond.
 */
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { isObject } from '../core/json.js';

let ajv: Promise<AjvClass> | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

async function loadAjv(): Promise<AjvClass> {
  const module = await import('ajv');
  // A CommonJS package imported from the bundle arrives as its `default` export.
  const { Ajv } = ('default' in module && module.default ? module.default : module) as typeof import('ajv');
  // The tools' schemas are Loom's own: checking them against the meta-schema (which costs ~20 ms
  // to compile) would only repeat what the tests do.
  return new Ajv({ allErrors: true, strict: true, logger: false, meta: false, validateSchema: false });
}

async function validatorFor(schema: Record<string, unknown>): Promise<ValidateFunction> {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = (await (ajv ??= loadAjv())).compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Problems with `input` (one message per line), or `[]` when it is valid. */
export async function validateInput(schema: Record<string, unknown>, input: unknown): Promise<string[]> {
  const validate = await validatorFor(schema);
  if (validate(input)) return [];
  return (validate.errors ?? []).map(describe);
}

function describe(error: ErrorObject): string {
  const at = error.instancePath === '' ? 'arguments' : `"${error.instancePath.slice(1).replace(/\//g, '.')}"`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required argument "${String(params.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown argument "${String(params.additionalProperty)}"${error.instancePath === '' ? '' : ` in ${at}`}`;
    case 'type':
      return `${at} must be ${String(params.type)}`;
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Drops top-level `null` values of optional arguments: several models send `"pattern": null` for an
 * argument they mean to leave out. Any other value is left for the schema to judge.
 */
export function dropNullOptionals(schema: Record<string, unknown>, input: unknown): unknown {
  if (!isObject(input)) return input;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const entries = Object.entries(input).filter(([key, value]) => !(value === null && !required.has(key)));
  return entries.length === Object.keys(input).length ? input : Object.fromEntries(entries);
}
